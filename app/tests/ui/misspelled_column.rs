//! A query selects a column that does not exist.
//!
//! edit app/queries/catalog.sql
//!   replace `       p.description,`
//!   with    `       p.descripton,`

keel::api!(
    spec = "copies/misspelled_column/api.yaml",
    queries = "copies/misspelled_column/queries",
    migrations = "copies/misspelled_column/migrations",
    paths_from = "file"
);


fn main() {}
