//! `idempotency:` diagnostics, and the statements an idempotent endpoint
//! generates.

use super::{one_error, run};

const MIGRATION: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE keel_idempotency (
    principal TEXT NOT NULL, operation TEXT NOT NULL, key TEXT NOT NULL,
    fingerprint TEXT NOT NULL, results TEXT NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (principal, operation, key)
) WITHOUT ROWID;";

const QUERIES: &str = "-- name: add_item :exec
INSERT INTO items (name) VALUES (:name);

-- name: added_item :one
SELECT id, name FROM items WHERE id = last_insert_rowid();

-- name: add_returning :one
INSERT INTO items (name) VALUES (:name) RETURNING id, name;

-- name: get_item :optional
SELECT id, name FROM items WHERE id = :item_id;
";

fn spec(idempotency: &str, method: &str, queries: &str) -> String {
    format!(
        "info:
  title: Items
  version: 1.0.0
schemas:
  Item:
    properties:
      id: {{ type: integer, format: int64 }}
      name: string
  NewItem:
    properties:
      name: string
endpoints:
  add_item:
    {method}: /items
    auth: public
    body: NewItem
    {idempotency}
    queries: {queries}
    responses:
      201: Item
  get_item:
    get: /items/{{item_id}}
    auth: public
    params:
      item_id: {{ in: path, type: integer, minimum: 1 }}
    queries: [items.get_item]
    responses:
      200: Item
"
    )
}

const GOOD_QUERIES: &str = "[items.add_item, items.added_item]";

fn unused_returning() -> String {
    QUERIES.replace(
        "-- name: add_returning :one\nINSERT INTO items (name) VALUES (:name) RETURNING id, name;\n\n",
        "",
    )
}

#[test]
fn an_idempotent_endpoint_generates() {
    for declared in [
        "idempotency: optional",
        "idempotency: required",
        "idempotency: { key: required, expires: 90m }",
    ] {
        assert_eq!(
            run(
                &spec(declared, "post", GOOD_QUERIES),
                &unused_returning(),
                MIGRATION
            ),
            Vec::<String>::new(),
            "{declared}"
        );
    }
}

#[test]
fn a_get_cannot_be_idempotent_by_key() {
    let spec = spec("idempotency: optional", "post", GOOD_QUERIES).replace(
        "    auth: public\n    params:\n      item_id",
        "    auth: public\n    idempotency: optional\n    params:\n      item_id",
    );
    assert_eq!(
        one_error(&spec, &unused_returning(), MIGRATION),
        "api.yaml:24:18: endpoint `get_item`: `idempotency` applies to endpoints that write, not to GET\n  help: a GET is idempotent already; declare `idempotency` on the POST, PUT, PATCH or DELETE a client retries"
    );
}

#[test]
fn a_write_that_returns_rows_cannot_be_recorded() {
    let errors = one_error(
        &spec("idempotency: optional", "post", "[items.add_returning]"),
        &QUERIES.replace(
            "-- name: add_item :exec\nINSERT INTO items (name) VALUES (:name);\n\n-- name: added_item :one\nSELECT id, name FROM items WHERE id = last_insert_rowid();\n\n",
            "",
        ),
        MIGRATION,
    );
    assert_eq!(
        errors,
        "api.yaml:18:15: endpoint `add_item`: query `items.add_returning` writes and returns rows, which an idempotency record cannot copy\n  help: drop its `RETURNING` and read what the response needs with a SELECT after it in the same batch"
    );
}

#[test]
fn idempotency_values_are_checked() {
    let cases = [
        (
            "idempotency: sometimes",
            "api.yaml:17:18: `idempotency` of endpoint `add_item`: unknown value `sometimes`\n  help: `required` refuses a request without an `Idempotency-Key` (400); `optional` accepts one",
        ),
        (
            "idempotency: { key: optional, expires: soon }",
            "api.yaml:17:44: `expires` of `idempotency` of endpoint `add_item`: `soon` is not a duration\n  help: write a whole number and a unit: `90s`, `30m`, `24h` or `7d`",
        ),
        (
            "idempotency: { key: optional, expires: 31d }",
            "api.yaml:17:44: `idempotency` of endpoint `add_item`: `expires` must be between 1s and 30d\n  help: a client retries within minutes; a day (the default) covers any sane retry policy",
        ),
    ];
    for (declared, expected) in cases {
        assert_eq!(
            one_error(
                &spec(declared, "post", GOOD_QUERIES),
                &unused_returning(),
                MIGRATION
            ),
            expected,
            "{declared}"
        );
    }
}

#[test]
fn the_records_table_must_exist() {
    let without = MIGRATION
        .split("CREATE TABLE keel_idempotency")
        .next()
        .unwrap_or_default();
    assert_eq!(
        one_error(
            &spec("idempotency: optional", "post", GOOD_QUERIES),
            &unused_returning(),
            without
        ),
        "api.yaml:17:18: `idempotency` keeps its records in the table `keel_idempotency`, which the migrations do not create as it needs (no such table: keel_idempotency)\n  help: add a migration that creates it: its text is `keel::idempotency::MIGRATION` (see docs/reliability.md)"
    );
}
