//! The spec names a query that does not exist (a did-you-mean follows).
//!
//! edit api.yaml
//!   replace `{ query: inventory.sku_stock, into: warehouses }`
//!   with    `{ query: inventory.sku_stok, into: warehouses }`

keel::api!(
    spec = "copies/misspelled_query/api.yaml",
    queries = "copies/misspelled_query/queries",
    migrations = "copies/misspelled_query/migrations",
    paths_from = "file"
);


fn main() {}
