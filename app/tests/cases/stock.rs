//! Stock is never oversold: one order too many at a time, and 200 at once.

use serde_json::json;

use super::orders::{CUSTOMER, address, order_body, place, stock};
use crate::support::Server;
use crate::support::tokens::customer;

pub(super) fn stock_is_never_oversold(s: &Server) {
    // Court Classic: 15 in Amsterdam and 1 in Lisbon.
    place(s, json!([{"sku": "SHO-006", "quantity": 16}]));
    assert_eq!(
        stock(s, "SHO-006"),
        vec![json!(["AMS", 15, 15]), json!(["LIS", 1, 1])]
    );
    let problem = s
        .by(&customer(CUSTOMER))
        .json(
            "POST",
            "/v1/orders",
            &order_body(json!([{"sku": "SHO-006", "quantity": 1}])),
        )
        .problem(409);
    assert_eq!(
        problem["errors"],
        json!([{"pointer": "#/body/items/0/quantity", "detail": "SHO-006 of 1 requested, 0 available"}])
    );

    // Water Bottle: 48 units; ten concurrent orders of 6 can place exactly 8.
    let before = s.scalar("SELECT COUNT(*) FROM orders");
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                scope.spawn(|| {
                    s.by(&customer(CUSTOMER))
                        .json(
                            "POST",
                            "/v1/orders",
                            &order_body(json!([{"sku": "ACC-002", "quantity": 6}])),
                        )
                        .status
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("request thread"))
            .collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&c| c == 201).count(),
        8,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&c| c == 409).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM orders") - before, 8);
    assert_eq!(
        stock(s, "ACC-002"),
        vec![json!(["AMS", 31, 31]), json!(["LIS", 17, 17])]
    );
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM stock WHERE reserved > on_hand"),
        0
    );
}

pub(super) fn an_order_storm_never_oversells(s: &Server) {
    // 50 units in two warehouses; 200 customers want one each, at once.
    const SKU: &str = "APP-006";
    const UNITS: usize = 50;
    const BUYERS: usize = 200;
    let conn = s.db();
    conn.execute_batch(&format!(
        "UPDATE stock SET on_hand = 0, reserved = 0 WHERE product_id = (SELECT id FROM products WHERE sku = '{SKU}');
         UPDATE stock SET on_hand = 30 WHERE warehouse_id = 1 AND product_id = (SELECT id FROM products WHERE sku = '{SKU}');
         UPDATE stock SET on_hand = 20 WHERE warehouse_id = 2 AND product_id = (SELECT id FROM products WHERE sku = '{SKU}');"
    ))
    .expect("stock the SKU");
    drop(conn);
    let tokens: Vec<String> = (0..BUYERS)
        .map(|i| customer(1000 + i64::try_from(i).expect("small")))
        .collect();
    let body = serde_json::to_vec(&json!({
        "items": [{"sku": SKU, "quantity": 1}],
        "shipping_address": address(),
    }))
    .expect("json");
    let start = std::sync::Barrier::new(BUYERS);
    let replies: Vec<crate::support::Reply> = std::thread::scope(|scope| {
        let handles: Vec<_> = tokens
            .iter()
            .map(|token| {
                let (start, body) = (&start, &body);
                scope.spawn(move || {
                    start.wait();
                    s.by(token).send_until_served(
                        "POST",
                        "/v1/orders",
                        &[("content-type", "application/json")],
                        Some(body),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a buyer"))
            .collect()
    });
    let mut placed = 0;
    for reply in &replies {
        match reply.status {
            201 => placed += 1,
            409 => {
                let problem = reply.problem(409);
                assert_eq!(problem["type"], "/problems/insufficient-stock", "{problem}");
            }
            other => panic!(
                "a buyer got {other}: {}",
                String::from_utf8_lossy(&reply.body)
            ),
        }
    }
    assert_eq!(placed, UNITS, "exactly the units in stock were sold");
    let rows = stock(s, SKU);
    for row in &rows {
        let (on_hand, reserved) = (row[1].as_i64().unwrap_or(-1), row[2].as_i64().unwrap_or(-1));
        assert!(reserved >= 0 && reserved <= on_hand, "{row}");
    }
    let reserved: i64 = rows.iter().filter_map(|r| r[2].as_i64()).sum();
    assert_eq!(
        reserved,
        s.scalar(&format!(
            "SELECT COALESCE(SUM(i.quantity), 0) FROM order_items i JOIN orders o ON o.id = i.order_id \
             WHERE o.status = 'pending' AND i.product_id = (SELECT id FROM products WHERE sku = '{SKU}')"
        )),
        "reserved equals the units of the accepted orders"
    );
    assert_eq!(reserved, 50);
}
