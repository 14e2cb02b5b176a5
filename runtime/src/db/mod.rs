//! The database boundary: statements in, result sets out, one round trip.
//!
//! [`Database::execute`] is the only thing a backend implements. It runs a
//! list of statements as **one atomic unit in one round trip**: a D1
//! `batch()` at the edge, one SQLite transaction natively. Generated code and
//! custom handlers use the typed layer on top of it ([`Query`], [`Batch`] and
//! [`Database::run`]), which keeps the statements of an endpoint together so
//! they can never drift into several round trips.

mod batch;
#[cfg(target_arch = "wasm32")]
pub mod d1;
#[cfg(not(target_arch = "wasm32"))]
pub mod migrate;
#[cfg(not(target_arch = "wasm32"))]
pub mod sqlite;

use std::future::Future;

pub use batch::{Batch, Mapped, Query};

use crate::problem::Problem;
use crate::value::{DecodeError, FromValue, Value};

/// What the generated code knows about one annotated query at compile time.
#[derive(Debug, PartialEq, Eq)]
pub struct Sql {
    /// `file.query_name`, for messages.
    pub name: &'static str,
    /// The SQL sent to the database, named parameters rewritten to `?N`.
    pub text: &'static str,
    /// The result columns, in order.
    pub columns: &'static [&'static str],
    /// Whether the statement only reads.
    pub readonly: bool,
    /// Whether it is a lookup by key: it returns at most one row and finds
    /// every row it reads through an index by equality, without scanning,
    /// sorting or a range (the macro asks SQLite's query planner at compile
    /// time), so it usually takes microseconds. The native backend runs a
    /// unit made only of lookups on the request's own thread instead of
    /// handing it to a blocking thread, whose round trip costs more than
    /// the queries; as an equality on a non-unique index may still find
    /// many rows, it stops one that runs past a small budget of SQLite
    /// steps and runs it again on a blocking thread.
    pub lookup: bool,
}

/// One migration file, embedded at compile time from `migrations/`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The file name, such as `0001_init.sql`.
    pub name: &'static str,
    /// Its SQL.
    pub sql: &'static str,
}

/// A query with its parameters bound, ready to run.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The query.
    pub sql: &'static Sql,
    /// Values for `?1`, `?2`, … in order.
    pub params: Vec<Value>,
}

/// What one statement returned.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultSet {
    sql: &'static Sql,
    values: Vec<Value>,
    changes: u64,
}

/// One row of a [`ResultSet`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    sql: &'static Sql,
    values: &'a [Value],
}

impl ResultSet {
    /// A result set from row-major `values` (`sql.columns.len()` per row) and
    /// the number of rows the statement changed.
    pub fn new(sql: &'static Sql, values: Vec<Value>, changes: u64) -> Self {
        ResultSet {
            sql,
            values,
            changes,
        }
    }

    /// How many rows an `INSERT`, `UPDATE` or `DELETE` changed.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// How many columns each row has.
    pub fn width(&self) -> usize {
        self.sql.columns.len()
    }

    /// How many rows came back.
    pub fn len(&self) -> usize {
        match self.sql.columns.len() {
            0 => 0,
            width => self.values.len() / width,
        }
    }

    /// Whether no rows came back.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'_>> + '_ {
        let width = self.sql.columns.len().max(1);
        let count = self.len();
        (0..count).map(move |i| Row {
            sql: self.sql,
            values: &self.values[i * width..(i + 1) * width],
        })
    }

    /// Decodes exactly one row (`:one`); no row is an error.
    pub fn one<T>(&self, decode: impl Fn(Row<'_>) -> Result<T, DbError>) -> Result<T, DbError> {
        match self.rows().next() {
            Some(row) => decode(row),
            None => Err(DbError::NoRow {
                query: self.sql.name,
            }),
        }
    }

    /// Decodes the first row if there is one (`:optional`).
    pub fn optional<T>(
        &self,
        decode: impl Fn(Row<'_>) -> Result<T, DbError>,
    ) -> Result<Option<T>, DbError> {
        self.rows().next().map(decode).transpose()
    }

    /// Decodes every row (`:many`).
    pub fn many<T>(
        &self,
        decode: impl Fn(Row<'_>) -> Result<T, DbError>,
    ) -> Result<Vec<T>, DbError> {
        self.rows().map(decode).collect()
    }
}

impl<'a> Row<'a> {
    /// Reads column `index` as a `T`.
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T, DbError> {
        let value = self.value(index)?;
        T::from_value(value).map_err(|source| self.decode_error(index, source))
    }

    /// Reads column `index` with a custom decoder (used for string enums).
    pub fn get_with<T>(
        &self,
        index: usize,
        decode: impl Fn(&Value) -> Result<T, DecodeError>,
    ) -> Result<T, DbError> {
        let value = self.value(index)?;
        decode(value).map_err(|source| self.decode_error(index, source))
    }

    /// The raw value of column `index`.
    pub fn value(&self, index: usize) -> Result<&'a Value, DbError> {
        // `ok_or_else`: the error's message is formatted only when needed,
        // not on every cell read.
        self.values.get(index).ok_or_else(|| DbError::Decode {
            query: self.sql.name,
            column: "?",
            source: DecodeError {
                expected: "a column",
                found: format!("only {} columns", self.values.len()),
            },
        })
    }

    fn decode_error(&self, index: usize, source: DecodeError) -> DbError {
        DbError::Decode {
            query: self.sql.name,
            column: self.sql.columns.get(index).copied().unwrap_or("?"),
            source,
        }
    }
}

/// Why a database call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DbError {
    /// A constraint (`UNIQUE`, `CHECK`, `NOT NULL`, `FOREIGN KEY`) rejected
    /// the change; the whole unit was rolled back.
    #[error("{message}")]
    Constraint {
        /// SQLite's message, such as `CHECK constraint failed: stock_available`.
        message: String,
    },
    /// The database was busy or overloaded; the unit did not run.
    #[error("database busy: {0}")]
    Busy(String),
    /// A `:one` query returned no row.
    #[error("query {query} returned no row but is declared :one")]
    NoRow {
        /// The query.
        query: &'static str,
    },
    /// A column held something its declared type can't hold.
    #[error("query {query}, column {column}: {source}")]
    Decode {
        /// The query.
        query: &'static str,
        /// The column.
        column: &'static str,
        /// What was wrong.
        source: DecodeError,
    },
    /// An integer parameter does not fit in a JavaScript number.
    #[error("integer {0} is outside ±2^53-1 and cannot be sent to D1 exactly")]
    IntegerOutOfRange(i64),
    /// Anything else the database reported.
    #[error("{0}")]
    Other(String),
}

impl DbError {
    /// Classifies a message as SQLite (and D1, which passes SQLite's messages
    /// on) words it.
    pub fn from_message(message: impl Into<String>) -> Self {
        let message = message.into();
        // `RAISE(ABORT, ...)` in a trigger carries only SQLite's code on D1.
        if message.contains("constraint failed") || message.contains("SQLITE_CONSTRAINT") {
            DbError::Constraint { message }
        } else if message.contains("database is locked")
            || message.contains("SQLITE_BUSY")
            || message.contains("overloaded")
        {
            DbError::Busy(message)
        } else {
            DbError::Other(message)
        }
    }

    /// The name of the failed constraint, for `CHECK` constraints declared
    /// with `CONSTRAINT name CHECK (...)`, or the `table.column` list SQLite
    /// gives for `UNIQUE` and `NOT NULL`.
    pub fn constraint(&self) -> Option<&str> {
        let DbError::Constraint { message } = self else {
            return None;
        };
        let (_, rest) = message.split_once("constraint failed: ")?;
        Some(rest.split(": SQLITE").next().unwrap_or(rest).trim())
    }

    /// The problem a client sees. Details stay in the log.
    pub fn into_problem(self) -> Problem {
        match self {
            DbError::Constraint { message } => {
                crate::log::warn(&format!("constraint violation: {message}"));
                Problem::conflict("the request conflicts with data already stored")
            }
            DbError::Busy(message) => {
                crate::log::warn(&format!("database busy: {message}"));
                Problem::unavailable(1)
            }
            other => {
                crate::log::error(&format!("database error: {other}"));
                Problem::internal()
            }
        }
    }
}

impl From<DbError> for Problem {
    fn from(err: DbError) -> Self {
        err.into_problem()
    }
}

/// `Send` natively, where requests run on a multi-threaded runtime; nothing
/// on Workers, where JavaScript futures are single-threaded.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` natively, where requests run on a multi-threaded runtime; nothing
/// on Workers, where JavaScript futures are single-threaded.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` natively; nothing on Workers. See [`MaybeSend`].
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}
/// `Sync` natively; nothing on Workers. See [`MaybeSend`].
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A database that runs statements in one round trip.
///
/// Implemented by the SQLite backend natively and the D1 backend on Workers;
/// generated code is generic over it and never names either.
pub trait Database: MaybeSync {
    /// Runs `statements` in order as one atomic unit, in one round trip: all
    /// of them take effect or none does.
    fn execute(
        &self,
        statements: Vec<Statement>,
    ) -> impl Future<Output = Result<Vec<ResultSet>, DbError>> + MaybeSend;

    /// Where the statements of the request being served may read, as its
    /// endpoint declares (`reads:` in the spec): the generated router says
    /// it before the endpoint runs. A backend without replicas (SQLite)
    /// ignores it; D1 opens its session accordingly (see `d1`).
    fn reads(&self, reads: Reads) {
        let _ = reads;
    }

    /// Runs a typed batch (a [`Query`] or a tuple or `Vec` of them) and
    /// decodes each result.
    fn run<B: Batch + MaybeSend>(
        &self,
        mut batch: B,
    ) -> impl Future<Output = Result<B::Output, DbError>> + MaybeSend {
        let mut statements = Vec::new();
        batch.collect(&mut statements);
        let expected = statements.len();
        let pending = self.execute(statements);
        async move {
            let results = pending.await?;
            if results.len() != expected {
                return Err(DbError::Other(format!(
                    "expected {expected} results from the batch, got {}",
                    results.len()
                )));
            }
            batch.decode(&mut results.into_iter())
        }
    }
}

impl<D: Database> Database for &D {
    fn execute(
        &self,
        statements: Vec<Statement>,
    ) -> impl Future<Output = Result<Vec<ResultSet>, DbError>> + MaybeSend {
        (**self).execute(statements)
    }

    fn reads(&self, reads: Reads) {
        (**self).reads(reads);
    }
}

/// The header a client gets its D1 bookmark in, and sends it back in: the
/// point in D1's history its next replica read must be at or after.
pub const BOOKMARK_HEADER: &str = "d1-bookmark";

/// Whether `value` looks like a D1 bookmark (hex groups separated by `-`,
/// such as `0000002c-00000003-00004f85-2f4b…`): anything else is never
/// sent to D1 (which would fail the request), nor taken for a session
/// constraint such as `first-primary`.
pub fn valid_bookmark(value: &str) -> bool {
    (1..=256).contains(&value.len())
        && value
            .split('-')
            .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where a D1 session starts (`withSession`'s argument) for an endpoint
/// that reads as `reads` says, for a client that sent `bookmark` (already
/// checked with [`valid_bookmark`]): a replica read at the bookmark, or
/// anywhere without one; everything else at the primary, whatever the
/// client sent.
pub fn session_start(reads: Reads, bookmark: Option<&str>) -> &str {
    match (reads, bookmark) {
        (Reads::Replica, Some(bookmark)) => bookmark,
        (Reads::Replica, None) => "first-unconstrained",
        (Reads::Primary, _) => "first-primary",
    }
}

/// Where a request's statements may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reads {
    /// The primary, always: the latest committed state.
    #[default]
    Primary,
    /// Any replica at least as recent as the client's bookmark (or any
    /// replica, without one). Writes still go to the primary.
    Replica,
}

/// Checks that an integer parameter can cross D1 exactly.
pub fn check_safe_integer(value: i64) -> Result<(), DbError> {
    if (crate::value::MIN_SAFE_INTEGER..=crate::value::MAX_SAFE_INTEGER).contains(&value) {
        Ok(())
    } else {
        Err(DbError::IntegerOutOfRange(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_start_where_the_endpoint_may_read() {
        let bookmark = Some("0000002c-00000003-00004f85");
        assert_eq!(
            session_start(Reads::Replica, bookmark),
            "0000002c-00000003-00004f85"
        );
        assert_eq!(session_start(Reads::Replica, None), "first-unconstrained");
        assert_eq!(session_start(Reads::Primary, bookmark), "first-primary");
        assert_eq!(session_start(Reads::Primary, None), "first-primary");
    }

    #[test]
    fn bookmarks_are_hex_groups() {
        for good in ["0000002c-00000003-00004f85-2f4b0e9a", "a", "ABCDEF-0"] {
            assert!(valid_bookmark(good), "{good}");
        }
        let long = "a".repeat(257);
        for bad in [
            "",
            "first-primary",
            "-",
            "a-",
            "a--b",
            "0x1f",
            "a b",
            long.as_str(),
        ] {
            assert!(!valid_bookmark(bad), "{bad}");
        }
    }

    static SQL: Sql = Sql {
        name: "test.q",
        text: "",
        columns: &["a", "b"],
        readonly: true,
        lookup: false,
    };

    #[test]
    fn rows_are_sliced_by_width() {
        let rs = ResultSet::new(
            &SQL,
            vec![
                Value::Integer(1),
                Value::Text("x".into()),
                Value::Integer(2),
                Value::Null,
            ],
            0,
        );
        assert_eq!(rs.len(), 2);
        let pairs = rs
            .many(|r| Ok((r.get::<i64>(0)?, r.get::<Option<String>>(1)?)))
            .unwrap();
        assert_eq!(pairs, vec![(1, Some("x".into())), (2, None)]);
    }

    #[test]
    fn decode_errors_name_query_and_column() {
        let rs = ResultSet::new(&SQL, vec![Value::Null, Value::Null], 0);
        let err = rs.one(|r| r.get::<i64>(0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "query test.q, column a: expected an integer, found NULL"
        );
        let empty = ResultSet::new(&SQL, vec![], 0);
        assert_eq!(
            empty.one(|r| r.get::<i64>(0)).unwrap_err(),
            DbError::NoRow { query: "test.q" }
        );
    }

    #[test]
    fn constraint_names_are_extracted_from_both_backends() {
        let native = DbError::from_message("CHECK constraint failed: stock_available");
        assert_eq!(native.constraint(), Some("stock_available"));
        let d1 = DbError::from_message(
            "D1_ERROR: UNIQUE constraint failed: orders.ref: SQLITE_CONSTRAINT",
        );
        assert_eq!(d1.constraint(), Some("orders.ref"));
        assert_eq!(DbError::from_message("no such table: x").constraint(), None);
        let raised = DbError::from_message(
            "D1_ERROR: order status transition not allowed: SQLITE_CONSTRAINT",
        );
        assert!(matches!(raised, DbError::Constraint { .. }));
    }
}
