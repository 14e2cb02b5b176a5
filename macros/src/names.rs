//! Identifier checks, case conversion and did-you-mean suggestions.

/// Whether `s` is a snake_case identifier (`get_product`, `v2_items`).
pub fn is_snake_case(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.contains("__")
        && !s.ends_with('_')
}

/// Whether `s` is a slug (`insufficient-stock`): lowercase words of
/// letters and digits joined by single `-`.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Rust keywords that cannot be identifiers even in raw form.
const UNUSABLE: &[&str] = &["self", "super", "crate"];

/// The error for a name Rust cannot use as an identifier at all.
pub fn unusable(s: &str) -> Option<String> {
    UNUSABLE
        .contains(&s)
        .then(|| format!("`{s}` is reserved in Rust and cannot be used as a name here"))
}

/// Whether `s` is a PascalCase identifier (`ProductDetail`).
pub fn is_pascal_case(s: &str) -> bool {
    matches!(s.chars().next(), Some('A'..='Z')) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `order_status` or `in-stock` → `OrderStatus`, `InStock`.
pub fn to_pascal_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper = true;
    for c in s.chars() {
        if c == '_' || c == '-' || c == ' ' || c == '.' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `Location` or `X-Request-Id` → `location`, `x_request_id`.
pub fn to_snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut prev_lower = false;
    for c in s.chars() {
        if c == '-' || c == ' ' || c == '.' {
            out.push('_');
            prev_lower = false;
        } else if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// `list_products` → `LIST_PRODUCTS`.
pub fn to_shouty(s: &str) -> String {
    to_snake_case(s).to_ascii_uppercase()
}

/// Names longer than this get no suggestion: the edit distance takes time
/// and memory quadratic in the length, and a typo in a name this long is
/// not what a suggestion would help with.
const MAX_SUGGESTED: usize = 128;

/// The candidate closest to `wrong`, if close enough to be a likely typo.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wrong_lower = wrong.to_lowercase();
    let len = wrong_lower.chars().count();
    if len > MAX_SUGGESTED {
        return None;
    }
    let limit = (len / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != wrong)
        .map(|c| (c.to_lowercase(), c))
        // The distance is at least the difference in length.
        .filter(|(lower, _)| lower.chars().count().abs_diff(len) <= limit)
        .map(|(lower, c)| (edit_distance(&wrong_lower, &lower), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance counting an adjacent transposition as one edit (optimal
/// string alignment), so `itme` is one edit from `item`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Quotes a list as `` `a`, `b` or `c` `` for messages.
pub fn one_of<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{}`", s.as_ref())).collect();
    join_or(&quoted)
}

/// Joins a list as `a, b or c`.
pub fn join_or<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => "nothing".to_owned(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} or {}", rest.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert!(is_snake_case("get_product"));
        assert!(!is_snake_case("getProduct"));
        assert!(!is_snake_case("_x"));
        assert!(is_pascal_case("ProductDetail"));
        assert_eq!(to_pascal_case("price_desc"), "PriceDesc");
        assert_eq!(to_snake_case("X-Request-Id"), "x_request_id");
        assert_eq!(to_snake_case("Location"), "location");
    }

    #[test]
    fn suggestions_are_close_matches_only() {
        let names = ["get_product", "list_products", "get_order"];
        assert_eq!(did_you_mean("get_prodcut", names), Some("get_product"));
        assert_eq!(did_you_mean("delete_everything", names), None);
        assert_eq!(did_you_mean("Itme", ["Item", "ItemList"]), Some("Item"));
        assert_eq!(one_of(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
