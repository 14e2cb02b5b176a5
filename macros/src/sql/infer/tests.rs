//! Inference on real queries over a small schema.

use rusqlite::Connection;

use super::*;

const SCHEMA: &str = "
    CREATE TABLE categories (id INTEGER PRIMARY KEY, slug TEXT NOT NULL, name TEXT);
    CREATE TABLE products (
        id INTEGER PRIMARY KEY,
        category_id INTEGER NOT NULL REFERENCES categories (id),
        name TEXT NOT NULL,
        price REAL NOT NULL,
        note TEXT,
        tags TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE stock (product_id INTEGER NOT NULL, on_hand INTEGER NOT NULL);
    CREATE TABLE lines (order_id INTEGER, line INTEGER, qty INTEGER NOT NULL,
                        PRIMARY KEY (order_id, line));
    CREATE VIEW product_stock AS
        SELECT product_id, SUM(on_hand) AS on_hand FROM stock GROUP BY product_id;
";

fn catalog() -> Catalog {
    let conn = Connection::open_in_memory().expect("in-memory SQLite");
    conn.execute_batch(SCHEMA).expect("schema");
    Catalog::load(&conn)
}

/// `(type, nullable)` of each result column.
fn columns(sql: &str) -> Vec<(SqlType, bool)> {
    infer(sql, &catalog())
        .unwrap_or_else(|| panic!("cannot infer {sql}"))
        .columns
        .into_iter()
        .map(|c| (c.typed.ty, c.typed.nullable))
        .collect()
}

/// `(name, type)` of each typed parameter use.
fn params(sql: &str) -> Vec<(String, SqlType)> {
    infer(sql, &catalog())
        .unwrap_or_else(|| panic!("cannot infer {sql}"))
        .params
        .into_iter()
        .map(|(n, u)| (n, u.ty))
        .collect::<std::collections::BTreeMap<_, _>>()
        .into_iter()
        .collect()
}

use SqlType::{Integer, Real, Text, Unknown};

#[test]
fn table_columns_keep_their_declared_type_and_not_null() {
    assert_eq!(
        columns("SELECT id, name, price, note FROM products"),
        [(Integer, false), (Text, false), (Real, false), (Text, true)]
    );
}

#[test]
fn outer_joins_make_the_outer_side_nullable() {
    assert_eq!(
        columns(
            "SELECT p.name, c.slug FROM products p LEFT JOIN categories c ON c.id = p.category_id"
        ),
        [(Text, false), (Text, true)]
    );
    assert_eq!(
        columns("SELECT p.name, c.slug FROM products p JOIN categories c ON c.id = p.category_id"),
        [(Text, false), (Text, false)]
    );
    let why = infer(
        "SELECT s.on_hand FROM products p LEFT JOIN product_stock s ON s.product_id = p.id",
        &catalog(),
    )
    .and_then(|i| i.columns.into_iter().next())
    .and_then(|c| c.typed.why);
    assert_eq!(
        why.as_deref(),
        Some("`s` is on the outer side of a LEFT JOIN")
    );
}

#[test]
fn coalesce_cast_case_and_arithmetic() {
    assert_eq!(
        columns(
            "SELECT COALESCE(note, ''), CAST(price AS INTEGER), \
             CASE WHEN price > 10 THEN 'high' ELSE 'low' END, price * 2, note || '!' \
             FROM products"
        ),
        [
            (Text, false),
            (Integer, false),
            (Text, false),
            (Real, false),
            (Text, true)
        ]
    );
}

#[test]
fn aggregates_over_no_rows_are_null_unless_grouped() {
    assert_eq!(
        columns("SELECT COUNT(*), SUM(on_hand), MAX(on_hand) FROM stock"),
        [(Integer, false), (Integer, true), (Integer, true)]
    );
    assert_eq!(
        columns("SELECT product_id, SUM(on_hand) FROM stock GROUP BY product_id"),
        [(Integer, false), (Integer, false)]
    );
    // A view is inferred like the query that defines it.
    assert_eq!(
        columns("SELECT on_hand FROM product_stock"),
        [(Integer, false)]
    );
}

#[test]
fn where_clauses_narrow_nullable_columns() {
    assert_eq!(
        columns("SELECT note FROM products WHERE note IS NOT NULL"),
        [(Text, false)]
    );
    assert_eq!(
        columns("SELECT note FROM products WHERE note IS NOT NULL OR id = 1"),
        [(Text, true)]
    );
    assert_eq!(
        columns("SELECT value FROM products, json_each(products.tags)"),
        [(Unknown, true)]
    );
}

#[test]
fn ctes_subqueries_and_returning() {
    assert_eq!(
        columns("WITH cheap AS (SELECT id, note FROM products) SELECT id, note FROM cheap"),
        [(Integer, false), (Text, true)]
    );
    assert_eq!(
        columns(
            "SELECT (SELECT COUNT(*) FROM stock) AS n, (SELECT on_hand FROM stock LIMIT 1) AS m"
        ),
        [(Integer, false), (Integer, true)]
    );
    assert_eq!(
        columns("UPDATE products SET note = :note WHERE id = :id RETURNING id, note"),
        [(Integer, false), (Text, true)]
    );
}

#[test]
fn materialization_hints_are_read_past_where_written() {
    assert_eq!(
        columns(
            "WITH m AS NOT MATERIALIZED (SELECT id, note FROM products) SELECT id, note FROM m"
        ),
        [(Integer, false), (Text, true)]
    );
    assert_eq!(
        columns("with m as materialized (select name from products) select name from m"),
        [(Text, false)]
    );
    // Blanked, not removed: columns keep their line and column (a
    // column passed through from a CTE is where the CTE computes it).
    let sql = "WITH m AS NOT MATERIALIZED (SELECT note FROM products)\nSELECT  note, 1 FROM m";
    let inferred = infer(sql, &catalog()).expect("parsed");
    assert_eq!(inferred.columns[0].at, (1, 36));
    assert_eq!(inferred.columns[1].at, (2, 15));
    // A column or table that happens to be named so is left alone.
    assert!(infer("SELECT 1 AS materialized", &catalog()).is_some());
}

#[test]
fn columns_are_located_where_they_are_computed() {
    let at = |sql: &str| -> Vec<(u64, u64)> {
        let inferred = infer(sql, &catalog()).expect("parsed");
        inferred.columns.iter().map(|c| c.at).collect()
    };
    // Through a CTE, a subquery and `*`, and in the branch that makes a
    // compound's column NULL-able.
    assert_eq!(
        at("WITH c AS (SELECT id, note FROM products)\nSELECT c.note, id FROM c"),
        [(1, 23), (1, 19)]
    );
    assert_eq!(
        at("SELECT * FROM (SELECT id,\n note FROM products)"),
        [(1, 23), (2, 2)]
    );
    assert_eq!(
        at("SELECT name FROM products\nUNION ALL SELECT note FROM products"),
        [(2, 18)]
    );
    assert_eq!(
        at("SELECT note FROM products\nUNION ALL SELECT name FROM products"),
        [(1, 8)]
    );
    // A column an outer join makes NULL-able is where the query reads it.
    assert_eq!(
        at(
            "WITH s AS (SELECT product_id, SUM(on_hand) AS t FROM stock GROUP BY 1)\n\
            SELECT s.t FROM products p LEFT JOIN s ON s.product_id = p.id"
        ),
        [(2, 8)]
    );
}

#[test]
fn parameters_take_the_type_of_what_they_meet() {
    assert_eq!(
        params(
            "SELECT id FROM products WHERE id = :id AND name LIKE :q AND price <= :max LIMIT :limit"
        ),
        [
            ("id".to_owned(), Integer),
            ("limit".to_owned(), Integer),
            ("max".to_owned(), Real),
            ("q".to_owned(), Text)
        ]
    );
    assert_eq!(
        params("INSERT INTO stock (product_id, on_hand) VALUES (:product, :qty)"),
        [("product".to_owned(), Integer), ("qty".to_owned(), Integer)]
    );
    assert_eq!(
        params("UPDATE products SET name = :name WHERE category_id IN (:a, :b)"),
        [
            ("a".to_owned(), Integer),
            ("b".to_owned(), Integer),
            ("name".to_owned(), Text)
        ]
    );
}

#[test]
fn what_sqlite_can_make_null_stays_nullable() {
    // `*` in a CTE: names come from the expanded columns.
    assert_eq!(
        columns(
            "WITH x AS (SELECT p.*, c.name AS category FROM products p \
             LEFT JOIN categories c ON c.id = p.category_id) SELECT category, name FROM x"
        ),
        [(Text, true), (Text, false)]
    );
    // Plain columns beside an aggregate, without GROUP BY: one row of
    // NULLs over no rows.
    assert_eq!(
        columns("SELECT name, MAX(price), COUNT(*) FROM products"),
        [(Text, true), (Real, true), (Integer, false)]
    );
    // Division by zero, unless the divisor is a non-zero literal.
    assert_eq!(
        columns("SELECT price / id, price / 2 FROM products"),
        [(Real, true), (Real, false)]
    );
    // IN over a nullable list or subquery; BETWEEN a nullable bound.
    assert_eq!(
        columns(
            "SELECT id IN (SELECT note FROM products), id IN (1, 2), \
             id BETWEEN 1 AND (SELECT MAX(id) FROM products) FROM products"
        ),
        [(Integer, true), (Integer, false), (Integer, true)]
    );
    // FILTER can leave a group without rows; OVER is not an aggregate.
    assert_eq!(
        columns(
            "SELECT SUM(on_hand) FILTER (WHERE on_hand > 5), SUM(on_hand) \
             FROM stock GROUP BY product_id"
        ),
        [(Integer, true), (Integer, false)]
    );
    assert_eq!(
        columns("SELECT row_number() OVER (ORDER BY id), rowid FROM products"),
        [(Integer, false), (Integer, false)]
    );
    // Only a sole INTEGER PRIMARY KEY is the never-NULL rowid.
    assert_eq!(
        columns("SELECT order_id, line, qty FROM lines"),
        [(Integer, true), (Integer, true), (Integer, false)]
    );
    // Every row of VALUES counts.
    assert_eq!(
        columns("WITH t(x) AS (VALUES (1), (NULL)) SELECT x FROM t"),
        [(Integer, true)]
    );
    // Times: only the current time surely reads as one.
    assert_eq!(
        columns("SELECT date('now'), date(note), datetime('now', '+1 bogus') FROM products"),
        [(Text, false), (Text, true), (Text, true)]
    );
    // RIGHT JOIN: the left side may be missing.
    assert_eq!(
        columns(
            "SELECT p.name, c.slug FROM products p RIGHT JOIN categories c ON c.id = p.category_id"
        ),
        [(Text, true), (Text, false)]
    );
}

#[test]
fn substr_takes_integer_positions() {
    assert_eq!(
        params("SELECT substr(name, :start, :len) FROM products WHERE name = :name"),
        [
            ("len".to_owned(), Integer),
            ("name".to_owned(), Text),
            ("start".to_owned(), Integer)
        ]
    );
}
