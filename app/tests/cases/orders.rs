//! Placing orders and moving them through their life cycle.

use serde_json::{Value, json};

use crate::support::Server;
use crate::support::tokens::{customer, staff};

/// The customer the order cases place orders as.
pub(super) const CUSTOMER: i64 = 42;
/// The staff member who moves orders along.
const STAFF: i64 = 7;

pub(super) fn address() -> Value {
    json!({"name": "Ada Lovelace", "line1": "Keizersgracht 1", "city": "Amsterdam", "postal_code": "1015 CJ", "country": "NL"})
}

pub(super) fn order_body(items: Value) -> Value {
    json!({"customer_id": 42, "items": items, "shipping_address": address()})
}

/// Places an order that must succeed; returns its body.
#[track_caller]
pub(super) fn place(s: &Server, items: Value) -> Value {
    let reply = s
        .by(&customer(CUSTOMER))
        .json("POST", "/v1/orders", &order_body(items));
    let body = reply.ok(201);
    let id = body["id"].as_i64().expect("id");
    assert_eq!(
        reply.header("location"),
        Some(format!("/v1/orders/{id}").as_str())
    );
    body
}

/// `(on_hand, reserved)` of a SKU in each warehouse, by warehouse code.
pub(super) fn stock(s: &Server, sku: &str) -> Vec<Value> {
    s.rows(&format!(
        "SELECT w.code, s.on_hand, s.reserved FROM stock s JOIN warehouses w ON w.id = s.warehouse_id \
         JOIN products p ON p.id = s.product_id WHERE p.sku = '{sku}' ORDER BY w.code"
    ))
}

/// Counts of the tables an order writes to.
fn written(s: &Server) -> Vec<i64> {
    [
        "orders",
        "order_items",
        "stock_reservations",
        "order_events",
    ]
    .iter()
    .map(|t| s.scalar(&format!("SELECT COUNT(*) FROM {t}")))
    .chain([s.scalar("SELECT SUM(reserved) FROM stock")])
    .collect()
}

fn is_timestamp(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|t| t.len() == 24 && t.ends_with('Z') && t.as_bytes()[10] == b'T')
}

pub(super) fn placing_an_order_reserves_stock(s: &Server) {
    let body = place(
        s,
        json!([{"sku": "ELE-006", "quantity": 25}, {"sku": "APP-005", "quantity": 3}]),
    );
    let id = body["id"].as_i64().expect("id");
    assert!(is_timestamp(&body["created_at"]), "{body}");
    assert_eq!(body["updated_at"], body["created_at"]);
    let mut expected = json!({
        "id": id,
        "customer_id": 42,
        "status": "pending",
        "items": [
            {"line": 1, "sku": "ELE-006", "product_id": 24, "name": "Action Camera", "quantity": 25,
             "unit_price": {"amount_cents": 29900, "currency": "USD"}, "line_total": {"amount_cents": 747500, "currency": "USD"}},
            {"line": 2, "sku": "APP-005", "product_id": 11, "name": "Wool Socks", "quantity": 3,
             "unit_price": {"amount_cents": 1900, "currency": "USD"}, "line_total": {"amount_cents": 5700, "currency": "USD"}},
        ],
        "total": {"amount_cents": 753200, "currency": "USD"},
        "shipping_address": address(),
        "created_at": body["created_at"],
        "updated_at": body["created_at"],
    });
    assert_eq!(body, expected);

    // The stored order is what was returned, prices included.
    assert_eq!(
        s.by(&customer(CUSTOMER))
            .get(&format!("/v1/orders/{id}"))
            .ok(200),
        expected
    );
    assert_eq!(
        s.rows(&format!("SELECT customer_id, status, currency, total_cents, ship_country FROM orders WHERE id = {id}")),
        vec![json!([42, "pending", "USD", 753200, "NL"])]
    );
    assert_eq!(
        s.rows(&format!("SELECT line, product_id, quantity, unit_price_cents FROM order_items WHERE order_id = {id} ORDER BY line")),
        vec![json!([1, 24, 25, 29900]), json!([2, 11, 3, 1900])]
    );
    // 25 cameras: all 21 in Amsterdam, then 4 in Berlin.
    assert_eq!(
        stock(s, "ELE-006"),
        vec![
            json!(["AMS", 21, 21]),
            json!(["BER", 34, 4]),
            json!(["LIS", 7, 0])
        ]
    );
    assert_eq!(
        stock(s, "APP-005"),
        vec![json!(["BER", 23, 3]), json!(["LIS", 36, 0])]
    );
    assert_eq!(
        s.rows(&format!("SELECT product_id, warehouse_id, quantity FROM stock_reservations WHERE order_id = {id} ORDER BY product_id, warehouse_id")),
        vec![json!([11, 2, 3]), json!([24, 1, 21]), json!([24, 2, 4])]
    );
    assert_eq!(
        s.rows(&format!(
            "SELECT status FROM order_events WHERE order_id = {id}"
        )),
        vec![json!(["pending"])]
    );
    // Availability reflects the reservation.
    let detail = s.get("/v1/products/24").ok(200);
    assert_eq!(
        detail["availability"],
        json!({"on_hand": 62, "reserved": 25, "available": 37, "warehouses_in_stock": 2})
    );
    expected["id"] = json!(id);
}

pub(super) fn short_line_refuses_the_order(s: &Server) {
    let before = written(s);
    let stock_before = stock(s, "SHO-002");
    let reply = s.by(&customer(CUSTOMER)).json(
        "POST",
        "/v1/orders",
        &order_body(json!([{"sku": "SHO-002", "quantity": 5}, {"sku": "APP-004", "quantity": 33}])),
    );
    assert_eq!(
        reply.problem(409),
        json!({
            "type": "/problems/insufficient-stock",
            "title": "Insufficient stock",
            "status": 409,
            "detail": "not enough stock for APP-004; nothing was reserved",
            "errors": [{"pointer": "#/body/items/1/quantity", "detail": "APP-004 of 33 requested, 32 available"}],
            "short_skus": ["APP-004"],
        })
    );
    assert_eq!(written(s), before, "a refused order writes nothing");
    assert_eq!(stock(s, "SHO-002"), stock_before);

    let both = s.by(&customer(CUSTOMER)).json("POST", "/v1/orders", &order_body(json!([{"sku": "ACC-006", "quantity": 1}, {"sku": "SHO-002", "quantity": 1}, {"sku": "SHO-005", "quantity": 2}])));
    let problem = both.problem(409);
    assert_eq!(problem["short_skus"], json!(["ACC-006", "SHO-005"]));
    assert_eq!(
        problem["detail"],
        "not enough stock for ACC-006, SHO-005; nothing was reserved"
    );
    assert_eq!(written(s), before);
}

pub(super) fn unknown_sku_refuses_the_order(s: &Server) {
    let before = written(s);
    let reply = s.by(&customer(CUSTOMER)).json(
        "POST",
        "/v1/orders",
        &order_body(json!([{"sku": "SHO-002", "quantity": 1}, {"sku": "NOPE-1", "quantity": 1}])),
    );
    assert_eq!(
        reply.problem(422),
        json!({
            "type": "/problems/invalid-body",
            "title": "Request body does not match the schema",
            "status": 422,
            "detail": "unknown SKU: NOPE-1",
            "errors": [{"pointer": "#/body/items/1/sku", "detail": "no product has this SKU"}],
        })
    );
    assert_eq!(written(s), before);
}

pub(super) fn duplicate_skus_are_refused(s: &Server) {
    let before = written(s);
    let reply = s.by(&customer(CUSTOMER)).json(
        "POST",
        "/v1/orders",
        &order_body(json!([{"sku": "SHO-002", "quantity": 1}, {"sku": "SHO-002", "quantity": 2}])),
    );
    assert_eq!(
        reply.problem(422),
        json!({
            "type": "/problems/invalid-body",
            "title": "Request body does not match the schema",
            "status": 422,
            "detail": "each SKU may appear in one line only",
            "errors": [{"pointer": "#/body/items/1/sku", "detail": "repeats the SKU of line 0; order it once with the total quantity"}],
        })
    );
    assert_eq!(written(s), before);
}

pub(super) fn order_bodies_are_validated(s: &Server) {
    let before = written(s);
    let reply = s.by(&customer(CUSTOMER)).json(
        "POST",
        "/v1/orders",
        &json!({
            "customer_id": 0,
            "items": [],
            "shipping_address": {"name": "", "line1": "x", "city": "y", "postal_code": "z", "country": "nl"},
        }),
    );
    assert_eq!(
        reply.problem(422)["errors"],
        json!([
            {"pointer": "#/body/customer_id", "detail": "must be at least 1"},
            {"pointer": "#/body/items", "detail": "must have at least 1 item"},
            {"pointer": "#/body/shipping_address/name", "detail": "must not be empty"},
            {"pointer": "#/body/shipping_address/country", "detail": "must match the pattern ^[A-Z]{2}$"},
        ])
    );
    let reply = s.by(&customer(CUSTOMER)).json(
        "POST",
        "/v1/orders",
        &json!({"customer_id": "42", "items": [{"sku": "SHO-002", "quantity": 1}]}),
    );
    assert_eq!(
        reply.problem(422)["errors"],
        json!([
            {"pointer": "#/body/customer_id", "detail": "must be an integer, got a string"},
            {"pointer": "#/body/shipping_address", "detail": "is required"},
        ])
    );
    let huge = s.by(&customer(CUSTOMER)).json("POST", "/v1/orders", &json!({"customer_id": 9007199254740992_i64, "items": [{"sku": "SHO-002", "quantity": 1}], "shipping_address": address()}));
    assert_eq!(
        huge.problem(422)["errors"],
        json!([{"pointer": "#/body/customer_id", "detail": "must be between -9007199254740991 and 9007199254740991"}])
    );
    assert_eq!(written(s), before);
}

pub(super) fn order_and_status(s: &Server) {
    let order = place(s, json!([{"sku": "APP-005", "quantity": 1}]));
    let id = order["id"].as_i64().expect("id");
    assert_eq!(
        s.by(&customer(CUSTOMER))
            .get(&format!("/v1/orders/{id}"))
            .ok(200),
        order
    );
    assert_eq!(
        s.by(&customer(CUSTOMER))
            .get(&format!("/v1/orders/{id}/status"))
            .ok(200),
        json!({
            "order_id": id,
            "status": "pending",
            "updated_at": order["created_at"],
            "history": [{"status": "pending", "at": order["created_at"]}],
            "next": ["paid", "cancelled"],
        })
    );
}

pub(super) fn missing_order_is_404(s: &Server) {
    let expected = json!({"type": "/problems/not-found", "title": "Not found", "status": 404, "detail": "No order has this id."});
    assert_eq!(
        s.by(&staff(STAFF)).get("/v1/orders/999999").problem(404),
        expected
    );
    assert_eq!(
        s.by(&customer(CUSTOMER))
            .get("/v1/orders/999999/status")
            .problem(404),
        expected
    );
    let before = written(s);
    assert_eq!(
        s.by(&staff(STAFF))
            .json(
                "PATCH",
                "/v1/orders/999999/status",
                &json!({"status": "paid"})
            )
            .problem(404),
        expected
    );
    assert_eq!(written(s), before);
}

#[track_caller]
fn move_to(s: &Server, id: i64, status: &str) -> Value {
    s.by(&staff(STAFF))
        .json(
            "PATCH",
            &format!("/v1/orders/{id}/status"),
            &json!({"status": status}),
        )
        .ok(200)
}

fn statuses(history: &Value) -> Vec<&str> {
    history["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["status"].as_str().expect("status"))
        .collect()
}

pub(super) fn life_cycle(s: &Server) {
    // Hiking Boot: 1 in Amsterdam, 14 in Berlin, 27 in Lisbon.
    let order = place(s, json!([{"sku": "SHO-004", "quantity": 10}]));
    let id = order["id"].as_i64().expect("id");
    assert_eq!(
        stock(s, "SHO-004"),
        vec![
            json!(["AMS", 1, 1]),
            json!(["BER", 14, 9]),
            json!(["LIS", 27, 0])
        ]
    );

    let paid = move_to(s, id, "paid");
    assert_eq!(paid["status"], "paid");
    assert_eq!(statuses(&paid), ["pending", "paid"]);
    assert_eq!(paid["next"], json!(["shipped", "cancelled"]));
    assert_eq!(paid["updated_at"], paid["history"][1]["at"]);
    assert!(is_timestamp(&paid["updated_at"]));

    let shipped = move_to(s, id, "shipped");
    assert_eq!(statuses(&shipped), ["pending", "paid", "shipped"]);
    assert_eq!(shipped["next"], json!(["delivered"]));
    // Shipping takes the reserved units out of the warehouses.
    assert_eq!(
        stock(s, "SHO-004"),
        vec![
            json!(["AMS", 0, 0]),
            json!(["BER", 5, 0]),
            json!(["LIS", 27, 0])
        ]
    );
    assert_eq!(
        s.scalar(&format!(
            "SELECT COUNT(*) FROM stock_reservations WHERE order_id = {id}"
        )),
        0
    );

    let delivered = move_to(s, id, "delivered");
    assert_eq!(
        statuses(&delivered),
        ["pending", "paid", "shipped", "delivered"]
    );
    assert_eq!(delivered["next"], json!([]));
    assert_eq!(
        s.by(&customer(CUSTOMER))
            .get(&format!("/v1/orders/{id}/status"))
            .ok(200),
        delivered
    );
    assert_eq!(
        s.by(&customer(CUSTOMER))
            .get(&format!("/v1/orders/{id}"))
            .ok(200)["status"],
        "delivered"
    );
    assert_eq!(
        s.rows(&format!(
            "SELECT status FROM order_events WHERE order_id = {id} ORDER BY id"
        )),
        vec![
            json!(["pending"]),
            json!(["paid"]),
            json!(["shipped"]),
            json!(["delivered"])
        ]
    );
}

pub(super) fn cancelling_releases_stock(s: &Server) {
    // Heart Rate Strap: 33 in Amsterdam, 6 in Berlin, 19 in Lisbon.
    let order = place(s, json!([{"sku": "ELE-002", "quantity": 40}]));
    let id = order["id"].as_i64().expect("id");
    assert_eq!(
        stock(s, "ELE-002"),
        vec![
            json!(["AMS", 33, 33]),
            json!(["BER", 6, 6]),
            json!(["LIS", 19, 1])
        ]
    );
    move_to(s, id, "paid");
    let cancelled = move_to(s, id, "cancelled");
    assert_eq!(statuses(&cancelled), ["pending", "paid", "cancelled"]);
    assert_eq!(cancelled["next"], json!([]));
    assert_eq!(
        stock(s, "ELE-002"),
        vec![
            json!(["AMS", 33, 0]),
            json!(["BER", 6, 0]),
            json!(["LIS", 19, 0])
        ]
    );
    assert_eq!(
        s.scalar(&format!(
            "SELECT COUNT(*) FROM stock_reservations WHERE order_id = {id}"
        )),
        0
    );
    // What was released can be ordered again.
    place(s, json!([{"sku": "ELE-002", "quantity": 58}]));
}

pub(super) fn forbidden_moves_are_409(s: &Server) {
    let order = place(s, json!([{"sku": "APP-005", "quantity": 1}]));
    let id = order["id"].as_i64().expect("id");
    let events = |s: &Server| {
        s.scalar(&format!(
            "SELECT COUNT(*) FROM order_events WHERE order_id = {id}"
        ))
    };

    let reply = s.by(&staff(STAFF)).json(
        "PATCH",
        &format!("/v1/orders/{id}/status"),
        &json!({"status": "shipped"}),
    );
    assert_eq!(
        reply.problem(409),
        json!({
            "type": "/problems/invalid-transition",
            "title": "Status change not allowed",
            "status": 409,
            "detail": format!("order {id} is pending and can move to paid or cancelled only, not shipped"),
            "errors": [{"pointer": "#/body/status", "detail": "cannot move from pending to shipped"}],
            "current_status": "pending",
            "allowed": ["paid", "cancelled"],
        })
    );
    let same = s
        .by(&staff(STAFF))
        .json(
            "PATCH",
            &format!("/v1/orders/{id}/status"),
            &json!({"status": "pending"}),
        )
        .problem(409);
    assert_eq!(
        same["errors"],
        json!([{"pointer": "#/body/status", "detail": "cannot move from pending to pending"}])
    );
    assert_eq!(events(s), 1);

    move_to(s, id, "cancelled");
    let reply = s.by(&staff(STAFF)).json(
        "PATCH",
        &format!("/v1/orders/{id}/status"),
        &json!({"status": "paid"}),
    );
    let problem = reply.problem(409);
    assert_eq!(
        problem["detail"],
        format!("order {id} is cancelled and can no longer change status")
    );
    assert_eq!(problem["allowed"], json!([]));
    assert_eq!(events(s), 2);
    assert_eq!(
        s.rows(&format!("SELECT status FROM orders WHERE id = {id}")),
        vec![json!(["cancelled"])]
    );
}

pub(super) fn status_updates_are_validated(s: &Server) {
    let order = place(s, json!([{"sku": "APP-005", "quantity": 1}]));
    let id = order["id"].as_i64().expect("id");
    let path = format!("/v1/orders/{id}/status");
    assert_eq!(
        s.by(&staff(STAFF))
            .json("PATCH", &path, &json!({"status": "lost"}))
            .problem(422)["errors"],
        json!([{"pointer": "#/body/status", "detail": "must be one of: pending, paid, shipped, delivered, cancelled; got \"lost\""}])
    );
    assert_eq!(
        s.by(&staff(STAFF))
            .json("PATCH", &path, &json!({}))
            .problem(422)["errors"],
        json!([{"pointer": "#/body/status", "detail": "is required"}])
    );
    // A bad path and a bad body are reported together, as a 400.
    assert_eq!(
        s.by(&staff(STAFF))
            .json("PATCH", "/v1/orders/abc/status", &json!({"status": 3}))
            .problem(400)["errors"],
        json!([
            {"pointer": "#/path/order_id", "detail": "must be an integer, got \"abc\""},
            {"pointer": "#/body/status", "detail": "must be one of: pending, paid, shipped, delivered, cancelled; got a number"},
        ])
    );
    assert_eq!(s.by(&staff(STAFF)).get(&path).ok(200)["status"], "pending");
}
