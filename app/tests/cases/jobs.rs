//! The spec's scheduled jobs, run on each target's own way.

use serde_json::json;

use super::orders::{CUSTOMER, place};
use crate::support::Server;
use crate::support::tokens::customer;

pub(super) fn stale_pending_orders_are_cancelled_by_the_job(s: &Server) {
    const SKU: &str = "ELE-003";
    let reserved = |s: &Server| {
        s.scalar(&format!(
            "SELECT SUM(reserved) FROM stock WHERE product_id = (SELECT id FROM products WHERE sku = '{SKU}')"
        ))
    };
    let before = reserved(s);
    let stale = place(s, json!([{"sku": SKU, "quantity": 2}]));
    let fresh = place(s, json!([{"sku": SKU, "quantity": 1}]));
    assert_eq!(reserved(s), before + 3);
    // Placed long ago, and still pending.
    let stale_id = stale["id"].as_i64().expect("id");
    s.db()
        .execute(
            "UPDATE orders SET created_at = '2000-01-01T00:00:00.000Z' WHERE id = ?1",
            [stale_id],
        )
        .expect("backdate the order");
    s.run_scheduled("*/5 * * * *");
    let status =
        |id: i64| s.rows(&format!("SELECT status FROM orders WHERE id = {id}"))[0][0].clone();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while status(stale_id) != "cancelled" {
        assert!(
            std::time::Instant::now() < deadline,
            "the job did not cancel the stale order"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status(fresh["id"].as_i64().expect("id")), "pending");
    assert_eq!(
        reserved(s),
        before + 1,
        "the stale order's units are free again"
    );
    // The history records it like any cancellation.
    let history = s
        .by(&customer(CUSTOMER))
        .get(&format!("/v1/orders/{stale_id}/status"))
        .ok(200);
    assert_eq!(history["status"], "cancelled");
    let changes = history["history"].as_array().expect("history");
    assert_eq!(changes.last().expect("a change")["status"], "cancelled");
}
