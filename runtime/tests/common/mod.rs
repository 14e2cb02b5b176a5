//! An API `keel::api!` generated, served in-process on a fresh SQLite file,
//! for the tests that call generated code directly.

use std::marker::PhantomData;

use http::{HeaderValue, Method, StatusCode};
use keel::auth::{Algorithm, Keys, SigningKey};
use keel::db::sqlite::SqliteDatabase;
use keel::{Context, Request, Service};
use serde_json::{Value, json};

/// The HS256 secret of the fixtures' token scheme (`NOTES_SECRET`).
pub(crate) const SECRET: &str = "a-secret-for-the-notes-tests-only";

/// A token for `role`, with `extra` claims.
#[allow(dead_code)]
pub(crate) fn token(role: &str, extra: Value) -> String {
    let mut claims = json!({"sub": "5", "role": role, "exp": keel::auth::now() + 60});
    if let (Some(claims), Value::Object(extra)) = (claims.as_object_mut(), extra) {
        claims.extend(extra);
    }
    let Value::Object(claims) = claims else {
        unreachable!()
    };
    let key = SigningKey::parse(Algorithm::Hs256, SECRET).expect("key");
    format!("Bearer {}", keel::auth::mint(&key, &claims))
}

/// API `S` on its own migrated database.
pub(crate) struct Fixture<S> {
    pub(crate) db: SqliteDatabase,
    pub(crate) keys: Keys,
    _dir: tempfile::TempDir,
    _api: PhantomData<S>,
}

impl<S: Service> Fixture<S> {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = SqliteDatabase::open(dir.path().join("api.sqlite3"), 2).expect("open");
        db.with_connection(|conn| keel::db::migrate::apply(conn, S::MIGRATIONS))
            .expect("connection")
            .expect("migrate");
        let (keys, errors) = Keys::read(S::SECURITY, |name| {
            (name == "NOTES_SECRET").then(|| SECRET.to_owned())
        });
        assert!(errors.is_empty(), "{errors:?}");
        let keys = keys.with_cursor(keel::cursor::CursorKey::from_bytes(
            b"a cursor key for the tests, 32+ bytes",
        ));
        Fixture {
            db,
            keys,
            _dir: dir,
            _api: PhantomData,
        }
    }

    /// Runs SQL on the database, outside any request.
    #[allow(dead_code)]
    pub(crate) fn sql(&self, sql: &str) {
        self.db
            .with_connection(|conn| conn.execute_batch(sql))
            .expect("connection")
            .expect("sql");
    }

    /// Serves one request; returns the status, headers and JSON body
    /// (`null` when empty), a problem's `request_id` checked and left out.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (StatusCode, http::HeaderMap, Value) {
        let mut req = Request::new(method, path);
        for (name, value) in headers {
            req.headers.insert(
                http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("header"),
            );
        }
        if let Some(body) = body {
            req.headers
                .insert("content-type", HeaderValue::from_static("application/json"));
            req.body = serde_json::to_vec(&body).expect("json").into();
        }
        let res = keel::serve::<S, _>(&Context::new(&self.db, &self.keys), req).await;
        let mut json = if res.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&res.body).expect("json body")
        };
        // A problem names its request as the header does; the id differs
        // from run to run, so it is checked here and left out.
        if let Some(id) = json.as_object_mut().and_then(|m| m.remove("request_id")) {
            assert_eq!(
                Some(id.as_str().expect("a string")),
                res.headers["x-request-id"].to_str().ok()
            );
        }
        (res.status, res.headers, json)
    }
}
