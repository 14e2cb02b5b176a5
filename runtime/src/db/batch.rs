//! Typed statements and batches of them.
//!
//! A [`Query<T>`] is a bound statement plus the function that decodes its
//! result into `T` (`T`, `Option<T>`, `Vec<T>` or an affected-row count,
//! by the query's declared cardinality). Tuples and vectors of queries are
//! batches too, so several queries go to the database as one unit:
//!
//! ```
//! use keel::db::sqlite::SqliteDatabase;
//! use keel::{Database, Query, ResultSet, Sql, Statement, Value};
//!
//! // What `api!` generates for two annotated queries (`:one` and `:many`).
//! static NAME: Sql = Sql {
//!     name: "demo.name",
//!     text: "SELECT name FROM products WHERE id = ?1",
//!     columns: &["name"],
//!     readonly: true,
//!     lookup: false,
//! };
//! static SKUS: Sql = Sql {
//!     name: "demo.skus",
//!     text: "SELECT sku FROM products ORDER BY sku",
//!     columns: &["sku"],
//!     readonly: true,
//!     lookup: false,
//! };
//! fn name(id: i64) -> Query<String> {
//!     let statement = Statement { sql: &NAME, params: vec![Value::Integer(id)] };
//!     Query::new(statement, |r: &ResultSet| r.one(|row| row.get(0)))
//! }
//! fn skus() -> Query<Vec<String>> {
//!     let statement = Statement { sql: &SKUS, params: vec![] };
//!     Query::new(statement, |r: &ResultSet| r.many(|row| row.get(0)))
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("keel-batch-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let db = SqliteDatabase::open(dir.join("shop.db"), 1)?;
//! db.with_connection(|c| {
//!     c.execute_batch(
//!         "DROP TABLE IF EXISTS products;
//!          CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL);
//!          INSERT INTO products VALUES (1, 'B-2', 'Boot'), (2, 'A-1', 'Anorak');",
//!     )
//! })??;
//!
//! // One round trip, one transaction; each result decoded to its own type.
//! let runtime = tokio::runtime::Runtime::new()?;
//! let (name, skus) = runtime.block_on(db.run((name(1), skus())))?;
//! assert_eq!(name, "Boot");
//! assert_eq!(skus, ["A-1", "B-2"]);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```

use super::{DbError, ResultSet, Statement};

/// A bound statement that decodes into `T`.
#[derive(Debug)]
pub struct Query<T> {
    statement: Option<Statement>,
    decode: fn(&ResultSet) -> Result<T, DbError>,
}

impl<T> Query<T> {
    /// Pairs a statement with its decoder.
    pub fn new(statement: Statement, decode: fn(&ResultSet) -> Result<T, DbError>) -> Self {
        Query {
            statement: Some(statement),
            decode,
        }
    }

    /// The bound statement.
    pub fn statement(&self) -> Option<&Statement> {
        self.statement.as_ref()
    }
}

/// Statements that run together, and how to decode what they return.
pub trait Batch {
    /// What the batch decodes into.
    type Output;
    /// Moves this batch's statements, in order, into `out`.
    fn collect(&mut self, out: &mut Vec<Statement>);
    /// Decodes this batch's results, taking them from `results` in order.
    fn decode(self, results: &mut std::vec::IntoIter<ResultSet>) -> Result<Self::Output, DbError>;
}

impl<T> Batch for Query<T> {
    type Output = T;

    fn collect(&mut self, out: &mut Vec<Statement>) {
        out.extend(self.statement.take());
    }

    fn decode(self, results: &mut std::vec::IntoIter<ResultSet>) -> Result<T, DbError> {
        let result = results.next().ok_or_else(|| {
            DbError::Other("a batch returned fewer results than statements".into())
        })?;
        (self.decode)(&result)
    }
}

/// Several bound statements decoded together into one `T`: a query a
/// handler maps into a spec type (`returns:` in the spec), with the queries
/// that fill its lists (`into:`). Generated; the decoder gets the
/// statements' results in order.
#[derive(Debug)]
pub struct Mapped<T> {
    statements: Vec<Statement>,
    count: usize,
    decode: fn(&[ResultSet]) -> Result<T, DbError>,
}

impl<T> Mapped<T> {
    /// Pairs statements with the decoder of their results.
    pub fn new(statements: Vec<Statement>, decode: fn(&[ResultSet]) -> Result<T, DbError>) -> Self {
        Mapped {
            count: statements.len(),
            statements,
            decode,
        }
    }
}

impl<T> Batch for Mapped<T> {
    type Output = T;

    fn collect(&mut self, out: &mut Vec<Statement>) {
        out.append(&mut self.statements);
    }

    fn decode(self, results: &mut std::vec::IntoIter<ResultSet>) -> Result<T, DbError> {
        let taken: Vec<ResultSet> = results.by_ref().take(self.count).collect();
        if taken.len() != self.count {
            return Err(DbError::Other(
                "a batch returned fewer results than statements".into(),
            ));
        }
        (self.decode)(&taken)
    }
}

impl<B: Batch> Batch for Vec<B> {
    type Output = Vec<B::Output>;

    fn collect(&mut self, out: &mut Vec<Statement>) {
        for item in self.iter_mut() {
            item.collect(out);
        }
    }

    fn decode(self, results: &mut std::vec::IntoIter<ResultSet>) -> Result<Self::Output, DbError> {
        self.into_iter().map(|item| item.decode(results)).collect()
    }
}

macro_rules! tuple_batch {
    ($($name:ident)+) => {
        impl<$($name: Batch),+> Batch for ($($name,)+) {
            type Output = ($($name::Output,)+);

            #[allow(non_snake_case)]
            fn collect(&mut self, out: &mut Vec<Statement>) {
                let ($($name,)+) = self;
                $($name.collect(out);)+
            }

            #[allow(non_snake_case)]
            fn decode(self, results: &mut std::vec::IntoIter<ResultSet>) -> Result<Self::Output, DbError> {
                let ($($name,)+) = self;
                Ok(($($name.decode(results)?,)+))
            }
        }
    };
}

tuple_batch!(A);
tuple_batch!(A B);
tuple_batch!(A B C);
tuple_batch!(A B C D);
tuple_batch!(A B C D E);
tuple_batch!(A B C D E F);
tuple_batch!(A B C D E F G);
tuple_batch!(A B C D E F G H);
tuple_batch!(A B C D E F G H I);
tuple_batch!(A B C D E F G H I J);
tuple_batch!(A B C D E F G H I J K);
tuple_batch!(A B C D E F G H I J K L);
