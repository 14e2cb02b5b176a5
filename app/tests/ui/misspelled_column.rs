//! A query names a column that does not exist.
//!
//! edit app/queries/catalog.sql
//!   replace `SELECT * FROM product_details WHERE sku = :sku;`
//!   with    `SELECT * FROM product_details WHERE skew = :sku;`

keel::api!(
    spec = "copies/misspelled_column/api.yaml",
    queries = "copies/misspelled_column/queries",
    migrations = "copies/misspelled_column/migrations",
    paths_from = "file"
);


fn main() {}
