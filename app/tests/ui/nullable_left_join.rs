//! A non-nullable response field is fed by a column from the outer side of
//! a LEFT JOIN.
//!
//! edit app/queries/catalog.sql
//!   replace `    JOIN categories c ON c.id = p.category_id\n    WHERE`
//!   with    `    JOIN categories c ON c.id = p.category_id\n    LEFT JOIN product_stock s ON s.product_id = p.id\n    WHERE`
//!   replace `EXISTS (SELECT 1 FROM stock st\n                   WHERE st.product_id = p.id AND st.on_hand > st.reserved) AS in_stock`
//!   with    `s.available > 0 AS in_stock`

keel::api!(
    spec = "copies/nullable_left_join/api.yaml",
    queries = "copies/nullable_left_join/queries",
    migrations = "copies/nullable_left_join/migrations",
    paths_from = "file"
);

#[path = "copies/nullable_left_join/orders.rs"]
pub mod orders;

fn main() {}
