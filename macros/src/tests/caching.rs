//! `cache:` and `reads:` diagnostics.

use super::run;

const MIGRATION: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);";

const QUERIES: &str = "-- name: get_item :optional
SELECT id, name FROM items WHERE id = :item_id;

-- name: add_item :exec
INSERT INTO items (name) VALUES ('x');
";

/// A spec whose GET endpoint declares `get` (and has `auth`), and whose
/// POST endpoint declares `post`.
fn spec(auth: &str, get: &str, post: &str) -> String {
    format!(
        "info:
  title: Items
  version: 1.0.0
security:
  schemes:
    bearer:
      type: jwt
      keys: {{ HS256: ITEMS_SECRET }}
  roles:
    staff: {{}}
schemas:
  Item:
    properties:
      id: {{ type: integer, format: int64 }}
      name: string
endpoints:
  get_item:
    get: /items/{{item_id}}
    auth: {auth}
    {get}
    params:
      item_id: {{ in: path, type: integer, minimum: 1 }}
    queries: [items.get_item]
    responses:
      200: Item
  add_item:
    post: /items
    auth: public
    {post}
    queries: [items.add_item]
    responses:
      204: {{ description: Added. }}
"
    )
}

#[test]
fn caching_and_replica_reads_generate() {
    for (auth, get) in [
        (
            "public",
            "cache: { scope: public, max-age: 1m, stale-while-revalidate: 1h }",
        ),
        ("public", "cache: no-store"),
        ("[staff]", "cache: { scope: private, max-age: 30s }"),
        ("[staff]", "reads: replica"),
        ("public", "reads: primary"),
    ] {
        assert_eq!(
            run(&spec(auth, get, ""), QUERIES, MIGRATION),
            Vec::<String>::new(),
            "{auth} {get}"
        );
    }
}

#[test]
fn cache_and_reads_mistakes_are_errors() {
    let cases = [
        (
            "[staff]",
            "cache: { scope: public, max-age: 1m }",
            "",
            "api.yaml:20:21: endpoint `get_item`: `scope: public` would let a shared cache keep an answer that needs credentials, and give it to other callers\n  help: use `scope: private` (only the caller's own cache keeps it), or make the endpoint `auth: public`",
        ),
        (
            "public",
            "",
            "cache: { scope: public, max-age: 1m }",
            "api.yaml:29:12: endpoint `add_item`: `cache` applies to GET endpoints, not to POST\n  help: HTTP caches reuse answers to GET only; drop `cache` here",
        ),
        (
            "public",
            "",
            "reads: replica",
            "api.yaml:29:12: endpoint `add_item`: `reads: replica` applies to endpoints that only read, but query `items.add_item` writes\n  help: writes always go to the primary; drop `reads: replica` (the answer still carries the `D1-Bookmark` a client reads its writes with)",
        ),
        (
            "public",
            "cache: { scope: everyone, max-age: 1m }",
            "",
            "api.yaml:20:21: `cache` of endpoint `get_item`: `scope` must be `public` or `private`, not `everyone`\n  help: `public`: shared caches (a CDN) may keep it; `private`: only the caller's own cache",
        ),
        (
            "public",
            "cache: { scope: public }",
            "",
            "api.yaml:20:12: `cache` of endpoint `get_item` has no `max-age`\n  help: say how long a stored answer stays fresh: `max-age: 1m`",
        ),
        (
            "public",
            "cache: { scope: public, max-age: soon }",
            "",
            "api.yaml:20:38: `max-age` of `cache` of endpoint `get_item`: `soon` is not a duration\n  help: write a whole number and a unit: `90s`, `30m`, `24h` or `7d`",
        ),
        (
            "public",
            "cache: forever",
            "",
            "api.yaml:20:12: `cache` of endpoint `get_item`: unknown value `forever`\n  help: write `cache: { scope: public, max-age: 1m }` (any cache may keep it), `cache: { scope: private, max-age: 30s }` (only the caller's), or `cache: no-store`",
        ),
        (
            "public",
            "reads: nearest",
            "",
            "api.yaml:20:12: `reads` of endpoint `get_item`: unknown value `nearest`\n  help: `replica` lets D1 answer from a nearby read replica (a client reads its own writes with the `D1-Bookmark` header); `primary` (the default) always reads the primary",
        ),
    ];
    for (auth, get, post, expected) in cases {
        assert_eq!(
            run(&spec(auth, get, post), QUERIES, MIGRATION),
            vec![expected.to_owned()],
            "{get} {post}"
        );
    }
}
