//! Helpers for the generated router: path splitting and method lists.
//!
//! The macro turns the spec's routes into one `match` over path segments
//! (static segments before parameters at each position), so routing costs a
//! split and a few string comparisons, with no allocation.

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
