//! The endpoints: what each reads, checks and answers. The SQL is the app's
//! own (`app/queries/*.sql`, see `db.rs`); the JSON has the generated
//! server's fields in its order, so the two answer byte for byte alike.
//! What the endpoints share is here: response helpers, the rules of a
//! stock line, and reading a JSON body.

mod catalog;
mod inventory;
mod orders;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::problem::{Problem, Violation};

pub(crate) use catalog::{get_product, health, list_products};
pub(crate) use inventory::check_inventory;
pub(crate) use orders::create_order;

#[derive(Serialize)]
pub(crate) struct Money {
    pub(crate) amount_cents: i64,
    pub(crate) currency: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StockLine {
    pub(crate) sku: String,
    pub(crate) quantity: i32,
}

pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Response, Problem> {
    let body = serde_json::to_vec(value)
        .map_err(|e| Problem::internal(&format!("cannot serialize a response: {e}")))?;
    Ok((
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// A `200` answer to a `GET`, with its `Cache-Control` and a strong `ETag`
/// (the XXH3-128 of the body, as the generated server tags it); `304 Not
/// Modified` without the body when the request's `If-None-Match` names the
/// tag.
pub(crate) fn json_get<T: Serialize>(
    request: &HeaderMap,
    cache_control: &'static str,
    value: &T,
) -> Result<Response, Problem> {
    let body = serde_json::to_vec(value)
        .map_err(|e| Problem::internal(&format!("cannot serialize a response: {e}")))?;
    let tag = etag(&body);
    let cache = HeaderValue::from_static(cache_control);
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|condition| {
            let opaque = |t: &str| t.trim().strip_prefix("W/").unwrap_or(t.trim()).to_owned();
            condition.trim() == "*"
                || condition
                    .split(',')
                    .any(|candidate| opaque(candidate) == opaque(tag.to_str().unwrap_or("")))
        });
    if matches {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, tag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, cache),
            (header::ETAG, tag),
        ],
        body,
    )
        .into_response())
}

/// `"` 32 hexadecimal digits of the body's XXH3-128 `"`.
fn etag(body: &[u8]) -> HeaderValue {
    let hash = xxhash_rust::xxh3::xxh3_128(body);
    HeaderValue::try_from(format!("\"{hash:032x}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

// ---------------------------------------------------------------------------
// Shared pieces.

pub(crate) async fn no_route(method: axum::http::Method, uri: axum::http::Uri) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "no-route", "No such route")
        .with_detail(format!("no route matches {method} {}", uri.path()))
}

pub(crate) fn violation(pointer: &str, detail: impl Into<String>) -> Violation {
    Violation {
        pointer: pointer.into(),
        detail: detail.into(),
    }
}

/// The rules of `StockLine` and of a list of 1 to 100 of them.
pub(crate) fn check_lines(items: &[StockLine], errors: &mut Vec<Violation>) {
    if !(1..=100).contains(&items.len()) {
        errors.push(violation("#/body/items", "must have 1 to 100 items"));
    }
    for (index, item) in items.iter().enumerate() {
        let sku_ok = item.sku.len() <= 64
            && item.sku.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            });
        if !sku_ok {
            errors.push(violation(
                &format!("#/body/items/{index}/sku"),
                "must match ^[A-Z0-9]+(-[A-Z0-9]+)*$ and be at most 64 characters",
            ));
        }
        let quantity = match item.quantity {
            ..1 => Some("must be at least 1"),
            10_001.. => Some("must be at most 10000"),
            _ => None,
        };
        if let Some(detail) = quantity {
            errors.push(violation(&format!("#/body/items/{index}/quantity"), detail));
        }
    }
}

/// A JSON request body: 415 unless it says it is JSON, 400 unless it
/// parses, 422 unless it has the expected shape (unknown members refused).
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Problem> {
    let body = body.map_err(|rejection| {
        Problem::new(rejection.status(), "unreadable-body", "Unreadable body")
            .with_detail(rejection.body_text())
    })?;
    if body.is_empty() {
        return Err(Problem::invalid_body(vec![violation(
            "#/body",
            "a JSON body is required",
        )]));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let is_json = content_type.is_some_and(|v| {
        let essence = v.split(';').next().unwrap_or("").trim();
        essence.eq_ignore_ascii_case("application/json")
            || essence.to_ascii_lowercase().ends_with("+json")
    });
    if !is_json {
        return Err(Problem::unsupported_media_type(content_type));
    }
    serde_json::from_slice(&body).map_err(|err| match err.classify() {
        serde_json::error::Category::Data => {
            Problem::invalid_body(vec![violation("#/body", err.to_string())])
        }
        _ => Problem::malformed_json(format!("the body is not valid JSON: {err}")),
    })
}

/// An array input as the JSON text the queries read with `json_each`.
pub(crate) fn to_json_text<T: Serialize>(value: &T) -> Result<String, Problem> {
    serde_json::to_string(value)
        .map_err(|e| Problem::internal(&format!("cannot serialize a parameter: {e}")))
}

/// `N` random bytes from the OS, hex-encoded.
pub(crate) fn random_hex<const N: usize>() -> Result<String, Problem> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| Problem::internal(&format!("no randomness available: {e}")))?;
    let mut out = String::with_capacity(N * 2);
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 0xf)]));
    }
    Ok(out)
}
