//! A non-nullable response field is fed by a column from the outer side of
//! a LEFT JOIN.
//!
//! edit app/queries/catalog.sql
//!   replace `COALESCE(s.available, 0) > 0 AS in_stock`
//!   with    `s.available > 0 AS in_stock`

keel::api!(
    spec = "copies/nullable_left_join/api.yaml",
    queries = "copies/nullable_left_join/queries",
    migrations = "copies/nullable_left_join/migrations",
    paths_from = "file"
);

#[path = "copies/nullable_left_join/orders.rs"]
pub mod orders;

fn main() {}
