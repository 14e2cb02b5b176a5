//! A large spec: 500 endpoints over 250 tables, each with a typed path
//! parameter, a filtered listing with a body-less query, and mapped
//! responses, goes through the whole macro. The time it takes is printed
//! (`cargo test -p keel-macros scale -- --nocapture`), never asserted; the
//! figures are in docs/checks.md.

use std::fmt::Write as _;
use std::time::Instant;

use super::run;

/// Endpoints in the generated spec: two per table.
const ENDPOINTS: usize = 500;

#[test]
fn a_spec_of_500_endpoints_generates() {
    let tables = ENDPOINTS / 2;
    let mut migration = String::new();
    let mut queries = String::new();
    let mut spec = String::from("info:\n  title: Large\n  version: 1.0.0\nschemas:\n");
    let mut endpoints = String::from("endpoints:\n");
    for t in 0..tables {
        writeln!(
            migration,
            "CREATE TABLE t{t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL, note TEXT);"
        )
        .unwrap_or_default();
        write!(
            queries,
            "-- name: get_t{t} :optional\nSELECT id, name, price, note FROM t{t} WHERE id = :id;\n\n\
             -- name: list_t{t} :many\nSELECT id, name, price, note FROM t{t}\n\
             WHERE (:min_price IS NULL OR price >= :min_price) ORDER BY id LIMIT 50;\n\n"
        )
        .unwrap_or_default();
        write!(
            spec,
            "  Row{t}:\n    properties:\n      id: {{ type: integer, format: int64 }}\n      name: string\n      price: integer\n      note: {{ type: string, nullable: true }}\n\
             \x20 Rows{t}:\n    properties:\n      items: [Row{t}]\n"
        )
        .unwrap_or_default();
        write!(
            endpoints,
            "  get_t{t}:\n    get: /t{t}/{{id}}\n    auth: public\n    cache: {{ scope: public, max-age: 1m }}\n    params:\n      id: {{ in: path, type: integer, format: int64, minimum: 1 }}\n    queries: [items.get_t{t}]\n    responses:\n      200: Row{t}\n      404: Not found.\n\
             \x20 list_t{t}:\n    get: /t{t}\n    auth: public\n    params:\n      min_price: {{ in: query, type: integer, minimum: 0 }}\n    queries:\n      - {{ query: items.list_t{t}, into: items }}\n    responses:\n      200: Rows{t}\n"
        )
        .unwrap_or_default();
    }
    spec.push_str(&endpoints);
    let started = Instant::now();
    let errors = run(&spec, &queries, &migration);
    let elapsed = started.elapsed();
    assert_eq!(errors, Vec::<String>::new());
    println!(
        "the macro on {ENDPOINTS} endpoints, {} queries, {tables} tables: {:.0} ms",
        2 * tables,
        elapsed.as_secs_f64() * 1000.0
    );
}
