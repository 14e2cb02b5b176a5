//! End-to-end tests of the macro's diagnostics: a spec, queries and
//! migrations written to a temporary crate, run through the whole pipeline,
//! and the exact messages checked.

use std::path::Path;

use crate::driver::generate;

mod caching;
mod examples;
mod fuzz;
mod idempotency;
mod jobs;
mod paging;
mod regressions;
mod scale;
mod security;

const MIGRATION: &str =
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);";

const QUERIES: &str = "-- name: get_item :optional
SELECT id, name FROM items WHERE id = :item_id;

-- name: list_items :many
SELECT id, name FROM items ORDER BY id;
";

const SPEC: &str = "info:
  title: Items
  version: 1.0.0
schemas:
  Item:
    properties:
      id: { type: integer, format: int64 }
      name: string
  ItemList:
    properties:
      items: [Item]
endpoints:
  get_item:
    get: /items/{item_id}
    params:
      item_id: { in: path, type: integer, minimum: 1 }
    queries: [items.get_item]
    responses:
      200: Item
    auth: public
  list_items:
    get: /items
    queries:
      - { query: items.list_items, into: items }
    responses:
      200: ItemList
    auth: public
";

/// Runs the macro on the given files and returns its messages (empty when
/// it generated code).
fn run(spec: &str, queries: &str, migration: &str) -> Vec<String> {
    let dir = app(spec, queries, migration);
    messages(dir.path())
}

/// A temporary app: the spec, `queries/items.sql` and one migration.
fn app(spec: &str, queries: &str, migration: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("api.yaml", spec);
    write("queries/items.sql", queries);
    write("migrations/0001_items.sql", migration);
    dir
}

/// What the macro reads in `dir`, laid out as [`app`] writes it.
fn files(dir: &Path) -> crate::driver::Files<'_> {
    crate::driver::Files {
        base: dir,
        spec: "api.yaml",
        queries: "queries",
        migrations: "migrations",
        contract: None,
        call_file: None,
        call_at: None,
    }
}

fn messages(dir: &Path) -> Vec<String> {
    match generate(&files(dir)) {
        Ok(_) => Vec::new(),
        Err(messages) => messages,
    }
}

#[track_caller]
fn one_error(spec: &str, queries: &str, migration: &str) -> String {
    let errors = run(spec, queries, migration);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap_or_default()
}

#[test]
fn the_reference_files_generate_code() {
    assert_eq!(run(SPEC, QUERIES, MIGRATION), Vec::<String>::new());
}

#[test]
fn bad_indentation_points_at_the_line() {
    let spec = SPEC.replace(
        "    get: /items/{item_id}\n    params:",
        "    get: /items/{item_id}\n     params:",
    );
    assert_eq!(
        one_error(&spec, QUERIES, MIGRATION),
        "api.yaml:15:12: invalid YAML: mapping values are not allowed in this context\n  help: check the indentation: nested keys must be indented further than their parent, with spaces, consistently"
    );
}

#[test]
fn misspelled_query_names_get_a_suggestion() {
    let spec = SPEC.replace("queries: [items.get_item]", "queries: [items.get_itme]");
    assert_eq!(
        one_error(&spec, QUERIES, MIGRATION),
        "api.yaml:17:15: unknown query `items.get_itme`\n  help: did you mean `items.get_item`?"
    );
}

#[test]
fn unknown_keys_and_schemas_get_suggestions() {
    let spec = SPEC.replace("    params:\n", "    parms:\n");
    let errors = run(&spec, QUERIES, MIGRATION);
    assert_eq!(
        errors,
        vec![
            "api.yaml:15:5: unknown key `parms` in endpoint `get_item`\n  help: did you mean `params`?\n  note: error 1 of 2",
            "api.yaml:14:10: endpoint `get_item`: path parameter `{item_id}` is not declared\n  help: add it under `params:`, like `item_id: { in: path, type: integer }`\n  note: error 2 of 2",
        ]
    );
    let spec = SPEC.replace("items: [Item]", "items: [Itme]");
    assert_eq!(
        one_error(&spec, QUERIES, MIGRATION),
        "api.yaml:11:15: field `ItemList.items`: unknown schema `Itme`\n  help: did you mean `Item`?"
    );
}

#[test]
fn sql_errors_point_into_the_query_file() {
    let queries = QUERIES.replace(
        "SELECT id, name FROM items WHERE",
        "SELECT id, nmae FROM items WHERE",
    );
    assert_eq!(
        one_error(SPEC, &queries, MIGRATION),
        "queries/items.sql:2:12: no such column: nmae (in query `items.get_item`)"
    );
    // A column a later migration dropped is just as unknown.
    let migration = format!("{MIGRATION}\nALTER TABLE items DROP COLUMN name;");
    let errors = run(SPEC, QUERIES, &migration);
    assert_eq!(
        errors[0],
        "queries/items.sql:2:12: no such column: name (in query `items.get_item`)\n  note: error 1 of 2"
    );
}

#[test]
fn migration_errors_point_into_the_migration() {
    let errors = run(
        SPEC,
        QUERIES,
        "CREATE TABLE items (id INTEGER PRIMARY KEY);\nCREATE TABLE (oops);",
    );
    assert_eq!(
        errors,
        vec![
            "migrations/0001_items.sql:2:14: migration 0001_items.sql fails: near \"(\": syntax error"
        ]
    );
}

#[test]
fn unbound_parameters_name_the_inputs() {
    let queries = QUERIES.replace("WHERE id = :item_id", "WHERE id = :itemid");
    assert_eq!(
        one_error(SPEC, &queries, MIGRATION),
        "queries/items.sql:2:39: `:itemid` of query `items.get_item` is bound to nothing: endpoint `get_item` has no input `itemid`; its inputs are `item_id`\n  help: did you mean `item_id`?"
    );
}

#[test]
fn every_field_is_fed_and_every_column_used() {
    let queries = QUERIES.replace(
        "SELECT id, name FROM items WHERE",
        "SELECT id, name AS title FROM items WHERE",
    );
    let errors = run(SPEC, &queries, MIGRATION);
    assert_eq!(
        errors,
        vec![
            "api.yaml:17:15: endpoint `get_item`: field `Item.name` needs a column `name` in query `items.get_item`, which returns `id` or `title`\n  note: error 1 of 2",
            "queries/items.sql:1:10: column `title` of query `items.get_item` feeds nothing in the response of endpoint `get_item`\n  help: remove it from the SELECT list, or add a field for it to the schema\n  note: error 2 of 2",
        ]
    );
}

#[test]
fn independent_mistakes_are_reported_together() {
    let spec = SPEC
        .replace("type: integer, minimum: 1", "type: integr, minimum: 1")
        .replace("200: ItemList", "200: ItemLst");
    let errors = run(&spec, QUERIES, MIGRATION);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with("api.yaml:16:34: parameter `item_id` of endpoint `get_item`: unknown type `integr`; expected `integer`, `number`, `string`, `boolean`, `array` or a schema name\n  help: did you mean `integer`?"), "{}", errors[0]);
    assert!(errors[1].starts_with("api.yaml:26:12: response 200 of endpoint `list_items`: unknown schema `ItemLst`\n  help: did you mean `ItemList`?"), "{}", errors[1]);
}

#[test]
fn shape_mistakes() {
    let cases = [
        (
            SPEC.replace("get: /items/{item_id}", "get: /items/{id}"),
            "api.yaml:14:10: endpoint `get_item`: path parameter `{id}` is not declared\n  help: add it under `params:`, like `id: { in: path, type: integer }`",
        ),
        (
            SPEC.replace("      - { query: items.list_items, into: items }", "      - items.list_items"),
            "api.yaml:24:9: endpoint `list_items`: query `items.list_items` is `:many` but has no `into`\n  help: a response is an object: put the rows into an array field, like `{ query: ..., into: items }`",
        ),
        (
            SPEC.replace("  list_items:\n    get: /items", "  list_items:\n    get: /items/{other}\n    params:\n      other: { in: path, type: integer }"),
            "api.yaml:22:10: endpoint `list_items`: GET /items/{other} overlaps endpoint `get_item` (GET /items/{item_id}); no request could tell them apart",
        ),
        (
            SPEC.replace("  list_items:\n    get: /items\n", "  list_items:\n    get: /items\n    params:\n      self: { in: query, type: string }\n"),
            "api.yaml:24:7: `self` is reserved in Rust and cannot be used as a name here",
        ),
        (
            SPEC.replacen("    auth: public\n", "    auth: [admin]\n", 1),
            "api.yaml:20:11: endpoint `get_item` needs an authenticated caller (endpoints are closed unless they say `auth: public`), but the spec declares no security schemes\n  help: declare `security:` with a scheme and roles (see docs/security.md), or open the endpoint with `auth: public`",
        ),
        (
            SPEC.replacen("    auth: public\n", "", 1),
            "api.yaml:13:3: endpoint `get_item` needs an authenticated caller",
        ),
    ];
    for (spec, expected) in cases {
        let errors = run(&spec, QUERIES, MIGRATION);
        assert!(
            errors.first().is_some_and(|e| e.starts_with(expected)),
            "expected {expected}\n got {errors:#?}"
        );
    }
}

/// Whatever the input, the macro answers with code or messages: it never
/// panics. Every prefix of a valid spec, and many corrupted copies, go
/// through the whole pipeline.
#[test]
fn never_panics_on_broken_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("queries")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("migrations")).expect("mkdir");
    std::fs::write(dir.path().join("migrations/0001_items.sql"), MIGRATION).expect("write");
    let mut inputs: Vec<(String, String)> = Vec::new();
    for cut in (0..SPEC.len()).step_by(7) {
        inputs.push((SPEC[..cut].to_owned(), QUERIES.to_owned()));
    }
    for cut in (0..QUERIES.len()).step_by(5) {
        inputs.push((SPEC.to_owned(), QUERIES[..cut].to_owned()));
    }
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise = b"{}[]:,-'\"\n\t #&*!|>%@`?";
    for _ in 0..300 {
        let mut bytes = SPEC.as_bytes().to_vec();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state % bytes.len() as u64) as usize;
            bytes[at] = noise[(state >> 32) as usize % noise.len()];
        }
        inputs.push((
            String::from_utf8_lossy(&bytes).into_owned(),
            QUERIES.to_owned(),
        ));
    }
    for (spec, queries) in inputs {
        std::fs::write(dir.path().join("api.yaml"), &spec).expect("write");
        std::fs::write(dir.path().join("queries/items.sql"), &queries).expect("write");
        let outcome = std::panic::catch_unwind(|| messages(dir.path()));
        assert!(
            outcome.is_ok(),
            "the macro panicked on:\n{spec}\n---\n{queries}"
        );
    }
}

/// Each fixture in `macros/tests/expand/` keeps, beside its inputs
/// (`api.yaml`, `queries/`, `migrations/`), what the macro makes of them:
/// `expanded.snap`, the generated code, and `openapi.snap`, the OpenAPI
/// document as pretty JSON. Refresh both after a deliberate change with
/// `INSTA_UPDATE=always cargo test -p keel-macros expansion`, and read the
/// diff.
#[test]
fn expansion_snapshots() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    for name in ["items", "todos", "handler", "shelves"] {
        let dir = fixtures.join(name);
        let files = crate::driver::Files {
            base: &dir,
            spec: "api.yaml",
            queries: "queries",
            migrations: "migrations",
            contract: None,
            call_file: None,
            call_at: None,
        };
        let (tokens, openapi) = match crate::driver::generate_both(
            &files,
            &mut crate::sql::analyze::Schemas::default(),
        ) {
            Ok(both) => both,
            Err(messages) => panic!(
                "fixture `{name}` does not generate:\n{}",
                messages.join("\n")
            ),
        };
        let file: syn::File = match syn::parse2(tokens) {
            Ok(file) => file,
            Err(err) => panic!("fixture `{name}` generates tokens that are not a file: {err}"),
        };
        // Tracked files are included by absolute path; show them from the
        // fixture directory so the snapshot is the same on every machine.
        let code = prettyplease::unparse(&file).replace(&dir.display().to_string(), "$FIXTURE");
        let document: serde_json::Value = match serde_json::from_str(&openapi) {
            Ok(document) => document,
            Err(err) => panic!("fixture `{name}`: the OpenAPI document is not JSON: {err}"),
        };
        let pretty = serde_json::to_string_pretty(&document).unwrap_or_default();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| {
            insta::assert_snapshot!("expanded", code);
            insta::assert_snapshot!("openapi", pretty);
        });
    }
}

#[test]
fn what_d1_refuses_is_refused_at_compile_time() {
    // More than 100 bound parameters in one statement.
    let many: Vec<String> = (0..101).map(|i| format!(":p{i}")).collect();
    let queries = QUERIES.replace(
        "WHERE id = :item_id",
        &format!(
            "WHERE id = :item_id AND id NOT IN ({})",
            many[1..].join(", ")
        ),
    );
    let errors = run(SPEC, &queries, MIGRATION);
    assert!(
        errors.iter().any(|e| e.starts_with("queries/items.sql:2:")
            && e.contains("binds 101 parameters; D1 binds at most 100 per statement")),
        "{errors:#?}"
    );

    // More than 100,000 bytes of SQL.
    let padding = format!("/* {} */", "x".repeat(100_000));
    let queries = QUERIES.replace("ORDER BY id;", &format!("ORDER BY id {padding};"));
    let errors = run(SPEC, &queries, MIGRATION);
    assert!(
        errors.iter().any(|e| e.contains(
            "query `items.list_items` is 100045 bytes of SQL; D1 accepts at most 100000 bytes per statement"
        )),
        "{errors:#?}"
    );

    // An explicit transaction, in a query or a migration.
    let queries = format!("{QUERIES}\n-- name: start :exec\nBEGIN;\n");
    let errors = run(SPEC, &queries, &format!("BEGIN;\n{MIGRATION}\nCOMMIT;"));
    let transactions: Vec<&String> = errors
        .iter()
        .filter(|e| e.contains("D1 refuses explicit transactions"))
        .collect();
    assert_eq!(transactions.len(), 3, "{errors:#?}");
    assert!(transactions[0].starts_with("queries/items.sql:8:1: query `items.start` is a `BEGIN`"));
    assert!(transactions[1].starts_with(
        "migrations/0001_items.sql:1:1: a statement of migration 0001_items.sql is a `BEGIN`"
    ));
}

#[test]
fn body_fields_must_suit_the_columns_they_are_bound_to() {
    let spec = SPEC.replace(
        "  list_items:\n",
        "  rename_item:\n    patch: /items/{item_id}\n    params:\n      item_id: { in: path, type: integer }\n    body: Rename\n    queries: [items.rename_item]\n    responses:\n      200: Item\n    auth: public\n  list_items:\n",
    )
    .replace("  ItemList:\n", "  Rename:\n    properties:\n      name: boolean\n  ItemList:\n");
    let queries = format!(
        "{QUERIES}\n-- name: rename_item :one\nUPDATE items SET name = :name WHERE id = :item_id RETURNING id, name;\n"
    );
    assert_eq!(
        one_error(&spec, &queries, MIGRATION),
        "queries/items.sql:8:25: body field `name` of endpoint `rename_item` is a boolean (stored as 0 or 1), but `:name` of query `items.rename_item` meets the TEXT column items.name (at queries/items.sql:8:25)\n  help: declare it `type: string`, or say otherwise in the query with `-- param name: <type>`"
    );
}

#[test]
fn unused_queries_are_errors() {
    let queries =
        format!("{QUERIES}\n-- name: count_items :one\nSELECT COUNT(*) AS n FROM items;\n");
    assert_eq!(
        one_error(SPEC, &queries, MIGRATION),
        "queries/items.sql:7:10: query `items.count_items` is not used by any endpoint\n  help: list it under an endpoint's `queries:` (a handler lists the queries it runs), or delete it"
    );
}

#[test]
fn the_request_id_header_is_not_a_parameter() {
    let spec = SPEC.replace(
        "      item_id: { in: path, type: integer, minimum: 1 }\n",
        "      item_id: { in: path, type: integer, minimum: 1 }\n      trace: { in: header, name: X-Request-ID, type: string }\n",
    );
    assert_eq!(
        one_error(&spec, QUERIES, MIGRATION),
        "api.yaml:17:7: parameter `trace` of endpoint `get_item`: the header `x-request-id` is the framework's own\n  help: `X-Request-Id` carries the request id every response and log line has (see docs/reliability.md); give this parameter another header name"
    );
}
