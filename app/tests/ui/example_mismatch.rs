//! A schema changes and an example no longer matches it: the largest
//! quantity a line may ask for falls below what an example orders. The
//! build names the example's value where the spec writes it.
//!
//! edit api.yaml
//!   replace `      quantity: { type: integer, format: int32, minimum: 1, maximum: 10000, example: 2 }`
//!   with    `      quantity: { type: integer, format: int32, minimum: 1, maximum: 100, example: 2 }`

keel::api!(
    spec = "copies/example_mismatch/api.yaml",
    queries = "copies/example_mismatch/queries",
    migrations = "copies/example_mismatch/migrations",
    paths_from = "file"
);

fn main() {}
