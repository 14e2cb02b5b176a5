//! The target-neutral request and response that generated handlers work with.
//!
//! The adapters ([`crate::native`] and `crate::worker`) translate between these
//! and their platform's types; nothing else in a keel app sees the platform.

use std::borrow::Cow;

use bytes::Bytes;
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};

/// The largest request body accepted, in bytes, unless an app says otherwise.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// An HTTP request, already read in full.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path, still percent-encoded, always starting with `/`.
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (path_and_query.to_owned(), None),
        };
        Request {
            method,
            path,
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }

    /// The first value of header `name` if it is valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The status.
    pub status: StatusCode,
    /// The headers, including `Content-Type` when there is a body.
    pub headers: HeaderMap,
    /// The body (static assets are served without copying).
    pub body: Bytes,
}

impl Response {
    /// A response with a body of the given content type.
    pub fn new(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        Response {
            status,
            headers,
            body: body.into(),
        }
    }

    /// A response with no body.
    pub fn empty(status: StatusCode) -> Self {
        Response {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        }
    }
}

/// The path with its dot segments resolved as the URL standard resolves
/// them, and so as a Worker sees it: a `.` segment goes away, a `..`
/// segment takes the one before it with it, both also percent-encoded
/// (`%2e`), and one at the end leaves a trailing `/`. The native adapter
/// applies it so that both targets route `/v1/products/../categories`
/// alike.
pub fn normalize_path(path: &str) -> Cow<'_, str> {
    let Some(rest) = path.strip_prefix('/') else {
        return Cow::Borrowed(path);
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let dot = |s: &str| s == "." || s.eq_ignore_ascii_case("%2e");
    let dot_dot = |s: &str| {
        matches!(s.len(), 2 | 4 | 6)
            && ["..", ".%2e", "%2e.", "%2e%2e"]
                .iter()
                .any(|d| s.eq_ignore_ascii_case(d))
    };
    if !segments.iter().any(|s| dot(s) || dot_dot(s)) {
        return Cow::Borrowed(path);
    }
    let last = segments.len() - 1;
    let mut out: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.into_iter().enumerate() {
        if dot_dot(segment) {
            out.pop();
        } else if !dot(segment) {
            out.push(segment);
            continue;
        }
        if i == last {
            out.push("");
        }
    }
    Cow::Owned(format!("/{}", out.join("/")))
}

/// The path and query of an absolute URL as the Fetch API serializes a
/// request's (`https://host:port/path?query`, already normalized, never a
/// fragment). Reading them off the string spares the Worker a URL parser,
/// and with it its IDNA tables, which a URL the runtime has already parsed
/// does not need.
pub fn path_and_query(url: &str) -> Option<(&str, Option<&str>)> {
    let (_, rest) = url.split_once("://")?;
    let rest = &rest[rest.find('/')?..];
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    Some(match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    })
}

/// The status for a code the macro has already checked to be valid.
pub fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Appends `value` to `url` as one path segment: every byte but the
/// unreserved ones (`A-Z a-z 0-9 - . _ ~`) percent-encoded, and a segment
/// that would be a dot segment (`.`, `..`) encoded whole, so the segment
/// reaches the router as the value it was.
pub fn push_segment(url: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let dots = !value.is_empty() && value.bytes().all(|b| b == b'.');
    for b in value.bytes() {
        if (b.is_ascii_alphanumeric() || b"-_~".contains(&b) || b == b'.') && !dots {
            url.push(char::from(b));
        } else {
            url.push('%');
            url.push(char::from(HEX[usize::from(b >> 4)]));
            url.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_is_encoded_to_come_back_as_itself() {
        for (value, encoded) in [
            ("42", "42"),
            ("SHO-001", "SHO-001"),
            ("a b/c?", "a%20b%2Fc%3F"),
            ("é", "%C3%A9"),
            ("..", "%2E%2E"),
            ("v1.2", "v1.2"),
        ] {
            let mut url = String::from("/x/");
            push_segment(&mut url, value);
            assert_eq!(url, format!("/x/{encoded}"), "{value}");
        }
    }

    #[test]
    fn dot_segments_resolve_as_urls_do() {
        for (path, resolved) in [
            ("/v1/products/1", "/v1/products/1"),
            ("/v1/products/../categories", "/v1/categories"),
            ("/v1/./products", "/v1/products"),
            ("/v1/products/%2E%2e/categories", "/v1/categories"),
            ("/v1/products/.%2e/categories", "/v1/categories"),
            ("/v1/products/..", "/v1/"),
            ("/v1/products/.", "/v1/products/"),
            ("/..", "/"),
            ("/../../v1/categories", "/v1/categories"),
            ("/v1/products/...", "/v1/products/..."),
            ("/v1/products/.x", "/v1/products/.x"),
        ] {
            assert_eq!(normalize_path(path), resolved, "{path}");
        }
    }

    #[test]
    fn fetch_urls_split_into_path_and_query() {
        for (url, split) in [
            ("http://127.0.0.1:8787/healthz", Some(("/healthz", None))),
            (
                "https://shop.example/v1/products?limit=20&category=tea",
                Some(("/v1/products", Some("limit=20&category=tea"))),
            ),
            ("https://shop.example/?", Some(("/", Some("")))),
            ("https://shop.example/a?b?c#d", Some(("/a", Some("b?c")))),
            ("https://shop.example/a#d?e", Some(("/a", None))),
            ("https://shop.example", None),
            ("/relative", None),
        ] {
            assert_eq!(path_and_query(url), split, "{url}");
        }
    }
}
