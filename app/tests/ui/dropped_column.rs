//! A migration drops a column that a query still reads.
//!
//! add migrations/0003_drop_description.sql
//!   `ALTER TABLE products DROP COLUMN description;`

keel::api!(
    spec = "copies/dropped_column/api.yaml",
    queries = "copies/dropped_column/queries",
    migrations = "copies/dropped_column/migrations",
    paths_from = "file"
);


fn main() {}
