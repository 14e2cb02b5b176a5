//! A custom handler takes another endpoint's input.
//!
//! edit app/src/orders.rs
//!   replace `    input: create_order::Input,`
//!   with    `    input: update_order_status::Input,`

keel::api!(
    spec = "copies/wrong_handler_signature/api.yaml",
    queries = "copies/wrong_handler_signature/queries",
    migrations = "copies/wrong_handler_signature/migrations",
    paths_from = "file"
);

#[path = "copies/wrong_handler_signature/orders.rs"]
pub mod orders;

fn main() {}
