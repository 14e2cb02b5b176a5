//! Comparing the operations of two documents: which exist, what they take
//! (parameters, body), what they answer (success statuses, media types,
//! bodies), and who may call them.

use std::collections::BTreeSet;

use serde_json::Value;

use super::schema::{At, Flow, compare as compare_schema};
use super::{Anchor, Change, Docs};

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

/// Every operation of `doc`: (path, method, operation).
fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if let Some(op) = item.get(*method) {
                out.push((path.as_str(), *method, op));
            }
        }
    }
    out
}

pub(super) fn compare(docs: &Docs<'_>, out: &mut Vec<Change>) {
    let new_ops = operations(docs.new);
    let old_ops = operations(docs.old);
    for (path, method, old) in &old_ops {
        let name = format!("{} {path}", method.to_uppercase());
        let id = old["operationId"].as_str().unwrap_or_default().to_owned();
        let Some((_, _, new)) = new_ops.iter().find(|(p, m, _)| p == path && m == method) else {
            out.push(Change {
                breaking: true,
                rule: "operation-removed",
                text: format!("`{name}` (`{id}`) was removed"),
                anchor: Anchor::Endpoint(id),
            });
            continue;
        };
        let id = new["operationId"].as_str().unwrap_or_default().to_owned();
        operation(docs, &name, &id, old, new, out);
    }
    for (path, method, new) in &new_ops {
        if !old_ops.iter().any(|(p, m, _)| p == path && m == method) {
            let id = new["operationId"].as_str().unwrap_or_default().to_owned();
            out.push(Change {
                breaking: false,
                rule: "operation-added",
                text: format!("`{} {path}` (`{id}`) was added", method.to_uppercase()),
                anchor: Anchor::Endpoint(id),
            });
        }
    }
}

fn operation(
    docs: &Docs<'_>,
    name: &str,
    id: &str,
    old: &Value,
    new: &Value,
    out: &mut Vec<Change>,
) {
    let mut seen = BTreeSet::new();
    let change = |breaking, rule, text: String, anchor| Change {
        breaking,
        rule,
        text: format!("`{name}`: {text}"),
        anchor,
    };
    // Who may call it.
    let roles = |op: &Value| -> Option<BTreeSet<String>> {
        let security = op.get("security")?.as_array()?;
        Some(
            security
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|req| req.iter())
                .flat_map(|(scheme, roles)| {
                    let roles: Vec<String> = roles
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(|r| format!("{scheme}:{r}"))
                        .collect();
                    if roles.is_empty() {
                        vec![scheme.clone()]
                    } else {
                        roles
                    }
                })
                .collect(),
        )
    };
    match (roles(old), roles(new)) {
        (Some(a), Some(b)) if a.is_empty() && !b.is_empty() => out.push(change(
            true,
            "security-added",
            "now needs a bearer token".to_owned(),
            Anchor::Endpoint(id.to_owned()),
        )),
        (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => {
            let lost: Vec<&String> = a.difference(&b).collect();
            if !lost.is_empty() {
                out.push(change(
                    true,
                    "security-role-removed",
                    format!(
                        "no longer admits {}",
                        lost.iter()
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Anchor::Endpoint(id.to_owned()),
                ));
            }
        }
        _ => {}
    }
    parameters(docs, name, id, old, new, &mut seen, out);
    // The body.
    let body = |op: &Value| -> Option<(bool, Value)> {
        let body = op.get("requestBody")?;
        Some((
            body["required"] == Value::Bool(true),
            body["content"]["application/json"]["schema"].clone(),
        ))
    };
    match (body(old), body(new)) {
        (None, Some((true, _))) => out.push(change(
            true,
            "request-body-added",
            "now requires a body".to_owned(),
            Anchor::Endpoint(id.to_owned()),
        )),
        (Some((_, a)), Some((_, b))) => {
            let at = At {
                operation: name.to_owned(),
                what: "the body".to_owned(),
                anchor: Anchor::Endpoint(id.to_owned()),
            };
            compare_schema(docs, &a, &b, Flow::Request, &at, &mut seen, out);
        }
        _ => {}
    }
    // Success responses: the same statuses, media types and bodies.
    let successes = |op: &Value| -> Vec<(String, Value)> {
        op["responses"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(s, _)| s.starts_with('2'))
            .map(|(s, r)| (s.clone(), r.clone()))
            .collect()
    };
    let (was, is) = (successes(old), successes(new));
    for (status, response) in &was {
        let code: u16 = status.parse().unwrap_or(0);
        let Some((_, now)) = is.iter().find(|(s, _)| s == status) else {
            let instead: Vec<&str> = is.iter().map(|(s, _)| s.as_str()).collect();
            out.push(change(
                true,
                "success-status-changed",
                format!("answers {} instead of {status}", instead.join(" or ")),
                Anchor::Endpoint(id.to_owned()),
            ));
            continue;
        };
        for (media, content) in response["content"].as_object().into_iter().flatten() {
            match now["content"].get(media) {
                None => out.push(change(
                    true,
                    "media-type-removed",
                    format!("response {status} is no longer `{media}`"),
                    Anchor::Response(id.to_owned(), code),
                )),
                Some(new_content) => {
                    let at = At {
                        operation: name.to_owned(),
                        what: format!("response {status}"),
                        anchor: Anchor::Response(id.to_owned(), code),
                    };
                    compare_schema(
                        docs,
                        &content["schema"],
                        &new_content["schema"],
                        Flow::Response,
                        &at,
                        &mut seen,
                        out,
                    );
                }
            }
        }
    }
    for (status, _) in &is {
        if !was.iter().any(|(s, _)| s == status) && !was.is_empty() {
            out.push(change(
                false,
                "success-status-added",
                format!("may also answer {status}"),
                Anchor::Endpoint(id.to_owned()),
            ));
        }
    }
    // Problems: the types each may carry.
    for (status, response) in old["responses"].as_object().into_iter().flatten() {
        if status.starts_with('2') || status.starts_with('3') {
            continue;
        }
        let code: u16 = status.parse().unwrap_or(0);
        let types = |doc: &Value, response: &Value| -> Option<Value> {
            let response = match response["$ref"].as_str() {
                Some(r) => doc["components"]["responses"]
                    .get(r.trim_start_matches("#/components/responses/"))?,
                None => response,
            };
            Some(response["content"]["application/problem+json"]["schema"].clone())
        };
        let Some(now) = new["responses"].get(status) else {
            continue;
        };
        if let (Some(a), Some(b)) = (types(docs.old, response), types(docs.new, now)) {
            let at = At {
                operation: name.to_owned(),
                what: format!("response {status}"),
                anchor: Anchor::Response(id.to_owned(), code),
            };
            compare_schema(docs, &a, &b, Flow::Response, &at, &mut seen, out);
        }
    }
}

fn parameters(
    docs: &Docs<'_>,
    name: &str,
    id: &str,
    old: &Value,
    new: &Value,
    seen: &mut BTreeSet<(String, String, Flow)>,
    out: &mut Vec<Change>,
) {
    let params = |op: &Value| -> Vec<(String, String, bool, Value)> {
        op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                (
                    p["in"].as_str().unwrap_or_default().to_owned(),
                    p["name"].as_str().unwrap_or_default().to_owned(),
                    p["required"] == Value::Bool(true),
                    p["schema"].clone(),
                )
            })
            .collect()
    };
    let (was, is) = (params(old), params(new));
    let anchor = |param: &str| Anchor::Param(id.to_owned(), param.to_owned());
    for (place, param, required, schema) in &was {
        let Some((_, _, now_required, now_schema)) =
            is.iter().find(|(i, n, _, _)| i == place && n == param)
        else {
            // A query parameter the server no longer knows is refused (400);
            // a header it no longer reads is ignored.
            let breaking = place == "query" || place == "path";
            out.push(Change {
                breaking,
                rule: "parameter-removed",
                text: format!(
                    "`{name}`: the {place} parameter `{param}` was removed{}",
                    if breaking {
                        ", and is refused when sent"
                    } else {
                        ""
                    }
                ),
                anchor: Anchor::Endpoint(id.to_owned()),
            });
            continue;
        };
        if *now_required && !required {
            out.push(Change {
                breaking: true,
                rule: "parameter-required",
                text: format!("`{name}`: the {place} parameter `{param}` is now required"),
                anchor: anchor(param),
            });
        }
        let at = At {
            operation: name.to_owned(),
            what: format!("the {place} parameter `{param}`"),
            anchor: anchor(param),
        };
        compare_schema(docs, schema, now_schema, Flow::Request, &at, seen, out);
    }
    for (place, param, required, _) in &is {
        if was.iter().any(|(i, n, _, _)| i == place && n == param) {
            continue;
        }
        out.push(if *required {
            Change {
                breaking: true,
                rule: "parameter-added-required",
                text: format!("`{name}`: a required {place} parameter `{param}` was added"),
                anchor: anchor(param),
            }
        } else {
            Change {
                breaking: false,
                rule: "parameter-added",
                text: format!("`{name}`: an optional {place} parameter `{param}` was added"),
                anchor: anchor(param),
            }
        });
    }
}
