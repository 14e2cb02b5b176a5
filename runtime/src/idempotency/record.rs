//! The recorded results of an idempotent request, as stored in its record's
//! `results` column: a JSON array with one element per batch the handler
//! ran, each an array with one element per statement: the rows a read
//! returned (arrays of column values) or the number of rows a write
//! changed.

use std::collections::VecDeque;

use crate::db::{DbError, ResultSet, Statement};
use crate::problem::Problem;
use crate::value::Value;

/// The batches of a record, replayed in order.
#[derive(Debug)]
pub(super) struct Recorded {
    batches: VecDeque<Vec<serde_json::Value>>,
}

impl Recorded {
    /// Reads a record's `results`; one that does not parse is a bug (or a
    /// record written by another version), answered with a 500.
    pub(super) fn parse(results: &str) -> Result<Recorded, Problem> {
        let broken = |why: &str| {
            crate::log::error(&format!("an idempotency record's results {why}"));
            Problem::internal()
        };
        let value: serde_json::Value =
            serde_json::from_str(results).map_err(|_| broken("are not JSON"))?;
        let serde_json::Value::Array(batches) = value else {
            return Err(broken("are not an array"));
        };
        let batches = batches
            .into_iter()
            .map(|batch| match batch {
                serde_json::Value::Array(entries) => Ok(entries),
                _ => Err(broken("hold a batch that is not an array")),
            })
            .collect::<Result<_, _>>()?;
        Ok(Recorded { batches })
    }

    /// The recorded results of the next batch, which must be made of the
    /// same statements; `None` once every recorded batch was replayed.
    pub(super) fn next_batch(
        &mut self,
        statements: &[Statement],
    ) -> Result<Option<Vec<ResultSet>>, DbError> {
        let Some(entries) = self.batches.pop_front() else {
            return Ok(None);
        };
        let diverged = |why: String| {
            DbError::Other(format!(
                "replaying an idempotency record: {why}; was the handler changed since it was recorded?"
            ))
        };
        if entries.len() != statements.len() {
            return Err(diverged(format!(
                "the batch has {} statements, the record {}",
                statements.len(),
                entries.len()
            )));
        }
        statements
            .iter()
            .zip(entries)
            .map(|(statement, entry)| {
                let sql = statement.sql;
                match entry {
                    serde_json::Value::Number(n) if !sql.readonly => {
                        Ok(ResultSet::new(sql, Vec::new(), n.as_u64().unwrap_or(0)))
                    }
                    serde_json::Value::Array(rows) if sql.readonly => {
                        let width = sql.columns.len();
                        let mut values = Vec::with_capacity(rows.len() * width);
                        for row in rows {
                            let serde_json::Value::Array(cells) = row else {
                                return Err(diverged(format!(
                                    "{} has a row that is not an array",
                                    sql.name
                                )));
                            };
                            if cells.len() != width {
                                return Err(diverged(format!(
                                    "{} returns {width} columns, the record {}",
                                    sql.name,
                                    cells.len()
                                )));
                            }
                            values.extend(cells.into_iter().map(from_json));
                        }
                        Ok(ResultSet::new(sql, values, 0))
                    }
                    _ => Err(diverged(format!(
                        "{} was recorded as another kind of statement",
                        sql.name
                    ))),
                }
            })
            .collect::<Result<_, _>>()
            .map(Some)
    }
}

/// A read-only batch's results as a record keeps them.
pub(super) fn encode_batch(results: &[ResultSet]) -> Result<serde_json::Value, DbError> {
    results
        .iter()
        .map(|result| {
            result
                .rows()
                .map(|row| {
                    (0..result.width())
                        .map(|i| row.value(i).and_then(to_json))
                        .collect::<Result<Vec<_>, _>>()
                        .map(serde_json::Value::Array)
                })
                .collect::<Result<Vec<_>, _>>()
                .map(serde_json::Value::Array)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(serde_json::Value::Array)
}

/// A value as SQLite's `json_array` writes it.
pub(super) fn to_json(value: &Value) -> Result<serde_json::Value, DbError> {
    Ok(match value {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => serde_json::Value::from(*i),
        Value::Real(f) => serde_json::Number::from_f64(*f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Blob(_) => {
            return Err(DbError::Other(
                "an idempotent endpoint's query returned a BLOB, which a record cannot hold".into(),
            ));
        }
    })
}

/// A value read back from a record: integers stay integers, numbers with a
/// fraction or exponent are reals.
fn from_json(value: serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer(i64::from(b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::Text(s),
        other => Value::Text(other.to_string()),
    }
}
