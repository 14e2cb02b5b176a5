//! Checks the SQL against the migrations, with no database but an
//! in-memory SQLite: the migrations are applied in order, then every query is
//! prepared. SQLite's own errors (unknown table or column, syntax, ambiguous
//! column) are reported at the query's line and column.

use std::rc::Rc;

use rusqlite::Connection;

use super::infer::{self, Catalog, ParamUse, SqlType, Typed};
use super::lex;
use super::{LineIndex, Query};
use crate::diag::{Diagnostics, Loc};

/// A migration file.
#[derive(Debug, Clone)]
pub struct MigrationFile {
    /// The file name (`0001_init.sql`), as recorded in `d1_migrations`.
    pub name: String,
    /// The absolute path, for `include_str!`.
    pub path: std::path::PathBuf,
    /// Display path.
    pub display: Rc<str>,
    /// Its SQL.
    pub text: String,
}

/// What SQLite says about a result column.
#[derive(Debug, Clone)]
pub struct Column {
    /// Its name in the result.
    pub name: String,
    /// Its type and whether it can be NULL (and why), inferred from the
    /// schema; see [`super::infer`].
    pub typed: Typed,
    /// Where its expression starts in the query text (line, column; `0`
    /// when not known).
    pub at: (u64, u64),
}

/// What SQLite says about a query.
#[derive(Debug, Clone)]
pub struct Described {
    /// Typed uses of the parameters.
    pub params: Vec<(String, ParamUse)>,
    /// Result columns in order.
    pub columns: Vec<Column>,
    /// Whether the statement only reads.
    pub readonly: bool,
}

/// A database with the migrations applied, for preparing queries.
pub struct Schema {
    conn: Connection,
    catalog: Catalog,
}

impl Schema {
    /// Applies `migrations` to a fresh in-memory database, reporting each
    /// failing statement at its location.
    pub fn build(migrations: &[MigrationFile], d: &mut Diagnostics) -> Option<Schema> {
        let conn = match Connection::open_in_memory() {
            Ok(conn) => conn,
            Err(err) => {
                let file: Rc<str> = Rc::from("migrations");
                d.error(
                    &Loc::file_start(&file),
                    format!("cannot open an in-memory SQLite to check the SQL: {err}"),
                );
                return None;
            }
        };
        let _ = conn.execute_batch("PRAGMA foreign_keys = ON;");
        for migration in migrations {
            let lines = LineIndex::new(Rc::clone(&migration.display), &migration.text);
            for (start, end) in lex::split_statements(&migration.text) {
                let statement = &migration.text[start..end];
                super::check_d1_statement(
                    statement,
                    &format!("a statement of migration {}", migration.name),
                    |at| lines.loc(start + at),
                    d,
                );
                let result = conn.prepare(statement).and_then(|mut s| s.raw_execute());
                if let Err(err) = result {
                    let (offset, message) = located(&err);
                    d.error(
                        &lines.loc(start + offset),
                        format!("migration {} fails: {message}", migration.name),
                    );
                    // Later migrations build on this one; stop here.
                    return None;
                }
            }
        }
        let catalog = Catalog::load(&conn);
        Some(Schema { conn, catalog })
    }

    /// Whether `sql`, a statement the framework runs itself, prepares
    /// against the schema; SQLite's complaint if not.
    pub fn prepares(&self, sql: &str) -> Result<(), String> {
        self.conn.prepare(sql).map(drop).map_err(|e| e.to_string())
    }

    /// Prepares `query`, reporting SQLite's complaint at its location.
    pub fn describe(&self, query: &Query, d: &mut Diagnostics) -> Option<Described> {
        let stmt = match self.conn.prepare(&query.text) {
            Ok(stmt) => stmt,
            Err(err) => {
                let (offset, message) = located(&err);
                d.error(
                    &query.loc_at(offset),
                    format!("{message} (in query `{}`)", query.full_name),
                );
                return None;
            }
        };
        let inferred = infer::infer(&query.text, &self.catalog)
            .filter(|i| i.columns.len() == stmt.column_count());
        let mut columns = Vec::with_capacity(stmt.column_count());
        for (i, column) in stmt.columns().enumerate() {
            let (typed, at) = match inferred.as_ref().and_then(|inf| inf.columns.get(i)) {
                Some(c) => (c.typed.clone(), c.at),
                // Without a parse (or when the parse disagrees with
                // SQLite), what SQLite knows: the declared type, and NOT
                // NULL for a column read straight from a table, unless an
                // outer join may leave it NULL.
                None => {
                    let not_null = matches!(
                        stmt.column_metadata(i),
                        Ok(Some((_, _, _, _, _, true, _, _)))
                    ) && !super::has_outer_join(&query.text);
                    let mut typed = Typed {
                        ty: column
                            .decl_type()
                            .map_or(SqlType::Unknown, SqlType::from_decl),
                        nullable: !not_null,
                        why: None,
                    };
                    if !not_null {
                        typed.why = Some("it is not known to be NOT NULL".to_owned());
                    }
                    (typed, (0, 0))
                }
            };
            columns.push(Column {
                name: column.name().to_owned(),
                typed,
                at,
            });
        }
        if stmt.parameter_count() != query.params.len() {
            d.error(
                &query.loc_at(0),
                format!(
                    "query `{}` has {} parameters by SQLite's count but {} named ones; mix no other parameter styles",
                    query.full_name,
                    stmt.parameter_count(),
                    query.params.len()
                ),
            );
        }
        Some(Described {
            params: inferred.map(|i| i.params).unwrap_or_default(),
            columns,
            readonly: stmt.readonly(),
        })
    }
}

/// SQLite's message and, when it names a token, the token's byte offset.
fn located(err: &rusqlite::Error) -> (usize, String) {
    match err {
        rusqlite::Error::SqlInputError { msg, offset, .. } => {
            (usize::try_from(*offset).unwrap_or(0), msg.clone())
        }
        rusqlite::Error::SqliteFailure(_, Some(msg)) => (0, msg.clone()),
        other => (0, other.to_string()),
    }
}
