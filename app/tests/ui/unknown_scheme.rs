//! An endpoint accepts a scheme the spec does not declare (a did-you-mean follows).
//!
//! edit api.yaml
//!   replace `    auth: [customer, staff]\n    # A replica at least`
//!   with    `    auth: { roles: [customer, staff], schemes: [storefrnt] }\n    # A replica at least`

keel::api!(
    spec = "copies/unknown_scheme/api.yaml",
    queries = "copies/unknown_scheme/queries",
    migrations = "copies/unknown_scheme/migrations",
    paths_from = "file"
);


fn main() {}
