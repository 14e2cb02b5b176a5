//! A line of the spec is indented wrongly.
//!
//! edit api.yaml
//!   replace `    summary: Get a product`
//!   with    `   summary: Get a product`

keel::api!(
    spec = "copies/bad_indentation/api.yaml",
    queries = "copies/bad_indentation/queries",
    migrations = "copies/bad_indentation/migrations",
    paths_from = "file"
);


fn main() {}
