//! Comparing two versions of a schema, in the direction data flows: what a
//! client sends (a request) may widen but not narrow, what it receives (a
//! response) may grow but not lose what it had or take new forms.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Anchor, Change, Docs};

/// Which way the data flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Flow {
    /// The client sends it.
    Request,
    /// The client receives it.
    Response,
}

/// What is being compared, for messages and locations.
#[derive(Debug, Clone)]
pub(super) struct At {
    /// `POST /v1/orders`, for messages.
    pub operation: String,
    /// `the body`, `response 200`, `query parameter limit`, …
    pub what: String,
    /// Where it is in the spec.
    pub anchor: Anchor,
}

impl At {
    fn change(&self, breaking: bool, rule: &'static str, text: String, anchor: Anchor) -> Change {
        Change {
            breaking,
            rule,
            text: format!("`{}`: {}: {text}", self.operation, self.what),
            anchor,
        }
    }
}

/// A schema with its `$ref` resolved, its `allOf` parts merged, and its
/// nullability read off (`type: [T, "null"]` or `oneOf` with `null`).
struct Shape<'a> {
    name: Option<&'a str>,
    types: BTreeSet<String>,
    nullable: bool,
    properties: Vec<(&'a str, &'a Value)>,
    required: BTreeSet<&'a str>,
    closed: bool,
    node: &'a Value,
}

fn shape<'a>(docs: &'a Value, schema: &'a Value) -> Shape<'a> {
    let mut out = Shape {
        name: None,
        types: BTreeSet::new(),
        nullable: false,
        properties: Vec::new(),
        required: BTreeSet::new(),
        closed: false,
        node: schema,
    };
    add(docs, schema, &mut out, 0);
    out
}

fn add<'a>(docs: &'a Value, schema: &'a Value, out: &mut Shape<'a>, depth: usize) {
    if depth > 16 {
        return;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        if out.name.is_none() {
            out.name = Some(name);
        }
        if let Some(target) = docs["components"]["schemas"].get(name) {
            add(docs, target, out, depth + 1);
        }
        return;
    }
    if out.node.get("$ref").is_some() || out.node.get("allOf").is_some() {
        // Constraints and enums are read from the schema that has them.
        if schema.get("type").is_some() {
            out.node = schema;
        }
    }
    match &schema["type"] {
        Value::String(t) => {
            out.types.insert(t.clone());
        }
        Value::Array(ts) => {
            for t in ts.iter().filter_map(Value::as_str) {
                if t == "null" {
                    out.nullable = true;
                } else {
                    out.types.insert(t.to_owned());
                }
            }
        }
        _ => {}
    }
    for part in ["allOf", "oneOf"] {
        for item in schema[part].as_array().into_iter().flatten() {
            if item["type"] == "null" {
                out.nullable = true;
            } else {
                add(docs, item, out, depth + 1);
            }
        }
    }
    if let Some(properties) = schema["properties"].as_object() {
        // In `allOf`, a later part narrows what an earlier one said (the
        // `Problem` schema's `type`, then a response's enum of types).
        for (name, property) in properties {
            match out.properties.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = property,
                None => out.properties.push((name, property)),
            }
        }
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        if let Some(name) = name.as_str() {
            out.required.insert(name);
        }
    }
    if schema["additionalProperties"] == Value::Bool(false) {
        out.closed = true;
    }
}

/// Compares `old` with `new`, flowing `flow`, into `out`.
pub(super) fn compare(
    docs: &Docs<'_>,
    old: &Value,
    new: &Value,
    flow: Flow,
    at: &At,
    seen: &mut BTreeSet<(String, String, Flow)>,
    out: &mut Vec<Change>,
) {
    let (o, n) = (shape(docs.old, old), shape(docs.new, new));
    if let (Some(a), Some(b)) = (o.name, n.name)
        && !seen.insert((a.to_owned(), b.to_owned(), flow))
    {
        return;
    }
    let anchor = n
        .name
        .map_or_else(|| at.anchor.clone(), |s| Anchor::Schema(s.to_owned()));
    let name = n
        .name
        .map(|s| format!("`{s}`"))
        .unwrap_or_else(|| "the value".to_owned());
    if !o.types.is_empty() && !n.types.is_empty() && o.types != n.types {
        let widened = flow == Flow::Request && o.types.is_subset(&n.types);
        at_change(
            out,
            at,
            !widened,
            "type-changed",
            format!(
                "{name} was {} and is now {}",
                join(&o.types),
                join(&n.types)
            ),
            anchor.clone(),
        );
        return;
    }
    match (o.nullable, n.nullable, flow) {
        (false, true, Flow::Response) => at_change(
            out,
            at,
            true,
            "response-may-be-null",
            format!("{name} may now be null"),
            anchor.clone(),
        ),
        (true, false, Flow::Request) => at_change(
            out,
            at,
            true,
            "request-null-refused",
            format!("{name} may no longer be null"),
            anchor.clone(),
        ),
        _ => {}
    }
    enums(&o, &n, &name, flow, at, &anchor, out);
    if flow == Flow::Request {
        constraints(o.node, n.node, &name, at, &anchor, out);
    }
    // A property as messages name it (`Order.total`), and where it is.
    let named = |property: &str| match n.name {
        Some(s) => (
            format!("{s}.{property}"),
            Anchor::Property(s.to_owned(), property.to_owned()),
        ),
        None => (property.to_owned(), anchor.clone()),
    };
    for (property, old_property) in &o.properties {
        let (field, property_anchor) = named(property);
        match n.properties.iter().find(|(p, _)| p == property) {
            None => match flow {
                Flow::Response => at_change(
                    out,
                    at,
                    true,
                    "response-property-removed",
                    format!("`{field}` was removed"),
                    anchor.clone(),
                ),
                Flow::Request if n.closed => at_change(
                    out,
                    at,
                    true,
                    "request-property-refused",
                    format!("`{field}` was removed, and is now refused when sent"),
                    anchor.clone(),
                ),
                Flow::Request => at_change(
                    out,
                    at,
                    false,
                    "request-property-removed",
                    format!("`{field}` is no longer read"),
                    anchor.clone(),
                ),
            },
            Some((_, new_property)) => {
                let was = o.required.contains(property);
                let is = n.required.contains(property);
                match (was, is, flow) {
                    (true, false, Flow::Response) => at_change(
                        out,
                        at,
                        true,
                        "response-property-optional",
                        format!("`{field}` may now be absent"),
                        property_anchor.clone(),
                    ),
                    (false, true, Flow::Request) => at_change(
                        out,
                        at,
                        true,
                        "request-property-required",
                        format!("`{field}` is now required"),
                        property_anchor.clone(),
                    ),
                    (false, true, Flow::Response) => at_change(
                        out,
                        at,
                        false,
                        "response-property-always",
                        format!("`{field}` is now always present"),
                        property_anchor.clone(),
                    ),
                    (true, false, Flow::Request) => at_change(
                        out,
                        at,
                        false,
                        "request-property-optional",
                        format!("`{field}` is now optional"),
                        property_anchor.clone(),
                    ),
                    _ => {}
                }
                let inner = At {
                    anchor: property_anchor,
                    ..at.clone()
                };
                compare(docs, old_property, new_property, flow, &inner, seen, out);
            }
        }
    }
    for (property, _) in &n.properties {
        if o.properties.iter().any(|(p, _)| p == property) {
            continue;
        }
        let (field, property_anchor) = named(property);
        match (flow, n.required.contains(property)) {
            (Flow::Request, true) => at_change(
                out,
                at,
                true,
                "request-property-added-required",
                format!("`{field}` was added and is required"),
                property_anchor,
            ),
            (Flow::Request, false) => at_change(
                out,
                at,
                false,
                "request-property-added",
                format!("`{field}` was added, optional"),
                property_anchor,
            ),
            (Flow::Response, _) => at_change(
                out,
                at,
                false,
                "response-property-added",
                format!("`{field}` was added"),
                property_anchor,
            ),
        }
    }
    if let (Some(a), Some(b)) = (
        old.get("items").or(o.node.get("items")),
        new.get("items").or(n.node.get("items")),
    ) {
        let inner = At {
            what: format!("{} (items)", at.what),
            ..at.clone()
        };
        compare(docs, a, b, flow, &inner, seen, out);
    }
}

fn at_change(
    out: &mut Vec<Change>,
    at: &At,
    breaking: bool,
    rule: &'static str,
    text: String,
    anchor: Anchor,
) {
    out.push(at.change(breaking, rule, text, anchor));
}

fn join(types: &BTreeSet<String>) -> String {
    types
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Enum values: a request may accept more, not fewer; a response may send
/// fewer, not more (a client's `switch` would miss them), except a
/// problem's `type`, which clients must expect to grow (RFC 9457).
fn enums(
    o: &Shape<'_>,
    n: &Shape<'_>,
    name: &str,
    flow: Flow,
    at: &At,
    anchor: &Anchor,
    out: &mut Vec<Change>,
) {
    let values = |s: &Shape<'_>| -> Option<Vec<String>> {
        s.node["enum"]
            .as_array()
            .map(|v| v.iter().map(|x| x.to_string()).collect())
    };
    let (Some(old), Some(new)) = (values(o), values(n)) else {
        if let (None, Some(new)) = (values(o), values(n))
            && flow == Flow::Request
        {
            at_change(
                out,
                at,
                true,
                "request-enum-added",
                format!("{name} is now limited to {}", new.join(", ")),
                anchor.clone(),
            );
        }
        return;
    };
    let removed: Vec<&String> = old.iter().filter(|v| !new.contains(v)).collect();
    let added: Vec<&String> = new.iter().filter(|v| !old.contains(v)).collect();
    let problem_type = new.iter().all(|v| v.starts_with("\"/problems/"));
    let listed = |values: &[&String]| {
        values
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !removed.is_empty() {
        let list = listed(&removed);
        match flow {
            Flow::Request => at_change(
                out,
                at,
                true,
                "request-enum-value-removed",
                format!("{name} no longer accepts {list}"),
                anchor.clone(),
            ),
            Flow::Response => at_change(
                out,
                at,
                false,
                "response-enum-value-removed",
                format!("{name} no longer takes {list}"),
                anchor.clone(),
            ),
        }
    }
    if !added.is_empty() {
        let list = listed(&added);
        match flow {
            Flow::Request => at_change(
                out,
                at,
                false,
                "request-enum-value-added",
                format!("{name} also accepts {list}"),
                anchor.clone(),
            ),
            Flow::Response if problem_type => at_change(
                out,
                at,
                false,
                "problem-type-added",
                format!("may also be a problem of type {list}"),
                anchor.clone(),
            ),
            Flow::Response => at_change(
                out,
                at,
                true,
                "response-enum-value-added",
                format!("{name} may now also be {list}"),
                anchor.clone(),
            ),
        }
    }
}

/// Limits on what a client may send: tightening one refuses requests that
/// were accepted.
fn constraints(
    old: &Value,
    new: &Value,
    name: &str,
    at: &At,
    anchor: &Anchor,
    out: &mut Vec<Change>,
) {
    // (keyword, whether a larger value is tighter)
    const LIMITS: &[(&str, bool)] = &[
        ("minimum", true),
        ("exclusiveMinimum", true),
        ("minLength", true),
        ("minItems", true),
        ("maximum", false),
        ("exclusiveMaximum", false),
        ("maxLength", false),
        ("maxItems", false),
    ];
    for (keyword, larger_is_tighter) in LIMITS {
        let (a, b) = (old[keyword].as_f64(), new[keyword].as_f64());
        let tighter = match (a, b) {
            (None, Some(_)) => true,
            (Some(a), Some(b)) => (b > a) == *larger_is_tighter && a != b,
            _ => false,
        };
        let looser = match (a, b) {
            (Some(_), None) => true,
            (Some(a), Some(b)) => (b > a) != *larger_is_tighter && a != b,
            _ => false,
        };
        let shown = |v: Option<f64>| v.map_or_else(|| "none".to_owned(), |v| v.to_string());
        if tighter {
            at_change(
                out,
                at,
                true,
                "request-limit-tightened",
                format!(
                    "{name}'s `{keyword}` went from {} to {}",
                    shown(a),
                    shown(b)
                ),
                anchor.clone(),
            );
        } else if looser {
            at_change(
                out,
                at,
                false,
                "request-limit-loosened",
                format!(
                    "{name}'s `{keyword}` went from {} to {}",
                    shown(a),
                    shown(b)
                ),
                anchor.clone(),
            );
        }
    }
    for keyword in ["pattern", "format"] {
        if old[keyword] != new[keyword] && !new[keyword].is_null() {
            at_change(
                out,
                at,
                true,
                "request-pattern-changed",
                format!("{name}'s `{keyword}` is now {}", new[keyword]),
                anchor.clone(),
            );
        }
    }
}
