//! The contract outward: the OpenAPI document and the docs portal.

use serde_json::{Value, json};

use crate::support::Server;
use crate::support::tokens::customer;

fn committed() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json"))
        .expect("docs/openapi.json")
}

pub(super) fn openapi_json_is_the_committed_document(s: &Server) {
    let reply = s.get("/openapi.json");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(String::from_utf8_lossy(&reply.body), committed());
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Shop API");
}

pub(super) fn openapi_yaml_is_the_same_document(s: &Server) {
    let reply = s.get("/openapi.yaml");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/yaml"));
    let yaml: Value = serde_yaml::from_slice(&reply.body).expect("YAML");
    let json: Value = serde_json::from_str(&committed()).expect("JSON");
    assert_eq!(yaml, json);
    let reply = s.send("POST", "/openapi.yaml", &[], None);
    reply.problem(405);
    assert_eq!(reply.header("allow"), Some("GET, HEAD"));
}

pub(super) fn docs_portal_is_served_from_the_server(s: &Server) {
    let page = s.get("/docs");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    // On the API's own origin, the portal is locked down.
    assert_eq!(
        page.header("content-security-policy"),
        Some(keel::docs::PORTAL_POLICY)
    );
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    let html = String::from_utf8_lossy(&page.body);
    assert!(
        html.contains("<title>Shop API: API reference</title>"),
        "{html}"
    );
    for (asset, content_type, at_least) in [
        (
            "/docs/swagger-ui-bundle.js",
            "text/javascript; charset=utf-8",
            1_000_000,
        ),
        ("/docs/swagger-ui.css", "text/css; charset=utf-8", 100_000),
        ("/docs/init.js", "text/javascript; charset=utf-8", 50),
        ("/docs/favicon-32x32.png", "image/png", 100),
    ] {
        // Relative, versioned URLs: loadable behind a prefix, cacheable for good.
        assert!(
            html.contains(&format!("\"{}?v=", asset.trim_start_matches('/'))),
            "{asset} in {html}"
        );
        let reply = s.get(asset);
        assert_eq!(reply.status, 200, "{asset}");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(reply.header("content-type"), Some(content_type), "{asset}");
        assert!(
            reply.body.len() >= at_least,
            "{asset}: {} bytes",
            reply.body.len()
        );
    }
    let slashed = s.get("/docs/");
    assert_eq!(slashed.status, 308);
    assert_eq!(slashed.header("location"), Some("../docs"));
    assert!(slashed.body.is_empty());
    assert_eq!(
        s.get("/docs/nothing.js").problem(404)["type"],
        "/problems/no-route"
    );
}

pub(super) fn docs_portal_lists_every_operation_and_authorizes_in_a_browser(s: &Server) {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/browser/docs.mjs"
    );
    // Authorize with a customer's token, then call a protected operation.
    let token = customer(801);
    let token = token.trim_start_matches("Bearer ");
    let out = std::process::Command::new("node")
        .arg(script)
        .arg(s.url(""))
        .arg("storefront")
        .arg(token)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "the browser check failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).expect("the browser check prints JSON");
    let doc: Value = serde_json::from_str(&committed()).expect("JSON");
    let mut expected: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().into_iter().flat_map(|ops| ops.values()))
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect();
    expected.sort();
    let mut listed: Vec<String> = result["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    listed.sort();
    assert_eq!(listed, expected);
    assert_eq!(expected.len(), 14);
    assert_eq!(
        result["title"].as_str().map(|t| t.starts_with("Shop API")),
        Some(true),
        "{result}"
    );
    assert_eq!(result["problems"], json!([]));
    assert_eq!(
        result["tried"],
        json!({
            "operation": "list_orders",
            "status": "200",
            "authorization": format!("Bearer {token}"),
        })
    );
    assert_eq!(
        result["examples"],
        json!({
            "request": [
                "A customer orders two pairs of shoes",
                "A line asks for more than the warehouses hold",
                "A customer orders for someone else",
                "A line names a SKU no product has",
            ],
            "conflict": ["A line asks for more than the warehouses hold"],
        }),
        "the portal offers create_order's declared examples"
    );
    assert_eq!(
        result["problem_page"],
        json!({"path": "/problems/insufficient-stock", "heading": "Insufficient stock"})
    );
}

/// Every problem type the document names, with the status of each response
/// that names it (`$ref`s to shared responses followed).
fn named_problem_types(doc: &Value) -> Vec<(String, u16)> {
    let mut out: Vec<(String, u16)> = Vec::new();
    let operations = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(Value::as_object)
        .flat_map(|ops| ops.values());
    for operation in operations {
        for (status, response) in operation["responses"].as_object().into_iter().flatten() {
            let response = match response["$ref"].as_str() {
                Some(reference) => {
                    let name = reference.trim_start_matches("#/components/responses/");
                    &doc["components"]["responses"][name]
                }
                None => response,
            };
            let parts = response["content"]["application/problem+json"]["schema"]["allOf"]
                .as_array()
                .into_iter()
                .flatten();
            for uri in parts
                .filter_map(|part| part["properties"]["type"]["enum"].as_array())
                .flatten()
                .filter_map(Value::as_str)
            {
                let status: u16 = status.parse().expect("a status");
                if !out.iter().any(|(u, s)| u == uri && *s == status) {
                    out.push((uri.to_owned(), status));
                }
            }
        }
    }
    out
}

pub(super) fn every_problem_type_has_its_page(s: &Server) {
    let doc: Value = serde_json::from_str(&committed()).expect("JSON");
    let named = named_problem_types(&doc);
    // The framework's own, and each the spec declares.
    for uri in [
        "/problems/invalid-request",
        "/problems/invalid-body",
        "/problems/unauthorized",
        "/problems/insufficient-stock",
        "/problems/invalid-transition",
        "/problems/stale-write",
        "/problems/below-reserved",
    ] {
        assert!(named.iter().any(|(u, _)| u == uri), "{uri} is not named");
    }
    for (uri, status) in &named {
        let json = s.send("GET", uri, &[("accept", "application/json")], None);
        assert_eq!(json.status, 200, "{uri}");
        assert_eq!(
            json.header("content-type"),
            Some("application/json"),
            "{uri}"
        );
        assert_eq!(json.header("vary"), Some("Accept"), "{uri}");
        let page = json.json();
        assert_eq!(page["type"], *uri);
        assert_eq!(page["status"], *status, "{uri} is named under {status}");
        for member in ["title", "when", "action"] {
            assert!(
                page[member].as_str().is_some_and(|t| !t.is_empty()),
                "{uri}: {member}"
            );
        }
        let html = s.send("GET", uri, &[("accept", "text/html,*/*;q=0.8")], None);
        assert_eq!(html.status, 200, "{uri}");
        assert_eq!(
            html.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{uri}"
        );
        let text = String::from_utf8_lossy(&html.body);
        let title = page["title"].as_str().unwrap_or_default();
        assert!(text.contains(&format!("<h1>{title}</h1>")), "{uri}: {text}");
        assert!(text.contains(&format!("<code>{uri}</code>")), "{uri}");
    }
    // A declared type's page says where it comes from, and its members.
    let stock = s.get("/problems/insufficient-stock").json();
    assert_eq!(
        stock,
        json!({
            "type": "/problems/insufficient-stock",
            "status": 409,
            "title": "Insufficient stock",
            "when": "`POST /v1/orders`: Not enough stock for at least one line; nothing was reserved. `errors` points at each short line's quantity.",
            "action": "Read the resource again, and decide anew whether and how to retry.",
            "members": [{"name": "short_skus", "type": "array of string", "description": "Every SKU that is short.", "required": false}],
        })
    );
    // The index lists them all; an unknown type is no page.
    let index = s.get("/problems").json();
    let listed: Vec<&str> = index["problem_types"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|p| p["type"].as_str())
        .collect();
    for (uri, _) in &named {
        assert!(listed.contains(&uri.as_str()), "{uri} is not in the index");
    }
    assert_eq!(
        s.get("/problems/no-such-type").problem(404)["type"],
        "/problems/no-route"
    );
}
