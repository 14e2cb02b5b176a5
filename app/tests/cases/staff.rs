//! Staff keep the catalog and the stock counts: adding a product, changing
//! one only as last read (`If-Match`), and counting stock on hand, never
//! below what open orders reserve. Each case puts back what it changed.

use serde_json::{Value, json};

use super::orders::{CUSTOMER, order_body};
use crate::support::tokens::{customer, staff};
use crate::support::{Reply, Server};

/// The staff member who keeps the catalog.
const STAFF: i64 = 11;
/// Power Bank, which no other case reads: 7 in Amsterdam, 33 in Lisbon.
const PRODUCT: i64 = 22;
const SKU: &str = "ELE-004";

/// Everything a catalog request can write, summed up.
fn catalog(s: &Server) -> Vec<Value> {
    s.rows(
        "SELECT (SELECT COUNT(*) FROM products),
                (SELECT group_concat(slug || ':' || product_count, ',') FROM categories),
                (SELECT group_concat(id || ':' || name || ':' || price_cents || ':' || currency || ':' || category_id || ':' || version, ',') FROM products)",
    )
}

fn new_product() -> Value {
    json!({
        "sku": "ELE-100",
        "name": "Solar Charger",
        "category": "electronics",
        "price": {"amount_cents": 5900, "currency": "USD"},
    })
}

#[track_caller]
fn etag(reply: &Reply) -> String {
    reply.header("etag").expect("an ETag").to_owned()
}

pub(super) fn staff_add_products(s: &Server) {
    let before = catalog(s);
    let reply = s
        .by(&staff(STAFF))
        .json("POST", "/v1/products", &new_product());
    let added = reply.ok(201);
    let id = added["id"].as_i64().expect("id");
    assert_eq!(
        added,
        json!({
            "id": id,
            "sku": "ELE-100",
            "name": "Solar Charger",
            "description": null,
            "category": {"slug": "electronics", "name": "Electronics"},
            "price": {"amount_cents": 5900, "currency": "USD"},
            "created_at": added["created_at"],
            "availability": {"on_hand": 0, "reserved": 0, "available": 0, "warehouses_in_stock": 0},
        })
    );
    let location = format!("/v1/products/{id}");
    assert_eq!(reply.header("location"), Some(location.as_str()));
    assert_eq!(etag(&reply), "\"1-0-0-0\"");
    // The Location is where it is, as the POST showed it.
    let read = s.get(&location);
    assert_eq!(read.ok(200), added);
    assert_eq!(etag(&read), etag(&reply));
    assert_eq!(
        s.scalar("SELECT product_count FROM categories WHERE slug = 'electronics'"),
        7
    );

    // Refusals write nothing and say why.
    let after = catalog(s);
    let taken = s
        .by(&staff(STAFF))
        .json("POST", "/v1/products", &new_product())
        .problem(409);
    assert_eq!(
        taken,
        json!({
            "type": "/problems/conflict",
            "title": "Conflict",
            "status": 409,
            "detail": format!("SKU ELE-100 is taken by product {id}"),
            "errors": [{"pointer": "#/body/sku", "detail": format!("is taken by product {id}")}],
        })
    );
    let mut unknown = new_product();
    unknown["sku"] = json!("ELE-101");
    unknown["category"] = json!("garden");
    assert_eq!(
        s.by(&staff(STAFF))
            .json("POST", "/v1/products", &unknown)
            .problem(422),
        json!({
            "type": "/problems/invalid-body",
            "title": "Request body does not match the schema",
            "status": 422,
            "detail": "no category has the slug garden",
            "errors": [{"pointer": "#/body/category", "detail": "no category has this slug"}],
        })
    );
    let mut negative = new_product();
    negative["price"]["amount_cents"] = json!(-1);
    let problem = s
        .by(&staff(STAFF))
        .json("POST", "/v1/products", &negative)
        .problem(422);
    assert_eq!(
        problem["errors"],
        json!([{"pointer": "#/body/price/amount_cents", "detail": "must be at least 0"}])
    );
    assert_eq!(
        s.by(&customer(CUSTOMER))
            .json("POST", "/v1/products", &unknown)
            .problem(403)["type"],
        "/problems/forbidden"
    );
    assert_eq!(catalog(s), after);

    s.db()
        .execute("DELETE FROM products WHERE id = ?1", [id])
        .expect("remove the product");
    assert_eq!(catalog(s), before);
}

pub(super) fn staff_change_products_only_as_last_read(s: &Server) {
    let path = format!("/v1/products/{PRODUCT}");
    let read = s.get(&path);
    let original = read.ok(200);
    let first = etag(&read);
    assert_eq!(first, "\"1-40-0-2\"");

    let patch = |tag: Option<&str>, body: &Value| {
        let bytes = serde_json::to_vec(body).expect("json");
        let mut headers = vec![("content-type", "application/json")];
        if let Some(tag) = tag {
            headers.push(("if-match", tag));
        }
        s.by(&staff(STAFF))
            .send("PATCH", &path, &headers, Some(&bytes))
    };

    // A change made against the current tag is made, and retags it.
    let reply = patch(
        Some(&first),
        &json!({"name": "Power Bank XL", "price": {"amount_cents": 5400, "currency": "USD"}}),
    );
    let changed = reply.ok(200);
    let mut expected = original.clone();
    expected["name"] = json!("Power Bank XL");
    expected["price"] = json!({"amount_cents": 5400, "currency": "USD"});
    assert_eq!(changed, expected);
    let second = etag(&reply);
    assert_eq!(second, "\"2-40-0-2\"");
    let reread = s.get(&path);
    assert_eq!(reread.ok(200), expected);
    assert_eq!(etag(&reread), second);

    // A change made against what was read before that is refused whole.
    let before = catalog(s);
    assert_eq!(
        patch(Some(&first), &json!({"name": "Power Bank Mini"})).problem(412),
        json!({
            "type": "/problems/stale-write",
            "title": "Changed since it was read",
            "status": 412,
            "detail": format!("product {PRODUCT} has changed since it was read: its ETag is {second}, not {first}"),
            "etag": second,
        })
    );
    assert_eq!(catalog(s), before);

    // An order changes the availability, and so the tag: a change based
    // on the earlier read is stale too.
    let order = s
        .by(&customer(CUSTOMER))
        .json(
            "POST",
            "/v1/orders",
            &order_body(json!([{"sku": SKU, "quantity": 1}])),
        )
        .ok(201);
    let third = etag(&s.get(&path));
    assert_eq!(third, "\"2-40-1-2\"");
    assert_eq!(
        patch(Some(&second), &json!({"name": "Power Bank Mini"})).problem(412)["etag"],
        third
    );

    // Without a tag nothing is written; `*` writes whatever it is now; a
    // category must exist; a product must.
    let problem = patch(None, &json!({"name": "Power Bank Mini"})).problem(400);
    assert_eq!(problem["errors"][0]["pointer"], "#/header/if-match");
    assert_eq!(
        patch(Some("\"a\", \"b\""), &json!({})).problem(400)["errors"][0]["pointer"],
        "#/header/if-match"
    );
    assert_eq!(
        patch(Some("*"), &json!({"category": "garden"})).problem(422)["detail"],
        "no category has the slug garden"
    );
    assert_eq!(catalog(s), before);
    let moved = patch(Some("*"), &json!({"category": "accessories"})).ok(200);
    assert_eq!(
        moved["category"],
        json!({"slug": "accessories", "name": "Accessories"})
    );
    assert_eq!(
        s.by(&staff(STAFF))
            .send(
                "PATCH",
                "/v1/products/999999",
                &[("content-type", "application/json"), ("if-match", "*")],
                Some(b"{}"),
            )
            .problem(404)["detail"],
        "No product has this id."
    );

    // Put everything back.
    let cancel = format!("/v1/orders/{}/status", order["id"]);
    s.by(&staff(STAFF))
        .json("PATCH", &cancel, &json!({"status": "cancelled"}))
        .ok(200);
    let restored = patch(
        Some("*"),
        &json!({"name": "Power Bank", "category": "electronics", "price": {"amount_cents": 4900, "currency": "USD"}}),
    )
    .ok(200);
    assert_eq!(restored, original);
}

pub(super) fn staff_count_stock_never_below_reserved(s: &Server) {
    let path = |code: &str| format!("/v1/inventory/{SKU}/warehouses/{code}");
    let put = |code: &str, on_hand: i64| {
        s.by(&staff(STAFF))
            .json("PUT", &path(code), &json!({"on_hand": on_hand}))
    };
    let stock = || {
        s.rows(&format!(
            "SELECT w.code, s.on_hand, s.reserved FROM stock s JOIN warehouses w ON w.id = s.warehouse_id \
             WHERE s.product_id = {PRODUCT} ORDER BY w.code"
        ))
    };

    // A count replaces what was on hand; a warehouse without the SKU gets it.
    assert_eq!(
        put("AMS", 9).ok(200),
        json!({"warehouse": "AMS", "warehouse_name": "Amsterdam", "on_hand": 9, "reserved": 0, "available": 9})
    );
    assert_eq!(
        put("BER", 4).ok(200),
        json!({"warehouse": "BER", "warehouse_name": "Berlin", "on_hand": 4, "reserved": 0, "available": 4})
    );
    assert_eq!(
        stock(),
        vec![
            json!(["AMS", 9, 0]),
            json!(["BER", 4, 0]),
            json!(["LIS", 33, 0])
        ]
    );

    // Five units reserved in Amsterdam: a count below them changes nothing.
    let order = s
        .by(&customer(CUSTOMER))
        .json(
            "POST",
            "/v1/orders",
            &order_body(json!([{"sku": SKU, "quantity": 5}])),
        )
        .ok(201);
    assert_eq!(
        put("AMS", 4).problem(409),
        json!({
            "type": "/problems/below-reserved",
            "title": "Fewer than reserved",
            "status": 409,
            "detail": format!("warehouse AMS holds 5 units of {SKU} reserved for open orders; it cannot count fewer on hand"),
            "errors": [{"pointer": "#/body/on_hand", "detail": "must be at least 5, the units reserved here"}],
            "reserved": 5,
        })
    );
    assert_eq!(
        stock(),
        vec![
            json!(["AMS", 9, 5]),
            json!(["BER", 4, 0]),
            json!(["LIS", 33, 0])
        ]
    );
    assert_eq!(
        put("AMS", 5).ok(200),
        json!({"warehouse": "AMS", "warehouse_name": "Amsterdam", "on_hand": 5, "reserved": 5, "available": 0})
    );

    // Unknown SKUs and warehouses are 404s; bad ones 400s; customers 403s.
    let counted = stock();
    for missing in [
        "/v1/inventory/NOPE-1/warehouses/AMS",
        "/v1/inventory/ELE-004/warehouses/OSL",
    ] {
        assert_eq!(
            s.by(&staff(STAFF))
                .json("PUT", missing, &json!({"on_hand": 1}))
                .problem(404)["detail"],
            "No product has this SKU, or no warehouse this code.",
            "{missing}"
        );
    }
    assert_eq!(
        put("ams", 1).problem(400)["errors"][0]["pointer"],
        "#/path/code"
    );
    assert_eq!(
        put("AMS", -1).problem(422)["errors"][0]["pointer"],
        "#/body/on_hand"
    );
    assert_eq!(
        s.by(&customer(CUSTOMER))
            .json("PUT", &path("AMS"), &json!({"on_hand": 1}))
            .problem(403)["type"],
        "/problems/forbidden"
    );
    assert_eq!(stock(), counted);

    // Put everything back.
    let cancel = format!("/v1/orders/{}/status", order["id"]);
    s.by(&staff(STAFF))
        .json("PATCH", &cancel, &json!({"status": "cancelled"}))
        .ok(200);
    put("AMS", 7).ok(200);
    s.db()
        .execute(
            "DELETE FROM stock WHERE product_id = ?1 AND warehouse_id = 2",
            [PRODUCT],
        )
        .expect("remove the Berlin row");
    assert_eq!(stock(), vec![json!(["AMS", 7, 0]), json!(["LIS", 33, 0])]);
}
