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
//!
//! A request is served on a D1 session (the Sessions API), which is what
//! lets D1 answer reads from a nearby replica: an endpoint that declares
//! `reads: replica` starts its session at the client's bookmark (so it
//! sees at least what the client saw or wrote before) or anywhere without
//! one; every other endpoint starts at the primary. The session's bookmark
//! after the request goes back to the client (see [`super::BOOKMARK_HEADER`]).

use std::cell::{Cell, RefCell};
use worker::js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;

use worker::worker_sys::D1Database as D1Sys;
use worker::worker_sys::D1PreparedStatement;
use worker::worker_sys::types::D1DatabaseSession as D1SessionSys;

use super::{Database, DbError, Reads, ResultSet, Sql, Statement, check_safe_integer};
use crate::value::{MAX_SAFE_INTEGER, Value};

/// A D1 database binding, for one request (or one scheduled event).
#[derive(Debug)]
pub struct D1Database {
    db: worker::D1Database,
    /// The request's session, when it is served on one.
    session: Option<Session>,
}

#[derive(Debug)]
struct Session {
    /// The bookmark the client sent, already checked.
    bookmark: Option<String>,
    /// Where the endpoint may read, said before its first statement.
    reads: Cell<Reads>,
    /// Opened at the first statement.
    open: RefCell<Option<D1SessionSys>>,
}

impl D1Database {
    /// The binding called `binding` in `wrangler.toml`, without a session:
    /// every statement goes to the primary (scheduled jobs).
    pub fn from_env(env: &worker::Env, binding: &str) -> Result<Self, DbError> {
        let db = env
            .d1(binding)
            .map_err(|e| DbError::Other(format!("no D1 binding named {binding}: {e}")))?;
        Ok(D1Database { db, session: None })
    }

    /// The binding for a request that sent `bookmark` (see
    /// [`super::valid_bookmark`]): its statements run on a session.
    pub fn for_request(
        env: &worker::Env,
        binding: &str,
        bookmark: Option<String>,
    ) -> Result<Self, DbError> {
        let mut db = D1Database::from_env(env, binding)?;
        db.session = Some(Session {
            bookmark,
            reads: Cell::new(Reads::Primary),
            open: RefCell::new(None),
        });
        Ok(db)
    }

    /// The session's latest bookmark, once a statement ran on it: what the
    /// client sends back to read at least this state next time.
    pub fn bookmark(&self) -> Option<String> {
        let session = self.session.as_ref()?;
        let open = session.open.borrow();
        open.as_ref()?.get_bookmark().ok().flatten()
    }

    fn sys(&self) -> &D1Sys {
        let value: &JsValue = self.db.as_ref();
        value.unchecked_ref()
    }

    /// Prepares `sql` on the request's session (opening it), or on the
    /// database without one.
    fn prepare(&self, sql: &str) -> Result<D1PreparedStatement, DbError> {
        let Some(session) = &self.session else {
            return self.sys().prepare(sql).map_err(js_error);
        };
        let mut open = session.open.borrow_mut();
        if open.is_none() {
            let start = super::session_start(session.reads.get(), session.bookmark.as_deref());
            *open = Some(self.sys().with_session(Some(start)).map_err(js_error)?);
        }
        match open.as_ref() {
            Some(s) => s.session_prepare(sql).map_err(js_error),
            None => Err(DbError::Other("the D1 session did not open".into())),
        }
    }

    /// Sends a batch on the request's session, or on the database.
    fn batch(&self, statements: Array) -> Result<worker::js_sys::Promise, DbError> {
        match self.session.as_ref().and_then(|s| s.open.borrow().clone()) {
            Some(session) => session.session_batch(statements).map_err(js_error),
            None => self.sys().batch(statements).map_err(js_error),
        }
    }
}

impl Database for D1Database {
    fn reads(&self, reads: Reads) {
        if let Some(session) = &self.session {
            session.reads.set(reads);
        }
    }

    async fn execute(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, DbError> {
        let prepared = Array::new();
        for statement in &statements {
            let args = Array::new();
            for param in &statement.params {
                args.push(&to_js(param)?);
            }
            let stmt = self
                .prepare(statement.sql.text)?
                .bind(args)
                .map_err(js_error)?;
            prepared.push(&stmt);
        }
        let results: Vec<JsValue> = if statements.len() == 1 {
            let stmt: D1PreparedStatement = prepared.get(0).unchecked_into();
            let promise = stmt.all().map_err(js_error)?;
            vec![JsFuture::from(promise).await.map_err(js_error)?]
        } else {
            let promise = self.batch(prepared)?;
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
