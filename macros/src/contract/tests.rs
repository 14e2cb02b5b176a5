//! One case per rule: a released document, the same with one change, and
//! how the change is classified.

use serde_json::{Value, json};

use super::{Anchor, diff};

/// A small released document: one operation with a query parameter, a
/// body and a response, and the schemas they use.
fn released() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1.0.0"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "add_thing",
                    "security": [{"token": ["staff"]}],
                    "parameters": [
                        {"name": "dry_run", "in": "query", "required": false, "schema": {"type": "boolean"}},
                        {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
                    ],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewThing"}}}},
                    "responses": {
                        "201": {"description": "Added.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                        "409": {"description": "Taken.", "content": {"application/problem+json": {"schema": {"allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"type": "object", "required": ["type"], "properties": {"type": {"type": "string", "enum": ["/problems/conflict"]}}}
                        ]}}}}
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "NewThing": {"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
                    "name": {"type": "string", "maxLength": 50},
                    "color": {"type": "string", "enum": ["red", "blue"]}
                }},
                "Thing": {"type": "object", "required": ["id", "name", "color"], "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "color": {"type": "string", "enum": ["red", "blue"]}
                }},
                "Problem": {"type": "object", "properties": {"type": {"type": "string"}}}
            },
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}
        }
    })
}

/// The rules that classify `edit`'s changes, breaking and compatible.
fn rules(edit: impl FnOnce(&mut Value)) -> (Vec<&'static str>, Vec<&'static str>) {
    let old = released();
    let mut new = old.clone();
    edit(&mut new);
    let changes = diff(&old, &new);
    (
        changes
            .iter()
            .filter(|c| c.breaking)
            .map(|c| c.rule)
            .collect(),
        changes
            .iter()
            .filter(|c| !c.breaking)
            .map(|c| c.rule)
            .collect(),
    )
}

const OP: &str = "/paths/~1things/post";

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}"))
}

fn obj<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut serde_json::Map<String, Value> {
    at(doc, pointer)
        .as_object_mut()
        .unwrap_or_else(|| panic!("{pointer} is not an object"))
}

fn arr<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Vec<Value> {
    at(doc, pointer)
        .as_array_mut()
        .unwrap_or_else(|| panic!("{pointer} is not an array"))
}

/// A change to a document.
type Edit = Box<dyn FnOnce(&mut Value)>;

#[test]
fn the_same_document_has_no_changes() {
    assert_eq!(diff(&released(), &released()), Vec::new());
}

#[test]
fn breaking_changes() {
    let cases: Vec<(&str, Edit)> = vec![
        (
            "operation-removed",
            Box::new(|d| {
                obj(d, "/paths").remove("/things");
            }),
        ),
        (
            "response-property-removed",
            Box::new(|d| {
                at(d, "/components/schemas/Thing/properties")
                    .as_object_mut()
                    .map(|p| p.remove("name"));
            }),
        ),
        (
            "response-property-optional",
            Box::new(|d| *at(d, "/components/schemas/Thing/required") = json!(["id", "color"])),
        ),
        (
            "response-may-be-null",
            Box::new(|d| {
                *at(d, "/components/schemas/Thing/properties/name/type") = json!(["string", "null"])
            }),
        ),
        (
            "type-changed",
            Box::new(|d| *at(d, "/components/schemas/Thing/properties/id/type") = json!("string")),
        ),
        (
            "response-enum-value-added",
            Box::new(|d| {
                *at(d, "/components/schemas/Thing/properties/color/enum") =
                    json!(["red", "blue", "green"])
            }),
        ),
        (
            "request-enum-value-removed",
            Box::new(|d| {
                *at(d, "/components/schemas/NewThing/properties/color/enum") = json!(["red"])
            }),
        ),
        (
            "request-property-added-required",
            Box::new(|d| {
                at(d, "/components/schemas/NewThing/properties")
                    .as_object_mut()
                    .map(|p| p.insert("size".into(), json!({"type": "integer"})));
                *at(d, "/components/schemas/NewThing/required") = json!(["name", "size"]);
            }),
        ),
        (
            "request-property-required",
            Box::new(|d| {
                *at(d, "/components/schemas/NewThing/required") = json!(["name", "color"])
            }),
        ),
        (
            "request-property-refused",
            Box::new(|d| {
                at(d, "/components/schemas/NewThing/properties")
                    .as_object_mut()
                    .map(|p| p.remove("color"));
            }),
        ),
        (
            "request-limit-tightened",
            Box::new(|d| {
                *at(d, "/components/schemas/NewThing/properties/name/maxLength") = json!(20)
            }),
        ),
        (
            "request-pattern-changed",
            Box::new(|d| {
                at(d, "/components/schemas/NewThing/properties/name")
                    .as_object_mut()
                    .map(|p| p.insert("pattern".into(), json!("^[a-z]+$")));
            }),
        ),
        (
            "parameter-added-required",
            Box::new(|d| {
                arr(d, &format!("{OP}/parameters")).push(json!({"name": "shop", "in": "query", "required": true, "schema": {"type": "string"}}));
            }),
        ),
        (
            "parameter-required",
            Box::new(|d| *at(d, &format!("{OP}/parameters/0/required")) = json!(true)),
        ),
        (
            "parameter-removed",
            Box::new(|d| {
                at(d, &format!("{OP}/parameters"))
                    .as_array_mut()
                    .map(|p| p.remove(0));
            }),
        ),
        (
            "request-limit-tightened",
            Box::new(|d| *at(d, &format!("{OP}/parameters/1/schema/maximum")) = json!(50)),
        ),
        (
            "success-status-changed",
            Box::new(|d| {
                let responses = at(d, &format!("{OP}/responses"))
                    .as_object_mut()
                    .expect("responses");
                let created = responses.remove("201").expect("201");
                responses.insert("200".into(), created);
            }),
        ),
        (
            "media-type-removed",
            Box::new(|d| {
                let content = at(d, &format!("{OP}/responses/201/content"))
                    .as_object_mut()
                    .expect("content");
                let json = content.remove("application/json").expect("json");
                content.insert("application/vnd.thing+json".into(), json);
            }),
        ),
        (
            "security-role-removed",
            Box::new(|d| *at(d, &format!("{OP}/security")) = json!([{"token": ["admin"]}])),
        ),
        (
            "security-scheme-removed",
            Box::new(|d| *at(d, "/components/securitySchemes") = json!({})),
        ),
    ];
    for (rule, edit) in cases {
        let (breaking, _) = rules(edit);
        assert!(breaking.contains(&rule), "{rule}: breaking {breaking:?}");
    }
}

#[test]
fn compatible_changes() {
    let cases: Vec<(&str, Edit)> = vec![
        (
            "operation-added",
            Box::new(|d| {
                obj(d, "/paths").insert(
                    "/more".into(),
                    json!({"get": {"operationId": "more", "responses": {}}}),
                );
            }),
        ),
        (
            "parameter-added",
            Box::new(|d| {
                arr(d, &format!("{OP}/parameters")).push(json!({"name": "note", "in": "query", "required": false, "schema": {"type": "string"}}));
            }),
        ),
        (
            "response-property-added",
            Box::new(|d| {
                at(d, "/components/schemas/Thing/properties")
                    .as_object_mut()
                    .map(|p| p.insert("size".into(), json!({"type": "integer"})));
            }),
        ),
        (
            "request-property-added",
            Box::new(|d| {
                at(d, "/components/schemas/NewThing/properties")
                    .as_object_mut()
                    .map(|p| p.insert("size".into(), json!({"type": "integer"})));
            }),
        ),
        (
            "request-enum-value-added",
            Box::new(|d| {
                *at(d, "/components/schemas/NewThing/properties/color/enum") =
                    json!(["red", "blue", "green"])
            }),
        ),
        (
            "response-enum-value-removed",
            Box::new(|d| {
                *at(d, "/components/schemas/Thing/properties/color/enum") = json!(["red"])
            }),
        ),
        (
            "request-limit-loosened",
            Box::new(|d| {
                *at(d, "/components/schemas/NewThing/properties/name/maxLength") = json!(80)
            }),
        ),
        (
            "request-property-optional",
            Box::new(|d| *at(d, "/components/schemas/NewThing/required") = json!([])),
        ),
        (
            "success-status-added",
            Box::new(|d| {
                at(d, &format!("{OP}/responses"))
                    .as_object_mut()
                    .map(|p| p.insert("200".into(), json!({"description": "Already there."})));
            }),
        ),
        (
            "problem-type-added",
            Box::new(|d| {
                *at(
                    d,
                    &format!(
                        "{OP}/responses/409/content/application~1problem+json/schema/allOf/1/properties/type/enum"
                    ),
                ) = json!(["/problems/conflict", "/problems/sold-out"])
            }),
        ),
        (
            "security-role-added",
            Box::new(|d| {
                *at(d, &format!("{OP}/security")) = json!([{"token": ["staff", "admin"]}])
            }),
        ),
    ];
    for (rule, edit) in cases {
        let (breaking, compatible) = rules(edit);
        assert!(breaking.is_empty(), "{rule}: breaking {breaking:?}");
        if rule != "security-role-added" {
            assert!(
                compatible.contains(&rule),
                "{rule}: compatible {compatible:?}"
            );
        }
    }
}

#[test]
fn a_public_operation_that_needs_a_token_breaks_its_clients() {
    let mut public = released();
    *at(&mut public, &format!("{OP}/security")) = json!([]);
    let changes = diff(&public, &released());
    assert!(
        changes
            .iter()
            .any(|c| c.breaking && c.rule == "security-added"),
        "{changes:?}"
    );
    // The other way round, nobody is refused who was admitted.
    assert!(diff(&released(), &public).iter().all(|c| !c.breaking));
}

#[test]
fn a_change_is_anchored_where_the_spec_declares_it() {
    let old = released();
    let mut new = old.clone();
    *at(&mut new, "/components/schemas/Thing/required") = json!(["id", "color"]);
    *at(&mut new, &format!("{OP}/parameters/0/required")) = json!(true);
    let changes = diff(&old, &new);
    let anchors: Vec<&Anchor> = changes.iter().map(|c| &c.anchor).collect();
    assert!(
        anchors.contains(&&Anchor::Property("Thing".into(), "name".into())),
        "{changes:?}"
    );
    assert!(
        anchors.contains(&&Anchor::Param("add_thing".into(), "dry_run".into())),
        "{changes:?}"
    );
}
