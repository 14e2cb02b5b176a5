//! `paginate.scan`: bounded pages and their diagnostics.

use super::run;

const MIGRATION: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);";

/// A page of at most `:scan` examined items, the matches first, then the
/// last item examined with `resume` set when the page is not full.
const SCANNED: &str = "-- name: list_items :many
WITH scanned AS NOT MATERIALIZED (
    SELECT id, name, instr(name, :q) > 0 AS matches
    FROM items
    WHERE :after_id IS NULL OR id > :after_id
    ORDER BY id
    LIMIT :scan
),
page AS MATERIALIZED (
    SELECT id, name, FALSE AS resume FROM scanned WHERE matches LIMIT :limit
)
SELECT id, name, resume FROM page
UNION ALL
SELECT * FROM (
    SELECT id, name, TRUE AS resume FROM scanned
    LIMIT (SELECT count(*) < :limit FROM page) OFFSET :scan - 1
)
ORDER BY resume, id;
";

fn spec(paginate: &str) -> String {
    format!(
        "info:
  title: Items
  version: 1.0.0
schemas:
  Item:
    properties:
      id: {{ type: integer, format: int64 }}
      name: string
  ItemPage:
    properties:
      items: [Item]
      next_cursor: {{ type: string, nullable: true }}
endpoints:
  list_items:
    get: /items
    auth: public
    params:
      q: {{ in: query, type: string, required: true }}
    queries:
      - query: items.list_items
        into: items
        paginate: {paginate}
    responses:
      200: ItemPage
"
    )
}

#[test]
fn a_bounded_page_generates() {
    assert_eq!(
        run(
            &spec("{ key: [id], max_limit: 50, scan: 500 }"),
            SCANNED,
            MIGRATION
        ),
        Vec::<String>::new()
    );
}

#[test]
fn scan_mistakes_are_errors() {
    let nullable_resume = SCANNED.replace("FALSE AS resume", "NULL AS resume");
    let unscanned = SCANNED
        .replace("LIMIT :scan", "LIMIT 500")
        .replace(":scan - 1", "499");
    let cases = [
        (
            "{ key: [id], max_limit: 50, scan: 50 }",
            SCANNED.to_owned(),
            "api.yaml:22:19: `paginate` of a query of endpoint `list_items`: `scan` (50) must be larger than `max_limit` (50)\n  help: a full page needs one row more than it holds, to tell whether another page follows",
        ),
        (
            "{ key: [id], scan: 500 }",
            nullable_resume,
            "api.yaml:22:19: endpoint `list_items`: column `resume` of `items.list_items` must be a boolean that is never NULL\n  help: stop after `LIMIT :scan` rows (500); return the matches with `FALSE AS resume`, then, when fewer than `:limit` matched, the last row examined with `TRUE AS resume` (see docs/spec.md#bounded-pages)",
        ),
        (
            "{ key: [id], scan: 500 }",
            unscanned,
            "queries/items.sql:1:10: paginated query `items.list_items` does not use `:scan`\n  help: stop examining rows after `LIMIT :scan` (bound to `paginate.scan`), before the filters that make a page short",
        ),
    ];
    for (paginate, queries, expected) in cases {
        assert_eq!(
            run(&spec(paginate), &queries, MIGRATION),
            vec![expected.to_owned()],
            "{paginate}"
        );
    }
    // Without a `resume` column: that, and the misnamed column, nothing else.
    let misnamed = run(
        &spec("{ key: [id], scan: 500 }"),
        &SCANNED.replace(", resume FROM page", ", resume AS resumed FROM page"),
        MIGRATION,
    );
    assert_eq!(misnamed.len(), 2, "{misnamed:?}");
    assert_eq!(
        misnamed[0],
        "api.yaml:22:19: endpoint `list_items`: `paginate.scan` needs a `resume` column in `items.list_items`\n  help: stop after `LIMIT :scan` rows (500); return the matches with `FALSE AS resume`, then, when fewer than `:limit` matched, the last row examined with `TRUE AS resume` (see docs/spec.md#bounded-pages)\n  note: error 1 of 2"
    );
    assert!(misnamed[1].contains("column `resumed` of query `items.list_items` feeds nothing"));
}
