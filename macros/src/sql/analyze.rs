//! Checks the SQL against the migrations, with no database but an
//! in-memory SQLite: the migrations are applied in order, then every query is
//! prepared. SQLite's own errors (unknown table or column, syntax, ambiguous
//! column) are reported at the query's line and column.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use rusqlite::Connection;

use super::Query;
use super::infer::{self, Catalog, ParamUse, SqlType, Typed};
use super::lex;
use crate::diag::LineIndex;
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
    /// Whether it only reads, and finds every row it reads through an
    /// index by equality (no table scan, no range), by SQLite's plan.
    pub lookup: bool,
}

/// A database with the migrations applied, for preparing queries.
pub struct Schema {
    conn: Connection,
    catalog: Catalog,
}

/// How long the migrations may take to apply. A statement that never ends
/// (a recursive CTE with no stop) is interrupted then, and reported.
const MIGRATIONS_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Schemas built before, for reuse with the same migrations, byte for byte:
/// the fuzz test runs thousands of specs against a few sets of migrations
/// and builds each schema once. The macro builds one schema per run, with
/// a new `Schemas` each time.
#[derive(Default)]
pub struct Schemas {
    /// The most recently used last.
    kept: Vec<Built>,
}

/// A schema, the migrations it was built from (display path, file name,
/// text) and what building it reported.
struct Built {
    from: Vec<(Rc<str>, String, String)>,
    schema: Option<Rc<Schema>>,
    reported: Diagnostics,
}

impl Schemas {
    /// How many schemas are kept.
    const KEPT: usize = 8;

    /// The schema `migrations` build, and what building it reports: kept
    /// from an earlier call with the same migrations, or built now. Queries
    /// only ever prepare statements against a schema, which changes nothing.
    pub fn build(
        &mut self,
        migrations: &[MigrationFile],
        d: &mut Diagnostics,
    ) -> Option<Rc<Schema>> {
        let same = |built: &Built| {
            built.from.len() == migrations.len()
                && built
                    .from
                    .iter()
                    .zip(migrations)
                    .all(|((display, name, text), m)| {
                        *display == m.display && *name == m.name && *text == m.text
                    })
        };
        if let Some(at) = self.kept.iter().position(same) {
            let built = self.kept.remove(at);
            d.append(&built.reported);
            let schema = built.schema.clone();
            self.kept.push(built);
            return schema;
        }
        let mut reported = Diagnostics::default();
        let schema =
            Schema::build_within(migrations, MIGRATIONS_TIME_LIMIT, &mut reported).map(Rc::new);
        d.append(&reported);
        if self.kept.len() == Self::KEPT {
            self.kept.remove(0);
        }
        self.kept.push(Built {
            from: migrations
                .iter()
                .map(|m| (Rc::clone(&m.display), m.name.clone(), m.text.clone()))
                .collect(),
            schema: schema.clone(),
            reported,
        });
        schema
    }
}

impl Schema {
    /// Applies `migrations` to a fresh in-memory database, reporting each
    /// failing statement at its location, and stopping (and reporting) them
    /// once they have run for `limit`.
    pub(crate) fn build_within(
        migrations: &[MigrationFile],
        limit: Duration,
        d: &mut Diagnostics,
    ) -> Option<Schema> {
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
        let deadline = Deadline::start(&conn, limit);
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
                // Rows a statement returns (a `SELECT`, some `PRAGMA`s) are
                // read and dropped, as D1 does.
                let result = conn.prepare(statement).and_then(|mut s| {
                    let mut rows = s.raw_query();
                    while rows.next()?.is_some() {}
                    Ok(())
                });
                if deadline.passed() {
                    d.error_help(
                        &lines.loc(start + first_code(statement)),
                        format!(
                            "migration {} still runs after {} s and is stopped here",
                            migration.name,
                            limit.as_secs_f64()
                        ),
                        "the migrations are applied to an in-memory SQLite on every build, so a statement that never ends (such as a recursive CTE with no stop) hangs it",
                    );
                    return None;
                }
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
        drop(deadline);
        let catalog = Catalog::load(&conn);
        Some(Schema { conn, catalog })
    }

    /// Whether SQLite's plan for `sql` finds every row through an index by
    /// equality: each step is a `SEARCH` on `=` (or `IN`) constraints (or
    /// reads no table at all), never a `SCAN` of a table or index, a range,
    /// a sort or a temporary index. The plan cannot say how many rows an
    /// equality on a non-unique index finds; the runtime bounds the work of
    /// a lookup unit it runs on a request's thread and moves one that
    /// exceeds it to a blocking thread (see `keel::Sql::lookup`).
    fn searches_by_key(&self, sql: &str) -> bool {
        let Ok(mut plan) = self.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")) else {
            return false;
        };
        // Unbound: the plan does not depend on the values.
        let mut rows = plan.raw_query();
        loop {
            let detail = match rows.next() {
                Ok(Some(row)) => match row.get::<_, String>(3) {
                    Ok(detail) => detail,
                    Err(_) => return false,
                },
                Ok(None) => break,
                Err(_) => return false,
            };
            if detail.starts_with("SCAN") && detail != "SCAN CONSTANT ROW" {
                return false;
            }
            if detail.starts_with("SEARCH") && (detail.contains('<') || detail.contains('>')) {
                return false;
            }
            if ["TEMP B-TREE", "AUTOMATIC", "BLOOM FILTER", "MATERIALIZE"]
                .iter()
                .any(|step| detail.contains(step))
            {
                return false;
            }
        }
        true
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
        let readonly = stmt.readonly();
        Some(Described {
            params: inferred.map(|i| i.params).unwrap_or_default(),
            columns,
            readonly,
            lookup: readonly && self.searches_by_key(&query.text),
        })
    }
}

/// Interrupts what a connection runs once a time limit has passed, until
/// dropped.
struct Deadline {
    /// Dropped with the deadline, which ends the thread that keeps it.
    _stop: mpsc::Sender<()>,
    passed: Arc<AtomicBool>,
}

impl Deadline {
    fn start(conn: &Connection, limit: Duration) -> Deadline {
        let interrupt = conn.get_interrupt_handle();
        let (stop, stopped) = mpsc::channel::<()>();
        let passed = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&passed);
        // Should no thread be available, there is no limit.
        let _ = std::thread::Builder::new()
            .name("keel-migrations-deadline".to_owned())
            .spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(limit) {
                    flag.store(true, Ordering::SeqCst);
                    interrupt.interrupt();
                }
            });
        Deadline {
            _stop: stop,
            passed,
        }
    }

    fn passed(&self) -> bool {
        self.passed.load(Ordering::SeqCst)
    }
}

/// The offset of the first token of `statement` that is not a comment or
/// white space.
fn first_code(statement: &str) -> usize {
    lex::lex(statement)
        .iter()
        .find(|l| !matches!(l.token, lex::Token::Trivia))
        .map_or(0, |l| l.start)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_searches_by_equality_and_nothing_else() {
        let migration = MigrationFile {
            name: "0001_shop.sql".into(),
            path: "0001_shop.sql".into(),
            display: "0001_shop.sql".into(),
            text: "CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT NOT NULL UNIQUE, price INTEGER NOT NULL);
                   CREATE TABLE stock (product_id INTEGER NOT NULL, warehouse INTEGER NOT NULL, on_hand INTEGER NOT NULL,
                                       PRIMARY KEY (product_id, warehouse));"
                .into(),
        };
        let mut d = Diagnostics::default();
        let schema = Schemas::default()
            .build(&[migration], &mut d)
            .expect("the schema builds");
        for (sql, lookup) in [
            ("SELECT sku FROM products WHERE id = :id", true),
            ("SELECT id FROM products WHERE sku = :sku", true),
            (
                "SELECT SUM(on_hand) FROM stock WHERE product_id = :id",
                true,
            ),
            (
                "SELECT p.sku, s.on_hand FROM products p JOIN stock s ON s.product_id = p.id WHERE p.id = :id",
                true,
            ),
            ("SELECT 1", true),
            ("SELECT COUNT(*) FROM products", false),
            ("SELECT id FROM products WHERE price = :price", false),
            ("SELECT id FROM products WHERE id > :after LIMIT 1", false),
            ("SELECT id FROM products WHERE sku LIKE :pattern", false),
            // A sort needs every row found first.
            (
                "SELECT on_hand FROM stock WHERE product_id = :id ORDER BY on_hand LIMIT 1",
                false,
            ),
        ] {
            assert_eq!(schema.searches_by_key(sql), lookup, "{sql}");
        }
    }
}
