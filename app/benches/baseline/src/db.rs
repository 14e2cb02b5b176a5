//! The database: the app's SQLite file, its queries, and how requests get
//! a connection.
//!
//! Connections are set up as the generated server sets up its own (WAL,
//! `synchronous = FULL` so that no acknowledged order is lost on power
//! failure, foreign keys on, a five-second busy timeout, the query
//! planner's stability guarantee, 128 cached statements), so that a
//! difference in the load test is the serving code's, not SQLite's.
//!
//! Reads and writes are served differently:
//!
//! - **Writes** (placing an order) go to the one writer connection. SQLite
//!   admits one writer at a time, so writers queue for it in an async,
//!   first-come first-served mutex, and the holder runs its transaction on
//!   a blocking thread: a commit waits for `fsync`, which must not stall
//!   the runtime threads that serve every other connection.
//! - **Lookups by key** (a product and its stock: two primary-key reads,
//!   some 10 µs of SQLite) run right on the runtime thread serving the
//!   request, on a connection from a small pool.
//! - **Other reads** (a page of the catalog, an availability check over
//!   many SKUs: 100 µs and more) run on Tokio's blocking threads
//!   (`spawn_blocking`, at most `--pool-size` at once), as the generated
//!   server runs every unit. A read that walks more of an index than
//!   planned (a search nothing matches reads the whole catalog, 2 ms) then
//!   holds up no other connection.
//!
//! Measured on 2 cores with wrk -t2 -c64 (4 s per run, three runs each,
//! the machine otherwise idle; `--reads inline` or `--reads blocking` puts
//! every read on one side):
//!
//! | route | inline | blocking |
//! |---|---|---|
//! | `get_product` | 35,000 to 45,000 req/s, 27 to 36 µs CPU per request | 29,000 to 33,000 req/s, 44 to 51 µs |
//! | `list_products` | 9,200 to 10,200 req/s, 127 to 161 µs | 11,900 to 14,400 req/s, 117 to 141 µs |
//! | `check_inventory` | 7,800 to 9,900 req/s | 9,700 to 10,600 req/s |
//!
//! For a lookup, the hop to a blocking thread and back (a wake-up and a
//! context switch each way) costs more than the query. For a longer read,
//! inline was slower: the other connections of a runtime thread wait for
//! it, and `perf` showed the runtime threads paying for glibc returning
//! freed memory (TLB shoot-downs, page faults) that the blocking threads
//! did not.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::problem::Problem;

/// Where reads run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Reads {
    /// Lookups by key on the runtime thread serving the request, every
    /// other read on a blocking thread.
    Mixed,
    /// Every read on the runtime thread serving the request.
    Inline,
    /// Every read on a blocking thread (`spawn_blocking`).
    Blocking,
}

/// The app's queries, read from `app/queries/*.sql` at compile time: the
/// very SQL the generated server runs, with its named parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Queries {
    pub(crate) ping: &'static str,
    pub(crate) list_products: &'static str,
    pub(crate) get_product: &'static str,
    pub(crate) product_stock: &'static str,
    pub(crate) check_lines: &'static str,
    pub(crate) check_all_available: &'static str,
    pub(crate) insert_order: &'static str,
    pub(crate) insert_order_lines: &'static str,
    pub(crate) placed_order: &'static str,
    pub(crate) placed_order_lines: &'static str,
}

const HEALTH: &str = include_str!("../../../queries/health.sql");
const CATALOG: &str = include_str!("../../../queries/catalog.sql");
const INVENTORY: &str = include_str!("../../../queries/inventory.sql");
const ORDERS: &str = include_str!("../../../queries/orders.sql");

impl Queries {
    fn load() -> Result<Queries, String> {
        Ok(Queries {
            ping: query(HEALTH, "ping")?,
            list_products: query(CATALOG, "list_products")?,
            get_product: query(CATALOG, "get_product")?,
            product_stock: query(INVENTORY, "product_stock")?,
            check_lines: query(INVENTORY, "check_lines")?,
            check_all_available: query(INVENTORY, "check_all_available")?,
            insert_order: query(ORDERS, "insert_order")?,
            insert_order_lines: query(ORDERS, "insert_order_lines")?,
            placed_order: query(ORDERS, "placed_order")?,
            placed_order_lines: query(ORDERS, "placed_order_lines")?,
        })
    }
}

/// The statement after `-- name: NAME` in `file`, up to the next one.
fn query(file: &'static str, name: &str) -> Result<&'static str, String> {
    let marker = format!("-- name: {name} ");
    let start = file
        .find(&marker)
        .ok_or_else(|| format!("no query {name} in app/queries"))?;
    let rest = &file[start..];
    let end = rest[marker.len()..]
        .find("-- name: ")
        .map_or(rest.len(), |at| at + marker.len());
    Ok(rest[..end].trim_end())
}

/// The database, shared by every request.
#[derive(Clone)]
pub(crate) struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    reads: Reads,
    sql: Queries,
    /// Idle read connections; more are opened when none is idle, and at
    /// most `pool_size` are kept.
    idle: Mutex<Vec<Connection>>,
    pool_size: usize,
    /// With `--reads blocking`, bounds the reads running at once.
    readers: Arc<Semaphore>,
    writer: Arc<tokio::sync::Mutex<Connection>>,
}

impl Db {
    /// Opens the existing database at `path` (the generated server creates
    /// and migrates it; this server only serves it).
    pub(crate) fn open(path: &Path, reads: Reads, pool_size: usize) -> Result<Db, String> {
        let sql = Queries::load()?;
        let writer = connect(path, false).map_err(|e| format!("{}: {e}", path.display()))?;
        let has_schema: bool = writer
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'products')",
                [],
                |row| row.get(0),
            )
            .map_err(|e| e.to_string())?;
        if !has_schema {
            return Err(format!(
                "{} has no shop schema: start the app on it once to create it",
                path.display()
            ));
        }
        let pool_size = pool_size.max(1);
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                reads,
                sql,
                idle: Mutex::new(Vec::with_capacity(pool_size)),
                pool_size,
                readers: Arc::new(Semaphore::new(pool_size)),
                writer: Arc::new(tokio::sync::Mutex::new(writer)),
            }),
        })
    }

    /// Runs `f`, a few lookups by key (microseconds of SQLite), on a read
    /// connection.
    pub(crate) async fn lookup<T, F>(&self, f: F) -> Result<T, Problem>
    where
        F: FnOnce(&mut Connection, &Queries) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(self.inner.reads != Reads::Blocking, f).await
    }

    /// Runs `f`, a read that walks an index or more, on a read connection.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T, Problem>
    where
        F: FnOnce(&mut Connection, &Queries) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(self.inner.reads == Reads::Inline, f).await
    }

    async fn run<T, F>(&self, inline: bool, f: F) -> Result<T, Problem>
    where
        F: FnOnce(&mut Connection, &Queries) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        match inline {
            true => Ok(self.inner.with_reader(f)?),
            false => {
                let permit = Arc::clone(&self.inner.readers)
                    .acquire_owned()
                    .await
                    .map_err(|_| Problem::internal("the read pool is closed"))?;
                let inner = Arc::clone(&self.inner);
                let result = tokio::task::spawn_blocking(move || {
                    let _permit = permit;
                    inner.with_reader(f)
                })
                .await
                .map_err(|e| Problem::internal(&format!("database task failed: {e}")))?;
                Ok(result?)
            }
        }
    }

    /// Runs `f` on the writer connection, after the writers before it.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, Problem>
    where
        F: FnOnce(&mut Connection, &Queries) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let mut writer = Arc::clone(&self.inner.writer).lock_owned().await;
        let sql = self.inner.sql;
        let result = tokio::task::spawn_blocking(move || f(&mut writer, &sql))
            .await
            .map_err(|e| Problem::internal(&format!("database task failed: {e}")))?;
        Ok(result?)
    }
}

impl Inner {
    fn with_reader<T>(
        &self,
        f: impl FnOnce(&mut Connection, &Queries) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut conn = match pooled {
            Some(conn) => conn,
            None => connect(&self.path, true)?,
        };
        let result = f(&mut conn, &self.sql);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.pool_size {
            idle.push(conn);
        }
        result
    }
}

fn connect(path: &Path, read_only: bool) -> rusqlite::Result<Connection> {
    // The default flags without CREATE: a missing file is an error.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;",
    )?;
    if read_only {
        conn.execute_batch("PRAGMA query_only = ON;")?;
    }
    // Plan each cached statement once. Without the planner's stability
    // guarantee SQLite replans a statement whenever a parameter it planned
    // with is bound again: on every request, for the listing query at ten
    // times the cost of running it (docs/benchmarks.md).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

#[cfg(test)]
mod tests {
    /// This server runs the app's SQL, found by name: a query the app
    /// renames or drops must be followed here.
    #[test]
    fn every_query_it_runs_is_in_the_app() {
        if let Err(missing) = super::Queries::load() {
            panic!("{missing}");
        }
    }
}
