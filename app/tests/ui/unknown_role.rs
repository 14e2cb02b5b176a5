//! An endpoint admits a role the spec does not declare (a did-you-mean follows).
//!
//! edit api.yaml
//!   replace `as if it did not exist.\n    tags: [orders]\n    auth: [customer, staff]`
//!   with    `as if it did not exist.\n    tags: [orders]\n    auth: [customer, staf]`

keel::api!(
    spec = "copies/unknown_role/api.yaml",
    queries = "copies/unknown_role/queries",
    migrations = "copies/unknown_role/migrations",
    paths_from = "file"
);


fn main() {}
