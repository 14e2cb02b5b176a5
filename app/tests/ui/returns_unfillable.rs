//! A handler's query is mapped into a schema its rows cannot fill.
//!
//! edit api.yaml
//!   replace `    queries:\n      - health.ping`
//!   with    `    handler: checks::health\n    queries:\n      - health.ping\n      - { query: inventory.sku_product, returns: Health }`
//! add app/src/checks.rs
//!   `use crate::endpoints::health::{Input, Output};`
//!   ``
//!   `pub async fn health(_db: &impl keel::Database, _input: Input) -> Result<Output, keel::Problem> {`
//!   `    Err(keel::Problem::internal())`
//!   `}`

keel::api!(
    spec = "copies/returns_unfillable/api.yaml",
    queries = "copies/returns_unfillable/queries",
    migrations = "copies/returns_unfillable/migrations",
    paths_from = "file"
);

#[path = "copies/returns_unfillable/src/checks.rs"]
pub mod checks;

fn main() {}
