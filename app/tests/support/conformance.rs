//! Responses checked against the OpenAPI document: every exchange of the
//! HTTP suite must have a documented status, the documented content type,
//! and a body valid against the documented schema.
//!
//! The schemas are checked strictly: an object may carry no member the
//! document does not declare (except problems, whose extension members are
//! open by RFC 9457), and formats such as `date-time` are enforced.

use std::collections::HashMap;

use serde_json::{Value, json};

/// One request and what came back.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    /// Response header names, lowercase.
    pub(crate) headers: Vec<String>,
    pub(crate) body: Vec<u8>,
}

/// The document, ready to check exchanges against.
pub(crate) struct Contract {
    doc: Value,
    defs: Value,
    validators: HashMap<String, jsonschema::Validator>,
}

impl Contract {
    /// Loads the committed `docs/openapi.json`.
    pub(crate) fn load() -> Contract {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let text = std::fs::read_to_string(path).expect("docs/openapi.json");
        Contract::from_document(serde_json::from_str(&text).expect("docs/openapi.json is JSON"))
    }

    fn from_document(doc: Value) -> Contract {
        let mut defs = doc["components"]["schemas"].clone();
        if let Some(map) = defs.as_object_mut() {
            for (name, schema) in map.iter_mut() {
                let open = schema.get("additionalProperties").is_some();
                if schema["type"] == "object" && !open && name != "Problem" {
                    schema["additionalProperties"] = json!(false);
                }
            }
        }
        let defs = rewrite_refs(defs);
        Contract {
            doc,
            defs,
            validators: HashMap::new(),
        }
    }

    /// Checks one exchange; `Err` says what does not conform.
    pub(crate) fn check(&mut self, ex: &Exchange) -> Result<(), String> {
        // keel's own pages: the document, the portal and the problem types'
        // pages (checked by their own cases), which the document does not
        // describe as operations; a problem page that does not exist is
        // checked like any unknown path.
        if ex.path == "/openapi.json"
            || ex.path == "/openapi.yaml"
            || ex.path == "/docs"
            || ex.path.starts_with("/docs/")
            || ((ex.path == "/problems" || ex.path.starts_with("/problems/")) && ex.status == 200)
        {
            return Ok(());
        }
        let what = format!("{} {} -> {}", ex.method, ex.path, ex.status);
        // The path as the server sees it (dot segments resolve as in URLs);
        // methods are case-sensitive, so an operation key is the lower-case
        // form of an upper-case method, and any other spelling names none.
        let method = match ex.method.as_str() {
            "HEAD" => "get".to_owned(),
            m if m.bytes().all(|b| b.is_ascii_uppercase()) => m.to_ascii_lowercase(),
            _ => String::new(),
        };
        // As in OpenAPI, the most concrete matching template is the path's,
        // alone: `/v1/inventory/check` is not also `/v1/inventory/{sku}`.
        let mut templates = self.matching_templates(&keel::http::normalize_path(&ex.path));
        templates.truncate(1);
        let response = match templates
            .iter()
            .find(|t| self.doc["paths"][t.as_str()].get(&method).is_some())
        {
            Some(template) => {
                let responses = &self.doc["paths"][template.as_str()][&method]["responses"];
                let Some(response) = responses.get(ex.status.to_string()) else {
                    return Err(format!(
                        "{what}: status {} is not documented for {} {template}",
                        ex.status,
                        method.to_uppercase()
                    ));
                };
                self.resolve(response)
            }
            // The path exists, not with this method: the documented 405.
            None if !templates.is_empty() => {
                self.doc["components"]["responses"]["MethodNotAllowed"].clone()
            }
            // No route at all: a 404 problem.
            None => self.doc["components"]["responses"]["NotFound"].clone(),
        };
        if templates.is_empty() && ex.status != 404 {
            return Err(format!(
                "{what}: no documented path matches, so only a 404 is expected"
            ));
        }
        if !templates.is_empty()
            && self.doc["paths"].as_object().is_some_and(|p| {
                templates
                    .iter()
                    .all(|t| p[t.as_str()].get(&method).is_none())
            })
            && ex.status != 405
        {
            return Err(format!(
                "{what}: the path has no such method, so only a 405 is expected"
            ));
        }
        if let Some(headers) = response.get("headers").and_then(Value::as_object) {
            for (name, header) in headers {
                if header["required"] == true
                    && !ex.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
                {
                    return Err(format!("{what}: the required header {name} is missing"));
                }
            }
        }
        let content = response
            .get("content")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if content.is_empty() {
            return if ex.body.is_empty() {
                Ok(())
            } else {
                Err(format!("{what}: documented without a body, but one came"))
            };
        }
        let Some(content_type) = &ex.content_type else {
            return Err(format!(
                "{what}: no Content-Type; expected one of {:?}",
                content.keys().collect::<Vec<_>>()
            ));
        };
        let media = content_type.split(';').next().unwrap_or("").trim();
        let Some(entry) = content.get(media) else {
            return Err(format!(
                "{what}: Content-Type {media} is not documented; expected one of {:?}",
                content.keys().collect::<Vec<_>>()
            ));
        };
        if ex.method == "HEAD" {
            return Ok(());
        }
        let body: Value = serde_json::from_slice(&ex.body)
            .map_err(|e| format!("{what}: body is not JSON: {e}"))?;
        if media == "application/problem+json" && body["status"] != ex.status {
            return Err(format!(
                "{what}: the problem's status member is {}",
                body["status"]
            ));
        }
        let schema = entry["schema"].clone();
        let validator = self.validator(&schema)?;
        let errors: Vec<String> = validator
            .iter_errors(&body)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{what}: body does not match {schema}: {}",
                errors.join("; ")
            ))
        }
    }

    /// Path templates matching `path`, literal segments first.
    fn matching_templates(&self, path: &str) -> Vec<String> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mut found: Vec<(usize, String)> = self.doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .keys()
                    .filter_map(|template| {
                        let parts: Vec<&str> =
                            template.trim_start_matches('/').split('/').collect();
                        let fits = parts.len() == segments.len()
                            && parts.iter().zip(&segments).all(|(p, s)| {
                                if p.starts_with('{') {
                                    !s.is_empty()
                                } else {
                                    p == s
                                }
                            });
                        fits.then(|| {
                            (
                                parts.iter().filter(|p| p.starts_with('{')).count(),
                                template.clone(),
                            )
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found.into_iter().map(|(_, t)| t).collect()
    }

    fn resolve(&self, response: &Value) -> Value {
        match response.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/responses/");
                self.doc["components"]["responses"][name].clone()
            }
            None => response.clone(),
        }
    }

    fn validator(&mut self, schema: &Value) -> Result<&jsonschema::Validator, String> {
        let key = schema.to_string();
        if !self.validators.contains_key(&key) {
            let root = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": self.defs,
                "allOf": [rewrite_refs(schema.clone())],
            });
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&root)
                .map_err(|e| format!("the document's schema {schema} does not compile: {e}"))?;
            self.validators.insert(key.clone(), validator);
        }
        self.validators
            .get(&key)
            .ok_or_else(|| "validator cache".to_owned())
    }
}

fn rewrite_refs(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = match (&*k, v) {
                        ("$ref", Value::String(r)) => {
                            Value::String(r.replace("#/components/schemas/", "#/$defs/"))
                        }
                        (_, other) => rewrite_refs(other),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(rewrite_refs).collect()),
        other => other,
    }
}
