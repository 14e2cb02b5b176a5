//! A migration uses BEGIN and COMMIT, which D1 refuses.
//!
//! add migrations/0003_tags.sql
//!   `BEGIN TRANSACTION;`
//!   `CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);`
//!   `COMMIT;`

keel::api!(
    spec = "copies/explicit_transaction/api.yaml",
    queries = "copies/explicit_transaction/queries",
    migrations = "copies/explicit_transaction/migrations",
    paths_from = "file"
);


fn main() {}
