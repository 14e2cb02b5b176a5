//! Idempotency keys (the IETF `Idempotency-Key` header): a client that
//! retries a write after a timeout gets the first attempt's response, not a
//! second order.
//!
//! An endpoint that declares `idempotency:` in the spec runs through an
//! [`Idempotent`] wrapper around the database:
//!
//! 1. Before the handler runs, the key (scoped to the caller and the
//!    operation) is looked up. A live record with the same request
//!    fingerprint is **replayed**; one with another fingerprint is a 422.
//! 2. Otherwise the handler runs live. Its batch that writes gets the
//!    record added **to the same batch**: a statement that claims the key
//!    first, and after each of the handler's statements one that copies
//!    that statement's result (the rows a read returned, the count a write
//!    changed) into the record, as JSON. The write and its record commit
//!    together or not at all.
//! 3. A replay runs the same handler again on the recorded results instead
//!    of the database, so it answers the very same status, headers and
//!    body, with `Idempotent-Replayed: true`, without doing the work again.
//!
//! A concurrent duplicate cannot write twice: its batch's claim fails on the
//! record's primary key and rolls the whole batch back. It then replays the
//! first request's record, or gets a 409 with `Retry-After` if that record is
//! not to be found. Records expire (24 hours unless the spec says otherwise);
//! an expired key is free again.
//!
//! The record lives in the table [`MIGRATION`] creates, which the app's
//! migrations must include.

mod record;

use std::sync::{Mutex, PoisonError};

use http::{HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

use crate::auth::{Principal, Security};
use crate::db::{Database, DbError, ResultSet, Sql, Statement};
use crate::http::{Request, Response};
use crate::problem::Problem;
use crate::value::Value;
use record::{Recorded, encode_batch};

/// The request header that carries the key.
pub const HEADER: &str = "idempotency-key";

/// The response header that marks a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// The table the records live in, as a migration the app includes.
pub const MIGRATION: &str = "CREATE TABLE keel_idempotency (
    principal   TEXT NOT NULL,
    operation   TEXT NOT NULL,
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    results     TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (principal, operation, key)
) WITHOUT ROWID;

CREATE INDEX keel_idempotency_by_expiry ON keel_idempotency (expires_at);";

/// How one endpoint takes idempotency keys, generated from the spec.
#[derive(Debug)]
pub struct Policy {
    /// The operation id: a key is scoped to it.
    pub operation: &'static str,
    /// Whether a request without a key is refused (400).
    pub required: bool,
    /// How long a record is kept, in seconds.
    pub expires: u32,
    /// For each query the endpoint may read with, the statement that copies
    /// its rows into the record: `(query, snapshot)`. The snapshot takes the
    /// query's parameters, then principal, operation and key.
    pub snapshots: &'static [(&'static Sql, &'static Sql)],
}

static LOOKUP: Sql = Sql {
    name: "keel.idempotency.lookup",
    text: "SELECT fingerprint, results FROM keel_idempotency \
           WHERE principal = ?1 AND operation = ?2 AND key = ?3 AND expires_at > unixepoch()",
    columns: &["fingerprint", "results"],
    readonly: true,
    lookup: false,
};

static EXPIRE: Sql = Sql {
    name: "keel.idempotency.expire",
    text: "DELETE FROM keel_idempotency \
           WHERE principal = ?1 AND operation = ?2 AND key = ?3 AND expires_at <= unixepoch()",
    columns: &[],
    readonly: false,
    lookup: false,
};

static CLAIM: Sql = Sql {
    name: "keel.idempotency.claim",
    text: "INSERT INTO keel_idempotency (principal, operation, key, fingerprint, results, expires_at) \
           VALUES (?1, ?2, ?3, ?4, json(?5), unixepoch() + ?6)",
    columns: &[],
    readonly: false,
    lookup: false,
};

static CHANGES: Sql = Sql {
    name: "keel.idempotency.changes",
    text: "UPDATE keel_idempotency SET results = json_insert(results, '$[#-1][#]', changes()) \
           WHERE principal = ?1 AND operation = ?2 AND key = ?3",
    columns: &[],
    readonly: false,
    lookup: false,
};

/// Deletes every expired record: what a scheduled job runs.
pub static PURGE: Sql = Sql {
    name: "keel.idempotency.purge",
    text: "DELETE FROM keel_idempotency WHERE expires_at <= unixepoch()",
    columns: &[],
    readonly: false,
    lookup: false,
};

/// Whom a key belongs to: the scheme, role and claims of the caller, or
/// the empty string for an anonymous one.
pub fn scope(security: &Security, principal: Option<&Principal>) -> String {
    let Some(principal) = principal else {
        return String::new();
    };
    let scheme = security
        .schemes
        .get(principal.scheme())
        .map_or("", |s| s.name);
    let role = security.roles.get(principal.role()).map_or("", |r| r.name);
    let claims: Vec<serde_json::Value> = (0..security.claims.len())
        .map(|i| record::to_json(principal.claim(i)).unwrap_or(serde_json::Value::Null))
        .collect();
    format!("{scheme}:{role}:{}", serde_json::Value::Array(claims))
}

/// The database, as an idempotent endpoint's handler sees it.
#[derive(Debug)]
pub struct Idempotent<'a, D> {
    db: &'a D,
    state: Mutex<State>,
}

#[derive(Debug)]
enum State {
    /// No key: straight through.
    Off,
    /// The first request with its key.
    Live(Live),
    /// A request whose key has a record: answered from it.
    Replay(Recorded),
}

#[derive(Debug)]
struct Live {
    key: Key,
    fingerprint: String,
    expires: u32,
    snapshots: &'static [(&'static Sql, &'static Sql)],
    /// Read-only batches run before the write, as JSON, in order.
    earlier: Vec<serde_json::Value>,
    wrote: bool,
    /// The claim failed: another request holds the key.
    taken: bool,
}

/// A key, with what it is scoped to.
#[derive(Debug, Clone)]
struct Key {
    principal: String,
    operation: &'static str,
    key: String,
}

impl Key {
    fn params(&self) -> [Value; 3] {
        [
            Value::Text(self.principal.clone()),
            Value::Text(self.operation.to_owned()),
            Value::Text(self.key.clone()),
        ]
    }
}

/// What to do once a handler has run under [`Idempotent`].
#[derive(Debug)]
pub enum Settled<'a, D> {
    /// Answer this.
    Done(Result<Response, Problem>),
    /// Run the handler again on this (the record of the request that held
    /// the key).
    Again(Idempotent<'a, D>),
}

impl<'a, D: Database> Idempotent<'a, D> {
    /// Reads the request's key and looks it up: the state the handler runs
    /// in. A missing required key, a malformed one, or one reused for
    /// another request is the problem to answer with.
    pub async fn begin(
        db: &'a D,
        policy: &'static Policy,
        req: &Request,
        principal: String,
    ) -> Result<Self, Problem> {
        let Some(key) = read_key(req, policy.required)? else {
            return Ok(Idempotent::with(db, State::Off));
        };
        let key = Key {
            principal,
            operation: policy.operation,
            key,
        };
        let fingerprint = fingerprint(req);
        match lookup(db, &key).await? {
            Some((stored, results)) if stored == fingerprint => Ok(Idempotent::with(
                db,
                State::Replay(Recorded::parse(&results)?),
            )),
            Some(_) => Err(reused()),
            None => Ok(Idempotent::with(
                db,
                State::Live(Live {
                    key,
                    fingerprint,
                    expires: policy.expires,
                    snapshots: policy.snapshots,
                    earlier: Vec::new(),
                    wrote: false,
                    taken: false,
                }),
            )),
        }
    }

    fn with(db: &'a D, state: State) -> Self {
        Idempotent {
            db,
            state: Mutex::new(state),
        }
    }

    /// What the handler's `result` becomes: a replay is marked; a request
    /// whose key another request claimed first runs again on that
    /// request's record.
    pub async fn settle(self, result: Result<Response, Problem>) -> Settled<'a, D> {
        let db = self.db;
        match self
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
        {
            State::Off => Settled::Done(result),
            State::Replay(_) => Settled::Done(mark_replayed(result)),
            State::Live(live) if !live.taken => Settled::Done(result),
            State::Live(live) => match lookup(db, &live.key).await {
                Ok(Some((stored, results))) if stored == live.fingerprint => {
                    match Recorded::parse(&results) {
                        Ok(recorded) => {
                            Settled::Again(Idempotent::with(db, State::Replay(recorded)))
                        }
                        Err(problem) => Settled::Done(Err(problem)),
                    }
                }
                Ok(Some(_)) => Settled::Done(Err(reused())),
                // Claimed, yet no record: it expired or was purged between.
                Ok(None) => Settled::Done(Err(in_progress())),
                Err(problem) => Settled::Done(Err(problem)),
            },
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<D: Database> Database for Idempotent<'_, D> {
    async fn execute(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, DbError> {
        // Decide under the lock, run without it.
        let plan = {
            let mut state = self.lock();
            match &mut *state {
                State::Off => Plan::Through(statements),
                State::Replay(recorded) => match recorded.next_batch(&statements)? {
                    Some(results) => return Ok(results),
                    // Reads after the recorded write run live.
                    None if statements.iter().all(|s| s.sql.readonly) => Plan::Through(statements),
                    None => {
                        return Err(DbError::Other(
                            "a replayed request tried to write again".into(),
                        ));
                    }
                },
                State::Live(live) if statements.iter().all(|s| s.sql.readonly) => {
                    if live.wrote {
                        Plan::Through(statements)
                    } else {
                        Plan::Read(statements)
                    }
                }
                State::Live(live) => Plan::Write(recorded_write(live, statements)?),
            }
        };
        match plan {
            Plan::Through(statements) => self.db.execute(statements).await,
            Plan::Read(statements) => {
                let results = self.db.execute(statements).await?;
                let encoded = encode_batch(&results)?;
                if let State::Live(live) = &mut *self.lock() {
                    live.earlier.push(encoded);
                }
                Ok(results)
            }
            Plan::Write(statements) => match self.db.execute(statements).await {
                Ok(results) => {
                    if let State::Live(live) = &mut *self.lock() {
                        live.wrote = true;
                    }
                    // The claim and its expiry first, then each statement
                    // followed by its copy into the record.
                    Ok(results.into_iter().skip(2).step_by(2).collect())
                }
                Err(err) => {
                    if is_claim_conflict(&err)
                        && let State::Live(live) = &mut *self.lock()
                    {
                        live.taken = true;
                    }
                    Err(err)
                }
            },
        }
    }
}

enum Plan {
    Through(Vec<Statement>),
    Read(Vec<Statement>),
    Write(Vec<Statement>),
}

/// The write batch with the record's statements woven in.
fn recorded_write(live: &Live, statements: Vec<Statement>) -> Result<Vec<Statement>, DbError> {
    if live.wrote {
        return Err(DbError::Other(
            "an idempotent request writes in one batch, and this one tried a second".into(),
        ));
    }
    let key = live.key.params();
    let mut earlier = live.earlier.clone();
    earlier.push(serde_json::Value::Array(Vec::new()));
    let mut out = Vec::with_capacity(2 + 2 * statements.len());
    out.push(Statement {
        sql: &EXPIRE,
        params: key.to_vec(),
    });
    let mut claim = key.to_vec();
    claim.push(Value::Text(live.fingerprint.clone()));
    claim.push(Value::Text(serde_json::Value::Array(earlier).to_string()));
    claim.push(Value::Integer(i64::from(live.expires)));
    out.push(Statement {
        sql: &CLAIM,
        params: claim,
    });
    for statement in statements {
        let copy = if statement.sql.readonly {
            let snapshot = live
                .snapshots
                .iter()
                .find(|(query, _)| std::ptr::eq(*query, statement.sql))
                .map(|(_, snapshot)| *snapshot)
                .ok_or_else(|| {
                    DbError::Other(format!(
                        "query {} has no snapshot for idempotency records",
                        statement.sql.name
                    ))
                })?;
            let mut params = statement.params.clone();
            params.extend(key.iter().cloned());
            Statement {
                sql: snapshot,
                params,
            }
        } else {
            Statement {
                sql: &CHANGES,
                params: key.to_vec(),
            }
        };
        out.push(statement);
        out.push(copy);
    }
    Ok(out)
}

fn is_claim_conflict(err: &DbError) -> bool {
    matches!(err, DbError::Constraint { message } if message.contains("keel_idempotency"))
}

async fn lookup<D: Database>(db: &D, key: &Key) -> Result<Option<(String, String)>, Problem> {
    let results = db
        .execute(vec![Statement {
            sql: &LOOKUP,
            params: key.params().to_vec(),
        }])
        .await?;
    let Some(found) = results.first() else {
        return Ok(None);
    };
    Ok(found.optional(|row| Ok((row.get::<String>(0)?, row.get::<String>(1)?)))?)
}

/// The key a request carries: `None` without one (when allowed). Accepts
/// the draft's structured-field string (`"..."`) and a bare token alike.
fn read_key(req: &Request, required: bool) -> Result<Option<String>, Problem> {
    let pointer = "#/header/idempotency-key";
    let mut values = req.headers.get_all(HEADER).iter();
    let Some(value) = values.next() else {
        if required {
            return Err(Problem::invalid_request(Vec::new()).with_violation(
                pointer,
                "is required: send a unique key (a UUID, say) and the same key when you retry",
            ));
        }
        return Ok(None);
    };
    let bad = || {
        Problem::invalid_request(Vec::new()).with_violation(
            pointer,
            format!(
                "must be one key of 1 to {MAX_KEY_LEN} visible ASCII characters, optionally as a quoted string"
            ),
        )
    };
    if values.next().is_some() {
        return Err(bad());
    }
    let raw = value.to_str().map_err(|_| bad())?.trim();
    // The draft's form is a structured-field string; a bare key is taken
    // whole.
    let key = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if inner.contains(['"', '\\']) || inner.is_empty() => return Err(bad()),
        Some(inner) => inner,
        None => raw,
    };
    if key.is_empty()
        || key.len() > MAX_KEY_LEN
        || !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    {
        return Err(bad());
    }
    Ok(Some(key.to_owned()))
}

/// What makes two requests the same one: method, path, query and body.
fn fingerprint(req: &Request) -> String {
    let mut hash = Sha256::new();
    hash.update(req.method.as_str().as_bytes());
    hash.update(b" ");
    hash.update(req.path.as_bytes());
    hash.update(b"?");
    hash.update(req.query.as_deref().unwrap_or("").as_bytes());
    hash.update(b"\n");
    hash.update(&req.body);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn mark_replayed(result: Result<Response, Problem>) -> Result<Response, Problem> {
    match result {
        Ok(mut response) => {
            response
                .headers
                .insert(REPLAYED, HeaderValue::from_static("true"));
            Ok(response)
        }
        Err(problem) => Err(problem.with_header(http::HeaderName::from_static(REPLAYED), "true")),
    }
}

/// 422: the key was used for another request.
pub fn reused() -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
        "Idempotency key reused",
    )
    .with_detail(
        "this Idempotency-Key was already used for a different request (method, path, query or body); send a new key with a new request",
    )
}

/// 409: a request with this key is still being handled.
pub fn in_progress() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "idempotency-key-in-use",
        "Request in progress",
    )
    .with_detail("a request with this Idempotency-Key is still being handled; retry shortly")
    .with_header(http::header::RETRY_AFTER, "1")
}

#[cfg(test)]
mod tests;
