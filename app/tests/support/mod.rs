//! Starting the real servers and talking HTTP to them.
//!
//! [`Server::native`] runs the `app` binary on a fresh SQLite file;
//! [`Server::worker`] runs the Worker under `wrangler dev` on a fresh local
//! D1. Both are seeded with `app/seed/dev.sql`, and both expose their
//! database file so tests can assert on the state a request left behind.

#![allow(dead_code)]

pub(crate) mod conformance;
pub(crate) mod load;
mod native;
mod raw;
pub(crate) mod tokens;
mod worker;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::Value;

use conformance::Exchange;

/// A response, read in full.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON; panics with the body text if it is not JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The first value of header `name`.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts the status, the problem+json content type and the request id
    /// (in the body, the same as in `X-Request-Id`), and returns the problem
    /// without its `request_id`, which differs from request to request.
    #[track_caller]
    pub(crate) fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let mut problem = self.json();
        assert_eq!(problem["status"], status);
        let id = problem
            .as_object_mut()
            .and_then(|members| members.remove("request_id"));
        assert_eq!(
            id.as_ref().and_then(Value::as_str),
            self.header("x-request-id"),
            "a problem names its request: {problem}"
        );
        problem
    }

    /// Asserts a 2xx JSON response with `status` and returns its body.
    #[track_caller]
    pub(crate) fn ok(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
        self.json()
    }
}

/// Which target a server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Native,
    Worker,
}

/// A running server with its own database.
pub(crate) struct Server {
    pub target: Target,
    base: String,
    database: PathBuf,
    child: Child,
    agent: ureq::Agent,
    exchanges: Mutex<Vec<Exchange>>,
    _dir: tempfile::TempDir,
}

fn app_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // Assert on what the server answers, redirects included.
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

impl Server {
    /// The database file.
    pub(crate) fn database(&self) -> &Path {
        &self.database
    }

    /// Every request sent so far, with its response.
    pub(crate) fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The base URL.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn try_send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Reply, ureq::Error> {
        let mut builder = ureq::http::Request::builder()
            .method(method)
            .uri(self.url(path));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(body.map(<[u8]>::to_vec).unwrap_or_default())
            .map_err(ureq::Error::from)?;
        let mut response = self.agent.run(request)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let mut body = Vec::new();
        response.body_mut().as_reader().read_to_end(&mut body)?;
        let reply = Reply {
            status,
            headers,
            body,
        };
        // On Workers, the docs portal's Swagger UI files are static assets
        // the platform serves before the Worker runs (see
        // scripts/docs-assets.mjs): they are the one exception.
        let static_asset = self.target == Target::Worker
            && [
                "swagger-ui-bundle.js",
                "swagger-ui.css",
                "favicon-32x32.png",
            ]
            .iter()
            .any(|file| path.strip_prefix("/docs/") == Some(file));
        assert!(
            static_asset
                || reply
                    .header("x-request-id")
                    .is_some_and(|id| !id.is_empty()),
            "{method} {path}: every response carries X-Request-Id"
        );
        self.record(method, path, &reply);
        Ok(reply)
    }

    /// Notes an exchange for the conformance check.
    fn record(&self, method: &str, path: &str, reply: &Reply) {
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Exchange {
                method: method.to_owned(),
                path: path.split('?').next().unwrap_or(path).to_owned(),
                status: reply.status,
                content_type: reply.header("content-type").map(str::to_owned),
                headers: reply
                    .headers
                    .iter()
                    .map(|(n, _)| n.to_ascii_lowercase())
                    .collect(),
                body: reply.body.clone(),
            });
    }

    /// Sends a request.
    #[track_caller]
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        self.try_send(method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path} failed: {e}"))
    }

    /// `GET path`, without credentials.
    #[track_caller]
    pub(crate) fn get(&self, path: &str) -> Reply {
        self.caller(None).get(path)
    }

    /// `method path` with a JSON body, without credentials.
    #[track_caller]
    pub(crate) fn json(&self, method: &str, path: &str, body: &Value) -> Reply {
        self.caller(None).json(method, path, body)
    }

    /// Requests that carry `authorization` (`Bearer …`, or anything else).
    pub(crate) fn by<'a>(&'a self, authorization: &'a str) -> Caller<'a> {
        self.caller(Some(authorization))
    }

    fn caller<'a>(&'a self, authorization: Option<&'a str>) -> Caller<'a> {
        Caller {
            server: self,
            authorization,
        }
    }

    /// A connection to the server's database, for assertions on its state.
    pub(crate) fn db(&self) -> Connection {
        Connection::open(&self.database).expect("open the server's database")
    }

    /// The single integer a query returns.
    #[track_caller]
    pub(crate) fn scalar(&self, sql: &str) -> i64 {
        self.db()
            .query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Every row of a query, as JSON arrays.
    #[track_caller]
    pub(crate) fn rows(&self, sql: &str) -> Vec<Value> {
        let conn = self.db();
        let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let width = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                let mut out = Vec::with_capacity(width);
                for i in 0..width {
                    out.push(match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(i) => i.into(),
                        rusqlite::types::ValueRef::Real(f) => f.into(),
                        rusqlite::types::ValueRef::Text(t) => {
                            String::from_utf8_lossy(t).into_owned().into()
                        }
                        rusqlite::types::ValueRef::Blob(_) => Value::String("<blob>".into()),
                    });
                }
                Ok(Value::Array(out))
            })
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.map(|r| r.expect("row")).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGINT lets wrangler stop its workerd children.
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server seen by one caller: every request carries its `Authorization`,
/// if it has one.
pub(crate) struct Caller<'a> {
    server: &'a Server,
    authorization: Option<&'a str>,
}

impl Caller<'_> {
    /// Sends a request with the caller's `Authorization` added.
    #[track_caller]
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        let mut all: Vec<(&str, &str)> = self
            .authorization
            .map(|value| ("authorization", value))
            .into_iter()
            .collect();
        all.extend_from_slice(headers);
        self.server.send(method, path, &all, body)
    }

    /// `GET path`.
    #[track_caller]
    pub(crate) fn get(&self, path: &str) -> Reply {
        self.send("GET", path, &[], None)
    }

    /// Sends a request as a well-behaved client does under load: when the
    /// server sheds it (503 with `Retry-After`, nothing done), it waits and
    /// sends it again, for up to a minute.
    #[track_caller]
    pub(crate) fn send_until_served(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        for _ in 0..60 {
            let reply = self.send(method, path, headers, body);
            if reply.status != 503 {
                return reply;
            }
            let wait = reply
                .header("retry-after")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1);
            std::thread::sleep(Duration::from_secs(wait));
        }
        panic!("{method} {path} was shed for a minute");
    }

    /// `method path` with a JSON body.
    #[track_caller]
    pub(crate) fn json(&self, method: &str, path: &str, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).expect("json");
        self.send(
            method,
            path,
            &[("content-type", "application/json")],
            Some(&bytes),
        )
    }
}
