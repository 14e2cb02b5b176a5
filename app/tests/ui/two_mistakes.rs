//! Two independent mistakes: both are reported by one build.
//!
//! edit app/queries/catalog.sql
//!   replace `SELECT * FROM product_details WHERE sku = :sku;`
//!   with    `SELECT * FROM product_details WHERE skew = :sku;`
//! edit api.yaml
//!   replace `{ query: inventory.sku_stock, into: warehouses }`
//!   with    `{ query: inventory.sku_stok, into: warehouses }`

keel::api!(
    spec = "copies/two_mistakes/api.yaml",
    queries = "copies/two_mistakes/queries",
    migrations = "copies/two_mistakes/migrations",
    paths_from = "file"
);


fn main() {}
