//! Holding a located example value to a schema of the rendered document:
//! the subset of JSON Schema the document uses (`$ref`, `allOf`, `type`,
//! `properties`, `required`, `additionalProperties`, `enum`, `items`, and
//! the length, range and pattern limits).

use serde_json::Value;

use crate::diag::Loc;
use crate::names;
use crate::spec::{Sample, SampleValue};

/// Whether members a schema requires may be left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    /// A request: what is sent must be whole.
    Whole,
    /// An expected answer: the members that matter, at any depth; each
    /// value given must be right, and a list has all its items.
    Part,
}

/// One way a value breaks its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Where the offending part was written.
    pub loc: Loc,
    /// Its JSON pointer from the value's root (`/items/0/sku`), empty for
    /// the root.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when that is clear.
    pub help: Option<String>,
}

/// A schema validator over a document's components.
pub struct Validator<'a> {
    /// The document, for `$ref`s.
    pub document: &'a Value,
}

impl Validator<'_> {
    /// Every way `sample` breaks `schema`, in document order.
    pub fn check(&self, schema: &Value, sample: &Sample, whole: Completeness) -> Vec<Mismatch> {
        let mut out = Vec::new();
        self.walk(schema, sample, whole, "", &mut out);
        out
    }

    /// `schema`, or what its `$ref`s lead to.
    pub fn resolve<'s>(&'s self, mut schema: &'s Value) -> &'s Value {
        // A document's `$ref`s cannot loop forever: each names a component.
        for _ in 0..32 {
            let Some(target) = schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            match target
                .strip_prefix('#')
                .and_then(|pointer| self.document.pointer(pointer))
            {
                Some(next) => schema = next,
                None => break,
            }
        }
        schema
    }

    /// The schema and the branches of its `allOf`s, resolved.
    fn parts<'s>(&'s self, schema: &'s Value) -> Vec<&'s Value> {
        let schema = self.resolve(schema);
        let mut parts = vec![schema];
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for branch in all {
                parts.extend(self.parts(branch));
            }
        }
        parts
    }

    fn walk(
        &self,
        schema: &Value,
        sample: &Sample,
        whole: Completeness,
        pointer: &str,
        out: &mut Vec<Mismatch>,
    ) {
        let parts = self.parts(schema);
        // `oneOf`/`anyOf` (a nullable `$ref` is `oneOf` it and `null`): the
        // value must match a branch; if none, the closest one says why.
        for part in &parts {
            let branches = part
                .get("oneOf")
                .or_else(|| part.get("anyOf"))
                .and_then(Value::as_array);
            if let Some(branches) = branches {
                let tries: Vec<Vec<Mismatch>> = branches
                    .iter()
                    .map(|branch| {
                        let mut found = Vec::new();
                        self.walk(branch, sample, whole, pointer, &mut found);
                        found
                    })
                    .collect();
                if !tries.iter().any(Vec::is_empty)
                    && let Some(closest) = tries.into_iter().min_by_key(|t| {
                        // A type mismatch at the value itself is the least close.
                        (t.iter().any(|m| m.pointer == pointer), t.len())
                    })
                {
                    out.extend(closest);
                    return;
                }
            }
        }
        let mut fail = |message: String, help: Option<String>| {
            out.push(Mismatch {
                loc: sample.loc.clone(),
                pointer: pointer.to_owned(),
                message,
                help,
            });
        };
        let json = sample.to_json();
        // Types: every part that names some must admit the value.
        for part in &parts {
            let types: Vec<&str> = match part.get("type") {
                Some(Value::String(t)) => vec![t.as_str()],
                Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            if !types.iter().any(|t| admits(t, &json)) {
                let help = (types.contains(&"string") && !json.is_string() && is_scalar(&json))
                    .then(|| format!("quote it (`\"{json}\"`): YAML reads it as {}", kind(&json)));
                fail(
                    format!("must be {}, found {}", one_of(&types), shown(&json)),
                    help,
                );
                return;
            }
        }
        for part in &parts {
            if let Some(allowed) = part.get("enum").and_then(Value::as_array)
                && !allowed.contains(&json)
            {
                let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
                let help = json.as_str().and_then(|s| {
                    let strings: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
                    names::did_you_mean(s, strings).map(|m| format!("did you mean `{m}`?"))
                });
                fail(
                    format!("must be one of {}, found {}", list.join(", "), shown(&json)),
                    help,
                );
            }
            self.limits(part, &json, &mut fail);
        }
        match &sample.value {
            SampleValue::Object(members) => {
                self.members(&parts, members, whole, pointer, &sample.loc, out)
            }
            SampleValue::Array(items) => {
                for part in &parts {
                    if let Some(item_schema) = part.get("items") {
                        for (i, item) in items.iter().enumerate() {
                            self.walk(item_schema, item, whole, &format!("{pointer}/{i}"), out);
                        }
                    }
                }
            }
            SampleValue::Scalar(_) => {}
        }
    }

    fn limits(&self, part: &Value, json: &Value, fail: &mut impl FnMut(String, Option<String>)) {
        let limit = |key: &str| part.get(key).and_then(Value::as_f64);
        if let Some(n) = json.as_f64() {
            if let Some(min) = limit("minimum").filter(|&min| n < min) {
                fail(format!("must be at least {min}, found {n}"), None);
            }
            if let Some(max) = limit("maximum").filter(|&max| n > max) {
                fail(format!("must be at most {max}, found {n}"), None);
            }
        }
        if let Some(s) = json.as_str() {
            let len = s.chars().count() as f64;
            if let Some(min) = limit("minLength").filter(|&min| len < min) {
                fail(
                    format!("must have at least {min} characters, found {len}"),
                    None,
                );
            }
            if let Some(max) = limit("maxLength").filter(|&max| len > max) {
                fail(
                    format!("must have at most {max} characters, found {len}"),
                    None,
                );
            }
            if let Some(format) = part.get("format").and_then(Value::as_str)
                && let Some(shape) = format_shape(format)
                && !regex_lite::Regex::new(shape).is_ok_and(|re| re.is_match(s))
            {
                fail(format!("must be a `{format}`, found {}", shown(json)), None);
            }
            if let Some(pattern) = part.get("pattern").and_then(Value::as_str)
                && let Ok(re) = regex_lite::Regex::new(pattern)
                && !re.is_match(s)
            {
                fail(
                    format!("must match `{pattern}`, found {}", shown(json)),
                    None,
                );
            }
        }
        if let Some(items) = json.as_array() {
            let len = items.len() as f64;
            if let Some(min) = limit("minItems").filter(|&min| len < min) {
                fail(format!("must have at least {min} items, found {len}"), None);
            }
            if let Some(max) = limit("maxItems").filter(|&max| len > max) {
                fail(format!("must have at most {max} items, found {len}"), None);
            }
        }
    }

    fn members(
        &self,
        parts: &[&Value],
        members: &[(crate::spec::Spanned<String>, Sample)],
        whole: Completeness,
        pointer: &str,
        loc: &Loc,
        out: &mut Vec<Mismatch>,
    ) {
        let declared: Vec<(&str, &Value)> = parts
            .iter()
            .filter_map(|p| p.get("properties").and_then(Value::as_object))
            .flat_map(|props| props.iter().map(|(k, v)| (k.as_str(), v)))
            .collect();
        let extra: Vec<&Value> = parts
            .iter()
            .filter_map(|p| p.get("additionalProperties"))
            .filter(|a| a.is_object())
            .collect();
        // Closed when a part says so, or when the parts list their members
        // and none admits others: a member they do not list is then more
        // likely a misspelling than a deliberate extra.
        let open = parts
            .iter()
            .any(|p| p.get("additionalProperties") == Some(&Value::Bool(true)));
        let forbidden = parts
            .iter()
            .any(|p| p.get("additionalProperties") == Some(&Value::Bool(false)));
        let closed = extra.is_empty() && (forbidden || (!open && !declared.is_empty()));
        for (name, value) in members {
            let here = format!("{pointer}/{}", name.value);
            let schemas: Vec<&Value> = declared
                .iter()
                .filter(|(k, _)| *k == name.value)
                .map(|(_, s)| *s)
                .collect();
            let schemas = if schemas.is_empty() {
                extra.clone()
            } else {
                schemas
            };
            if schemas.is_empty() && closed {
                let names: Vec<&str> = declared.iter().map(|(k, _)| *k).collect();
                out.push(Mismatch {
                    loc: name.loc.clone(),
                    pointer: here,
                    message: format!("has no member `{}` in its schema", name.value),
                    help: names::did_you_mean(&name.value, names.iter().copied())
                        .map(|m| format!("did you mean `{m}`?"))
                        .or_else(|| Some(format!("its members are {}", names::one_of(&names)))),
                });
                continue;
            }
            for schema in schemas {
                self.walk(schema, value, whole, &here, out);
            }
        }
        if whole == Completeness::Whole {
            let required = parts
                .iter()
                .filter_map(|p| p.get("required").and_then(Value::as_array))
                .flatten()
                .filter_map(Value::as_str);
            for name in required {
                if !members.iter().any(|(k, _)| k.value == name) {
                    out.push(Mismatch {
                        loc: loc.clone(),
                        pointer: pointer.to_owned(),
                        message: format!("lacks member `{name}`, which its schema requires"),
                        help: None,
                    });
                }
            }
        }
    }
}

/// The shape of a string of `format`, as a pattern: the server checks
/// more (a real date, say), which the replay of the example then meets.
fn format_shape(format: &str) -> Option<&'static str> {
    Some(match format {
        "date-time" => {
            r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
        }
        "date" => r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "uuid" => r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
        "email" => r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$",
        _ => return None,
    })
}

fn admits(ty: &str, json: &Value) -> bool {
    match ty {
        "null" => json.is_null(),
        "boolean" => json.is_boolean(),
        "integer" => {
            json.is_i64() || json.is_u64() || json.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        "number" => json.is_number(),
        "string" => json.is_string(),
        "array" => json.is_array(),
        "object" => json.is_object(),
        _ => true,
    }
}

fn is_scalar(json: &Value) -> bool {
    !json.is_array() && !json.is_object()
}

fn kind(json: &Value) -> &'static str {
    match json {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn shown(json: &Value) -> String {
    match json {
        Value::Array(_) | Value::Object(_) => kind(json).to_owned(),
        other => format!("`{other}`"),
    }
}

fn one_of(types: &[&str]) -> String {
    let words: Vec<&str> = types
        .iter()
        .map(|t| match *t {
            "null" => "null",
            "boolean" => "a boolean",
            "integer" => "an integer",
            "number" => "a number",
            "string" => "a string",
            "array" => "a list",
            "object" => "a mapping",
            other => other,
        })
        .collect();
    match words.as_slice() {
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
        [] => "nothing".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use serde_json::{Value, json};

    use super::{Completeness, Validator};
    use crate::diag::Loc;
    use crate::spec::{Sample, SampleValue, Spanned};

    fn sample(value: &Value) -> Sample {
        let loc = Loc::file_start(&Rc::from("api.yaml"));
        let value = match value {
            Value::Array(items) => SampleValue::Array(items.iter().map(sample).collect()),
            Value::Object(members) => SampleValue::Object(
                members
                    .iter()
                    .map(|(k, v)| (Spanned::new(k.clone(), loc.clone()), sample(v)))
                    .collect(),
            ),
            scalar => SampleValue::Scalar(scalar.clone()),
        };
        Sample { loc, value }
    }

    fn doc() -> Value {
        json!({ "components": { "schemas": {
            "Box": { "type": "object", "required": ["size"], "properties": { "size": { "type": "integer" } } },
            "Item": { "type": "object", "properties": {
                "box": { "oneOf": [ { "$ref": "#/components/schemas/Box" }, { "type": "null" } ] },
                "made": { "type": "string", "format": "date-time" },
                "id": { "type": "string", "format": "uuid" },
                "any": {},
            } },
            "Open": { "type": "object", "properties": { "a": { "type": "integer" } }, "additionalProperties": true },
        } } })
    }

    /// The messages of checking `value` against the component `schema`.
    fn check(schema: &str, value: Value, whole: Completeness) -> Vec<String> {
        let doc = doc();
        let validator = Validator { document: &doc };
        let schema = json!({ "$ref": format!("#/components/schemas/{schema}") });
        validator
            .check(&schema, &sample(&value), whole)
            .into_iter()
            .map(|m| format!("{} {}", m.pointer, m.message))
            .collect()
    }

    #[test]
    fn nullable_references_take_null_or_the_object() {
        let part = Completeness::Part;
        assert!(check("Item", json!({ "box": null }), part).is_empty());
        assert!(check("Item", json!({ "box": { "size": 2.0 } }), part).is_empty());
        assert_eq!(
            check("Item", json!({ "box": { "sise": 2 } }), part),
            ["/box/sise has no member `sise` in its schema"]
        );
        assert_eq!(
            check("Item", json!({ "box": 5 }), part),
            ["/box must be a mapping, found `5`"]
        );
        assert_eq!(
            check("Item", json!({ "box": {} }), Completeness::Whole),
            ["/box lacks member `size`, which its schema requires"]
        );
    }

    #[test]
    fn formats_and_open_schemas() {
        let part = Completeness::Part;
        assert!(
            check(
                "Item",
                json!({ "made": "2026-01-01T00:00:00.5Z", "id": "0d5c7f6e-3b2a-4f5e-9c1d-2a7b8c9d0e1f", "any": [1, { "x": true }] }),
                part
            )
            .is_empty()
        );
        assert_eq!(
            check("Item", json!({ "made": "2026-01-01", "id": "12" }), part),
            [
                "/made must be a `date-time`, found `\"2026-01-01\"`",
                "/id must be a `uuid`, found `\"12\"`"
            ]
        );
        assert!(check("Open", json!({ "a": 1, "b": "extra" }), part).is_empty());
        assert_eq!(
            check("Open", json!({ "a": 1.5 }), part),
            ["/a must be an integer, found `1.5`"]
        );
    }
}
