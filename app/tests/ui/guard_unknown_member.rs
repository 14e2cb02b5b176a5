//! A guard returns a column that fills no member of its problem.
//!
//! edit app/queries/orders.sql
//!   replace `       t.to_status AS allowed,`
//!   with    `       t.to_status AS allowd,`

keel::api!(
    spec = "copies/guard_unknown_member/api.yaml",
    queries = "copies/guard_unknown_member/queries",
    migrations = "copies/guard_unknown_member/migrations",
    paths_from = "file"
);

fn main() {}
