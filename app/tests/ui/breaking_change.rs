//! A change that would break clients of the released contract: a field of
//! a response is removed (and the column that fed it). The build names it
//! where the spec declares what changed.
//!
//! edit api.yaml
//!   replace `      updated_at: { type: string, format: date-time }\n      history: [StatusChange]`
//!   with    `      history: [StatusChange]`
//! edit app/queries/orders.sql
//!   replace `SELECT o.id AS order_id, o.status, o.updated_at`
//!   with    `SELECT o.id AS order_id, o.status`

keel::api!(
    spec = "copies/breaking_change/api.yaml",
    queries = "copies/breaking_change/queries",
    migrations = "copies/breaking_change/migrations",
    contract = "../../../docs/contract",
    paths_from = "file"
);

fn main() {}
