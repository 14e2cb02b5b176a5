//! An endpoint admits customers, whose orders are theirs, but its query no
//! longer binds the customer: one customer could read another's orders.
//!
//! edit app/queries/orders.sql
//!   replace `       o.updated_at\nFROM orders o\nWHERE o.id = :order_id\n  AND (:auth_role = 'staff' OR o.customer_id = :auth_sub);`
//!   with    `       o.updated_at\nFROM orders o\nWHERE o.id = :order_id;`

keel::api!(
    spec = "copies/owner_not_bound/api.yaml",
    queries = "copies/owner_not_bound/queries",
    migrations = "copies/owner_not_bound/migrations",
    paths_from = "file"
);


fn main() {}
