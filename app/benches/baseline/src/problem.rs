//! Errors as RFC 9457 problem details, in the shape the generated server
//! answers with (`type`, `title`, `status`, `detail`, `errors`, then any
//! extension members). The request id is added by the logging middleware
//! (`serve::log_requests`), as it is to every response.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of every error body.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// One thing wrong with a request: where (a JSON pointer into the request)
/// and what.
#[derive(Debug, Serialize)]
pub(crate) struct Violation {
    pub(crate) pointer: String,
    pub(crate) detail: String,
}

/// An error response; boxed, so that `Result<T, Problem>` stays small on
/// the happy path.
#[derive(Debug)]
pub(crate) struct Problem(Box<Details>);

#[derive(Debug)]
struct Details {
    status: StatusCode,
    body: Body,
    headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Debug, Serialize)]
struct Body {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<Violation>,
    #[serde(flatten)]
    extensions: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, kind: &str, title: &'static str) -> Problem {
        Problem(Box::new(Details {
            status,
            body: Body {
                kind: format!("/problems/{kind}"),
                title,
                status: status.as_u16(),
                detail: None,
                errors: Vec::new(),
                extensions: serde_json::Map::new(),
            },
            headers: Vec::new(),
        }))
    }

    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Problem {
        self.0.body.detail = Some(detail.into());
        self
    }

    pub(crate) fn with_violation(
        mut self,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Problem {
        self.0.body.errors.push(Violation {
            pointer: pointer.into(),
            detail: detail.into(),
        });
        self
    }

    pub(crate) fn with_extension(
        mut self,
        name: &str,
        value: impl Into<serde_json::Value>,
    ) -> Problem {
        self.0.body.extensions.insert(name.to_owned(), value.into());
        self
    }

    pub(crate) fn with_header(mut self, name: HeaderName, value: &'static str) -> Problem {
        self.0.headers.push((name, HeaderValue::from_static(value)));
        self
    }

    /// 400: path or query parameters are invalid.
    pub(crate) fn invalid_request(errors: Vec<Violation>) -> Problem {
        let mut problem = Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "Invalid request",
        )
        .with_detail(summarize(&errors));
        problem.0.body.errors = errors;
        problem
    }

    /// 422: well-formed JSON that breaks the schema.
    pub(crate) fn invalid_body(errors: Vec<Violation>) -> Problem {
        let mut problem = Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
            "Request body does not match the schema",
        )
        .with_detail(summarize(&errors));
        problem.0.body.errors = errors;
        problem
    }

    /// 400: the body is not JSON at all.
    pub(crate) fn malformed_json(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "Malformed JSON body",
        )
        .with_detail(detail)
    }

    /// 415: the body is not `application/json`.
    pub(crate) fn unsupported_media_type(found: Option<&str>) -> Problem {
        let detail = match found {
            Some(found) => format!("expected content type application/json, found {found}"),
            None => "expected content type application/json; the Content-Type header is missing"
                .to_owned(),
        };
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
        )
        .with_detail(detail)
    }

    pub(crate) fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found").with_detail(detail)
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden")
            .with_detail(detail)
            .with_header(
                header::WWW_AUTHENTICATE,
                "Bearer error=\"insufficient_scope\"",
            )
    }

    /// 500; what failed goes to the log, never to the client.
    pub(crate) fn internal(log: &str) -> Problem {
        tracing::error!("{log}");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
        )
        .with_detail("the server failed to handle the request; it has been logged")
    }

    /// 503: the database is busy; retrying may succeed.
    pub(crate) fn unavailable() -> Problem {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
        )
        .with_detail("the database is busy; retry shortly")
        .with_header(header::RETRY_AFTER, "1")
    }
}

impl From<rusqlite::Error> for Problem {
    fn from(err: rusqlite::Error) -> Problem {
        match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                tracing::warn!("database busy: {err}");
                Problem::unavailable()
            }
            _ => Problem::internal(&format!("database: {err}")),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let Details {
            status,
            body,
            headers,
        } = *self.0;
        let body = match serde_json::to_vec(&body) {
            Ok(body) => body,
            Err(err) => {
                tracing::error!("cannot serialize a problem: {err}");
                br#"{"type":"/problems/internal","title":"Internal server error","status":500}"#
                    .to_vec()
            }
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
            body,
        )
            .into_response();
        for (name, value) in headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// The `detail` of a problem with violations, as the generated server
/// words it.
fn summarize(errors: &[Violation]) -> String {
    match errors {
        [one] => format!("{}: {}", one.pointer, one.detail),
        many => format!("{} violations; see `errors`", many.len()),
    }
}
