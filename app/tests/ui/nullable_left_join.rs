//! A non-nullable response field is fed by a column from the outer side of
//! a LEFT JOIN.
//!
//! edit app/queries/catalog.sql
//!   replace `JOIN categories c ON c.id = p.category_id\nUNION ALL`
//!   with    `JOIN categories c ON c.id = p.category_id\nLEFT JOIN product_stock ps ON ps.product_id = p.id\nUNION ALL`
//!   replace `EXISTS (SELECT 1 FROM stock st\n               WHERE st.product_id = p.id AND st.on_hand > st.reserved) AS in_stock,\n       p.created_at, s.sort_key AS sort_key, FALSE`
//!   with    `ps.available > 0 AS in_stock,\n       p.created_at, s.sort_key AS sort_key, FALSE`

keel::api!(
    spec = "copies/nullable_left_join/api.yaml",
    queries = "copies/nullable_left_join/queries",
    migrations = "copies/nullable_left_join/migrations",
    paths_from = "file"
);


fn main() {}
