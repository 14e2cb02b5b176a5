//! `Idempotency-Key` on `POST /v1/orders`: retries are safe, on both
//! targets.

use serde_json::{Value, json};

use crate::support::Server;
use crate::support::tokens::customer;

/// The customer these cases order as, and the SKU they order (no other
/// case reads its stock exactly).
const BUYER: i64 = 77;
const SKU: &str = "ELE-001";

fn order(quantity: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "items": [{"sku": SKU, "quantity": quantity}],
        "shipping_address": {"name": "Grace Hopper", "line1": "1 Navy Way", "city": "Arlington", "postal_code": "22201", "country": "US"},
    }))
    .expect("json")
}

fn place(s: &Server, who: i64, key: Option<&str>, body: &[u8]) -> crate::support::Reply {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(key) = key {
        headers.push(("idempotency-key", key));
    }
    s.by(&customer(who))
        .send_until_served("POST", "/v1/orders", &headers, Some(body))
}

fn orders_of(s: &Server, who: i64) -> i64 {
    s.scalar(&format!(
        "SELECT COUNT(*) FROM orders WHERE customer_id = {who}"
    ))
}

fn reserved(s: &Server) -> i64 {
    s.scalar(&format!(
        "SELECT SUM(reserved) FROM stock WHERE product_id = (SELECT id FROM products WHERE sku = '{SKU}')"
    ))
}

pub(super) fn a_retry_with_the_same_key_gets_the_first_response(s: &Server) {
    let before = (orders_of(s, BUYER), reserved(s));
    let first = place(s, BUYER, Some("retry-1"), &order(1));
    let body = first.ok(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    for _ in 0..2 {
        let again = place(s, BUYER, Some("retry-1"), &order(1));
        assert_eq!(again.ok(201), body, "the stored body, byte for byte");
        assert_eq!(again.body, first.body);
        assert_eq!(again.header("location"), first.header("location"));
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
    }
    assert_eq!(
        (orders_of(s, BUYER), reserved(s)),
        (before.0 + 1, before.1 + 1),
        "one order, one reservation"
    );
    // The key is the caller's own: another customer's is another key.
    let other = place(s, BUYER + 1, Some("retry-1"), &order(1));
    assert_eq!(other.status, 201);
    assert_eq!(other.header("idempotent-replayed"), None);
    assert_ne!(other.ok(201)["id"], body["id"]);
}

pub(super) fn the_same_key_for_another_request_is_a_422(s: &Server) {
    place(s, BUYER, Some("retry-2"), &order(1)).ok(201);
    let before = orders_of(s, BUYER);
    let problem = place(s, BUYER, Some("retry-2"), &order(2)).problem(422);
    assert_eq!(
        problem,
        json!({
            "type": "/problems/idempotency-key-reused",
            "title": "Idempotency key reused",
            "status": 422,
            "detail": "this Idempotency-Key was already used for a different request (method, path, query or body); send a new key with a new request",
        })
    );
    assert_eq!(orders_of(s, BUYER), before);
}

pub(super) fn an_expired_key_is_free_again(s: &Server) {
    let first = place(s, BUYER, Some("retry-3"), &order(1)).ok(201);
    s.db()
        .execute(
            "UPDATE keel_idempotency SET expires_at = 0 WHERE key = 'retry-3'",
            [],
        )
        .expect("expire the key");
    let again = place(s, BUYER, Some("retry-3"), &order(1));
    assert_eq!(again.header("idempotent-replayed"), None);
    assert_ne!(again.ok(201)["id"], first["id"], "a new order");
    assert_eq!(
        s.scalar("SELECT COUNT(*) FROM keel_idempotency WHERE key = 'retry-3'"),
        1,
        "the expired record was replaced"
    );
}

pub(super) fn concurrent_requests_with_one_key_place_one_order(s: &Server) {
    let before = (orders_of(s, BUYER), reserved(s));
    let body = order(1);
    let replies: Vec<crate::support::Reply> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| scope.spawn(|| place(s, BUYER, Some("\"storm-1\""), &body)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a request"))
            .collect()
    });
    assert_eq!(
        (orders_of(s, BUYER), reserved(s)),
        (before.0 + 1, before.1 + 1),
        "exactly one order"
    );
    let created: Vec<&crate::support::Reply> = replies.iter().filter(|r| r.status == 201).collect();
    let first = created.first().expect("at least one 201");
    for reply in &replies {
        match reply.status {
            201 => assert_eq!(reply.body, first.body, "every 201 is the stored response"),
            409 => {
                assert_eq!(
                    reply.problem(409)["type"],
                    "/problems/idempotency-key-in-use"
                );
                assert_eq!(reply.header("retry-after"), Some("1"));
            }
            other => panic!(
                "unexpected {other}: {}",
                String::from_utf8_lossy(&reply.body)
            ),
        }
    }
    let fresh = created
        .iter()
        .filter(|r| r.header("idempotent-replayed").is_none())
        .count();
    assert_eq!(fresh, 1, "one request did the work; the others replayed it");
}

pub(super) fn malformed_keys_are_400(s: &Server) {
    let long = "k".repeat(256);
    for key in ["\"\"", long.as_str(), "\"a\\\"b\""] {
        let problem = place(s, BUYER, Some(key), &order(1)).problem(400);
        let errors: &Value = &problem["errors"];
        assert_eq!(errors[0]["pointer"], "#/header/idempotency-key", "{key}");
    }
}
