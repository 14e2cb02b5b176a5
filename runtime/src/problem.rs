//! Errors as data: RFC 9457 `application/problem+json` responses.
//!
//! Every error a keel API returns is a [`Problem`]. The policy:
//!
//! - **Client mistakes** (4xx) say exactly what is wrong. Input validation
//!   collects *every* violation before answering, each with a JSON pointer into
//!   the request (`#/path/product_id`, `#/query/limit`, `#/header/x-request-id`,
//!   `#/body/items/0/quantity`), so a client can fix everything in one go.
//! - **Server failures** (5xx) say only that something failed and never leak
//!   SQL, table names or stack traces; the details go to the log.
//! - The `type` member is a stable, relative URI reference (`/problems/...`)
//!   that clients can switch on; `title` is its human-readable summary.

use std::borrow::Cow;
use std::fmt;

use http::{HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use crate::http::Response;

const RESERVED_MEMBERS: &[&str] = &["type", "title", "status", "detail", "instance", "errors"];

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One thing wrong with a request: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON pointer (in URI fragment form) to the offending input, rooted at a
    /// conceptual request document: `#/path/...`, `#/query/...`,
    /// `#/header/...` or `#/body/...`.
    pub pointer: String,
    /// What is wrong, in a sentence fragment (`"must be at least 1"`).
    pub detail: String,
}

/// An error response in RFC 9457 form.
///
/// Boxed inside, so that `Result<T, Problem>` stays small on the happy path.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem(Box<Details>);

#[derive(Debug, Clone, PartialEq)]
struct Details {
    status: StatusCode,
    kind: Cow<'static, str>,
    title: Cow<'static, str>,
    detail: Option<String>,
    errors: Vec<Violation>,
    extensions: serde_json::Map<String, serde_json::Value>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [Violation],
    #[serde(flatten)]
    extensions: &'a serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    /// A problem of `status` whose type is `/problems/{kind}`.
    pub fn new(
        status: StatusCode,
        kind: impl Into<Cow<'static, str>>,
        title: impl Into<Cow<'static, str>>,
    ) -> Self {
        Problem(Box::new(Details {
            status,
            kind: kind.into(),
            title: title.into(),
            detail: None,
            errors: Vec::new(),
            extensions: serde_json::Map::new(),
            headers: Vec::new(),
        }))
    }

    /// 400: path, query or header parameters (or the JSON syntax) are invalid.
    pub fn invalid_request(errors: Vec<Violation>) -> Self {
        let detail = summarize(&errors);
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "Invalid request",
        )
        .with_detail(detail)
        .with_errors(errors)
    }

    /// 400: the body is not well-formed JSON.
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-json",
            "Malformed JSON body",
        )
        .with_detail(detail)
    }

    /// 422: the body is well-formed JSON that breaks the schema.
    pub fn invalid_body(errors: Vec<Violation>) -> Self {
        let detail = summarize(&errors);
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-body",
            "Request body does not match the schema",
        )
        .with_detail(detail)
        .with_errors(errors)
    }

    /// 404 for a resource that does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found").with_detail(detail)
    }

    /// 404 for a path no route matches.
    pub fn no_route(method: &http::Method, path: &str) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "no-route", "No such route")
            .with_detail(format!("no route matches {method} {path}"))
    }

    /// 405 with the `Allow` header listing the methods the path accepts.
    pub fn method_not_allowed(method: &http::Method, allowed: &[&str]) -> Self {
        let list = allowed.join(", ");
        let mut problem = Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
        )
        .with_detail(format!("{method} is not allowed here; allowed: {list}"));
        if let Ok(value) = HeaderValue::from_str(&list) {
            problem.0.headers.push((http::header::ALLOW, value));
        }
        problem
    }

    /// 409: the request conflicts with the current state of a resource.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::CONFLICT, "conflict", "Conflict").with_detail(detail)
    }

    /// 413: the body is larger than the server accepts.
    pub fn payload_too_large(limit: usize) -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Request body too large",
        )
        .with_detail(format!("the body must be at most {limit} bytes"))
    }

    /// 415: the body is not `application/json`.
    pub fn unsupported_media_type(found: Option<&str>) -> Self {
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

    /// 500: something failed on our side. The detail stays in the log.
    pub fn internal() -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
        )
        .with_detail("the server failed to handle the request; it has been logged")
    }

    /// 503: a dependency is temporarily unavailable; retrying may succeed.
    pub fn unavailable(retry_after_seconds: u32) -> Self {
        let mut problem = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
        )
        .with_detail("the database is busy; retry shortly");
        problem.0.headers.push((
            http::header::RETRY_AFTER,
            HeaderValue::from(retry_after_seconds),
        ));
        problem
    }

    /// Adds a response header (such as `WWW-Authenticate`). A value that is
    /// not valid header text is logged and left out.
    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        match HeaderValue::from_str(value) {
            Ok(value) => self.0.headers.push((name, value)),
            Err(_) => crate::log::error(&format!(
                "invalid value for problem header {name}: {value:?}"
            )),
        }
        self
    }

    /// Sets the human-readable explanation of this occurrence.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.0.detail = Some(detail.into());
        self
    }

    /// Replaces the violations listed in `errors`.
    pub fn with_errors(mut self, errors: Vec<Violation>) -> Self {
        self.0.errors = errors;
        self
    }

    /// Adds one violation.
    pub fn with_violation(mut self, pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        self.0.errors.push(Violation {
            pointer: pointer.into(),
            detail: detail.into(),
        });
        self
    }

    /// Adds an extension member (RFC 9457 §3.2) to the body. The standard
    /// members (`type`, `title`, `status`, `detail`, `instance`) and `errors`
    /// cannot be replaced this way; such a call is logged and ignored.
    pub fn with_extension(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        if RESERVED_MEMBERS.contains(&name) {
            crate::log::error(&format!(
                "problem extension `{name}` would replace a standard member; ignored"
            ));
        } else {
            self.0.extensions.insert(name.to_owned(), value.into());
        }
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The problem type URI (`/problems/{kind}`).
    pub fn type_uri(&self) -> String {
        format!("/problems/{}", self.0.kind)
    }

    /// The short title.
    pub fn title(&self) -> &str {
        &self.0.title
    }

    /// The detail, if any.
    pub fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    /// The listed violations.
    pub fn errors(&self) -> &[Violation] {
        &self.0.errors
    }

    /// Renders the problem as a response.
    pub fn into_response(self) -> Response {
        let body = Body {
            kind: self.type_uri(),
            title: &self.0.title,
            status: self.0.status.as_u16(),
            detail: self.0.detail.as_deref(),
            errors: &self.0.errors,
            extensions: &self.0.extensions,
        };
        // Serializing this struct of strings and JSON values cannot fail; fall
        // back to a fixed body rather than panic if it ever did.
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| {
            br#"{"type":"/problems/internal","title":"Internal server error","status":500}"#
                .to_vec()
        });
        let mut response = Response::new(self.0.status, PROBLEM_JSON, bytes);
        for (name, value) in self.0.headers {
            response.headers.append(name, value);
        }
        response
    }
}

/// The responses that can fail become a problem when they do: built here,
/// so that `http` (the request and response types) needs nothing of this
/// module.
impl Response {
    /// A JSON response. Serialization of generated types cannot fail, but a
    /// failure is still answered with a 500 problem rather than a panic.
    pub fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Response::new(status, "application/json", body),
            Err(err) => {
                crate::log::error(&format!("failed to serialize a response body: {err}"));
                Problem::internal().into_response()
            }
        }
    }

    /// Adds a header, rejecting values that are not valid header text.
    pub fn with_header(mut self, name: HeaderName, value: &str) -> Result<Self, Problem> {
        let value = HeaderValue::from_str(value).map_err(|_| {
            crate::log::error(&format!(
                "invalid value for response header {name}: {value:?}"
            ));
            Problem::internal()
        })?;
        self.headers.insert(name, value);
        Ok(self)
    }
}

impl From<Problem> for Response {
    fn from(problem: Problem) -> Self {
        problem.into_response()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0.status.as_u16(), self.0.title)?;
        if let Some(detail) = &self.0.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

fn summarize(errors: &[Violation]) -> String {
    match errors {
        [one] => format!("{}: {}", one.pointer, one.detail),
        many => format!("{} violations; see `errors`", many.len()),
    }
}

/// Collects violations while a request is checked, so that all of them are
/// reported at once.
#[derive(Debug, Default)]
pub struct Violations {
    list: Vec<Violation>,
    total: usize,
    outside_body: bool,
    missing_body: bool,
}

/// How many violations a problem lists; the rest are counted in `detail`.
pub const MAX_LISTED_VIOLATIONS: usize = 100;

impl Violations {
    /// An empty collection.
    pub fn new() -> Self {
        Violations::default()
    }

    /// Records one violation. Past [`MAX_LISTED_VIOLATIONS`] they are only
    /// counted, so that a hostile body cannot make the report huge.
    pub fn push(&mut self, pointer: impl Into<String>, detail: impl Into<String>) {
        let pointer = pointer.into();
        self.total += 1;
        self.outside_body |= !pointer.starts_with("#/body");
        if self.list.len() < MAX_LISTED_VIOLATIONS {
            self.list.push(Violation {
                pointer,
                detail: detail.into(),
            });
        }
    }

    /// Whether any violation concerns the path, query or headers.
    pub fn any_outside_body(&self) -> bool {
        self.outside_body
    }

    /// How many violations were recorded, listed or not.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Records that a required JSON body is absent: a malformed request
    /// (400) rather than a body that breaks its schema (422).
    pub fn missing_body(&mut self) {
        self.missing_body = true;
        self.push(
            "#/body",
            "is required: send a JSON object with Content-Type: application/json",
        );
    }

    /// Whether the request lacked its required body.
    pub fn is_missing_body(&self) -> bool {
        self.missing_body
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The recorded violations.
    pub fn into_vec(self) -> Vec<Violation> {
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(problem: Problem) -> serde_json::Value {
        let response = problem.into_response();
        serde_json::from_slice(&response.body).unwrap()
    }

    #[test]
    fn renders_rfc9457_members() {
        let json = body(Problem::invalid_request(vec![Violation {
            pointer: "#/query/limit".into(),
            detail: "must be at most 100".into(),
        }]));
        assert_eq!(
            json,
            serde_json::json!({
                "type": "/problems/invalid-request",
                "title": "Invalid request",
                "status": 400,
                "detail": "#/query/limit: must be at most 100",
                "errors": [{"pointer": "#/query/limit", "detail": "must be at most 100"}]
            })
        );
    }

    #[test]
    fn method_not_allowed_sets_allow() {
        let response =
            Problem::method_not_allowed(&http::Method::DELETE, &["GET", "HEAD"]).into_response();
        assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(response.headers[http::header::ALLOW], "GET, HEAD");
        assert_eq!(response.headers[http::header::CONTENT_TYPE], PROBLEM_JSON);
    }

    #[test]
    fn extensions_are_flattened() {
        let json = body(
            Problem::conflict("short")
                .with_extension("skus", vec!["A-1"])
                .with_extension("status", "not a number"),
        );
        assert_eq!(json["skus"], serde_json::json!(["A-1"]));
        assert_eq!(json["status"], 409);
    }
}
