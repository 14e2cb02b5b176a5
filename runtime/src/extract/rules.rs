//! The constraints a spec puts on a value, and the checks that enforce them.
//!
//! Generated code holds one `const` rule set per parameter or field; the same
//! checks serve path, query and header parameters and JSON bodies, so a
//! constraint means the same thing wherever it appears.

use std::sync::OnceLock;

use regex_lite::Regex;

use crate::value::{MAX_SAFE_INTEGER, MIN_SAFE_INTEGER};

/// Constraints on an integer.
#[derive(Debug, Clone, Copy)]
pub struct IntRules {
    /// Inclusive lower bound.
    pub minimum: Option<i64>,
    /// Inclusive upper bound.
    pub maximum: Option<i64>,
    /// Whether the value is an `int32` rather than an `int64`.
    pub int32: bool,
}

/// Constraints on a number.
#[derive(Debug, Clone, Copy)]
pub struct NumberRules {
    /// Inclusive lower bound.
    pub minimum: Option<f64>,
    /// Inclusive upper bound.
    pub maximum: Option<f64>,
}

/// Constraints on a string.
#[derive(Debug, Clone, Copy)]
pub struct StringRules {
    /// Minimum length in characters.
    pub min_length: Option<usize>,
    /// Maximum length in characters.
    pub max_length: Option<usize>,
    /// A regular expression the whole value must match somewhere (like
    /// JSON Schema, the pattern is not implicitly anchored).
    pub pattern: Option<&'static Pattern>,
    /// A well-known format.
    pub format: Option<Format>,
}

/// Constraints on an array.
#[derive(Debug, Clone, Copy)]
pub struct ArrayRules {
    /// Minimum number of items.
    pub min_items: Option<usize>,
    /// Maximum number of items.
    pub max_items: Option<usize>,
}

/// String formats the framework checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 3339 date and time with offset, such as `2026-01-31T12:00:00Z`.
    DateTime,
    /// RFC 3339 full date, such as `2026-01-31`.
    Date,
    /// An e-mail address (`local@domain`, checked loosely).
    Email,
    /// A UUID in its 8-4-4-4-12 hexadecimal form.
    Uuid,
}

impl Format {
    /// The name used in the spec.
    pub fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Email => "email",
            Format::Uuid => "uuid",
        }
    }

    /// Whether `s` is in this format.
    pub fn matches(self, s: &str) -> bool {
        match self {
            Format::DateTime => is_date_time(s),
            Format::Date => is_date(s),
            Format::Email => is_email(s),
            Format::Uuid => is_uuid(s),
        }
    }
}

/// A regular expression. The macro has already compiled it once, so it is
/// known to be valid; a simple one comes with the [`Dfa`] the macro built
/// for it, any other is compiled by the regex engine on first use.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    dfa: Option<&'static Dfa>,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// A pattern from its source text, for the regex engine.
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            dfa: None,
            compiled: OnceLock::new(),
        }
    }

    /// A pattern and the DFA the macro compiled it to.
    pub const fn with_dfa(source: &'static str, dfa: &'static Dfa) -> Self {
        Pattern {
            source,
            dfa: Some(dfa),
            compiled: OnceLock::new(),
        }
    }

    /// The source text.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `s` matches. An invalid pattern matches nothing (and is logged)
    /// rather than letting unchecked input through.
    pub fn is_match(&self, s: &str) -> bool {
        if let Some(dfa) = self.dfa {
            return dfa.is_match(s);
        }
        let regex = self.compiled.get_or_init(|| match Regex::new(self.source) {
            Ok(regex) => Some(regex),
            Err(err) => {
                crate::log::error(&format!("invalid pattern {:?}: {err}", self.source));
                None
            }
        });
        regex.as_ref().is_some_and(|r| r.is_match(s))
    }
}

/// An anchored pattern over ASCII as a deterministic automaton, built by
/// the macro: the class of each byte, then one transition per state and
/// class. A whole string matches when the walk ends in an accepting state.
#[derive(Debug)]
pub struct Dfa {
    /// The class of each ASCII byte.
    pub classes: [u8; 128],
    /// Number of classes: the width of a row of `next`.
    pub width: usize,
    /// `next[state * width + class]`; `u16::MAX` where nothing can match.
    pub next: &'static [u16],
    /// Whether each state accepts.
    pub accept: &'static [bool],
}

impl Dfa {
    /// Whether all of `s` matches. Patterns compiled to a DFA match ASCII
    /// only, so any other byte ends the walk.
    pub fn is_match(&self, s: &str) -> bool {
        let mut state = 0usize;
        for &byte in s.as_bytes() {
            let Some(&class) = self.classes.get(usize::from(byte)) else {
                return false;
            };
            match self.next.get(state * self.width + usize::from(class)) {
                Some(&next) if next != u16::MAX => state = usize::from(next),
                _ => return false,
            }
        }
        self.accept.get(state).copied().unwrap_or(false)
    }
}

/// Checks an integer; returns the problems found.
pub fn check_int(value: i64, rules: &IntRules) -> Option<String> {
    let (lo, hi) = if rules.int32 {
        (i64::from(i32::MIN), i64::from(i32::MAX))
    } else {
        (MIN_SAFE_INTEGER, MAX_SAFE_INTEGER)
    };
    if let Some(problem) = bounds(value, rules.minimum, rules.maximum) {
        return Some(problem);
    }
    if value < lo || value > hi {
        return Some(format!("must be between {lo} and {hi}"));
    }
    None
}

/// Checks a number.
pub fn check_number(value: f64, rules: &NumberRules) -> Option<String> {
    if !value.is_finite() {
        return Some("must be a finite number".to_owned());
    }
    bounds(value, rules.minimum, rules.maximum)
}

/// The inclusive `minimum`/`maximum` check integers and numbers share.
fn bounds<T: PartialOrd + std::fmt::Display>(
    value: T,
    minimum: Option<T>,
    maximum: Option<T>,
) -> Option<String> {
    match (minimum, maximum) {
        (Some(min), _) if value < min => Some(format!("must be at least {min}")),
        (_, Some(max)) if value > max => Some(format!("must be at most {max}")),
        _ => None,
    }
}

/// Checks a string.
pub fn check_string(value: &str, rules: &StringRules) -> Option<String> {
    if rules.min_length.is_some() || rules.max_length.is_some() {
        let len = value.chars().count();
        if let Some(min) = rules.min_length
            && len < min
        {
            return Some(match min {
                1 => "must not be empty".to_owned(),
                _ => format!("must be at least {min} characters long"),
            });
        }
        if let Some(max) = rules.max_length
            && len > max
        {
            return Some(format!("must be at most {max} characters long"));
        }
    }
    if let Some(format) = rules.format
        && !format.matches(value)
    {
        return Some(format!("must be a valid {}", format.name()));
    }
    if let Some(pattern) = rules.pattern
        && !pattern.is_match(value)
    {
        return Some(format!("must match the pattern {}", pattern.source()));
    }
    None
}

/// Checks an array's length.
pub fn check_array(len: usize, rules: &ArrayRules) -> Option<String> {
    if let Some(min) = rules.min_items
        && len < min
    {
        return Some(format!(
            "must have at least {min} item{}",
            if min == 1 { "" } else { "s" }
        ));
    }
    if let Some(max) = rules.max_items
        && len > max
    {
        return Some(format!(
            "must have at most {max} item{}",
            if max == 1 { "" } else { "s" }
        ));
    }
    None
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    // ASCII only, so that the byte slices below are character boundaries.
    if !s.is_ascii() || b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) =
        (digits(&s[0..4]), digits(&s[5..7]), digits(&s[8..10]))
    else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    if !s.is_ascii() || b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (Some(h), Some(m), Some(sec)) = (digits(&s[0..2]), digits(&s[3..5]), digits(&s[6..8]))
    else {
        return false;
    };
    if h > 23 || m > 59 || sec > 60 {
        return false;
    }
    let rest = &s[8..];
    let rest = match rest.strip_prefix('.') {
        Some(frac) => {
            let end = frac
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(frac.len());
            if end == 0 {
                return false;
            }
            &frac[end..]
        }
        None => rest,
    };
    match rest {
        "Z" | "z" => true,
        offset if offset.len() == 6 && (offset.starts_with('+') || offset.starts_with('-')) => {
            let o = offset.as_bytes();
            o[3] == b':'
                && digits(&offset[1..3]).is_some_and(|h| h <= 23)
                && digits(&offset[4..6]).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

fn is_date_time(s: &str) -> bool {
    s.is_ascii()
        && s.len() > 11
        && is_date(&s[..10])
        && matches!(s.as_bytes()[10], b'T' | b't' | b' ')
        && is_time(&s[11..])
}

fn is_email(s: &str) -> bool {
    match s.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {

    /// `^[a-z]+$` as the macro compiles it.
    static LOWER: Dfa = Dfa {
        classes: {
            let mut classes = [0u8; 128];
            let mut b = b'a';
            while b <= b'z' {
                classes[b as usize] = 1;
                b += 1;
            }
            classes
        },
        width: 2,
        next: &[u16::MAX, 1, u16::MAX, 1],
        accept: &[false, true],
    };

    #[test]
    fn a_dfa_matches_whole_strings_of_its_classes_only() {
        let pattern = Pattern::with_dfa("^[a-z]+$", &LOWER);
        for (s, expected) in [
            ("abc", true),
            ("a", true),
            ("", false),
            ("abC", false),
            ("ab1", false),
            ("é", false),
            ("aé", false),
        ] {
            assert_eq!(pattern.is_match(s), expected, "{s:?}");
            assert_eq!(
                Regex::new(pattern.source()).expect("regex").is_match(s),
                expected,
                "{s:?}"
            );
        }
    }

    use super::*;

    #[test]
    fn date_times_follow_rfc3339() {
        for ok in [
            "2026-11-28T00:13:41Z",
            "2026-02-28T23:59:59.123+05:30",
            "2024-02-29T00:00:00z",
        ] {
            assert!(Format::DateTime.matches(ok), "{ok}");
        }
        for bad in [
            "2026-01-01T00:00:0é",
            "2é26-01-01T00:00:00Z",
            "2026-01-01T00:00:00+0é:00",
            "2026-02-29T00:00:00Z",
            "2026-11-28",
            "2026-11-28T25:00:00Z",
            "2026-11-28T00:00:00",
            "2026-11-28T00:00:00.Z",
            "ü026-11-28T00:00:00Z",
        ] {
            assert!(!Format::DateTime.matches(bad), "{bad}");
        }
    }

    #[test]
    fn int_rules_report_the_first_broken_bound() {
        let rules = IntRules {
            minimum: Some(1),
            maximum: Some(100),
            int32: false,
        };
        assert_eq!(check_int(0, &rules).as_deref(), Some("must be at least 1"));
        assert_eq!(
            check_int(101, &rules).as_deref(),
            Some("must be at most 100")
        );
        assert_eq!(check_int(50, &rules), None);
        let wide = IntRules {
            minimum: None,
            maximum: None,
            int32: false,
        };
        assert!(check_int(1 << 60, &wide).is_some());
    }

    #[test]
    fn string_rules_count_characters_not_bytes() {
        static CODE: Pattern = Pattern::new("^[A-Z]{3}$");
        let rules = StringRules {
            min_length: Some(2),
            max_length: Some(3),
            pattern: None,
            format: None,
        };
        assert_eq!(check_string("äöü", &rules), None);
        assert!(check_string("äöüß", &rules).is_some());
        let coded = StringRules {
            min_length: None,
            max_length: None,
            pattern: Some(&CODE),
            format: None,
        };
        assert_eq!(check_string("USD", &coded), None);
        assert_eq!(
            check_string("usd", &coded).as_deref(),
            Some("must match the pattern ^[A-Z]{3}$")
        );
    }
}
