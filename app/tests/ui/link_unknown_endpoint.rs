//! A link header names an endpoint that does not exist.
//!
//! edit api.yaml
//!   replace `link: get_order, with: { order_id: id }`
//!   with    `link: get_ordr, with: { order_id: id }`

keel::api!(
    spec = "copies/link_unknown_endpoint/api.yaml",
    queries = "copies/link_unknown_endpoint/queries",
    migrations = "copies/link_unknown_endpoint/migrations",
    paths_from = "file"
);

fn main() {}
