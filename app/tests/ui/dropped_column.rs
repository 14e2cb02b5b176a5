//! A migration drops a column that a query still reads.
//!
//! add migrations/0007_drop_second_line.sql
//!   `ALTER TABLE orders DROP COLUMN ship_line2;`

keel::api!(
    spec = "copies/dropped_column/api.yaml",
    queries = "copies/dropped_column/queries",
    migrations = "copies/dropped_column/migrations",
    paths_from = "file"
);


fn main() {}
