//! Request ids: one per request, in the response's `X-Request-Id`, in every
//! problem body (`request_id`) and in the request's log lines, so that a
//! support ticket quoting it leads straight to the log.
//!
//! The id is the client's own `X-Request-Id` when it sent a sane one (1 to
//! 128 characters of `A-Z a-z 0-9 - _ . : + / =`), so a request can be
//! followed across services; otherwise, on Workers, the edge's `cf-ray`;
//! otherwise a new one, unique in the process or isolate.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::http::Response;
use crate::problem::PROBLEM_JSON;

/// `X-Request-Id`.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest client-chosen id kept.
pub const MAX_LEN: usize = 128;

/// Makes sure `headers` carry a sane `X-Request-Id` (keeping the client's,
/// else taking `cf-ray`, else generating one) and returns it. Calling it
/// again returns the same id.
pub fn assign(headers: &mut HeaderMap) -> HeaderValue {
    if let Some(id) = headers.get(&HEADER).filter(|v| is_sane(v.as_bytes())) {
        return id.clone();
    }
    let id = headers
        .get("cf-ray")
        .filter(|v| is_sane(v.as_bytes()))
        .cloned()
        .unwrap_or_else(generate);
    headers.insert(HEADER, id.clone());
    id
}

/// Whether `id` is one to keep: short, and nothing that needs escaping in a
/// header, a JSON string or a log line.
pub fn is_sane(id: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(b))
}

/// Marks `response` with the request id: the `X-Request-Id` header and, in a
/// problem body, a `request_id` member.
pub fn stamp(response: &mut Response, id: &HeaderValue) {
    let is_problem = response
        .headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    if is_problem
        && response.body.first() == Some(&b'{')
        && response.body.last() == Some(&b'}')
        && is_sane(id.as_bytes())
    {
        // A problem body is a JSON object this crate wrote; the id needs no
        // escaping. Append the member rather than parse and rewrite.
        let body = &response.body;
        let mut stamped = Vec::with_capacity(body.len() + id.len() + 16);
        stamped.extend_from_slice(&body[..body.len() - 1]);
        if body.len() > 2 {
            stamped.push(b',');
        }
        stamped.extend_from_slice(b"\"request_id\":\"");
        stamped.extend_from_slice(id.as_bytes());
        stamped.extend_from_slice(b"\"}");
        response.body = stamped.into();
    }
    response.headers.insert(HEADER, id.clone());
}

/// A new id: a random prefix chosen once per process (or isolate) and a
/// counter, as 24 hexadecimal digits.
fn generate() -> HeaderValue {
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(random_u64);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let text = format!("{prefix:016x}{:08x}", n & 0xffff_ffff);
    // Hexadecimal digits are always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("0"))
}

#[cfg(not(target_arch = "wasm32"))]
fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // Uniqueness within the process still holds through the counter.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        return nanos as u64 ^ u64::from(std::process::id());
    }
    u64::from_le_bytes(bytes)
}

#[cfg(target_arch = "wasm32")]
fn random_u64() -> u64 {
    // Two draws of 32 bits each; the isolate has no other source handy.
    let draw = || (js_sys::Math::random() * 4_294_967_296.0) as u64;
    (draw() << 32) | draw()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    #[test]
    fn a_sane_client_id_is_kept_and_anything_else_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, HeaderValue::from_static("ticket-42:a/b+c="));
        assert_eq!(assign(&mut headers), "ticket-42:a/b+c=");

        for bad in ["", "has space", "quote\"", &"x".repeat(MAX_LEN + 1)] {
            let mut headers = HeaderMap::new();
            headers.insert(HEADER, HeaderValue::from_str(bad).unwrap());
            let id = assign(&mut headers);
            assert_ne!(id.as_bytes(), bad.as_bytes());
            assert_eq!(id.len(), 24, "{id:?}");
            assert_eq!(headers.get(&HEADER), Some(&id));
            assert_eq!(assign(&mut headers), id, "assigning twice keeps the id");
        }
    }

    #[test]
    fn the_edge_ray_serves_when_the_client_sent_none() {
        let mut headers = HeaderMap::new();
        headers.insert("cf-ray", HeaderValue::from_static("8f1d2c3b4a5e6f70-AMS"));
        assert_eq!(assign(&mut headers), "8f1d2c3b4a5e6f70-AMS");
    }

    #[test]
    fn generated_ids_differ() {
        let a = assign(&mut HeaderMap::new());
        let b = assign(&mut HeaderMap::new());
        assert_ne!(a, b);
    }

    #[test]
    fn problems_carry_the_id_in_their_body() {
        let id = HeaderValue::from_static("abc-123");
        let mut response = Problem::internal().into_response();
        stamp(&mut response, &id);
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(body["request_id"], "abc-123");
        assert_eq!(body["status"], 500);
        assert_eq!(response.headers.get(&HEADER), Some(&id));

        let mut ok = Response::new(http::StatusCode::OK, "application/json", "{}");
        stamp(&mut ok, &id);
        assert_eq!(&ok.body[..], b"{}", "only problems get the member");
        assert_eq!(ok.headers.get(&HEADER), Some(&id));
    }
}
