//! Declared examples in the document, and held to it.
//!
//! Each example goes where OpenAPI readers and generators look: its
//! response body under the response's `examples`, and, when the request is
//! a valid one (anything but a 400 example), its parameters and body under
//! theirs. The operation's `x-keel-examples` lists every example whole
//! (caller, request and status), which is what tests replay.
//!
//! Once the document is rendered, every value is checked against the very
//! schemas it shows, and a mismatch is reported where the example says it.

mod schema;

use serde_json::{Map, Value, json};

use crate::check::plan::{ExamplePlan, Plan};
use crate::diag::Diagnostics;
use crate::spec::{Example, Sample, Spec};
use schema::{Completeness, Validator};

/// The operation extension that lists the examples.
pub const EXTENSION: &str = "x-keel-examples";

/// The status whose examples show a request that is not valid.
const INVALID_REQUEST: u16 = 400;

fn operation<'d>(doc: &'d mut Value, route: &str, method: &str) -> Option<&'d mut Value> {
    doc.get_mut("paths")?
        .get_mut(route)?
        .get_mut(method.to_ascii_lowercase())
}

/// Puts the plan's examples into `doc`.
pub fn emit(doc: &mut Value, plan: &Plan) {
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    let components = &components;
    let mut sequence = 0;
    for endpoint in plan.endpoints.iter().filter(|e| !e.examples.is_empty()) {
        let Some(op) = operation(doc, &endpoint.route(), endpoint.method.as_str()) else {
            continue;
        };
        for example in &endpoint.examples {
            let shown = shown(example);
            if example.status != INVALID_REQUEST {
                let groups = [
                    ("path", &example.path),
                    ("query", &example.query),
                    ("header", &example.headers),
                ];
                for (place, values) in groups {
                    for (name, value) in values {
                        if let Some(param) = parameter_mut(op, place, name) {
                            add(param, &example.name, json!({ "value": value }));
                        }
                    }
                }
                if let (Some(body), Some(content)) = (
                    &example.body,
                    op.pointer_mut("/requestBody/content/application~1json"),
                ) {
                    add(content, &example.name, with_value(&shown, body));
                }
            }
            if example.response.is_some() {
                inline_response(op, components, example.status);
            }
            if let (Some(body), Some(content)) = (
                &example.response,
                op.pointer_mut(&format!("/responses/{}/content", example.status))
                    .and_then(Value::as_object_mut)
                    .and_then(|media| media.values_mut().next()),
            ) {
                add(content, &example.name, with_value(&shown, body));
            }
        }
        if let Some(members) = op.as_object_mut() {
            let listed = endpoint
                .examples
                .iter()
                .map(|example| {
                    sequence += 1;
                    listing(example, sequence)
                })
                .collect();
            members.insert(EXTENSION.to_owned(), Value::Array(listed));
        }
    }
}

/// Replaces a shared response (`$ref`) by a copy of its own, so that
/// examples added to it belong to this operation alone.
fn inline_response(op: &mut Value, components: &Value, status: u16) {
    let Some(response) = op.pointer_mut(&format!("/responses/{status}")) else {
        return;
    };
    let target = response
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/"))
        .and_then(|pointer| components.pointer(&format!("/{pointer}")));
    if let Some(shared) = target {
        *response = shared.clone();
    }
}

/// The example's summary and description, as an Example Object has them.
fn shown(example: &ExamplePlan) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(summary) = &example.summary {
        out.insert("summary".into(), summary.clone().into());
    }
    if let Some(description) = &example.description {
        out.insert("description".into(), description.clone().into());
    }
    out
}

fn with_value(shown: &Map<String, Value>, value: &Value) -> Value {
    let mut out = shown.clone();
    out.insert("value".into(), value.clone());
    Value::Object(out)
}

/// The example whole, as `x-keel-examples` lists it; `sequence` is its
/// place among all the examples of the document, in the order the spec
/// declares them, which is the order they are replayed in on fresh sample
/// data.
fn listing(example: &ExamplePlan, sequence: usize) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), example.name.clone().into());
    out.insert("sequence".into(), sequence.into());
    if let Some(summary) = &example.summary {
        out.insert("summary".into(), summary.clone().into());
    }
    if let Some(caller) = &example.caller {
        out.insert(
            "as".into(),
            json!({
                "role": caller.role,
                "scheme": caller.scheme,
                "claims": caller.claims.iter().cloned().collect::<Map<_, _>>(),
            }),
        );
    }
    for (key, values) in [
        ("path", &example.path),
        ("query", &example.query),
        ("headers", &example.headers),
    ] {
        if !values.is_empty() {
            out.insert(
                key.into(),
                values.iter().cloned().collect::<Map<_, _>>().into(),
            );
        }
    }
    if let Some(body) = &example.body {
        out.insert("body".into(), body.clone());
    }
    out.insert("status".into(), example.status.into());
    Value::Object(out)
}

fn parameter_mut<'o>(op: &'o mut Value, place: &str, name: &str) -> Option<&'o mut Value> {
    op.get_mut("parameters")?
        .as_array_mut()?
        .iter_mut()
        .find(|p| is_parameter(p, place, name))
}

fn is_parameter(param: &Value, place: &str, name: &str) -> bool {
    param["in"] == place
        && param["name"].as_str().is_some_and(|n| {
            if place == "header" {
                n.eq_ignore_ascii_case(name)
            } else {
                n == name
            }
        })
}

/// Adds an Example Object under `examples`; a lone `example` (which
/// OpenAPI does not allow beside `examples`) becomes one of them.
fn add(target: &mut Value, name: &str, example: Value) {
    let Some(members) = target.as_object_mut() else {
        return;
    };
    let single = members.remove("example");
    let examples = members
        .entry("examples")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(examples) = examples.as_object_mut() {
        if let Some(value) = single {
            examples.insert("example".into(), json!({ "value": value }));
        }
        examples.insert(name.to_owned(), example);
    }
}

/// Holds every example of `spec` to the schemas of `doc`.
pub fn check(spec: &Spec, doc: &Value, d: &mut Diagnostics) {
    let validator = Validator { document: doc };
    for endpoint in &spec.endpoints {
        let Some(op) = doc
            .get("paths")
            .and_then(|p| p.get(&endpoint.path.value))
            .and_then(|p| p.get(endpoint.method.as_str().to_ascii_lowercase()))
        else {
            continue;
        };
        for example in &endpoint.examples {
            let what = format!(
                "example `{}` of endpoint `{}`",
                example.name.value, endpoint.id.value
            );
            check_example(&validator, op, example, &what, d);
        }
    }
}

fn check_example(
    validator: &Validator<'_>,
    op: &Value,
    example: &Example,
    what: &str,
    d: &mut Diagnostics,
) {
    let status = example.status.value;
    let Some(response) = op
        .pointer(&format!("/responses/{status}"))
        .map(|r| validator.resolve(r))
    else {
        let documented: Vec<&str> = op["responses"]
            .as_object()
            .map(|r| r.keys().map(String::as_str).collect())
            .unwrap_or_default();
        d.error_help(
            &example.status.loc,
            format!("{what} expects a {status}, which the operation does not document"),
            format!("its responses are {}", documented.join(", ")),
        );
        return;
    };
    let valid = status != INVALID_REQUEST;
    let whole = |schema: &Value, sample: &Sample, place: &str, d: &mut Diagnostics| {
        if valid {
            report(
                validator.check(schema, sample, Completeness::Whole),
                place,
                what,
                d,
            );
        }
    };
    let params: Vec<&Value> = op["parameters"]
        .as_array()
        .map(|list| list.iter().collect())
        .unwrap_or_default();
    for (place, key, given) in [
        ("path", "path", &example.path),
        ("query", "query", &example.query),
        ("header", "headers", &example.headers),
    ] {
        let here: Vec<&&Value> = params.iter().filter(|p| p["in"] == place).collect();
        for (name, value) in given {
            match here.iter().find(|p| is_parameter(p, place, &name.value)) {
                Some(param) => whole(
                    &param["schema"],
                    value,
                    &format!("{place} parameter `{}`", name.value),
                    d,
                ),
                None => {
                    let names: Vec<&str> = here.iter().filter_map(|p| p["name"].as_str()).collect();
                    d.error_suggest(
                        &name.loc,
                        format!("{what}: `{key}` names `{}`, which is not a {place} parameter of the operation", name.value),
                        &name.value,
                        names,
                    );
                }
            }
        }
        for param in here.iter().filter(|p| p["required"] == true) {
            let name = param["name"].as_str().unwrap_or_default();
            let given = given
                .iter()
                .any(|(n, _)| is_parameter(param, place, &n.value));
            if !given && (valid || place == "path") {
                d.error_help(
                    &example.loc,
                    format!(
                        "{what} lacks {place} parameter `{name}`, which the operation requires"
                    ),
                    format!("add it under `{key}`"),
                );
            }
        }
    }
    match (
        &example.body,
        op.pointer("/requestBody/content/application~1json/schema"),
    ) {
        (Some(body), Some(schema)) => whole(schema, body, "the body", d),
        (Some(body), None) => d.error(
            &body.loc,
            format!("{what} sends a body, but the operation takes none"),
        ),
        (None, Some(_))
            if valid && op.pointer("/requestBody/required") == Some(&Value::Bool(true)) =>
        {
            d.error_help(
                &example.loc,
                format!("{what} sends no body, which the operation requires"),
                "add `body:`, or expect `status: 400`",
            );
        }
        (None, _) => {}
    }
    if let Some(expected) = &example.response {
        match response
            .get("content")
            .and_then(Value::as_object)
            .and_then(|media| media.values().next())
            .and_then(|content| content.get("schema"))
        {
            Some(schema) => report(
                validator.check(schema, expected, Completeness::Part),
                "the response",
                what,
                d,
            ),
            None => d.error(
                &expected.loc,
                format!("{what}: a {status} of this operation has no body, so `response` cannot say what it holds"),
            ),
        }
    }
}

fn report(mismatches: Vec<schema::Mismatch>, place: &str, what: &str, d: &mut Diagnostics) {
    for m in mismatches {
        let message = if m.pointer.is_empty() {
            format!("{what}: {place} {}", m.message)
        } else {
            format!("{what}: `{}` of {place} {}", m.pointer, m.message)
        };
        match m.help {
            Some(help) => d.error_help(&m.loc, message, help),
            None => d.error(&m.loc, message),
        }
    }
}
