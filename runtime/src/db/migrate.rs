//! Applies `migrations/NNNN_name.sql` natively, the way
//! `wrangler d1 migrations apply` does at the edge: in file-name order, each
//! file once, recorded by name in a `d1_migrations` table of the same shape,
//! so a database file can move between the two.

use rusqlite::{Connection, OptionalExtension, params};

use super::{DbError, Migration, sqlite::sqlite_error};

const TABLE: &str = "CREATE TABLE IF NOT EXISTS d1_migrations(
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)";

/// Applies every migration not yet recorded, each in its own transaction, and
/// returns the names of those applied now.
pub fn apply(
    conn: &mut Connection,
    migrations: &[Migration],
) -> Result<Vec<&'static str>, DbError> {
    conn.execute_batch(TABLE).map_err(sqlite_error)?;
    let mut applied = Vec::new();
    for migration in migrations {
        let done = conn
            .query_row(
                "SELECT 1 FROM d1_migrations WHERE name = ?1",
                params![migration.name],
                |_| Ok(()),
            )
            .optional()
            .map_err(sqlite_error)?
            .is_some();
        if done {
            continue;
        }
        let tx = conn.transaction().map_err(sqlite_error)?;
        tx.execute_batch(migration.sql)
            .map_err(|e| DbError::Other(format!("migration {} failed: {e}", migration.name)))?;
        tx.execute(
            "INSERT INTO d1_migrations (name) VALUES (?1)",
            params![migration.name],
        )
        .map_err(sqlite_error)?;
        tx.commit().map_err(sqlite_error)?;
        applied.push(migration.name);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATIONS: &[Migration] = &[
        Migration {
            name: "0001_a.sql",
            sql: "CREATE TABLE a (x INTEGER);",
        },
        Migration {
            name: "0002_b.sql",
            sql: "CREATE TABLE b (y INTEGER);",
        },
    ];

    #[test]
    fn applies_each_migration_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(apply(&mut conn, &MIGRATIONS[..1]).unwrap(), ["0001_a.sql"]);
        assert_eq!(apply(&mut conn, MIGRATIONS).unwrap(), ["0002_b.sql"]);
        assert!(apply(&mut conn, MIGRATIONS).unwrap().is_empty());
    }

    #[test]
    fn a_broken_migration_is_not_recorded() {
        let mut conn = Connection::open_in_memory().unwrap();
        let broken = [Migration {
            name: "0001_bad.sql",
            sql: "CREATE TABLE ok (x); CREATE TABLE (;",
        }];
        let err = apply(&mut conn, &broken).unwrap_err();
        assert!(
            err.to_string().starts_with("migration 0001_bad.sql failed"),
            "{err}"
        );
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'ok'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0);
    }
}
