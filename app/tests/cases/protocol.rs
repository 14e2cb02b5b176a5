//! What every endpoint shares: routing, methods, bodies, health.

use serde_json::json;

use crate::support::Server;
use crate::support::tokens::{customer, staff};

pub(super) fn health_answers(s: &Server) {
    let reply = s.get("/healthz");
    assert_eq!(reply.ok(200), json!({"status": "ok"}));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
}

pub(super) fn head_is_get_without_body(s: &Server) {
    let reply = s.send("HEAD", "/healthz", &[], None);
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_empty());
}

pub(super) fn unknown_routes_are_404(s: &Server) {
    for path in [
        "/",
        "/v2/products",
        "/v1/products/1/extra",
        "/v1/products/",
        "/a/b/c/d/e/f/g",
    ] {
        let problem = s.get(path).problem(404);
        assert_eq!(
            problem,
            json!({
                "type": "/problems/no-route",
                "title": "No such route",
                "status": 404,
                "detail": format!("no route matches GET {path}"),
            }),
            "{path}"
        );
    }
}

pub(super) fn wrong_methods_are_405_with_allow(s: &Server) {
    let cases = [
        ("DELETE", "/v1/products", "GET, HEAD, POST"),
        ("POST", "/v1/products/1", "GET, HEAD, PATCH"),
        ("DELETE", "/v1/orders", "GET, HEAD, POST"),
        ("PUT", "/v1/orders/1/status", "GET, HEAD, PATCH"),
        // The literal route is this path's route, though `{sku}` would match.
        ("DELETE", "/v1/inventory/check", "POST"),
        ("OPTIONS", "/v1/inventory/check", "POST"),
        ("GET", "/v1/inventory/check", "POST"),
    ];
    for (method, path, allow) in cases {
        let reply = s.send(method, path, &[], None);
        let problem = reply.problem(405);
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
        assert_eq!(problem["type"], "/problems/method-not-allowed");
        assert_eq!(
            problem["detail"],
            format!("{method} is not allowed here; allowed: {allow}")
        );
    }
}

pub(super) fn concrete_paths_win_over_templated_ones(s: &Server) {
    // As in OpenAPI: `/v1/inventory/check` is the path of `POST` alone (a
    // GET is a 405 above), and every other SKU still reaches `{sku}`.
    let problem = s.get("/v1/inventory/CHECK").problem(404);
    assert_eq!(problem["type"], "/problems/not-found");
    let problem = s.get("/v1/inventory/checks").problem(400);
    assert_eq!(
        problem["errors"],
        json!([{"pointer": "#/path/sku", "detail": "must match the pattern ^[A-Z0-9]+(-[A-Z0-9]+)*$"}])
    );
}

pub(super) fn malformed_json_is_400(s: &Server) {
    let reply = s.send(
        "POST",
        "/v1/inventory/check",
        &[("content-type", "application/json")],
        Some(b"{\"items\": [{\"sku\": \"SHO-001\", }]}"),
    );
    assert_eq!(
        reply.problem(400),
        json!({
            "type": "/problems/malformed-json",
            "title": "Malformed JSON body",
            "status": 400,
            "detail": "the body is not valid JSON: trailing comma at line 1 column 31",
        })
    );
    let truncated = s.by(&customer(1)).send(
        "POST",
        "/v1/orders",
        &[("content-type", "application/json")],
        Some(b"{\"customer_id\": 1"),
    );
    assert_eq!(
        truncated.problem(400)["detail"],
        "the body is not valid JSON: unexpected end of input at line 1 column 17"
    );
}

pub(super) fn bodies_must_be_json(s: &Server) {
    let reply = s.send(
        "POST",
        "/v1/inventory/check",
        &[("content-type", "text/plain")],
        Some(b"{}"),
    );
    assert_eq!(
        reply.problem(415),
        json!({
            "type": "/problems/unsupported-media-type",
            "title": "Unsupported media type",
            "status": 415,
            "detail": "expected content type application/json, found text/plain",
        })
    );
}

pub(super) fn missing_body_is_400(s: &Server) {
    let problem = s
        .send("POST", "/v1/inventory/check", &[], None)
        .problem(400);
    assert_eq!(problem["type"], "/problems/invalid-request");
    assert_eq!(
        problem["errors"],
        json!([{"pointer": "#/body", "detail": "is required: send a JSON object with Content-Type: application/json"}])
    );
}

pub(super) fn oversized_body_is_413(s: &Server) {
    let big = format!(
        "{{\"items\": [], \"pad\": \"{}\"}}",
        "x".repeat(1024 * 1024 + 1)
    );
    let reply = s.send(
        "POST",
        "/v1/inventory/check",
        &[("content-type", "application/json")],
        Some(big.as_bytes()),
    );
    assert_eq!(
        reply.problem(413),
        json!({
            "type": "/problems/payload-too-large",
            "title": "Request body too large",
            "status": 413,
            "detail": "the body must be at most 1048576 bytes",
        })
    );
}

pub(super) fn unknown_query_parameters_are_refused(s: &Server) {
    let problem = s.get("/v1/products?catgory=shoes").problem(400);
    assert_eq!(
        problem["errors"],
        json!([{
            "pointer": "#/query/catgory",
            "detail": "unknown query parameter; expected one of: category, q, min_price, max_price, in_stock, sort, limit, cursor",
        }])
    );
    let problem = s.get("/healthz?verbose=1").problem(400);
    assert_eq!(
        problem["errors"][0]["detail"],
        "unknown query parameter; this endpoint takes no query parameters"
    );
}

pub(super) fn unknown_methods_are_405(s: &Server) {
    // Methods no route has, which an HTTP library would not send: each is a
    // 405 listing what the path has, never another method's answer.
    for (method, path, allow) in [
        ("QUERY", "/healthz", "GET, HEAD"),
        ("PROPFIND", "/v1/products", "GET, HEAD, POST"),
        ("OPTIONS", "/v1/orders", "GET, HEAD, POST"),
    ] {
        let reply = s.raw(method, path, &[]);
        let problem = reply.problem(405);
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
        assert_eq!(
            problem["detail"],
            format!("{method} is not allowed here; allowed: {allow}")
        );
    }
}

pub(super) fn dot_segments_resolve_as_in_urls(s: &Server) {
    let categories = s.get("/v1/categories").ok(200);
    for path in [
        "/v1/products/../categories",
        "/v1/./categories",
        "/v1/products/%2E%2e/categories",
        "/v1/orders/1/../../categories",
    ] {
        assert_eq!(s.get(path).ok(200), categories, "{path}");
    }
    assert_eq!(
        s.get("/v1/products/1/..").problem(404)["type"],
        "/problems/no-route",
        "a trailing dot segment leaves a trailing slash"
    );
}

pub(super) fn query_strings_must_be_utf8(s: &Server) {
    let problem = s.get("/v1/products?q=%FF%FE&limit=2").problem(400);
    assert_eq!(
        problem["errors"],
        json!([{"pointer": "#/query/q", "detail": "must be valid UTF-8 once percent-decoded"}])
    );
    let found = s.get("/v1/products?q=trail+r%C3%BCnner&limit=2").ok(200);
    assert_eq!(found["items"], json!([]));
}

pub(super) fn repeated_json_members_are_refused(s: &Server) {
    let reply = s.send(
        "POST",
        "/v1/inventory/check",
        &[("content-type", "application/json")],
        Some(br#"{"items":[{"sku":"SHO-001","quantity":1,"quantity":2}],"items":[]}"#),
    );
    assert_eq!(
        reply.problem(422)["errors"],
        json!([
            {"pointer": "#/body/items/0/quantity", "detail": "is given more than once; send each member once"},
            {"pointer": "#/body/items", "detail": "is given more than once; send each member once"},
        ])
    );
    let events = s.scalar("SELECT COUNT(*) FROM order_events");
    let reply = s.by(&staff(1)).send(
        "PATCH",
        "/v1/orders/1/status",
        &[("content-type", "application/json")],
        Some(br#"{"status":"cancelled","status":"paid"}"#),
    );
    assert_eq!(
        reply.problem(422)["errors"],
        json!([{"pointer": "#/body/status", "detail": "is given more than once; send each member once"}])
    );
    assert_eq!(s.scalar("SELECT COUNT(*) FROM order_events"), events);
}

pub(super) fn every_response_names_its_request(s: &Server) {
    // A sane id of the client's is kept, so a request can be followed
    // across services; problems quote it.
    let reply = s.send(
        "GET",
        "/v1/products/999999",
        &[("x-request-id", "support-ticket_42:a/b+c=")],
        None,
    );
    assert_eq!(
        reply.header("x-request-id"),
        Some("support-ticket_42:a/b+c=")
    );
    assert_eq!(reply.json()["request_id"], "support-ticket_42:a/b+c=");
    reply.problem(404);

    // Anything else is replaced by an id of the server's.
    let long = "x".repeat(129);
    for bad in ["has space", "quote\"d", long.as_str()] {
        let reply = s.send("GET", "/healthz", &[("x-request-id", bad)], None);
        let id = reply.header("x-request-id").unwrap_or_default();
        assert_ne!(id, bad);
        assert!(
            (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(&b)),
            "{id:?}"
        );
    }

    // Without one, each request gets its own.
    let a = s.get("/healthz");
    let b = s.get("/healthz");
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
}
