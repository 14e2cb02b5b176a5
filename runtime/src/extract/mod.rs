//! Reading and validating request input: path, query and header parameters,
//! and JSON bodies. Generated handlers call these; every function records what
//! is wrong in a [`Violations`] list instead of stopping at the first mistake.

pub mod json;
pub mod rules;
pub mod unique;

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

use crate::http::Request;
use crate::problem::{Problem, Violations};
use crate::value::StringEnum;
use rules::{IntRules, NumberRules, StringRules};

pub use json::{FromJson, JsonCx, json_body};
pub use unique::Json;

impl Violations {
    /// The problem for these violations: 400 when any concerns the path,
    /// query or headers or the body is missing, 422 when all are about a
    /// well-formed body that breaks its schema.
    pub fn into_problem(self) -> Problem {
        if self.is_empty() {
            crate::log::error("validation failed without recording a violation");
            return Problem::internal();
        }
        let request_level = self.is_missing_body() || self.any_outside_body();
        let total = self.total();
        let list = self.into_vec();
        let listed = list.len();
        let problem = if request_level {
            Problem::invalid_request(list)
        } else {
            Problem::invalid_body(list)
        };
        if total > listed {
            problem.with_detail(format!(
                "{total} violations; the first {listed} are listed in `errors`"
            ))
        } else {
            problem
        }
    }
}

/// Percent-decodes one path segment.
pub fn path_segment<'a>(raw: &'a str, pointer: &str, v: &mut Violations) -> Option<Cow<'a, str>> {
    match percent_decode_str(raw).decode_utf8() {
        Ok(decoded) => Some(decoded),
        Err(_) => {
            v.push(pointer, "must be valid UTF-8 once percent-decoded");
            None
        }
    }
}

/// The parsed query string of a request.
#[derive(Debug, Default)]
pub struct QueryParams<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> QueryParams<'a> {
    /// Parses `raw`, reporting parameters the endpoint does not declare and
    /// parameters given more than once.
    pub fn parse(raw: Option<&'a str>, known: &[&str], v: &mut Violations) -> Self {
        let mut pairs: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::new();
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(name) = decode_component(raw_name) else {
                v.push(
                    "#/query",
                    "a parameter name is not valid UTF-8 once percent-decoded",
                );
                continue;
            };
            if name.is_empty() {
                continue;
            }
            let Some(value) = decode_component(raw_value) else {
                v.push(
                    format!("#/query/{}", escape_pointer(&name)),
                    "must be valid UTF-8 once percent-decoded",
                );
                continue;
            };
            if !known.contains(&name.as_ref()) {
                let expected = if known.is_empty() {
                    "this endpoint takes no query parameters".to_owned()
                } else {
                    format!("expected one of: {}", known.join(", "))
                };
                v.push(
                    format!("#/query/{}", escape_pointer(&name)),
                    format!("unknown query parameter; {expected}"),
                );
                continue;
            }
            if pairs.iter().any(|(n, _)| *n == name) {
                v.push(
                    format!("#/query/{}", escape_pointer(&name)),
                    "must be given at most once",
                );
                continue;
            }
            pairs.push((name, value));
        }
        QueryParams { pairs }
    }

    /// The value of parameter `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.as_ref())
    }
}

/// One `application/x-www-form-urlencoded` name or value: `+` is a space
/// and `%XX` a byte. `None` when the bytes are not UTF-8: such input is
/// refused, not silently replaced with U+FFFD.
fn decode_component(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains(['%', '+']) {
        return Some(Cow::Borrowed(raw));
    }
    let spaced = raw.replace('+', " ");
    let bytes: Vec<u8> = percent_decode_str(&spaced).collect();
    String::from_utf8(bytes).ok().map(Cow::Owned)
}

/// The value of header `name`, if present; a header that is not valid text
/// is a violation.
pub fn header<'r>(
    req: &'r Request,
    name: &str,
    pointer: &str,
    v: &mut Violations,
) -> Option<&'r str> {
    let value = req.headers.get(name)?;
    match value.to_str() {
        Ok(text) => Some(text),
        Err(_) => {
            v.push(pointer, "must be visible ASCII text");
            None
        }
    }
}

/// Checks the `D1-Bookmark` header of an endpoint that may read a replica
/// (`reads: replica`), on both targets alike: absent, or a D1 bookmark
/// (see [`crate::db::valid_bookmark`]).
pub fn bookmark(req: &Request, v: &mut Violations) {
    const POINTER: &str = "#/header/D1-Bookmark";
    if let Some(value) = header(req, crate::db::BOOKMARK_HEADER, POINTER, v)
        && !crate::db::valid_bookmark(value)
    {
        v.push(
            POINTER,
            "must be a bookmark as an earlier answer's D1-Bookmark gave it (hex groups separated by `-`, at most 256 characters)",
        );
    }
}

/// Records that a required input is missing.
pub fn require<T>(value: Option<T>, present: bool, pointer: &str, v: &mut Violations) -> Option<T> {
    if !present {
        v.push(pointer, "is required");
    }
    value
}

/// Parses and checks an integer parameter.
pub fn integer(
    raw: Option<&str>,
    pointer: &str,
    rules: &IntRules,
    v: &mut Violations,
) -> Option<i64> {
    let raw = raw?;
    let Ok(value) = raw.parse::<i64>() else {
        let digits = raw.strip_prefix('-').unwrap_or(raw);
        let detail = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            // An integer, just too large for any integer type we accept.
            let extreme = if raw.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            };
            rules::check_int(extreme, rules).unwrap_or_else(|| "is out of range".to_owned())
        } else {
            format!("must be an integer, got {}", quote(raw))
        };
        v.push(pointer, detail);
        return None;
    };
    check(rules::check_int(value, rules), value, pointer, v)
}

/// Parses and checks a number parameter.
pub fn number(
    raw: Option<&str>,
    pointer: &str,
    rules: &NumberRules,
    v: &mut Violations,
) -> Option<f64> {
    let raw = raw?;
    let parsed = raw.parse::<f64>().ok().filter(|f| f.is_finite());
    let Some(value) = parsed else {
        v.push(pointer, format!("must be a number, got {}", quote(raw)));
        return None;
    };
    check(rules::check_number(value, rules), value, pointer, v)
}

/// Checks a string parameter.
pub fn string(
    raw: Option<&str>,
    pointer: &str,
    rules: &StringRules,
    v: &mut Violations,
) -> Option<String> {
    let raw = raw?;
    check(rules::check_string(raw, rules), raw.to_owned(), pointer, v)
}

/// Parses a boolean parameter (`true` or `false`).
pub fn boolean(raw: Option<&str>, pointer: &str, v: &mut Violations) -> Option<bool> {
    match raw? {
        "true" => Some(true),
        "false" => Some(false),
        other => {
            v.push(
                pointer,
                format!("must be true or false, got {}", quote(other)),
            );
            None
        }
    }
}

/// Parses a string-enum parameter.
pub fn enumeration<T: StringEnum>(
    raw: Option<&str>,
    pointer: &str,
    v: &mut Violations,
) -> Option<T> {
    let raw = raw?;
    let parsed = T::parse(raw);
    if parsed.is_none() {
        v.push(pointer, enum_message(T::VARIANTS, raw));
    }
    parsed
}

pub(crate) fn enum_message(variants: &[&str], got: &str) -> String {
    format!(
        "must be one of: {}; got {}",
        variants.join(", "),
        quote(got)
    )
}

fn check<T>(problem: Option<String>, value: T, pointer: &str, v: &mut Violations) -> Option<T> {
    match problem {
        Some(detail) => {
            v.push(pointer, detail);
            None
        }
        None => Some(value),
    }
}

fn quote(raw: &str) -> String {
    const MAX: usize = 40;
    if raw.chars().count() > MAX {
        let cut: String = raw.chars().take(MAX).collect();
        format!("{cut:?}…")
    } else {
        format!("{raw:?}")
    }
}

/// Escapes a JSON pointer reference token (RFC 6901).
pub fn escape_pointer(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANY: IntRules = IntRules {
        minimum: Some(1),
        maximum: Some(100),
        int32: false,
    };

    #[test]
    fn query_reports_unknown_and_repeated_parameters() {
        let mut v = Violations::new();
        let q = QueryParams::parse(
            Some("limit=5&limt=3&limit=6&q=a%20b"),
            &["limit", "q"],
            &mut v,
        );
        assert_eq!(q.get("limit"), Some("5"));
        assert_eq!(q.get("q"), Some("a b"));
        let list = v.into_vec();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].pointer, "#/query/limt");
        assert_eq!(
            list[0].detail,
            "unknown query parameter; expected one of: limit, q"
        );
        assert_eq!(list[1].detail, "must be given at most once");
    }

    #[test]
    fn query_values_must_be_utf8() {
        let mut v = Violations::new();
        let q = QueryParams::parse(Some("q=%FF&limit=5&%C3=1"), &["limit", "q"], &mut v);
        assert_eq!((q.get("q"), q.get("limit")), (None, Some("5")));
        let list = v.into_vec();
        assert_eq!(list[0].pointer, "#/query/q");
        assert_eq!(list[0].detail, "must be valid UTF-8 once percent-decoded");
        assert_eq!(list[1].pointer, "#/query");
        assert_eq!(list.len(), 2);
        let mut v = Violations::new();
        let q = QueryParams::parse(Some("q=caf%C3%A9+au+lait"), &["q"], &mut v);
        assert_eq!(q.get("q"), Some("café au lait"));
        assert!(v.is_empty());
    }

    #[test]
    fn integers_are_parsed_then_checked() {
        let mut v = Violations::new();
        assert_eq!(integer(Some("7"), "#/query/limit", &ANY, &mut v), Some(7));
        assert_eq!(integer(Some("abc"), "#/query/limit", &ANY, &mut v), None);
        assert_eq!(integer(Some("0"), "#/query/limit", &ANY, &mut v), None);
        assert_eq!(integer(None, "#/query/limit", &ANY, &mut v), None);
        let list = v.into_vec();
        assert_eq!(list[0].detail, "must be an integer, got \"abc\"");
        assert_eq!(list[1].detail, "must be at least 1");
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn reports_are_capped() {
        let mut v = Violations::new();
        for i in 0..250 {
            v.push(format!("#/body/items/{i}"), "is required");
        }
        let problem = v.into_problem();
        assert_eq!(
            problem.errors().len(),
            crate::problem::MAX_LISTED_VIOLATIONS
        );
        assert_eq!(
            problem.detail(),
            Some("250 violations; the first 100 are listed in `errors`")
        );
    }

    #[test]
    fn violations_outside_the_body_make_a_400() {
        let mut v = Violations::new();
        v.push("#/body/items", "is required");
        assert_eq!(
            v.into_problem().status(),
            http::StatusCode::UNPROCESSABLE_ENTITY
        );
        let mut v = Violations::new();
        v.push("#/body/items", "is required");
        v.push("#/query/limit", "must be at most 100");
        assert_eq!(v.into_problem().status(), http::StatusCode::BAD_REQUEST);
    }
}
