//! Stock per SKU and availability checks.

use serde_json::json;

use crate::support::Server;

pub(super) fn stock_per_warehouse(s: &Server) {
    assert_eq!(
        s.get("/v1/inventory/SHO-003").ok(200),
        json!({
            "sku": "SHO-003",
            "product_id": 3,
            "name": "Marathon Racer",
            "warehouses": [
                {"warehouse": "BER", "warehouse_name": "Berlin", "on_hand": 7, "reserved": 0, "available": 7},
                {"warehouse": "LIS", "warehouse_name": "Lisbon", "on_hand": 20, "reserved": 0, "available": 20},
            ],
            "totals": {"on_hand": 27, "reserved": 0, "available": 27},
        })
    );
    let gaiters = s.get("/v1/inventory/ACC-006").ok(200);
    assert_eq!(
        gaiters["totals"],
        json!({"on_hand": 24, "reserved": 24, "available": 0})
    );
}

pub(super) fn sku_without_stock(s: &Server) {
    assert_eq!(
        s.get("/v1/inventory/ELE-005").ok(200),
        json!({
            "sku": "ELE-005",
            "product_id": 23,
            "name": "Bike Light Set",
            "warehouses": [],
            "totals": {"on_hand": 0, "reserved": 0, "available": 0},
        })
    );
}

pub(super) fn unknown_sku_is_404(s: &Server) {
    assert_eq!(
        s.get("/v1/inventory/NOPE-1").problem(404),
        json!({"type": "/problems/not-found", "title": "Not found", "status": 404, "detail": "No product has this SKU."})
    );
}

pub(super) fn skus_are_validated(s: &Server) {
    let problem = s.get("/v1/inventory/sho-003").problem(400);
    assert_eq!(
        problem["errors"],
        json!([{"pointer": "#/path/sku", "detail": "must match the pattern ^[A-Z0-9]+(-[A-Z0-9]+)*$"}])
    );
    let long = "A".repeat(65);
    let problem = s.get(&format!("/v1/inventory/{long}")).problem(400);
    assert_eq!(
        problem["errors"][0]["detail"],
        "must be at most 64 characters long"
    );
}

pub(super) fn availability_check(s: &Server) {
    let before = s.scalar("SELECT SUM(reserved) FROM stock");
    let reply = s.json(
        "POST",
        "/v1/inventory/check",
        &json!({"items": [
            {"sku": "SHO-003", "quantity": 27},
            {"sku": "ACC-006", "quantity": 1},
            {"sku": "NOPE-9", "quantity": 1},
            {"sku": "SHO-003", "quantity": 28},
        ]}),
    );
    assert_eq!(
        reply.ok(200),
        json!({
            "lines": [
                // 27 fit, but not together with line 3's 28 of the same SKU.
                {"line": 0, "sku": "SHO-003", "requested": 27, "available": 27, "known": true, "sufficient": false},
                {"line": 1, "sku": "ACC-006", "requested": 1, "available": 0, "known": true, "sufficient": false},
                {"line": 2, "sku": "NOPE-9", "requested": 1, "available": 0, "known": false, "sufficient": false},
                {"line": 3, "sku": "SHO-003", "requested": 28, "available": 27, "known": true, "sufficient": false},
            ],
            "all_available": false,
        })
    );
    assert_eq!(
        s.scalar("SELECT SUM(reserved) FROM stock"),
        before,
        "a check reserves nothing"
    );
}

pub(super) fn availability_check_all_available(s: &Server) {
    let split = s.json(
        "POST",
        "/v1/inventory/check",
        &json!({"items": [{"sku": "SHO-003", "quantity": 20}, {"sku": "SHO-003", "quantity": 7}]}),
    );
    assert_eq!(
        split.ok(200)["all_available"],
        true,
        "27 in two lines of the same SKU fit"
    );

    let reply = s.json(
        "POST",
        "/v1/inventory/check",
        &json!({"items": [{"sku": "SHO-003", "quantity": 1}]}),
    );
    assert_eq!(
        reply.ok(200),
        json!({
            "lines": [{"line": 0, "sku": "SHO-003", "requested": 1, "available": 27, "known": true, "sufficient": true}],
            "all_available": true,
        })
    );
}

pub(super) fn availability_check_validation(s: &Server) {
    let problem = s
        .json(
            "POST",
            "/v1/inventory/check",
            &json!({
                "items": [{"sku": "sho", "quantity": 0}, {"quantity": "2"}, {"sku": "SHO-001", "quantity": 1, "colour": "red"}],
                "extra": true,
            }),
        )
        .problem(422);
    assert_eq!(
        problem,
        json!({
            "type": "/problems/invalid-body",
            "title": "Request body does not match the schema",
            "status": 422,
            "detail": "6 violations; see `errors`",
            "errors": [
                {"pointer": "#/body/extra", "detail": "unknown field; expected one of: items"},
                {"pointer": "#/body/items/0/sku", "detail": "must match the pattern ^[A-Z0-9]+(-[A-Z0-9]+)*$"},
                {"pointer": "#/body/items/0/quantity", "detail": "must be at least 1"},
                {"pointer": "#/body/items/1/sku", "detail": "is required"},
                {"pointer": "#/body/items/1/quantity", "detail": "must be an integer, got a string"},
                {"pointer": "#/body/items/2/colour", "detail": "unknown field; expected one of: sku, quantity"},
            ],
        })
    );
    let cases = [
        (
            json!({"items": []}),
            "#/body/items",
            "must have at least 1 item",
        ),
        (
            json!({"items": vec![json!({"sku": "A", "quantity": 1}); 101]}),
            "#/body/items",
            "must have at most 100 items",
        ),
        (json!([]), "#/body", "must be an object, got an array"),
        (
            json!({"items": [{"sku": "A", "quantity": 1.5}]}),
            "#/body/items/0/quantity",
            "must be an integer, got 1.5",
        ),
        (
            json!({"items": [{"sku": "A", "quantity": 10001}]}),
            "#/body/items/0/quantity",
            "must be at most 10000",
        ),
        (
            json!({"items": [{"sku": "A", "quantity": null}]}),
            "#/body/items/0/quantity",
            "must be an integer, got null",
        ),
    ];
    for (body, pointer, detail) in cases {
        let problem = s.json("POST", "/v1/inventory/check", &body).problem(422);
        assert_eq!(
            problem["errors"],
            json!([{"pointer": pointer, "detail": detail}]),
            "{body}"
        );
    }
}
