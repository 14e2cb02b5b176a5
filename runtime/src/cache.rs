//! HTTP caching: the `Cache-Control` an endpoint declares (`cache:` in the
//! spec), a strong `ETag` on every successful `GET`, and `If-None-Match`
//! answered with `304 Not Modified`, the same on both targets.
//!
//! The entity tag is a 128-bit XXH3 hash of the body, in hex: the same
//! representation always has the same tag (on both targets, across
//! restarts), any change of a byte changes it, and it costs a fraction of
//! a microsecond per kilobyte, which a cryptographic hash would not on
//! Workers (no SHA instructions in wasm). A client or cache that sends the
//! tag back with `If-None-Match` gets a `304` without the body: the
//! database is still read, but the bytes are not sent again.

use http::{HeaderMap, HeaderValue, StatusCode, header};

use crate::http::Response;
use crate::problem::Problem;

/// `Cache-Control` of a GET endpoint that declares no `cache:` and needs no
/// credentials: any cache may keep the response, but must revalidate it
/// (cheaply, with its `ETag`) before each reuse.
pub const DEFAULT_PUBLIC: &str = "no-cache";

/// `Cache-Control` of a GET endpoint that declares no `cache:` and needs
/// credentials: only the caller's own cache may keep it, and it revalidates.
pub const DEFAULT_PRIVATE: &str = "private, no-cache";

/// Renders a GET endpoint's outcome with its `Cache-Control` (what the
/// spec's `cache:` says, or one of the defaults above), when it is a `200`.
/// Problems carry none: they are not to be reused.
pub fn respond(result: Result<Response, Problem>, cache_control: &'static str) -> Response {
    let mut response = crate::router::respond(result);
    if response.status == StatusCode::OK && !response.headers.contains_key(header::CACHE_CONTROL) {
        response.headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
    }
    response
}

/// Gives a `200` answer to a `GET` (or `HEAD`) its `ETag`, and turns it
/// into a `304 Not Modified` without a body when the request's
/// `If-None-Match` names that tag (or is `*`). Keeps the headers a `304`
/// must repeat (`Cache-Control`, `ETag`, `Vary`, and the rest but the
/// body's own).
pub fn validate(if_none_match: Option<&HeaderValue>, mut response: Response) -> Response {
    if response.status != StatusCode::OK {
        return response;
    }
    let tag = match response.headers.get(header::ETAG) {
        Some(tag) => tag.clone(),
        None => {
            let tag = etag(&response.body);
            response.headers.insert(header::ETAG, tag.clone());
            tag
        }
    };
    let Some(condition) = if_none_match.and_then(|v| v.to_str().ok()) else {
        return response;
    };
    if !none_match_fails(condition, tag.as_bytes()) {
        return response;
    }
    response.status = StatusCode::NOT_MODIFIED;
    response.body = bytes::Bytes::new();
    response.headers.remove(header::CONTENT_TYPE);
    response.headers.remove(header::CONTENT_LENGTH);
    response
}

/// The strong entity tag of a body: `"` 32 hex digits `"`.
pub fn etag(body: &[u8]) -> HeaderValue {
    let hash = xxhash_rust::xxh3::xxh3_128(body);
    let mut text = [0u8; 34];
    text[0] = b'"';
    text[33] = b'"';
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in hash.to_be_bytes().iter().enumerate() {
        text[1 + 2 * i] = HEX[usize::from(byte >> 4)];
        text[2 + 2 * i] = HEX[usize::from(byte & 0xf)];
    }
    HeaderValue::from_bytes(&text).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// The entity tag an endpoint declares with `etag: <column>`: the
/// column's value, which changes whenever the response does. Text already
/// in quotes is the tag as it is; other text made of the characters a tag
/// may hold (`!` and `#` to `~`), and integers, are quoted; anything else
/// is hashed like a body.
pub fn declared(value: &crate::Value) -> HeaderValue {
    let tag_char = |b: u8| b == b'!' || (b'#'..=b'~').contains(&b);
    let text = match value {
        crate::Value::Integer(n) => n.to_string(),
        crate::Value::Text(t) => t.clone(),
        other => return etag(format!("{other:?}").as_bytes()),
    };
    let bytes = text.as_bytes();
    let quoted = bytes.len() >= 2 && bytes[0] == b'"' && bytes[bytes.len() - 1] == b'"';
    let inner = if quoted {
        &bytes[1..bytes.len() - 1]
    } else {
        bytes
    };
    if !inner.iter().all(|&b| tag_char(b)) {
        return etag(bytes);
    }
    let tag = if quoted {
        HeaderValue::from_str(&text)
    } else {
        HeaderValue::from_str(&format!("\"{text}\""))
    };
    tag.unwrap_or_else(|_| etag(text.as_bytes()))
}

/// Whether `If-None-Match: condition` is false for a representation tagged
/// `tag` (RFC 9110 §13.1.2): `*`, or a list naming the tag under the weak
/// comparison (a `W/` prefix on either side is ignored).
fn none_match_fails(condition: &str, tag: &[u8]) -> bool {
    let condition = condition.trim();
    if condition == "*" {
        return true;
    }
    let opaque = |t: &[u8]| -> Vec<u8> { t.strip_prefix(b"W/").unwrap_or(t).to_vec() };
    let tag = opaque(tag);
    condition
        .split(',')
        .map(|candidate| opaque(candidate.trim().as_bytes()))
        .any(|candidate| candidate == tag)
}

/// The request headers [`validate`] reads, taken before the request moves:
/// every `If-None-Match` line, as one list (as a Worker receives them).
pub fn if_none_match(headers: &HeaderMap) -> Option<HeaderValue> {
    let mut lines = headers.get_all(header::IF_NONE_MATCH).iter();
    let first = lines.next()?;
    let rest: Vec<&[u8]> = lines.map(HeaderValue::as_bytes).collect();
    if rest.is_empty() {
        return Some(first.clone());
    }
    let joined = std::iter::once(first.as_bytes())
        .chain(rest)
        .collect::<Vec<_>>()
        .join(&b", "[..]);
    HeaderValue::from_bytes(&joined).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_tag_is_quoted_once_and_only_ever_a_valid_tag() {
        use crate::Value;
        for (value, tag) in [
            (Value::Integer(7), "\"7\""),
            (Value::Text("3-10-2".into()), "\"3-10-2\""),
            (Value::Text("\"3-10-2\"".into()), "\"3-10-2\""),
        ] {
            assert_eq!(declared(&value), tag, "{value:?}");
        }
        // A quote or a space inside would break the header: hashed instead.
        for odd in ["a\"b", "two words", "\"a\"b\""] {
            let tag = declared(&Value::Text(odd.into()));
            assert_eq!(tag, etag(odd.as_bytes()), "{odd}");
        }
    }

    fn ok(body: &'static str) -> Response {
        let mut response = Response::new(StatusCode::OK, "application/json", body.as_bytes());
        response.headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        );
        response
    }

    #[test]
    fn tags_are_strong_stable_and_change_with_the_body() {
        let a = etag(br#"{"id":1}"#);
        assert_eq!(a.len(), 34);
        assert!(
            a.to_str()
                .is_ok_and(|t| t.starts_with('"') && t.ends_with('"'))
        );
        assert_eq!(a, etag(br#"{"id":1}"#));
        assert_ne!(a, etag(br#"{"id":2}"#));
        assert_ne!(etag(b""), etag(b" "));
    }

    #[test]
    fn a_matching_if_none_match_is_a_304_without_a_body() {
        let tag = etag(b"[1]");
        let text = tag.to_str().unwrap_or_default().to_owned();
        for condition in [
            text.clone(),
            format!("W/{text}"),
            format!("\"other\", {text}"),
            "*".to_owned(),
        ] {
            let header = HeaderValue::from_str(&condition).ok();
            let response = validate(header.as_ref(), ok("[1]"));
            assert_eq!(response.status, StatusCode::NOT_MODIFIED, "{condition}");
            assert!(response.body.is_empty());
            assert_eq!(response.headers.get(header::ETAG), Some(&tag));
            assert!(response.headers.get(header::CONTENT_TYPE).is_none());
            assert_eq!(
                response.headers.get(header::CACHE_CONTROL),
                Some(&HeaderValue::from_static("public, max-age=60"))
            );
        }
    }

    #[test]
    fn every_if_none_match_line_counts() {
        let mut headers = HeaderMap::new();
        headers.append(header::IF_NONE_MATCH, HeaderValue::from_static("\"a\""));
        let tag = etag(b"[1]");
        headers.append(header::IF_NONE_MATCH, tag.clone());
        let condition = if_none_match(&headers);
        let response = validate(condition.as_ref(), ok("[1]"));
        assert_eq!(response.status, StatusCode::NOT_MODIFIED);
    }

    #[test]
    fn other_tags_and_other_statuses_get_the_full_answer() {
        let stale = HeaderValue::from_static("\"0123\"");
        let response = validate(Some(&stale), ok("[1]"));
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(&response.body[..], b"[1]");
        assert_eq!(response.headers.get(header::ETAG), Some(&etag(b"[1]")));

        let created = Response::new(StatusCode::CREATED, "application/json", b"{}".as_slice());
        let any = HeaderValue::from_static("*");
        let response = validate(Some(&any), created);
        assert_eq!(response.status, StatusCode::CREATED);
        assert!(response.headers.get(header::ETAG).is_none());
    }

    #[test]
    fn declared_cache_control_goes_on_successes_only() {
        let response = respond(Ok(Response::empty(StatusCode::OK)), "public, max-age=5");
        assert_eq!(
            response.headers.get(header::CACHE_CONTROL),
            Some(&HeaderValue::from_static("public, max-age=5"))
        );
        let problem = respond(Err(Problem::internal()), "public, max-age=5");
        assert!(problem.headers.get(header::CACHE_CONTROL).is_none());
    }
}
