//! A path parameter is a string in the spec, but the query compares it with
//! an INTEGER column.
//!
//! edit api.yaml
//!   replace `product_id: { in: path, type: integer, format: int64, minimum: 1 }\n    queries:\n      - catalog.get_product`
//!   with    `product_id: { in: path, type: string }\n    queries:\n      - catalog.get_product`

keel::api!(
    spec = "copies/string_path_param/api.yaml",
    queries = "copies/string_path_param/queries",
    migrations = "copies/string_path_param/migrations",
    paths_from = "file"
);


fn main() {}
