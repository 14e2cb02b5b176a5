//! The spec names a handler function that does not exist.
//!
//! edit app/src/orders.rs
//!   replace `pub async fn create_order(`
//!   with    `pub async fn place_order(`

keel::api!(
    spec = "copies/missing_handler/api.yaml",
    queries = "copies/missing_handler/queries",
    migrations = "copies/missing_handler/migrations",
    paths_from = "file"
);

#[path = "copies/missing_handler/orders.rs"]
pub mod orders;

fn main() {}
