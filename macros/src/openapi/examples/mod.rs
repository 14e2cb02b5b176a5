//! Declared examples: held to the document, then put in it.
//!
//! [`check`] holds every value of every example to the very schemas the
//! document shows, and reports a mismatch where the example says it. A
//! request that breaks them is allowed only in an example of a 400 or a
//! 422, the statuses of such requests; it is then *withheld* from the
//! places tools read as valid requests.
//!
//! [`emit`] puts each example where OpenAPI readers and generators look:
//! its expected body under the response's `examples`, and (unless
//! withheld) its parameters and body under theirs. The operation's
//! `x-keel-examples` lists every example whole (caller, request, status,
//! and where its expected body is), which is what tests replay.

mod schema;

use serde_json::{Map, Value, json};

use crate::check::plan::{ExamplePlan, Plan};
use crate::diag::{Diagnostics, Loc};
use crate::spec::{Example, Sample, Spec};
use schema::{Completeness, Mismatch, Validator};

/// The operation extension that lists the examples.
pub const EXTENSION: &str = "x-keel-examples";

/// The statuses of requests that break the schemas: an example of one may
/// send such a request.
const INVALID_REQUEST: &[u16] = &[400, 422];

/// An example whose request breaks the schemas on purpose: (endpoint id,
/// example name).
pub type Withheld = (String, String);

/// The operation at `route` and `method` (`GET`) in `doc`.
fn operation<'d>(doc: &'d Value, route: &str, method: &str) -> Option<&'d Value> {
    doc.get("paths")?
        .get(route)?
        .get(method.to_ascii_lowercase())
}

/// [`operation`], to change.
fn operation_mut<'d>(doc: &'d mut Value, route: &str, method: &str) -> Option<&'d mut Value> {
    doc.get_mut("paths")?
        .get_mut(route)?
        .get_mut(method.to_ascii_lowercase())
}

/// `name` as one token of a JSON pointer.
fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Puts the plan's examples into `doc`, the requests of `withheld` only in
/// `x-keel-examples`.
pub fn emit(doc: &mut Value, plan: &Plan, withheld: &[Withheld]) {
    let components = doc.get("components").cloned().unwrap_or(Value::Null);
    let mut sequence = 0;
    for endpoint in plan.endpoints.iter().filter(|e| !e.examples.is_empty()) {
        let Some(op) = operation_mut(doc, &endpoint.route(), endpoint.method.as_str()) else {
            continue;
        };
        let mut listed = Vec::new();
        for example in &endpoint.examples {
            let shown = shown(example);
            let held = withheld
                .iter()
                .any(|(id, name)| *id == endpoint.id && *name == example.name);
            if !held {
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
            let mut response = None;
            if let Some(body) = &example.response {
                inline_response(op, &components, example.status);
                let content = op
                    .pointer_mut(&format!("/responses/{}/content", example.status))
                    .and_then(Value::as_object_mut)
                    .and_then(|media| media.iter_mut().next());
                if let Some((media, content)) = content {
                    response = Some(format!(
                        "#/responses/{}/content/{}/examples/{}",
                        example.status,
                        pointer_token(media),
                        example.name
                    ));
                    add(content, &example.name, with_value(&shown, body));
                }
            }
            sequence += 1;
            listed.push(listing(example, sequence, response));
        }
        if let Some(members) = op.as_object_mut() {
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

/// The example whole, as `x-keel-examples` lists it. `sequence` is its
/// place among all the examples of the document (endpoint by endpoint, in
/// the order the spec declares them), the order they are replayed in on
/// fresh sample data; `response` points (from the operation) at its
/// expected body.
fn listing(example: &ExamplePlan, sequence: usize, response: Option<String>) -> Value {
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
    if let Some(pointer) = response {
        out.insert("response".into(), pointer.into());
    }
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
    let single = members.shift_remove("example");
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

/// Holds every example of `spec` (and every field's and parameter's
/// `example:`) to the schemas of `doc`; returns the examples whose
/// requests break them on purpose.
pub fn check(spec: &Spec, doc: &Value, d: &mut Diagnostics) -> Vec<Withheld> {
    let validator = Validator { document: doc };
    check_values(&validator, spec, d);
    let mut withheld = Vec::new();
    for endpoint in &spec.endpoints {
        let Some(op) = operation(doc, &endpoint.path.value, endpoint.method.as_str()) else {
            continue;
        };
        for example in &endpoint.examples {
            let what = format!(
                "example `{}` of endpoint `{}`",
                example.name.value, endpoint.id.value
            );
            if check_example(&validator, op, example, &what, d) {
                withheld.push((endpoint.id.value.clone(), example.name.value.clone()));
            }
        }
    }
    withheld
}

/// One thing wrong with an example.
struct Fault {
    loc: Loc,
    message: String,
    help: Option<String>,
}

impl Fault {
    fn report(self, d: &mut Diagnostics) {
        match self.help {
            Some(help) => d.error_help(&self.loc, self.message, help),
            None => d.error(&self.loc, self.message),
        }
    }
}

fn faults(mismatches: Vec<Mismatch>, place: &str, what: &str) -> impl Iterator<Item = Fault> {
    mismatches.into_iter().map(move |m| Fault {
        message: if m.pointer.is_empty() {
            format!("{what}: {place} {}", m.message)
        } else {
            format!("{what}: `{}` of {place} {}", m.pointer, m.message)
        },
        loc: m.loc,
        help: m.help,
    })
}

/// Checks one example; whether its request breaks the schemas, as its
/// status allows.
fn check_example(
    validator: &Validator<'_>,
    op: &Value,
    example: &Example,
    what: &str,
    d: &mut Diagnostics,
) -> bool {
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
        return false;
    };
    let request = request_faults(validator, op, example, what, d);
    let breaks = !request.is_empty();
    if breaks && !INVALID_REQUEST.contains(&status) {
        request.into_iter().for_each(|f| f.report(d));
    }
    if let Some(expected) = &example.response {
        match response
            .get("content")
            .and_then(Value::as_object)
            .and_then(|media| media.values().next())
            .and_then(|content| content.get("schema"))
        {
            Some(schema) => faults(
                validator.check(schema, expected, Completeness::Part),
                "the response",
                what,
            )
            .for_each(|f| f.report(d)),
            None => d.error(
                &expected.loc,
                format!("{what}: a {status} of this operation has no body, so `response` cannot say what it holds"),
            ),
        }
    }
    breaks
}

/// Every way the example's request breaks the operation's parameters and
/// body. A path parameter left out is reported at once: without it there
/// is no URL.
fn request_faults(
    validator: &Validator<'_>,
    op: &Value,
    example: &Example,
    what: &str,
    d: &mut Diagnostics,
) -> Vec<Fault> {
    let mut out = Vec::new();
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
                Some(param) => out.extend(faults(
                    validator.check(&param["schema"], value, Completeness::Whole),
                    &format!("{place} parameter `{}`", name.value),
                    what,
                )),
                None => {
                    let names: Vec<&str> = here.iter().filter_map(|p| p["name"].as_str()).collect();
                    out.push(Fault {
                        loc: name.loc.clone(),
                        message: format!("{what}: `{key}` names `{}`, which is not a {place} parameter of the operation", name.value),
                        help: crate::names::did_you_mean(&name.value, names.iter().copied())
                            .map(|m| format!("did you mean `{m}`?")),
                    });
                }
            }
        }
        for param in here.iter().filter(|p| p["required"] == true) {
            let name = param["name"].as_str().unwrap_or_default();
            if given
                .iter()
                .any(|(n, _)| is_parameter(param, place, &n.value))
            {
                continue;
            }
            let fault = Fault {
                loc: example.loc.clone(),
                message: format!(
                    "{what} lacks {place} parameter `{name}`, which the operation requires"
                ),
                help: Some(format!("add it under `{key}`")),
            };
            if place == "path" {
                fault.report(d);
            } else {
                out.push(fault);
            }
        }
    }
    match (
        &example.body,
        op.pointer("/requestBody/content/application~1json/schema"),
    ) {
        (Some(body), Some(schema)) => out.extend(faults(
            validator.check(schema, body, Completeness::Whole),
            "the body",
            what,
        )),
        (Some(body), None) => d.error(
            &body.loc,
            format!("{what} sends a body, but the operation takes none"),
        ),
        (None, Some(_)) if op.pointer("/requestBody/required") == Some(&Value::Bool(true)) => {
            out.push(Fault {
                loc: example.loc.clone(),
                message: format!("{what} sends no body, which the operation requires"),
                help: Some("add `body:`, or expect `status: 400`".to_owned()),
            });
        }
        (None, _) => {}
    }
    out
}

/// Holds the `example:` of every field of a declared schema and of every
/// parameter to its schema in the validator's document.
fn check_values(validator: &Validator<'_>, spec: &Spec, d: &mut Diagnostics) {
    let doc = validator.document;
    let mut hold = |schema: Option<&Value>, sample: &Option<Sample>, what: String| {
        if let (Some(schema), Some(sample)) = (schema, sample) {
            faults(
                validator.check(schema, sample, Completeness::Whole),
                "its `example`",
                &what,
            )
            .for_each(|f| f.report(d));
        }
    };
    for schema in &spec.schemas {
        let crate::spec::SchemaKind::Object(fields) = &schema.kind else {
            continue;
        };
        for field in fields {
            let pointer = format!(
                "/components/schemas/{}/properties/{}",
                schema.name.value,
                pointer_token(&field.name.value)
            );
            let what = format!("field `{}.{}`", schema.name.value, field.name.value);
            hold(doc.pointer(&pointer), &field.spec.example, what);
        }
    }
    for endpoint in &spec.endpoints {
        let op = operation(doc, &endpoint.path.value, endpoint.method.as_str());
        for param in &endpoint.params {
            let schema = op
                .and_then(|op| op["parameters"].as_array())
                .and_then(|list| {
                    list.iter()
                        .find(|p| is_parameter(p, param.location.as_str(), &param.wire_name))
                })
                .map(|p| &p["schema"]);
            let what = format!(
                "parameter `{}` of endpoint `{}`",
                param.name.value, endpoint.id.value
            );
            hold(schema, &param.spec.example, what);
        }
    }
}
