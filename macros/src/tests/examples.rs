//! `examples:`: where they go in the document, and every way one can be
//! wrong, reported where the example says it.

use serde_json::{Value, json};

use super::run;

const MIGRATION: &str =
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL);";

const QUERIES: &str = "-- name: get_item :optional
SELECT id, name, kind FROM items WHERE id = :item_id;

-- name: add_item :one
INSERT INTO items (name, kind) VALUES (:name, :kind) RETURNING id, name, kind;
";

/// A spec whose `get_item` has `get_examples` and `add_item` `add_examples`.
fn spec(get_examples: &str, add_examples: &str) -> String {
    format!(
        "info:
  title: Items
  version: 1.0.0
security:
  schemes:
    bearer:
      type: jwt
      keys: {{ HS256: ITEMS_SECRET }}
  claims:
    sub: {{ type: integer, format: int64 }}
  roles:
    staff: {{}}
schemas:
  Kind:
    enum: [tool, toy]
  Item:
    properties:
      id: {{ type: integer, format: int64 }}
      name: {{ type: string, maxLength: 20 }}
      kind: Kind
  NewItem:
    properties:
      name: {{ type: string, maxLength: 20 }}
      kind: Kind
endpoints:
  get_item:
    get: /items/{{item_id}}
    auth: public
    params:
      item_id: {{ in: path, type: integer, minimum: 1 }}
      detail: {{ in: query, type: boolean }}
    queries: [items.get_item]
    responses:
      200: Item
      404: No item has this id.
    examples:
{get_examples}
  add_item:
    post: /items
    auth: [staff]
    body: NewItem
    queries: [items.add_item]
    responses:
      201: Item
      422: The kind is not stocked.
    examples:
{add_examples}
"
    )
}

const GET: &str = "      hammer:
        summary: A hammer
        path: { item_id: 1 }
        query: { detail: true }
        status: 200
        response: { id: 1, kind: tool }
      missing:
        path: { item_id: 999 }
        status: 404
        response: { type: /problems/not-found, detail: No item has this id. }";

const ADD: &str = "      kite:
        summary: Staff add a kite
        as: { role: staff, sub: 7 }
        body: { name: Kite, kind: toy }
        status: 201
        response: { name: Kite, kind: toy }";

fn errors(get: &str, add: &str) -> Vec<String> {
    run(&spec(get, add), QUERIES, MIGRATION)
}

#[track_caller]
fn one(get: &str, add: &str) -> String {
    let errors = errors(get, add);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap_or_default()
}

/// The document the macro renders for `spec`.
fn document(spec: &str) -> Value {
    let dir = super::app(spec, QUERIES, MIGRATION);
    let (_, json) = crate::driver::generate_both(
        &super::files(dir.path()),
        &mut crate::sql::analyze::Schemas::default(),
    )
    .unwrap_or_else(|e| panic!("{e:#?}"));
    serde_json::from_str(&json).expect("JSON")
}

#[test]
fn examples_go_where_readers_and_generators_look() {
    let doc = document(&spec(GET, ADD));
    let get = &doc["paths"]["/items/{item_id}"]["get"];
    assert_eq!(
        get["parameters"][0]["examples"],
        json!({ "hammer": { "value": 1 }, "missing": { "value": 999 } })
    );
    assert_eq!(
        get["responses"]["200"]["content"]["application/json"]["examples"],
        json!({ "hammer": { "summary": "A hammer", "value": { "id": 1, "kind": "tool" } } })
    );
    // A shared response is copied into the operation before an example is
    // added to it, so the example belongs to this operation alone.
    assert_eq!(
        get["responses"]["404"]["content"]["application/problem+json"]["examples"]["missing"]["value"],
        json!({ "type": "/problems/not-found", "detail": "No item has this id." })
    );
    assert!(doc["components"]["responses"]["NotFound"]["content"]["application/problem+json"]["examples"].is_null());
    assert_eq!(
        get["x-keel-examples"],
        json!([
            { "name": "hammer", "sequence": 1, "summary": "A hammer", "path": { "item_id": 1 }, "query": { "detail": true }, "status": 200,
              "response": "#/responses/200/content/application~1json/examples/hammer" },
            { "name": "missing", "sequence": 2, "path": { "item_id": 999 }, "status": 404,
              "response": "#/responses/404/content/application~1problem+json/examples/missing" },
        ])
    );
    let add = &doc["paths"]["/items"]["post"];
    assert_eq!(
        add["requestBody"]["content"]["application/json"]["examples"]["kite"],
        json!({ "summary": "Staff add a kite", "value": { "name": "Kite", "kind": "toy" } })
    );
    assert_eq!(
        add["x-keel-examples"][0]["as"],
        json!({ "role": "staff", "scheme": "bearer", "claims": { "sub": 7 } })
    );
}

#[test]
fn a_400_example_shows_its_request_only_in_the_listing() {
    let get = "      bad_id:
        path: { item_id: 0 }
        query: { detail: maybe }
        status: 400";
    let doc = document(&spec(get, ADD));
    let op = &doc["paths"]["/items/{item_id}"]["get"];
    assert!(op["parameters"][0]["examples"].is_null());
    assert_eq!(
        op["x-keel-examples"][0]["query"],
        json!({ "detail": "maybe" })
    );
}

#[test]
fn request_values_are_held_to_their_schemas() {
    let get = "      hammer:
        path: { item_id: 0 }
        query: { detial: true }
        status: 200";
    assert_eq!(
        errors(get, ADD),
        vec![
            "api.yaml:38:26: example `hammer` of endpoint `get_item`: path parameter `item_id` must be at least 1, found 0\n  note: error 1 of 2",
            "api.yaml:39:18: example `hammer` of endpoint `get_item`: `query` names `detial`, which is not a query parameter of the operation\n  help: did you mean `detail`?\n  note: error 2 of 2",
        ]
    );
    let add = "      kite:
        as: { role: staff, sub: 7 }
        body: { name: 12, kind: kite }
        status: 201";
    assert_eq!(
        errors(GET, add),
        vec![
            "api.yaml:58:23: example `kite` of endpoint `add_item`: `/name` of the body must be a string, found `12`\n  help: quote it (`\"12\"`): YAML reads it as an integer\n  note: error 1 of 2",
            "api.yaml:58:33: example `kite` of endpoint `add_item`: `/kind` of the body must be one of \"tool\", \"toy\", found `\"kite\"`\n  note: error 2 of 2",
        ]
    );
    let add = "      kite:
        as: { role: staff, sub: 7 }
        body: { name: Kite }
        status: 201";
    assert_eq!(
        one(GET, add),
        "api.yaml:58:15: example `kite` of endpoint `add_item`: the body lacks member `kind`, which its schema requires"
    );
}

#[test]
fn expected_answers_are_held_to_their_schemas() {
    let get = "      hammer:
        path: { item_id: 1 }
        status: 200
        response: { id: 1, nmae: Hammer }";
    assert_eq!(
        one(get, ADD),
        "api.yaml:40:28: example `hammer` of endpoint `get_item`: `/nmae` of the response has no member `nmae` in its schema\n  help: did you mean `name`?"
    );
    let get = "      hammer:
        path: { item_id: 1 }
        status: 404
        response: { type: /problems/conflict }";
    assert_eq!(
        one(get, ADD),
        "api.yaml:40:27: example `hammer` of endpoint `get_item`: `/type` of the response must be one of \"/problems/not-found\", \"/problems/no-route\", found `\"/problems/conflict\"`"
    );
    let get = "      hammer:
        path: { item_id: 1 }
        status: 409";
    assert_eq!(
        one(get, ADD),
        "api.yaml:39:17: example `hammer` of endpoint `get_item` expects a 409, which the operation does not document\n  help: its responses are 200, 304, 400, 404, 413, 500, 503"
    );
}

#[test]
fn callers_are_held_to_the_security_model() {
    let add = "      kite:
        body: { name: Kite, kind: toy }
        status: 201";
    assert_eq!(
        one(GET, add),
        "api.yaml:56:7: example `kite` of endpoint `add_item` sends no credentials, so it would get a 401, not a 201\n  help: say who sends it, as `as: { role: customer, sub: 7 }`, or expect `status: 401`"
    );
    let add = "      kite:
        as: { role: staf, sub: \"7\" }
        body: { name: Kite, kind: toy }
        status: 201";
    assert_eq!(
        one(GET, add),
        "api.yaml:57:21: example `kite` of endpoint `add_item` is sent as role `staf`, which `security.roles` does not declare\n  help: did you mean `staff`?"
    );
    let add = "      kite:
        as: { role: staff, sub: \"7\", team: 3 }
        body: { name: Kite, kind: toy }
        status: 201";
    assert_eq!(
        errors(GET, add),
        vec![
            "api.yaml:57:33: example `kite` of endpoint `add_item`: claim `sub` must be an integer, found `\"7\"`\n  note: error 1 of 2",
            "api.yaml:57:38: example `kite` of endpoint `add_item`: `team` is not a claim `security.claims` declares (besides `role`)\n  note: error 2 of 2",
        ]
    );
    let add = "      kite:
        as: { role: staff }
        body: { name: Kite, kind: toy }
        status: 201";
    assert_eq!(
        one(GET, add),
        "api.yaml:57:13: example `kite` of endpoint `add_item`: `as` lacks claim `sub`, which every token carries\n  help: add `sub: …` beside `role`"
    );
}

#[test]
fn examples_are_read_with_located_errors() {
    let get = "      hammer:
        path: { item_id: 1 }
        status: 200
        respone: { id: 1 }";
    assert_eq!(
        one(get, ADD),
        "api.yaml:40:9: unknown key `respone` in example `hammer` of endpoint `get_item`\n  help: did you mean `response`?"
    );
    let get = "      hammer:
        path: { item_id: 1 }";
    assert_eq!(
        one(get, ADD),
        "api.yaml:37:7: example `hammer` of endpoint `get_item` has no `status`\n  help: say which status the request gets, as `status: 200`"
    );
    let get = "      a hammer:
        path: { item_id: 1 }
        status: 200";
    assert_eq!(
        one(get, ADD),
        "api.yaml:37:7: endpoint `get_item`: example name `a hammer` is not usable in the document\n  help: use letters, digits, `_`, `-` and `.` (OpenAPI's rule for example names)"
    );
}

#[test]
fn a_request_that_breaks_the_schemas_on_purpose_is_kept_out_of_request_examples() {
    // A 422's body may break the schema (that is what a 422 says), and is
    // then shown only in the listing; a valid one is shown as usual.
    let add = "      zero:
        as: { role: staff, sub: 7 }
        body: { name: \"\", kind: kite }
        status: 422
      valid:
        as: { role: staff, sub: 7 }
        body: { name: Kite, kind: toy }
        status: 422";
    let doc = document(&spec(GET, add));
    let op = &doc["paths"]["/items"]["post"];
    assert_eq!(
        op["requestBody"]["content"]["application/json"]["examples"],
        json!({ "valid": { "value": { "name": "Kite", "kind": "toy" } } })
    );
    assert_eq!(
        op["x-keel-examples"][0]["body"],
        json!({ "name": "", "kind": "kite" })
    );
    // Any other status needs a valid request.
    let add = "      zero:
        as: { role: staff, sub: 7 }
        body: { name: Kite, kind: kite }
        status: 201";
    assert_eq!(
        one(GET, add),
        "api.yaml:58:35: example `zero` of endpoint `add_item`: `/kind` of the body must be one of \"tool\", \"toy\", found `\"kite\"`"
    );
}

#[test]
fn a_problem_may_carry_members_of_its_own() {
    // `Problem` has `additionalProperties: true`.
    let get = "      missing:
        path: { item_id: 999 }
        status: 404
        response: { type: /problems/not-found, extra: 1 }";
    assert_eq!(errors(get, ADD), Vec::<String>::new());
}

#[test]
fn field_and_parameter_examples_are_held_to_their_schemas() {
    let text = spec(GET, ADD)
        .replace(
            "name: { type: string, maxLength: 20 }\n      kind: Kind\n  NewItem:",
            "name: { type: string, maxLength: 20, example: 12 }\n      kind: Kind\n  NewItem:",
        )
        .replace(
            "item_id: { in: path, type: integer, minimum: 1 }",
            "item_id: { in: path, type: integer, minimum: 1, example: 0 }",
        );
    assert_eq!(
        run(&text, QUERIES, MIGRATION),
        vec![
            "api.yaml:19:53: field `Item.name`: its `example` must be a string, found `12`\n  help: quote it (`\"12\"`): YAML reads it as an integer\n  note: error 1 of 2",
            "api.yaml:30:64: parameter `item_id` of endpoint `get_item`: its `example` must be at least 1, found 0\n  note: error 2 of 2",
        ]
    );
}
