//! A public endpoint runs a query that binds the caller's claims: it has no
//! caller to bind.
//!
//! edit api.yaml
//!   replace `as if it did not exist.\n    tags: [orders]\n    auth: [customer, staff]`
//!   with    `as if it did not exist.\n    tags: [orders]\n    auth: public`

keel::api!(
    spec = "copies/claim_on_public/api.yaml",
    queries = "copies/claim_on_public/queries",
    migrations = "copies/claim_on_public/migrations",
    paths_from = "file"
);


fn main() {}
