use http::Method;

use super::*;
use crate::db::sqlite::SqliteDatabase;

static INSERT: Sql = Sql {
    name: "t.insert",
    text: "INSERT INTO items (name) VALUES (?1)",
    columns: &[],
    readonly: false,
    lookup: false,
};
static READ: Sql = Sql {
    name: "t.read",
    text: "SELECT id, name, 1.5 AS weight FROM items WHERE name = ?1",
    columns: &["id", "name", "weight"],
    readonly: true,
    lookup: false,
};
static READ_SNAPSHOT: Sql = Sql {
    name: "t.read.snapshot",
    text: "UPDATE keel_idempotency SET results = json_insert(results, '$[#-1][#]', \
           json((SELECT json_group_array(json_array(\"id\", \"name\", \"weight\")) FROM \
           (SELECT id, name, 1.5 AS weight FROM items WHERE name = ?1)))) \
           WHERE principal = ?2 AND operation = ?3 AND key = ?4",
    columns: &[],
    readonly: false,
    lookup: false,
};
static POLICY: Policy = Policy {
    operation: "add_item",
    required: false,
    expires: 60,
    snapshots: &[(&READ, &READ_SNAPSHOT)],
};

fn database() -> (tempfile::TempDir, SqliteDatabase) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = SqliteDatabase::open(dir.path().join("t.sqlite3"), 2).expect("open");
    db.with_connection(|c| {
        c.execute_batch(&format!(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n{MIGRATION}"
        ))
    })
    .expect("connection")
    .expect("schema");
    (dir, db)
}

fn request(key: Option<&str>, body: &str) -> Request {
    let mut req = Request::new(Method::POST, "/items");
    if let Some(key) = key {
        req.headers.insert(
            HEADER,
            HeaderValue::from_bytes(key.as_bytes()).expect("header"),
        );
    }
    req.body = body.as_bytes().to_vec().into();
    req
}

/// What the handler of the tests does: insert, then read back.
async fn handler(db: &impl Database, name: &str) -> Result<Response, Problem> {
    let results = db
        .execute(vec![
            Statement {
                sql: &INSERT,
                params: vec![Value::Text(name.into())],
            },
            Statement {
                sql: &READ,
                params: vec![Value::Text(name.into())],
            },
        ])
        .await?;
    let changed = results[0].changes();
    let rows: Vec<(i64, String, f64)> =
        results[1].many(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(Response::new(
        StatusCode::CREATED,
        "application/json",
        serde_json::json!({"changed": changed, "rows": rows}).to_string(),
    ))
}

async fn call(db: &SqliteDatabase, req: &Request, name: &str) -> Result<Response, Problem> {
    let mut idem = Idempotent::begin(db, &POLICY, req, "s:r:[1]".into()).await?;
    loop {
        let result = handler(&idem, name).await;
        match idem.settle(result).await {
            Settled::Done(result) => return result,
            Settled::Again(next) => idem = next,
        }
    }
}

fn count(db: &SqliteDatabase) -> i64 {
    db.with_connection(|c| c.query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0)))
        .expect("connection")
        .expect("count")
}

#[tokio::test]
async fn a_replay_answers_the_first_response_without_doing_the_work_again() {
    let (_dir, db) = database();
    let req = request(Some("k-1"), "{}");
    let first = call(&db, &req, "boot").await.expect("first");
    let again = call(&db, &req, "boot").await.expect("replay");
    assert_eq!(count(&db), 1);
    assert_eq!(first.body, again.body);
    assert_eq!(
        std::str::from_utf8(&first.body).unwrap(),
        r#"{"changed":1,"rows":[[1,"boot",1.5]]}"#
    );
    assert_eq!(first.headers.get(REPLAYED), None);
    assert_eq!(again.headers.get(REPLAYED).unwrap(), "true");
    assert_eq!(again.status, StatusCode::CREATED);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_422() {
    let (_dir, db) = database();
    call(&db, &request(Some("k-1"), "{}"), "boot")
        .await
        .expect("first");
    let problem = call(&db, &request(Some("k-1"), r#"{"x":1}"#), "boot")
        .await
        .unwrap_err();
    assert_eq!(problem.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem.type_uri(), "/problems/idempotency-key-reused");
    assert_eq!(count(&db), 1);
}

#[tokio::test]
async fn a_duplicate_that_missed_the_record_cannot_write_and_replays_it() {
    let (_dir, db) = database();
    let req = request(Some("\"k-2\""), "{}");
    // Both look the key up before either writes.
    let first = Idempotent::begin(&db, &POLICY, &req, "p".into())
        .await
        .unwrap();
    let second = Idempotent::begin(&db, &POLICY, &req, "p".into())
        .await
        .unwrap();
    let first_result = handler(&first, "boot").await;
    let Settled::Done(first_result) = first.settle(first_result).await else {
        panic!("the first request is done");
    };
    let second_result = handler(&second, "boot").await;
    assert!(second_result.is_err(), "the claim refuses the second write");
    let Settled::Again(replay) = second.settle(second_result).await else {
        panic!("the second request replays the first");
    };
    let replayed = handler(&replay, "boot").await;
    let Settled::Done(replayed) = replay.settle(replayed).await else {
        panic!("a replay is done");
    };
    assert_eq!(count(&db), 1);
    assert_eq!(first_result.unwrap().body, replayed.unwrap().body);
}

#[tokio::test]
async fn an_expired_key_is_free_again() {
    let (_dir, db) = database();
    let req = request(Some("k-3"), "{}");
    call(&db, &req, "boot").await.expect("first");
    db.with_connection(|c| c.execute("UPDATE keel_idempotency SET expires_at = 0", []))
        .expect("connection")
        .expect("expire");
    let again = call(&db, &req, "boot").await.expect("after expiry");
    assert_eq!(again.headers.get(REPLAYED), None);
    assert_eq!(count(&db), 2);
}

#[tokio::test]
async fn keys_are_scoped_to_the_caller() {
    let (_dir, db) = database();
    let req = request(Some("k-4"), "{}");
    for principal in ["storefront:customer:[1]", "storefront:customer:[2]"] {
        let idem = Idempotent::begin(&db, &POLICY, &req, principal.into())
            .await
            .unwrap();
        let result = handler(&idem, "boot").await;
        let Settled::Done(result) = idem.settle(result).await else {
            panic!("done");
        };
        assert_eq!(result.unwrap().headers.get(REPLAYED), None, "{principal}");
    }
    assert_eq!(count(&db), 2);
}

#[test]
fn keys_are_read_as_the_draft_writes_them() {
    let key = |value: Option<&str>, required| read_key(&request(value, ""), required);
    assert_eq!(key(Some("abc"), false).unwrap().as_deref(), Some("abc"));
    assert_eq!(key(Some("\"a b\""), false).unwrap().as_deref(), Some("a b"));
    assert_eq!(key(Some("a\"b"), false).unwrap().as_deref(), Some("a\"b"));
    assert_eq!(key(None, false).unwrap(), None);
    let long = "x".repeat(MAX_KEY_LEN + 1);
    for bad in ["\"\"", "\"a\"b\"", long.as_str(), "é", " "] {
        let problem = key(Some(bad), false).unwrap_err();
        assert_eq!(problem.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(problem.errors()[0].pointer, "#/header/idempotency-key");
    }
    let missing = key(None, true).unwrap_err();
    assert!(missing.errors()[0].detail.starts_with("is required"));
}
