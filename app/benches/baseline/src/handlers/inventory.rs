//! `POST /v1/inventory/check`.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rusqlite::named_params;
use serde::{Deserialize, Serialize};

use super::{StockLine, check_lines, json, json_body, to_json_text};
use crate::App;
use crate::problem::Problem;

#[derive(Serialize)]
struct LineAvailability {
    line: i64,
    sku: String,
    requested: i64,
    available: i64,
    known: bool,
    sufficient: bool,
}

#[derive(Serialize)]
struct InventoryCheck {
    lines: Vec<LineAvailability>,
    all_available: bool,
}

// ---------------------------------------------------------------------------
// POST /v1/inventory/check

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryCheckRequest {
    items: Vec<StockLine>,
}

pub(crate) async fn check_inventory(
    State(app): State<App>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let request: InventoryCheckRequest = json_body(&headers, body)?;
    let mut errors = Vec::new();
    check_lines(&request.items, &mut errors);
    if !errors.is_empty() {
        return Err(Problem::invalid_body(errors));
    }
    let items = to_json_text(&request.items)?;
    let (lines, all_available) = app
        .db
        .read(move |conn, sql| {
            let tx = conn.transaction()?;
            let lines = tx
                .prepare_cached(sql.check_lines)?
                .query_map(named_params! { ":items": items }, |r| {
                    Ok(LineAvailability {
                        line: r.get(0)?,
                        sku: r.get(1)?,
                        requested: r.get(2)?,
                        available: r.get(3)?,
                        known: r.get(4)?,
                        sufficient: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let all_available: bool = tx
                .prepare_cached(sql.check_all_available)?
                .query_row(named_params! { ":items": items }, |r| r.get(0))?;
            tx.commit()?;
            Ok((lines, all_available))
        })
        .await?;
    json(
        StatusCode::OK,
        &InventoryCheck {
            lines,
            all_available,
        },
    )
}
