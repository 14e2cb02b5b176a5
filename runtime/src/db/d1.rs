//! The edge backend: Cloudflare D1 through the Workers binding.
//!
//! A unit of several statements is sent as one `batch()`, which D1 runs as
//! one transaction in one round trip; a single statement goes through
//! `all()`. Values cross JavaScript: every number is a double, so integers
//! are exact only within ±2^53−1 (checked before binding, never silently
//! rounded), and booleans come back as 0/1.
//!
//! Rows are read straight from the JavaScript result objects by column name,
//! without an intermediate serde pass.

use worker::js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::worker_sys::D1Database as D1Sys;

use super::{Database, DbError, ResultSet, Sql, Statement, check_safe_integer};
use crate::value::{MAX_SAFE_INTEGER, Value};

/// A D1 database binding.
#[derive(Debug)]
pub struct D1Database {
    db: worker::D1Database,
}

impl D1Database {
    /// The binding called `binding` in `wrangler.toml`.
    pub fn from_env(env: &worker::Env, binding: &str) -> Result<Self, DbError> {
        let db = env
            .d1(binding)
            .map_err(|e| DbError::Other(format!("no D1 binding named {binding}: {e}")))?;
        Ok(D1Database { db })
    }

    fn sys(&self) -> &D1Sys {
        let value: &JsValue = self.db.as_ref();
        value.unchecked_ref()
    }
}

impl Database for D1Database {
    async fn execute(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, DbError> {
        let prepared = Array::new();
        for statement in &statements {
            let args = Array::new();
            for param in &statement.params {
                args.push(&to_js(param)?);
            }
            let stmt = self
                .sys()
                .prepare(statement.sql.text)
                .and_then(|s| s.bind(args))
                .map_err(js_error)?;
            prepared.push(&stmt);
        }
        let results: Vec<JsValue> = if statements.len() == 1 {
            let stmt: worker::worker_sys::D1PreparedStatement = prepared.get(0).unchecked_into();
            let promise = stmt.all().map_err(js_error)?;
            vec![JsFuture::from(promise).await.map_err(js_error)?]
        } else {
            let promise = self.sys().batch(prepared).map_err(js_error)?;
            let all = JsFuture::from(promise).await.map_err(js_error)?;
            all.dyn_into::<Array>()
                .map_err(|_| DbError::Other("D1 batch() did not return an array".into()))?
                .to_vec()
        };
        if results.len() != statements.len() {
            return Err(DbError::Other(format!(
                "D1 returned {} results for {} statements",
                results.len(),
                statements.len()
            )));
        }
        statements
            .iter()
            .zip(results)
            .map(|(statement, result)| read_result(statement.sql, &result))
            .collect()
    }
}

fn read_result(sql: &'static Sql, result: &JsValue) -> Result<ResultSet, DbError> {
    let changes = Reflect::get(result, &"meta".into())
        .ok()
        .and_then(|meta| Reflect::get(&meta, &"changes".into()).ok())
        .and_then(|c| c.as_f64())
        .unwrap_or(0.0) as u64;
    if sql.columns.is_empty() {
        return Ok(ResultSet::new(sql, Vec::new(), changes));
    }
    let rows = Reflect::get(result, &"results".into()).map_err(js_error)?;
    let rows: Array = if rows.is_undefined() || rows.is_null() {
        Array::new()
    } else {
        rows.dyn_into()
            .map_err(|_| DbError::Other(format!("D1 results of {} are not an array", sql.name)))?
    };
    let keys: Vec<JsValue> = sql.columns.iter().map(|c| JsValue::from_str(c)).collect();
    let mut values = Vec::with_capacity(rows.length() as usize * keys.len());
    for row in rows.iter() {
        let row: Object = row.unchecked_into();
        for key in &keys {
            let cell = Reflect::get(&row, key).map_err(js_error)?;
            values.push(from_js(&cell));
        }
    }
    let changes = if sql.readonly { 0 } else { changes };
    Ok(ResultSet::new(sql, values, changes))
}

fn to_js(value: &Value) -> Result<JsValue, DbError> {
    Ok(match value {
        Value::Null => JsValue::NULL,
        Value::Integer(i) => {
            check_safe_integer(*i)?;
            JsValue::from_f64(*i as f64)
        }
        Value::Real(f) => JsValue::from_f64(*f),
        Value::Text(s) => JsValue::from_str(s),
        Value::Blob(b) => Uint8Array::from(b.as_slice()).buffer().into(),
    })
}

fn from_js(cell: &JsValue) -> Value {
    if cell.is_null() || cell.is_undefined() {
        Value::Null
    } else if let Some(n) = cell.as_f64() {
        if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER as f64 {
            Value::Integer(n as i64)
        } else {
            Value::Real(n)
        }
    } else if let Some(s) = cell.as_string() {
        Value::Text(s)
    } else if let Some(b) = cell.as_bool() {
        Value::Integer(i64::from(b))
    } else if let Some(buffer) = cell.dyn_ref::<ArrayBuffer>() {
        Value::Blob(Uint8Array::new(buffer).to_vec())
    } else if let Some(array) = cell.dyn_ref::<Array>() {
        Value::Blob(
            array
                .iter()
                .map(|b| b.as_f64().unwrap_or(0.0) as u8)
                .collect(),
        )
    } else {
        Value::Null
    }
}

/// Turns a rejected D1 promise into a classified error, keeping D1's cause.
fn js_error(err: JsValue) -> DbError {
    let message = match err.dyn_ref::<worker::js_sys::Error>() {
        Some(error) => {
            let mut message: String = error.message().into();
            if let Some(cause) = error.cause().dyn_ref::<worker::js_sys::Error>() {
                let cause: String = cause.message().into();
                if !message.contains(&cause) {
                    message = format!("{message}: {cause}");
                }
            }
            message
        }
        None => err
            .as_string()
            .unwrap_or_else(|| "D1 failed without a message".to_owned()),
    };
    DbError::from_message(message)
}
