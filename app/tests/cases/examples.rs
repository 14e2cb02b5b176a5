//! The examples `api.yaml` declares: each is replayed, in the order the
//! spec declares them, on a server of its own with fresh sample data, and
//! gets the status and body it says. They are read from the document the
//! server serves (`x-keel-examples`, and each response's `examples`), so
//! what readers of the document see is what is tested.

use keel::auth::Algorithm;
use serde_json::Value;

use crate::support::Server;
use crate::support::tokens::{bearer, role_claims};

/// One example, as the document lists it (`x-keel-examples`).
struct Example {
    sequence: u64,
    operation: String,
    method: String,
    route: String,
    listing: Value,
    /// The expected body, from the response's `examples`.
    response: Option<Value>,
}

fn examples(doc: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    for (route, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            for listing in op["x-keel-examples"].as_array().into_iter().flatten() {
                // The expected body, where the listing says it is: a
                // pointer that leads nowhere fails the replay.
                let response = listing.get("response").map(|pointer| {
                    let pointer = pointer.as_str().and_then(|p| p.strip_prefix('#'));
                    pointer
                        .and_then(|p| op.pointer(p))
                        .map(|example| example["value"].clone())
                        .unwrap_or_else(|| panic!("{listing}: its `response` leads nowhere"))
                });
                out.push(Example {
                    sequence: listing["sequence"].as_u64().expect("a sequence"),
                    operation: op["operationId"].as_str().expect("an id").to_owned(),
                    method: method.to_ascii_uppercase(),
                    route: route.clone(),
                    listing: listing.clone(),
                    response,
                });
            }
        }
    }
    out.sort_by_key(|e| e.sequence);
    out
}

/// Percent-encodes everything but unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A parameter's value as sent: strings bare, anything else as JSON.
fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

fn target(example: &Example) -> String {
    let listing = &example.listing;
    let mut path = example.route.clone();
    for (name, value) in listing["path"].as_object().into_iter().flatten() {
        path = path.replace(&format!("{{{name}}}"), &encode(&text(value)));
    }
    let query: Vec<String> = listing["query"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| format!("{}={}", encode(name), encode(&text(value))))
        .collect();
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query.join("&"));
    }
    path
}

/// `Authorization` for the example's caller: a token of its scheme, signed
/// with the development key of that scheme's algorithm.
fn authorization(caller: &Value) -> String {
    let alg = match caller["scheme"].as_str() {
        Some("storefront") => Algorithm::EdDsa,
        Some("backoffice") => Algorithm::Hs256,
        other => panic!("no development key for scheme {other:?}"),
    };
    let mut claims = role_claims(caller["role"].as_str().expect("a role"));
    claims.extend(caller["claims"].as_object().cloned().unwrap_or_default());
    bearer(alg, &claims)
}

/// Where `actual` differs from `expected`: every member `expected` has
/// must be in `actual` and match; lists match item by item, whole.
fn differences(expected: &Value, actual: &Value, at: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (name, value) in want {
                match got.get(name) {
                    Some(found) => differences(value, found, &format!("{at}/{name}"), out),
                    None => out.push(format!("{at}/{name}: missing (expected {value})")),
                }
            }
        }
        (Value::Array(want), Value::Array(got)) if want.len() == got.len() => {
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                differences(w, g, &format!("{at}/{i}"), out);
            }
        }
        _ if expected == actual => {}
        _ => out.push(format!("{at}: expected {expected}, got {actual}")),
    }
}

pub(crate) fn every_example_gets_its_declared_answer(s: &Server) {
    let doc = s.get("/openapi.json").json();
    let all = examples(&doc);
    assert!(!all.is_empty(), "the document declares no examples");
    let mut failures = Vec::new();
    for example in &all {
        let listing = &example.listing;
        let auth = listing.get("as").map(authorization);
        let mut headers: Vec<(String, String)> = listing["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, value)| (name.clone(), text(value)))
            .collect();
        headers.extend(auth.map(|a| ("authorization".to_owned(), a)));
        let body = listing.get("body").map(|b| b.to_string());
        if body.is_some() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let path = target(example);
        let reply = s.send(
            &example.method,
            &path,
            &headers,
            body.as_deref().map(str::as_bytes),
        );
        let name = format!(
            "{} `{}` ({} {path})",
            example.operation,
            listing["name"].as_str().unwrap_or_default(),
            example.method
        );
        let status = listing["status"].as_u64().unwrap_or_default();
        if u64::from(reply.status) != status {
            failures.push(format!(
                "{name}: status {} instead of {status}: {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            ));
            continue;
        }
        if let Some(expected) = &example.response {
            let mut found = Vec::new();
            differences(expected, &reply.json(), "", &mut found);
            if !found.is_empty() {
                failures.push(format!("{name}:\n    {}", found.join("\n    ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples did not get their declared answer:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// Every endpoint has an example of its success, and one of each error
/// response it declares.
pub(crate) fn every_endpoint_and_declared_problem_has_an_example() {
    let spec: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../api.yaml"))
            .expect("api.yaml"),
    )
    .expect("api.yaml is YAML");
    let mut missing = Vec::new();
    for (id, endpoint) in spec["endpoints"].as_mapping().expect("endpoints") {
        let id = id.as_str().unwrap_or_default();
        let statuses: Vec<u64> = endpoint["examples"]
            .as_mapping()
            .into_iter()
            .flatten()
            .filter_map(|(_, e)| e["status"].as_u64())
            .collect();
        if !statuses.iter().any(|s| (200..300).contains(s)) {
            missing.push(format!("{id}: no example of a success"));
        }
        for (status, _) in endpoint["responses"].as_mapping().into_iter().flatten() {
            let status = status.as_u64().unwrap_or_default();
            if status >= 400 && !statuses.contains(&status) {
                missing.push(format!("{id}: no example of its {status}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "examples missing:\n{}",
        missing.join("\n")
    );
}
