//! A query that no endpoint uses.
//!
//! add app/queries/reports.sql
//!   `-- name: count_products :one`
//!   `SELECT COUNT(*) AS product_count FROM products;`

keel::api!(
    spec = "copies/unused_query/api.yaml",
    queries = "copies/unused_query/queries",
    migrations = "copies/unused_query/migrations",
    paths_from = "file"
);


fn main() {}
