//! The HTTP suite: every endpoint, its happy paths and its error paths,
//! asserting exact statuses, bodies and the database state left behind.
//!
//! One suite, two targets: the native server on SQLite and the Worker under
//! `wrangler dev` on a local D1. Both must pass it whole.

mod cases;
mod support;

use std::panic::AssertUnwindSafe;

use support::Server;
use support::conformance::{Contract, Exchange};

fn run_suite(server: &Server) {
    let mut failures = Vec::new();
    for (name, case) in cases::ALL {
        if let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(|| case(server))) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            failures.push(format!("- {name}: {message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed against the {:?} target:\n{}",
        failures.len(),
        cases::ALL.len(),
        server.target,
        failures.join("\n")
    );

    // Every response the cases received must be what the document says.
    let mut contract = Contract::load();
    let exchanges = server.exchanges();
    let mismatches: Vec<String> = exchanges
        .iter()
        .filter_map(|ex| contract.check(ex).err())
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} responses do not match docs/openapi.json on the {:?} target:\n{}",
        mismatches.len(),
        exchanges.len(),
        server.target,
        mismatches.join("\n")
    );
}

/// The conformance check can fail: responses that break the document in
/// each way it checks are caught.
#[test]
fn conformance_check_catches_nonconforming_responses() {
    let ex = |method: &str, path: &str, status: u16, content_type: &str, body: &str| Exchange {
        method: method.into(),
        path: path.into(),
        status,
        content_type: Some(content_type.into()),
        headers: vec!["content-type".into()],
        body: body.as_bytes().to_vec(),
    };
    let good_health = ex(
        "GET",
        "/healthz",
        200,
        "application/json",
        r#"{"status":"ok"}"#,
    );
    let cases = [
        (
            ex(
                "GET",
                "/healthz",
                200,
                "application/json",
                r#"{"status":1}"#,
            ),
            "body does not match",
        ),
        (
            ex(
                "GET",
                "/healthz",
                200,
                "application/json",
                r#"{"status":"ok","extra":true}"#,
            ),
            "body does not match",
        ),
        (
            ex("GET", "/healthz", 200, "text/plain", "ok"),
            "is not documented",
        ),
        (
            ex("GET", "/healthz", 418, "application/problem+json", "{}"),
            "status 418 is not documented",
        ),
        (
            ex(
                "GET",
                "/v1/categories",
                200,
                "application/json",
                r#"{"items":[{"id":1,"slug":"a","name":"A"}]}"#,
            ),
            "body does not match",
        ),
        (
            ex(
                "GET",
                "/v1/products/1",
                200,
                "application/json",
                r#"{"id":1,"sku":"A","name":"A","description":null,"category":{"slug":"a","name":"A"},"price":{"amount_cents":1,"currency":"USD"},"created_at":"yesterday","availability":{"on_hand":0,"reserved":0,"available":0,"warehouses_in_stock":0}}"#,
            ),
            "body does not match",
        ),
        (
            ex("DELETE", "/v1/products", 200, "application/json", "{}"),
            "only a 405 is expected",
        ),
        (
            ex("GET", "/nowhere", 200, "application/json", "{}"),
            "only a 404 is expected",
        ),
        (
            ex(
                "POST",
                "/v1/orders",
                409,
                "application/problem+json",
                r#"{"type":"/problems/conflict","title":"Conflict","status":400}"#,
            ),
            "the problem's status member is 400",
        ),
        (
            ex(
                "POST",
                "/v1/orders",
                409,
                "application/problem+json",
                r#"{"type":"/problems/insufficient-stock","title":"T","status":409,"short_skus":"SHO-001"}"#,
            ),
            "body does not match",
        ),
        (
            ex("POST", "/v1/orders", 201, "application/json", "{}"),
            "the required header Location is missing",
        ),
    ];
    let mut contract = Contract::load();
    assert_eq!(contract.check(&good_health), Ok(()));
    for (exchange, expected) in cases {
        let outcome = contract.check(&exchange);
        assert!(
            outcome.as_ref().is_err_and(|e| e.contains(expected)),
            "{} {} {}: expected an error containing {expected:?}, got {outcome:?}",
            exchange.method,
            exchange.path,
            exchange.status
        );
    }
}

#[test]
fn native_server_passes_the_suite() {
    // Stale orders are cancelled every second rather than every five
    // minutes, so the job's case sees it run.
    run_suite(&Server::native_with(&[
        "--job-schedule",
        "cancel_stale_orders=* * * * * *",
    ]));
}

#[test]
fn worker_under_wrangler_dev_passes_the_suite() {
    run_suite(&Server::worker());
}
