//! The native backend: an embedded SQLite file through rusqlite.
//!
//! A small pool of connections serves requests from Tokio's blocking
//! threads, but for lookups by key ([`super::Sql::lookup`]), which run on
//! the thread serving the request. Connections use WAL (readers never wait for the writer), enforce
//! foreign keys as D1 does, and wait up to five seconds for a busy writer. A
//! unit of several statements is one transaction (`IMMEDIATE` when it writes,
//! so it never has to upgrade a read lock); a single statement is its own.
//!
//! The pool never holds more than its size in connections: the permit that
//! admits a unit is owned by the blocking task that runs it, so a request
//! whose client went away cannot free its place while its statements still
//! run. A unit that waits longer than [`PoolOptions::wait`] for a place is
//! refused with [`DbError::Busy`] (a 503 with `Retry-After`), so overload
//! sheds requests instead of queueing them without bound. Units that write
//! also queue for the single writer's turn, in arrival order, before they
//! take a connection: SQLite admits one writer at a time, and its own busy
//! handler (growing sleeps) would let a writer wait for seconds under
//! contention.
//!
//! Commits are durable by default (`synchronous = FULL`): once a write is
//! acknowledged, a power loss cannot take it back. See
//! [`Synchronous`] for the trade-off.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, TransactionBehavior};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{Database, DbError, ResultSet, Statement, check_safe_integer};
use crate::value::Value;

/// How many connections the pool opens unless told otherwise.
pub const DEFAULT_POOL_SIZE: usize = 8;

/// How long a unit waits for a free connection unless told otherwise.
pub const DEFAULT_POOL_WAIT: Duration = Duration::from_secs(3);

/// How SQLite makes commits durable (`PRAGMA synchronous`), in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is on disk before it is acknowledged: no acknowledged
    /// write is lost on power failure. The default.
    #[default]
    Full,
    /// Commits reach the disk at checkpoints: a power failure (not a crash
    /// of the process) can roll back the last acknowledged transactions.
    /// Faster on slow disks.
    Normal,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// How a [`SqliteDatabase`]'s pool behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// The most connections open at once (at least one).
    pub size: usize,
    /// How long a unit waits for a connection before it is refused.
    pub wait: Duration,
    /// Commit durability.
    pub synchronous: Synchronous,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            size: DEFAULT_POOL_SIZE,
            wait: DEFAULT_POOL_WAIT,
            synchronous: Synchronous::Full,
        }
    }
}

impl PoolOptions {
    /// The defaults with `size` connections.
    pub fn with_size(size: usize) -> Self {
        PoolOptions {
            size,
            ..PoolOptions::default()
        }
    }
}

/// A SQLite database file shared by a pool of connections.
#[derive(Clone)]
pub struct SqliteDatabase {
    inner: Arc<Pool>,
}

struct Pool {
    path: PathBuf,
    options: PoolOptions,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
    /// SQLite admits one writer at a time; writers queue here, in order,
    /// rather than in SQLite's busy handler, whose growing sleeps let a
    /// writer wait for seconds under contention.
    writer: Arc<Semaphore>,
}

impl std::fmt::Debug for SqliteDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteDatabase")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SqliteDatabase {
    /// Opens (creating if needed) the database at `path` with the default
    /// options and up to `pool_size` connections.
    pub fn open(path: impl AsRef<Path>, pool_size: usize) -> Result<Self, DbError> {
        Self::open_with(path, PoolOptions::with_size(pool_size))
    }

    /// Opens (creating if needed) the database at `path`. One connection is
    /// opened at once so that a bad path fails here rather than on the first
    /// request.
    pub fn open_with(path: impl AsRef<Path>, options: PoolOptions) -> Result<Self, DbError> {
        let path = path.as_ref().to_path_buf();
        let options = PoolOptions {
            size: options.size.max(1),
            ..options
        };
        let first = connect(&path, options.synchronous)?;
        Ok(SqliteDatabase {
            inner: Arc::new(Pool {
                path,
                options,
                idle: Mutex::new(vec![first]),
                permits: Arc::new(Semaphore::new(options.size)),
                writer: Arc::new(Semaphore::new(1)),
            }),
        })
    }

    /// How many connections are open and idle in the pool now.
    pub fn idle_connections(&self) -> usize {
        self.inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a connection of the pool, on the calling thread. For
    /// start-up work (migrations, sample data) and tests.
    pub fn with_connection<R>(&self, f: impl FnOnce(&mut Connection) -> R) -> Result<R, DbError> {
        let mut conn = self.inner.take()?;
        let result = f(&mut conn);
        self.inner.put(conn);
        Ok(result)
    }
}

impl Pool {
    fn take(&self) -> Result<Connection, DbError> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => connect(&self.path, self.options.synchronous),
        }
    }

    /// An open, idle connection, if there is one: never opens one (which
    /// may wait on the file) on the thread serving a request.
    fn take_idle(&self) -> Option<Connection> {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
    }

    /// Returns a connection; one beyond the pool's size is closed instead.
    fn put(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.options.size {
            idle.push(conn);
        }
    }

    /// Waits (up to the configured bound) for the right to use a
    /// connection and, for a unit that writes, to be the writer.
    async fn admit(&self, writes: bool) -> Result<Admission, DbError> {
        let wait = self.options.wait;
        let admitted = tokio::time::timeout(wait, async {
            let writer = if writes {
                Some(Arc::clone(&self.writer).acquire_owned().await?)
            } else {
                None
            };
            let connection = Arc::clone(&self.permits).acquire_owned().await?;
            Ok::<_, tokio::sync::AcquireError>(Admission {
                _connection: connection,
                _writer: writer,
            })
        })
        .await;
        match admitted {
            Ok(Ok(admission)) => Ok(admission),
            Ok(Err(_)) => Err(DbError::Other("the connection pool is closed".into())),
            Err(_) => Err(DbError::Busy(format!(
                "no database connection became free within {} ms ({} in use)",
                wait.as_millis(),
                self.options.size
            ))),
        }
    }
}

/// The right to run one unit: a place in the pool, and the writer's turn
/// when the unit writes. Held by the blocking task until the unit is done.
struct Admission {
    _connection: OwnedSemaphorePermit,
    _writer: Option<OwnedSemaphorePermit>,
}

fn connect(path: &Path, synchronous: Synchronous) -> Result<Connection, DbError> {
    let conn = Connection::open(path)
        .map_err(|e| DbError::Other(format!("cannot open database {}: {e}", path.display())))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(sqlite_error)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = {};
         PRAGMA foreign_keys = ON;",
        synchronous.pragma()
    ))
    .map_err(sqlite_error)?;
    // Plan each statement once. Without the planner's stability guarantee,
    // SQLite may plan with values bound at the time, and then throws the
    // plan away whenever one of those parameters is bound again: for the
    // large queries a listing needs, on every request, at ten times the cost
    // of running them. With it, a cached statement keeps its plan; the plan
    // cannot use the bound values (such as a LIMIT's) for its estimates.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(sqlite_error)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

impl Database for SqliteDatabase {
    async fn execute(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, DbError> {
        // Lookups by key (a product and its stock: microseconds of SQLite)
        // run right here, on the thread serving the request, when a
        // connection is free at once: the hop to a blocking thread and back
        // would cost more than the queries. A unit that runs here cannot be
        // abandoned halfway, so it holds its place in the pool only while
        // it runs. Anything longer, and every write, goes below.
        if statements.iter().all(|s| s.sql.lookup)
            && let Ok(_place) = Arc::clone(&self.inner.permits).try_acquire_owned()
            && let Some(mut conn) = self.inner.take_idle()
        {
            match run_inline(&mut conn, &statements) {
                Inline::Done(result) => {
                    self.inner.put(conn);
                    return result;
                }
                Inline::Spoiled(result) => return result,
                // It ran past its budget, and was rolled back: run it
                // again where a long read holds up nobody.
                Inline::TooLong => self.inner.put(conn),
            }
        }
        let writes = statements.iter().any(|s| !s.sql.readonly);
        let admission = self.inner.admit(writes).await?;
        let pool = Arc::clone(&self.inner);
        // The admission moves into the task: if the request is dropped (its
        // client went away), the statements still run to the end and only
        // then free the place.
        tokio::task::spawn_blocking(move || {
            let _admission = admission;
            let mut conn = pool.take()?;
            let result = run_unit(&mut conn, &statements);
            pool.put(conn);
            result
        })
        .await
        .map_err(|e| DbError::Other(format!("database task failed: {e}")))?
    }
}

/// How many SQLite virtual machine steps a unit of lookups may take on the
/// thread serving a request: a product and its stock take a few hundred; a
/// count over a non-unique index of a large table takes far more.
const INLINE_BUDGET_STEPS: i32 = 50_000;

/// How a unit of lookups ran on the request's thread.
enum Inline {
    /// It finished (or failed for another reason).
    Done(Result<Vec<ResultSet>, DbError>),
    /// It took more than [`INLINE_BUDGET_STEPS`] and was interrupted (or
    /// could not be bounded); it only reads, so running it again elsewhere
    /// is safe.
    TooLong,
    /// It finished, but its budget could not be taken off the connection,
    /// which is closed rather than pooled.
    Spoiled(Result<Vec<ResultSet>, DbError>),
}

/// Runs a unit of lookups within [`INLINE_BUDGET_STEPS`].
fn run_inline(conn: &mut Connection, statements: &[Statement]) -> Inline {
    // SQLite calls the handler every 1,000 steps; `true` interrupts the
    // statement (a unit of several is rolled back as its transaction drops).
    let stopped = Arc::new(AtomicBool::new(false));
    let mut calls = 0;
    let flag = Arc::clone(&stopped);
    let bounded = conn.progress_handler(
        1_000,
        Some(move || {
            calls += 1;
            let over = calls > INLINE_BUDGET_STEPS / 1_000;
            if over {
                flag.store(true, Ordering::Relaxed);
            }
            over
        }),
    );
    if bounded.is_err() {
        // Unbounded, it does not run here.
        return Inline::TooLong;
    }
    let result = run_unit(conn, statements);
    if conn.progress_handler(1_000, None::<fn() -> bool>).is_err() {
        return Inline::Spoiled(result);
    }
    if stopped.load(Ordering::Relaxed) {
        Inline::TooLong
    } else {
        Inline::Done(result)
    }
}

/// Runs statements as one unit on `conn`.
pub fn run_unit(
    conn: &mut Connection,
    statements: &[Statement],
) -> Result<Vec<ResultSet>, DbError> {
    for statement in statements {
        for param in &statement.params {
            if let Value::Integer(i) = param {
                check_safe_integer(*i)?;
            }
        }
    }
    if let [single] = statements {
        return Ok(vec![run_statement(conn, single)?]);
    }
    let behavior = if statements.iter().all(|s| s.sql.readonly) {
        TransactionBehavior::Deferred
    } else {
        TransactionBehavior::Immediate
    };
    let tx = conn
        .transaction_with_behavior(behavior)
        .map_err(sqlite_error)?;
    let results = statements
        .iter()
        .map(|statement| run_statement(&tx, statement))
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit().map_err(sqlite_error)?;
    Ok(results)
}

fn run_statement(conn: &Connection, statement: &Statement) -> Result<ResultSet, DbError> {
    let sql = statement.sql;
    let mut prepared = conn.prepare_cached(sql.text).map_err(sqlite_error)?;
    let width = prepared.column_count();
    if width != sql.columns.len() {
        return Err(DbError::Other(format!(
            "query {} returns {width} columns but was compiled for {}; is the database migrated?",
            sql.name,
            sql.columns.len()
        )));
    }
    for (index, param) in statement.params.iter().enumerate() {
        bind(&mut prepared, index + 1, param)?;
    }
    if width == 0 {
        let changes = prepared.raw_execute().map_err(sqlite_error)?;
        return Ok(ResultSet::new(sql, Vec::new(), changes as u64));
    }
    let mut values = Vec::new();
    let mut rows = prepared.raw_query();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        for column in 0..width {
            let cell = row.get_ref(column).map_err(sqlite_error)?;
            values.push(from_sqlite(cell));
        }
    }
    drop(rows);
    let changes = if sql.readonly { 0 } else { conn.changes() };
    Ok(ResultSet::new(sql, values, changes))
}

fn bind(
    stmt: &mut rusqlite::CachedStatement<'_>,
    index: usize,
    value: &Value,
) -> Result<(), DbError> {
    let result = match value {
        Value::Null => stmt.raw_bind_parameter(index, rusqlite::types::Null),
        Value::Integer(i) => stmt.raw_bind_parameter(index, i),
        Value::Real(f) => stmt.raw_bind_parameter(index, f),
        Value::Text(s) => stmt.raw_bind_parameter(index, s.as_str()),
        Value::Blob(b) => stmt.raw_bind_parameter(index, b.as_slice()),
    };
    result.map_err(sqlite_error)
}

fn from_sqlite(cell: ValueRef<'_>) -> Value {
    match cell {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Classifies a rusqlite error.
pub fn sqlite_error(err: rusqlite::Error) -> DbError {
    match &err {
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            ErrorCode::ConstraintViolation => DbError::Constraint {
                message: err.to_string(),
            },
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => DbError::Busy(err.to_string()),
            _ => DbError::Other(err.to_string()),
        },
        _ => DbError::Other(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Sql;

    static CREATE: Sql = Sql {
        name: "t.create",
        text: "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL CHECK (n >= 0))",
        columns: &[],
        readonly: false,
        lookup: false,
    };
    static INSERT: Sql = Sql {
        name: "t.insert",
        text: "INSERT INTO t (n) VALUES (?1)",
        columns: &[],
        readonly: false,
        lookup: false,
    };
    static COUNT: Sql = Sql {
        name: "t.count",
        text: "SELECT count(*) AS c FROM t",
        columns: &["c"],
        readonly: true,
        lookup: false,
    };

    fn stmt(sql: &'static Sql, params: Vec<Value>) -> Statement {
        Statement { sql, params }
    }

    #[test]
    fn a_failing_statement_rolls_back_the_whole_unit() {
        let mut conn = Connection::open_in_memory().unwrap();
        run_unit(&mut conn, &[stmt(&CREATE, vec![])]).unwrap();
        let err = run_unit(
            &mut conn,
            &[
                stmt(&INSERT, vec![Value::Integer(1)]),
                stmt(&INSERT, vec![Value::Integer(-1)]),
            ],
        )
        .unwrap_err();
        assert!(matches!(err, DbError::Constraint { .. }), "{err:?}");
        let counts = run_unit(&mut conn, &[stmt(&COUNT, vec![])]).unwrap();
        assert_eq!(counts[0].one(|r| r.get::<i64>(0)).unwrap(), 0);
    }

    static FILL: Sql = Sql {
        name: "t.fill",
        text: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
               INSERT INTO t (n) SELECT i FROM n",
        columns: &[],
        readonly: false,
        lookup: false,
    };

    #[test]
    fn a_lookup_past_its_budget_is_stopped_and_leaves_the_connection_clean() {
        let mut conn = Connection::open_in_memory().unwrap();
        run_unit(&mut conn, &[stmt(&CREATE, vec![]), stmt(&FILL, vec![])]).unwrap();
        // A row by key: well within the budget.
        static ONE: Sql = Sql {
            name: "t.one",
            text: "SELECT n FROM t WHERE id = ?1",
            columns: &["n"],
            readonly: true,
            lookup: true,
        };
        match run_inline(&mut conn, &[stmt(&ONE, vec![Value::Integer(7)])]) {
            Inline::Done(Ok(results)) => {
                assert_eq!(results[0].one(|r| r.get::<i64>(0)).unwrap(), 7);
            }
            _ => panic!("a lookup by key ran past the budget"),
        }
        // A sum over 100,000 rows: stopped.
        static SUM: Sql = Sql {
            name: "t.sum",
            text: "SELECT sum(n) AS s FROM t",
            columns: &["s"],
            readonly: true,
            lookup: true,
        };
        assert!(matches!(
            run_inline(&mut conn, &[stmt(&SUM, vec![])]),
            Inline::TooLong
        ));
        // The budget is off the connection again: the same sum runs whole.
        let sums = run_unit(&mut conn, &[stmt(&SUM, vec![])]).unwrap();
        assert_eq!(sums[0].one(|r| r.get::<i64>(0)).unwrap(), 5_000_050_000);
    }

    #[test]
    fn unsafe_integers_are_refused_as_on_d1() {
        let mut conn = Connection::open_in_memory().unwrap();
        run_unit(&mut conn, &[stmt(&CREATE, vec![])]).unwrap();
        let err = run_unit(&mut conn, &[stmt(&INSERT, vec![Value::Integer(1 << 60)])]).unwrap_err();
        assert_eq!(err, DbError::IntegerOutOfRange(1 << 60));
    }
}
