//! Helpers for the generated router: path splitting and the answers when
//! no route takes a request.
//!
//! The macro turns the spec's routes into slice patterns over the path's
//! segments (literal segments before parameters at each position), so
//! routing costs a split and a few string comparisons.

use crate::http::{Request, Response};
use crate::problem::Problem;

/// Splits `path` into its segments, filling `buf`. Returns `None` when no
/// route can match: the path has more segments than any route, an empty
/// segment (`//`, or a trailing `/`), or does not start with `/`.
pub fn segments<'p, 'b>(path: &'p str, buf: &'b mut [&'p str]) -> Option<&'b [&'p str]> {
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return Some(&buf[..0]);
    }
    let mut count = 0;
    for segment in rest.split('/') {
        if segment.is_empty() {
            return None;
        }
        *buf.get_mut(count)? = segment;
        count += 1;
    }
    Some(&buf[..count])
}

/// Renders a handler's outcome.
pub fn respond(result: Result<Response, Problem>) -> Response {
    match result {
        Ok(response) => response,
        Err(problem) => problem.into_response(),
    }
}

/// The answer when no route took the request: 405 listing the methods of
/// the route whose path matched, or 404 when none did.
pub fn unmatched(req: &Request, allowed: &[&'static str]) -> Response {
    if allowed.is_empty() {
        return Problem::no_route(&req.method, &req.path).into_response();
    }
    Problem::method_not_allowed(&req.method, allowed).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_into_segments() {
        let mut buf = [""; 4];
        assert_eq!(segments("/", &mut buf), Some(&[][..]));
        assert_eq!(
            segments("/v1/products", &mut buf),
            Some(&["v1", "products"][..])
        );
        assert_eq!(segments("/v1/products/", &mut buf), None);
        assert_eq!(segments("/v1//products", &mut buf), None);
        assert_eq!(segments("/a/b/c/d/e", &mut buf), None);
        assert_eq!(segments("relative", &mut buf), None);
    }
}
