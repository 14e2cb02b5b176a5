//! Guards, link headers, entity tags from a column, the request's nonce and
//! a handler's mapped results, as `keel::api!` generates them for the
//! `shelves` expansion fixture (`macros/tests/expand/shelves/`, whose
//! expected code and OpenAPI document sit beside it), served in-process on
//! SQLite.

mod common;

use http::{Method, StatusCode};
use serde_json::json;

mod api {
    keel::api!(
        spec = "../macros/tests/expand/shelves/api.yaml",
        queries = "../macros/tests/expand/shelves/queries",
        migrations = "../macros/tests/expand/shelves/migrations"
    );

    pub(crate) mod shelves {
        use super::endpoints::shelf_report::{Input, Output};
        use super::queries::shelves;
        use keel::{Database, Problem};

        /// The handler gets a `types::Shelf`, boxes and all, and returns it.
        pub(crate) async fn report(db: &impl Database, input: Input) -> Result<Output, Problem> {
            let shelf = db
                .run(shelves::shelf_summary(shelves::ShelfSummaryParams {
                    code: input.code,
                }))
                .await?;
            match shelf {
                Some(body) => Ok(Output::Ok { body }),
                None => Err(Problem::not_found("No shelf has this code.")),
            }
        }
    }
}

type Fixture = common::Fixture<api::Api>;

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.sql(
        "INSERT INTO shelves (id, code, capacity) VALUES (1, 'A', 2), (2, 'B', 5);
         INSERT INTO boxes (shelf_id, label) VALUES (1, 'nails'), (1, 'screws'), (2, 'glue');",
    );
    f
}

fn boxes(f: &Fixture) -> i64 {
    f.db.with_connection(|c| c.query_row("SELECT COUNT(*) FROM boxes", [], |r| r.get(0)))
        .expect("connection")
        .expect("count")
}

#[tokio::test]
async fn a_guard_refuses_with_its_declared_problem_filled_from_its_rows() {
    let f = fixture();
    let (status, _, body) = f
        .call(
            Method::POST,
            "/shelves/A/boxes",
            &[],
            Some(json!({"label": "bolts"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // `detail` and `capacity` from the first row; `labels` one per row.
    assert_eq!(
        body,
        json!({
            "type": "/problems/shelf-full",
            "title": "Shelf full",
            "status": 409,
            "detail": "shelf A holds 2 boxes already",
            "capacity": 2,
            "labels": ["nails", "screws"],
        })
    );
    // A guard of a standard status takes its standard problem, and
    // `errors` from `errors_pointer` and `errors_detail`.
    let (status, _, body) = f
        .call(
            Method::POST,
            "/shelves/B/boxes",
            &[],
            Some(json!({"label": "glue"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body,
        json!({
            "type": "/problems/invalid-body",
            "title": "Request body does not match the schema",
            "status": 422,
            "detail": "a box on shelf B is labelled glue",
            "errors": [{"pointer": "#/body/label", "detail": "is taken on this shelf"}],
        })
    );
    assert_eq!(boxes(&f), 3, "a refused request writes nothing");
}

#[tokio::test]
async fn a_write_that_does_not_hold_back_for_its_guard_is_a_500() {
    let f = fixture();
    // Shelf A is full; `force_box`'s insert does not check, so the guard's
    // refusal would not be true: the answer is a 500, and the log names the
    // guard and the write.
    let (status, _, body) = f
        .call(
            Method::POST,
            "/shelves/A/forced",
            &[],
            Some(json!({"label": "rope"})),
        )
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["type"], "/problems/internal");
    assert_eq!(
        boxes(&f),
        4,
        "the write went through, which is what the 500 reports"
    );
    // With room on the shelf, the guard does not fire and the box is added.
    let (status, _, body) = f
        .call(
            Method::POST,
            "/shelves/B/forced",
            &[],
            Some(json!({"label": "rope"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn a_new_row_is_found_by_the_nonce_and_linked_to() {
    let f = fixture();
    let (status, headers, body) = f
        .call(
            Method::POST,
            "/shelves/B/boxes",
            &[],
            Some(json!({"label": "tape"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body, json!({"id": 4, "label": "tape"}));
    assert_eq!(headers["location"], "/boxes/4");
    let (status, _, linked) = f.call(Method::GET, "/boxes/4", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(linked, body);
    // The nonce is the row's `ref`: 32 hex digits, one per request.
    let refs: Vec<String> =
        f.db.with_connection(|c| {
            let mut stmt = c.prepare("SELECT ref FROM boxes WHERE ref IS NOT NULL")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<Vec<String>, _>>()
        })
        .expect("connection")
        .expect("refs");
    assert_eq!(refs.len(), 1);
    assert!(
        refs[0].len() == 32 && refs[0].bytes().all(|b| b.is_ascii_hexdigit()),
        "{refs:?}"
    );
}

#[tokio::test]
async fn an_entity_tag_comes_from_its_column() {
    let f = fixture();
    let (status, headers, body) = f.call(Method::GET, "/shelves/A", &[], None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers["etag"], "\"1\"");
    let (status, _, _) = f
        .call(
            Method::GET,
            "/shelves/A",
            &[("if-none-match", "\"1\"")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    f.sql("UPDATE shelves SET version = 2 WHERE code = 'A'");
    let (status, headers, _) = f
        .call(
            Method::GET,
            "/shelves/A",
            &[("if-none-match", "\"1\"")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["etag"], "\"2\"");
}

#[tokio::test]
async fn a_handler_gets_mapped_results() {
    let f = fixture();
    let (status, _, body) = f.call(Method::GET, "/shelves/A/report", &[], None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({
            "code": "A",
            "capacity": 2,
            "boxes": [{"id": 1, "label": "nails"}, {"id": 2, "label": "screws"}],
        })
    );
    let (status, _, body) = f.call(Method::GET, "/shelves/Z/report", &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
