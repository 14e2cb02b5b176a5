//! The OpenAPI document as YAML, made from its JSON when first asked for,
//! so that the document is embedded once (on Workers, every byte of the
//! upload is loaded by every new isolate).
//!
//! Block style, two spaces per level, members in the JSON's order. Text of
//! several lines is a literal block (`|`); any other string is written as
//! a JSON string, which is a YAML double-quoted scalar with the same
//! meaning; keys are plain when YAML cannot read them as anything but the
//! string they are.

use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::extract::unique::{self, Json};

/// `json` (a JSON text) as YAML; `None` if it is not JSON.
pub fn from_json(json: &str) -> Option<String> {
    let parsed = unique::parse(json.as_bytes(), "").ok()?;
    let mut out = String::with_capacity(json.len());
    match &parsed.value {
        Json::Object(members) if !members.is_empty() => block(&mut out, &parsed.value, 0),
        Json::Array(items) if !items.is_empty() => block(&mut out, &parsed.value, 0),
        scalar => {
            write_scalar(&mut out, scalar);
            out.push('\n');
        }
    }
    Some(out)
}

/// [`from_json`] of a document embedded in the program, made once.
pub fn of_embedded(json: &'static str) -> Option<&'static str> {
    // One entry per embedded document (one per API in the program).
    static MADE: OnceLock<Mutex<Vec<(usize, &'static str)>>> = OnceLock::new();
    let made = MADE.get_or_init(|| Mutex::new(Vec::new()));
    let mut made = made.lock().unwrap_or_else(PoisonError::into_inner);
    let key = json.as_ptr() as usize;
    if let Some((_, yaml)) = made.iter().find(|(k, _)| *k == key) {
        return Some(yaml);
    }
    let yaml: &'static str = Box::leak(from_json(json)?.into_boxed_str());
    made.push((key, yaml));
    Some(yaml)
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A non-empty object or array, one entry per line at `indent`.
fn block(out: &mut String, value: &Json<'_>, indent: usize) {
    match value {
        Json::Object(members) => {
            for (name, member) in members {
                pad(out, indent);
                let start = out.len();
                write_key(out, name);
                // An implicit key is at most 1024 characters; a longer one
                // is written as an explicit key (`? key`, then `: value`).
                if out.len() - start > 1000 {
                    let key = out.split_off(start);
                    out.push_str("? ");
                    out.push_str(&key);
                    out.push('\n');
                    pad(out, indent);
                }
                out.push(':');
                after(out, member, indent);
            }
        }
        Json::Array(items) => {
            for item in items {
                pad(out, indent);
                out.push('-');
                after(out, item, indent);
            }
        }
        scalar => write_scalar(out, scalar),
    }
}

/// What follows `key:` or `-`: a scalar on the line, or a block below.
fn after(out: &mut String, value: &Json<'_>, indent: usize) {
    let nested = match value {
        Json::Object(members) => !members.is_empty(),
        Json::Array(items) => !items.is_empty(),
        _ => false,
    };
    if nested {
        out.push('\n');
        block(out, value, indent + 2);
    } else {
        out.push(' ');
        match value {
            Json::String(s) if literal(s) => write_literal(out, s, indent + 2),
            _ => {
                write_scalar(out, value);
                out.push('\n');
            }
        }
    }
}

/// Whether `s` reads best as a literal block (`|`): text of several lines
/// that YAML takes back exactly as it is.
fn literal(s: &str) -> bool {
    let first = s.lines().find(|l| !l.is_empty());
    s.trim_end_matches('\n').contains('\n')
        && first.is_some_and(|l| !l.starts_with([' ', '\t']))
        && !s
            .chars()
            .any(|c| (c.is_control() && c != '\n') || escaped(c) || c == '\u{feff}')
        && !s.lines().any(|l| l.ends_with([' ', '\t']))
}

/// `s` as a literal block whose lines are indented by `indent`, with the
/// chomping indicator that keeps its final line breaks as they are.
fn write_literal(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let chomp = match s.len() - body.len() {
        0 => "|-",
        1 => "|",
        _ => "|+",
    };
    out.push_str(chomp);
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..(s.len() - body.len()) {
        out.push('\n');
    }
}

fn write_scalar(out: &mut String, value: &Json<'_>) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => write_number(out, n),
        Json::String(s) => write_string(out, s),
        Json::Object(_) => out.push_str("{}"),
        Json::Array(_) => out.push_str("[]"),
    }
}

/// A JSON string, which YAML reads as the same double-quoted scalar. The
/// characters YAML may not hold as they are (DEL, the C1 controls,
/// U+FFFE and U+FFFF) and those YAML 1.1 takes for line breaks (U+0085,
/// U+2028, U+2029) are escaped; JSON escapes the C0 controls already.
fn write_string(out: &mut String, s: &str) {
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    for c in quoted.chars() {
        if escaped(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
}

fn escaped(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// A number as YAML 1.1 reads it too: an exponent needs a `.` and a sign
/// there (`1e16` is `1.0e+16`).
fn write_number(out: &mut String, n: &serde_json::Number) {
    let text = n.to_string();
    match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            out.push_str(mantissa);
            if !mantissa.contains('.') {
                out.push_str(".0");
            }
            out.push('e');
            if !exponent.starts_with(['+', '-']) {
                out.push('+');
            }
            out.push_str(exponent);
        }
        None => out.push_str(&text),
    }
}

/// Words YAML 1.1 readers take for booleans or null.
const SPECIAL: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

fn write_key(out: &mut String, name: &str) {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        && !SPECIAL.iter().any(|w| w.eq_ignore_ascii_case(name));
    if plain {
        out.push_str(name);
    } else {
        write_string(out, name);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::from_json;

    #[track_caller]
    fn same(json: &str) -> String {
        let yaml = from_json(json).expect("JSON");
        let read: serde_json::Value =
            serde_yaml::from_str(&yaml).unwrap_or_else(|e| panic!("not YAML ({e}):\n{yaml}"));
        let want: serde_json::Value = serde_json::from_str(json).expect("JSON");
        assert_eq!(read, want, "{yaml}");
        yaml
    }

    #[test]
    fn reads_back_as_the_same_document() {
        let yaml = same(
            r##"{"openapi":"3.1.0","paths":{"/v1/orders/{order_id}":{"get":{"responses":{"200":{"description":"OK"}}}}},"tags":[],"empty":{},"list":[{"a":1,"b":[true,null]},[1.5,-2]],"yes":"no","on":"~","key with: colon":"# not a comment","x-keel-required":true}"##,
        );
        assert_eq!(
            yaml,
            r##"openapi: "3.1.0"
paths:
  "/v1/orders/{order_id}":
    get:
      responses:
        "200":
          description: "OK"
tags: []
empty: {}
list:
  -
    a: 1
    b:
      - true
      - null
  -
    - 1.5
    - -2
"yes": "no"
"on": "~"
"key with: colon": "# not a comment"
x-keel-required: true
"##
        );
    }

    #[test]
    fn strings_keep_every_character() {
        same(
            r##"{"s":"line\nbreak\ttab \"quote\" back\\slash \u0001 é \u2028 '","n":9007199254740991.0,"big":18446744073709551615}"##,
        );
        same(r##""just a string""##);
        let yaml = same(r##"{"d":"a\u007fb\u0085c\u009f\uffff","e":[1e16,1.5e-7,-2E3]}"##);
        assert_eq!(
            yaml,
            "d: \"a\\u007fb\\u0085c\\u009f\\uffff\"\ne:\n  - 1.0e+16\n  - 1.5e-7\n  - -2000.0\n"
        );
        let long = "k".repeat(1100);
        same(&format!(r##"{{"{long}":{{"a":1}},"b":2}}"##));
        let yaml = same(
            r##"{"a":"two\nlines","b":"ends\nwith one\n","c":"ends\nwith two\n\n","d":" leading\nspace","e":"trailing \nspace","f":"blank\n\nline\n","g":"cr\r\nlf"}"##,
        );
        assert!(yaml.starts_with("a: |-\n  two\n  lines\nb: |\n  ends\n  with one\nc: |+\n  ends\n  with two\n\nd: \" leading"), "{yaml}");
        same("[]");
        assert!(from_json("{").is_none());
    }
}
