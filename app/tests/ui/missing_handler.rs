//! The spec names a handler function that does not exist.
//!
//! edit api.yaml
//!   replace `    queries:\n      - health.ping`
//!   with    `    handler: checks::health\n    queries:\n      - health.ping`
//! add app/src/checks.rs
//!   `pub async fn healthz() {}`

keel::api!(
    spec = "copies/missing_handler/api.yaml",
    queries = "copies/missing_handler/queries",
    migrations = "copies/missing_handler/migrations",
    paths_from = "file"
);

#[path = "copies/missing_handler/src/checks.rs"]
pub mod checks;

fn main() {}
