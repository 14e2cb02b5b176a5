//! A custom handler takes something else than its endpoint's input.
//!
//! edit api.yaml
//!   replace `    queries:\n      - health.ping`
//!   with    `    handler: checks::health\n    queries:\n      - health.ping`
//! add app/src/checks.rs
//!   `use crate::endpoints::health;`
//!   ``
//!   `pub async fn health(`
//!   `    _db: &impl keel::Database,`
//!   `    _input: health::Output,`
//!   `) -> Result<health::Output, keel::Problem> {`
//!   `    Err(keel::Problem::internal())`
//!   `}`

keel::api!(
    spec = "copies/wrong_handler_signature/api.yaml",
    queries = "copies/wrong_handler_signature/queries",
    migrations = "copies/wrong_handler_signature/migrations",
    paths_from = "file"
);

#[path = "copies/wrong_handler_signature/src/checks.rs"]
pub mod checks;

fn main() {}
