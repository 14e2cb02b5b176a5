//! The code `keel::api!` generates, exercised in-process on SQLite: every
//! kind of parameter, body field and response filling the spec format
//! offers, beyond what the shop API uses.

mod common;

use http::{HeaderValue, Method, StatusCode};
use keel::db::sqlite::SqliteDatabase;
use keel::{Context, Request};
use serde_json::{Value, json};

use common::token;

type Fixture = common::Fixture<api::Api>;

mod api {
    keel::api!(
        spec = "tests/fixtures/notes/api.yaml",
        queries = "tests/fixtures/notes/queries",
        migrations = "tests/fixtures/notes/migrations"
    );

    pub(crate) mod handlers {
        use super::endpoints::bump_note::{Input, Output};
        use super::queries::notes;
        use super::types::Version;
        use keel::{Database, Problem};

        pub(crate) async fn bump_note(db: &impl Database, input: Input) -> Result<Output, Problem> {
            let bumped = db
                .run(notes::bump_version(notes::BumpVersionParams {
                    id: input.id,
                }))
                .await?;
            let Some(row) = bumped else {
                return Err(Problem::not_found("No such note."));
            };
            let version = i32::try_from(row.version).map_err(|_| Problem::internal())?;
            Ok(if input.quiet {
                Output::NoContent
            } else {
                Output::Ok {
                    body: Version { version },
                    x_version: Some(version),
                }
            })
        }
    }
}

const ID: &str = "6f1c2a0e-8d3b-4c5e-9f7a-1b2c3d4e5f60";

fn new_note() -> Value {
    json!({"title": "First", "priority": "high", "score": 7.5, "tags": ["b", "a"], "author": {"name": "Ada", "email": "ada@example.com"}})
}

#[tokio::test]
async fn declarative_insert_returns_the_row() {
    let f = Fixture::new();
    let (status, _, body) = f
        .call(
            Method::POST,
            "/notes",
            &[("x-client-ref", ID)],
            Some(new_note()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created_at = body["created_at"].clone();
    assert_eq!(
        body,
        json!({
            "id": 1, "title": "First", "body": null, "priority": "high", "score": 7.5, "pinned": false,
            "created_at": created_at, "author": {"name": "Ada", "email": "ada@example.com"},
        })
    );
    // The same client reference again violates a UNIQUE constraint: a 409, not a 500.
    let (status, _, body) = f
        .call(
            Method::POST,
            "/notes",
            &[("x-client-ref", ID)],
            Some(new_note()),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["type"], "/problems/conflict");
}

#[tokio::test]
async fn header_parameters_are_required_and_checked() {
    let f = Fixture::new();
    let (status, _, body) = f.call(Method::POST, "/notes", &[], Some(new_note())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"],
        json!([{"pointer": "#/header/x-client-ref", "detail": "is required"}])
    );
    let (status, _, body) = f
        .call(
            Method::POST,
            "/notes",
            &[("x-client-ref", "nope")],
            Some(new_note()),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"],
        json!([{"pointer": "#/header/x-client-ref", "detail": "must be a valid uuid"}])
    );
}

#[tokio::test]
async fn body_fields_of_every_kind_are_checked() {
    let f = Fixture::new();
    let bad = json!({
        "title": "", "body": 5, "priority": "urgent", "score": 11, "pinned": "yes", "due": "2026-02-30",
        "tags": ["a", "b", "c", "d"], "author": {"name": "Ada", "email": "not-an-email"},
    });
    let (status, _, body) = f
        .call(Method::POST, "/notes", &[("x-client-ref", ID)], Some(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["errors"],
        json!([
            {"pointer": "#/body/title", "detail": "must not be empty"},
            {"pointer": "#/body/body", "detail": "must be a string, got a number"},
            {"pointer": "#/body/priority", "detail": "must be one of: low, normal, high; got \"urgent\""},
            {"pointer": "#/body/score", "detail": "must be at most 10"},
            {"pointer": "#/body/pinned", "detail": "must be a boolean, got a string"},
            {"pointer": "#/body/due", "detail": "must be a valid date"},
            {"pointer": "#/body/tags", "detail": "must have at most 3 items"},
            {"pointer": "#/body/author/email", "detail": "must be a valid email"},
        ])
    );
    // Optional fields may be absent; a nullable one may be null.
    let minimal = json!({"title": "T", "body": null, "priority": "low", "score": 0, "author": {"name": "B", "email": "b@example.com"}});
    let (status, _, body) = f
        .call(
            Method::POST,
            "/notes",
            &[("x-client-ref", ID)],
            Some(minimal),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["body"], Value::Null);
    assert!(
        body.get("due").is_none(),
        "absent optional fields are left out: {body}"
    );
}

#[tokio::test]
async fn into_fills_arrays_scalars_and_nullable_objects() {
    let f = Fixture::new();
    let (_, _, body) = f.call(Method::GET, "/notes", &[], None).await;
    assert_eq!(
        body,
        json!({"items": [], "total": 0, "newest": null, "earliest_due": null, "all_tags": []})
    );

    f.call(
        Method::POST,
        "/notes",
        &[("x-client-ref", ID)],
        Some(new_note()),
    )
    .await;
    let mut second = new_note();
    second["priority"] = json!("low");
    second["score"] = json!(2);
    second["pinned"] = json!(true);
    second["due"] = json!("2026-12-24");
    f.call(
        Method::POST,
        "/notes",
        &[("x-client-ref", "6f1c2a0e-8d3b-4c5e-9f7a-1b2c3d4e5f61")],
        Some(second),
    )
    .await;

    let (status, _, body) = f.call(Method::GET, "/notes", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 2);
    assert_eq!(body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["newest"]["id"], 2);
    assert_eq!(body["newest"]["due"], "2026-12-24");
    assert_eq!(body["newest"]["pinned"], true);
    assert_eq!(body["earliest_due"], "2026-12-24");
    assert_eq!(body["all_tags"], json!(["a", "b"]));

    let ids = |body: &Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&f
            .call(Method::GET, "/notes?priority=high", &[], None)
            .await
            .2),
        [1]
    );
    assert_eq!(
        ids(&f.call(Method::GET, "/notes?min_score=5", &[], None).await.2),
        [1]
    );
    assert_eq!(
        ids(&f
            .call(Method::GET, "/notes?pinned_only=true", &[], None)
            .await
            .2),
        [2]
    );
    let (status, _, body) = f
        .call(Method::GET, "/notes?min_score=-1&priority=meh", &[], None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"],
        json!([
            {"pointer": "#/query/priority", "detail": "must be one of: low, normal, high; got \"meh\""},
            {"pointer": "#/query/min_score", "detail": "must be at least 0"},
        ])
    );
}

#[tokio::test]
async fn explicit_bindings_and_404() {
    let f = Fixture::new();
    f.call(
        Method::POST,
        "/notes",
        &[("x-client-ref", ID)],
        Some(new_note()),
    )
    .await;
    let (status, _, body) = f.call(Method::GET, "/notes/1", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["tags"], json!(["a", "b"]));
    let (status, _, body) = f.call(Method::GET, "/notes/2", &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No such note.");
}

#[tokio::test]
async fn declarative_delete_is_a_204() {
    let f = Fixture::new();
    f.call(
        Method::POST,
        "/notes",
        &[("x-client-ref", ID)],
        Some(new_note()),
    )
    .await;
    let (status, _, body) = f.call(Method::DELETE, "/notes/1", &[], None).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(
        f.call(Method::GET, "/notes/1", &[], None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn handlers_choose_their_response_and_headers() {
    let f = Fixture::new();
    f.call(
        Method::POST,
        "/notes",
        &[("x-client-ref", ID)],
        Some(new_note()),
    )
    .await;
    let editor = token("editor", json!({}));
    let auth = [("authorization", editor.as_str())];
    let (status, headers, body) = f.call(Method::POST, "/notes/1/bump", &auth, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"version": 2}));
    assert_eq!(headers["x-version"], "2");
    let (status, headers, body) = f
        .call(Method::POST, "/notes/1/bump?quiet=true", &auth, None)
        .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    assert!(headers.get("x-version").is_none());
    let (status, _, body) = f.call(Method::POST, "/notes/9/bump", &auth, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["detail"], "No such note.");
}

#[tokio::test]
async fn protected_endpoints_need_a_token_with_an_admitted_role() {
    let f = Fixture::new();
    let (status, headers, body) = f.call(Method::POST, "/notes/1/bump", &[], None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["www-authenticate"], "Bearer");
    assert_eq!(body["type"], "/problems/unauthorized");
    // Authentication comes before validation: an anonymous caller learns
    // nothing about the inputs.
    let (status, _, _) = f
        .call(Method::POST, "/notes/x/bump?quiet=maybe", &[], None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let reader = token("reader", json!({}));
    let (status, headers, body) = f
        .call(
            Method::POST,
            "/notes/1/bump",
            &[("authorization", &reader)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        headers["www-authenticate"],
        "Bearer error=\"insufficient_scope\""
    );
    assert_eq!(
        body,
        json!({"type": "/problems/forbidden", "title": "Forbidden", "status": 403,
               "detail": "the reader role may not use this operation"})
    );
    // Public endpoints never look at credentials, even broken ones.
    let (status, _, _) = f
        .call(
            Method::GET,
            "/notes",
            &[("authorization", "Bearer broken")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn queries_bind_the_callers_claims() {
    let f = Fixture::new();
    let reader = token("reader", json!({"https://notes.example/team": "blue"}));
    let (status, _, body) = f
        .call(Method::GET, "/me", &[("authorization", &reader)], None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"sub": 5, "role": "reader", "team": "blue"}));
    let editor = token("editor", json!({}));
    let (_, _, body) = f
        .call(Method::GET, "/me", &[("authorization", &editor)], None)
        .await;
    assert_eq!(body, json!({"sub": 5, "role": "editor", "team": null}));
}

/// A database that counts its round trips.
struct Counting<'a> {
    inner: &'a SqliteDatabase,
    round_trips: std::sync::atomic::AtomicUsize,
}

impl keel::Database for Counting<'_> {
    fn execute(
        &self,
        statements: Vec<keel::Statement>,
    ) -> impl std::future::Future<Output = Result<Vec<keel::ResultSet>, keel::DbError>> + Send {
        self.round_trips
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.execute(statements)
    }
}

#[tokio::test]
async fn verifying_the_caller_costs_no_round_trip() {
    let f = Fixture::new();
    let db = Counting {
        inner: &f.db,
        round_trips: 0.into(),
    };
    let call = |authorization: Option<String>| {
        let mut req = Request::new(Method::GET, "/me");
        if let Some(value) = authorization {
            req.headers.insert(
                http::header::AUTHORIZATION,
                HeaderValue::from_str(&value).expect("header"),
            );
        }
        req
    };
    let cx = Context::new(&db, &f.keys);
    let trips = |db: &Counting<'_>| db.round_trips.load(std::sync::atomic::Ordering::SeqCst);
    let res = keel::serve::<api::Api, _>(&cx, call(Some(token("reader", json!({}))))).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        trips(&db),
        1,
        "the endpoint's one batch, and nothing for the caller"
    );
    let res = keel::serve::<api::Api, _>(&cx, call(None)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(trips(&db), 1, "a refused caller never reaches the database");
}
