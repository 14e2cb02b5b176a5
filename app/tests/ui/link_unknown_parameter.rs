//! A link header gives a parameter the linked endpoint does not have.
//!
//! edit api.yaml
//!   replace `link: get_order, with: { order_id: id }`
//!   with    `link: get_order, with: { id: id }`

keel::api!(
    spec = "copies/link_unknown_parameter/api.yaml",
    queries = "copies/link_unknown_parameter/queries",
    migrations = "copies/link_unknown_parameter/migrations",
    paths_from = "file"
);

fn main() {}
