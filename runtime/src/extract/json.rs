//! JSON request bodies: media type, syntax, then the schema, walked by
//! generated [`FromJson`] impls that record every violation with a pointer.

use super::unique::member;
pub use super::unique::{Json, Object};

use super::rules::{self, ArrayRules, IntRules, NumberRules, StringRules};
use super::{enum_message, escape_pointer};
use crate::http::Request;
use crate::problem::{Problem, Violations};
use crate::value::{MAX_SAFE_INTEGER, StringEnum};

/// A type the generated code can read from a JSON value, checking the
/// spec's constraints on the way.
pub trait FromJson: Sized {
    /// Reads `value`; returns `None` after recording at least one violation.
    fn from_json(value: &Json<'_>, cx: &mut JsonCx<'_>) -> Option<Self>;
}

/// Reads a JSON body: `Ok(None)` when there is none. A body that is not JSON
/// (by its `Content-Type`) is a 415; one that does not parse is a 400.
pub fn json_body(req: &Request) -> Result<Option<Json<'_>>, Problem> {
    if req.body.is_empty() {
        return Ok(None);
    }
    let content_type = req.header("content-type");
    if !content_type.is_some_and(is_json_media_type) {
        return Err(Problem::unsupported_media_type(content_type));
    }
    let parsed = super::unique::parse(&req.body, "#/body").map_err(|err| {
        let what = match err.classify() {
            serde_json::error::Category::Eof => "unexpected end of input".to_owned(),
            _ => {
                let text = err.to_string();
                match text.rfind(" at line ") {
                    Some(cut) => text[..cut].to_owned(),
                    None => text,
                }
            }
        };
        Problem::malformed_json(format!(
            "the body is not valid JSON: {what} at line {} column {}",
            err.line(),
            err.column()
        ))
    })?;
    if parsed.repeated.is_empty() {
        return Ok(Some(parsed.value));
    }
    let mut violations = Violations::new();
    for pointer in parsed.repeated {
        violations.push(pointer, "is given more than once; send each member once");
    }
    Err(violations.into_problem())
}

/// Appends `n` in decimal, without the formatting machinery.
fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Where in the body a [`FromJson`] impl is, and the violations so far.
#[derive(Debug)]
pub struct JsonCx<'v> {
    pointer: String,
    violations: &'v mut Violations,
}

impl<'v> JsonCx<'v> {
    /// A context rooted at `pointer` (`#/body`).
    pub fn new(pointer: &str, violations: &'v mut Violations) -> Self {
        JsonCx {
            pointer: pointer.to_owned(),
            violations,
        }
    }

    /// Records a violation at the current position.
    pub fn violation(&mut self, detail: impl Into<String>) {
        self.violations.push(self.pointer.clone(), detail);
    }

    fn nested<T>(&mut self, token: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        let len = self.pointer.len();
        self.pointer.push('/');
        self.pointer.push_str(&escape_pointer(token));
        let out = f(self);
        self.pointer.truncate(len);
        out
    }

    /// Checks that `value` is an object, recording each field not in
    /// `known`. Returns the object even then, so that its known fields are
    /// still checked; the violation list decides the outcome.
    pub fn object<'j, 'a>(
        &mut self,
        value: &'j Json<'a>,
        known: &[&str],
    ) -> Option<&'j Object<'a>> {
        let Json::Object(members) = value else {
            self.violation(format!("must be an object, got {}", kind(value)));
            return None;
        };
        let mut unknown: Vec<&str> = members
            .iter()
            .map(|(name, _)| name.as_ref())
            .filter(|name| !known.contains(name))
            .collect();
        // Reported in name order, whatever order the client wrote them in.
        unknown.sort_unstable();
        for name in unknown {
            let detail = format!("unknown field; expected one of: {}", known.join(", "));
            self.nested(name, |cx| cx.violation(detail));
        }
        Some(members)
    }

    /// A required field: missing (or `null`, unless `read` accepts it) is a
    /// violation.
    pub fn required<T>(
        &mut self,
        object: &Object<'_>,
        name: &str,
        read: impl FnOnce(&Json<'_>, &mut Self) -> Option<T>,
    ) -> Option<T> {
        self.nested(name, |cx| match member(object, name) {
            Some(value) => read(value, cx),
            None => {
                cx.violation("is required");
                None
            }
        })
    }

    /// An optional field: `Some(None)` when absent, `None` when invalid.
    pub fn optional<T>(
        &mut self,
        object: &Object<'_>,
        name: &str,
        read: impl FnOnce(&Json<'_>, &mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        match member(object, name) {
            Some(value) => self.nested(name, |cx| read(value, cx)).map(Some),
            None => Some(None),
        }
    }

    /// A nullable value: `Some(None)` for `null`.
    pub fn nullable<T>(
        &mut self,
        value: &Json<'_>,
        read: impl FnOnce(&Json<'_>, &mut Self) -> Option<T>,
    ) -> Option<Option<T>> {
        match value {
            Json::Null => Some(None),
            other => read(other, self).map(Some),
        }
    }

    /// An array whose items are read by `item`.
    pub fn array<T>(
        &mut self,
        value: &Json<'_>,
        rules: &ArrayRules,
        mut item: impl FnMut(&Json<'_>, &mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Json::Array(items) = value else {
            self.violation(format!("must be an array, got {}", kind(value)));
            return None;
        };
        if let Some(detail) = rules::check_array(items.len(), rules) {
            // Checking the items of an array already too long would only
            // multiply the work and the report.
            self.violation(detail);
            return None;
        }
        let mut ok = true;
        let mut out = Vec::with_capacity(items.len());
        for (index, value) in items.iter().enumerate() {
            let len = self.pointer.len();
            // An index needs no escaping, nor a string of its own.
            self.pointer.push('/');
            push_decimal(&mut self.pointer, index);
            let read = item(value, self);
            self.pointer.truncate(len);
            match read {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// An integer.
    pub fn integer(&mut self, value: &Json<'_>, rules: &IntRules) -> Option<i64> {
        let parsed = match value {
            Json::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64)
                    .map(|f| f as i64)
            }),
            _ => None,
        };
        let Some(parsed) = parsed else {
            let detail = match value {
                Json::Number(n) if n.is_f64() && n.as_f64().is_some_and(|f| f.fract() != 0.0) => {
                    format!("must be an integer, got {n}")
                }
                Json::Number(_) => rules::check_int(i64::MAX, rules)
                    .unwrap_or_else(|| "must be an integer".to_owned()),
                other => format!("must be an integer, got {}", kind(other)),
            };
            self.violation(detail);
            return None;
        };
        self.checked(rules::check_int(parsed, rules), parsed)
    }

    /// A 32-bit integer.
    pub fn int32(&mut self, value: &Json<'_>, rules: &IntRules) -> Option<i32> {
        let wide = self.integer(value, rules)?;
        // `rules.int32` already bounded it; the conversion cannot fail then.
        i32::try_from(wide).ok()
    }

    /// A number.
    pub fn number(&mut self, value: &Json<'_>, rules: &NumberRules) -> Option<f64> {
        let Json::Number(n) = value else {
            self.violation(format!("must be a number, got {}", kind(value)));
            return None;
        };
        let Some(parsed) = n.as_f64() else {
            self.violation(format!("must be a number, got {}", kind(value)));
            return None;
        };
        self.checked(rules::check_number(parsed, rules), parsed)
    }

    /// A string.
    pub fn string(&mut self, value: &Json<'_>, rules: &StringRules) -> Option<String> {
        let Json::String(s) = value else {
            self.violation(format!("must be a string, got {}", kind(value)));
            return None;
        };
        match rules::check_string(s, rules) {
            Some(detail) => {
                self.violation(detail);
                None
            }
            None => Some(String::from(s.as_ref())),
        }
    }

    /// A boolean.
    pub fn boolean(&mut self, value: &Json<'_>) -> Option<bool> {
        match value {
            Json::Bool(b) => Some(*b),
            other => {
                self.violation(format!("must be a boolean, got {}", kind(other)));
                None
            }
        }
    }

    /// A string enum.
    pub fn enumeration<T: StringEnum>(&mut self, value: &Json<'_>) -> Option<T> {
        let Json::String(s) = value else {
            self.violation(format!(
                "must be one of: {}; got {}",
                T::VARIANTS.join(", "),
                kind(value)
            ));
            return None;
        };
        let parsed = T::parse(s);
        if parsed.is_none() {
            self.violation(enum_message(T::VARIANTS, s));
        }
        parsed
    }

    fn checked<T>(&mut self, problem: Option<String>, value: T) -> Option<T> {
        match problem {
            Some(detail) => {
                self.violation(detail);
                None
            }
            None => Some(value),
        }
    }
}

fn kind(value: &Json<'_>) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn decimals_are_written_in_place() {
        for n in [0, 7, 10, 99, 1_000, 123_456_789, usize::MAX] {
            let mut out = String::from("#/body/items/");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("#/body/items/{n}"));
        }
    }

    const QTY: IntRules = IntRules {
        minimum: Some(1),
        maximum: None,
        int32: false,
    };
    const ITEMS: ArrayRules = ArrayRules {
        min_items: Some(1),
        max_items: Some(3),
    };

    fn request(content_type: Option<&str>, body: &str) -> Request {
        let mut req = Request::new(Method::POST, "/x");
        if let Some(ct) = content_type {
            req.headers.insert("content-type", ct.parse().unwrap());
        }
        req.body = body.to_owned().into();
        req
    }

    #[test]
    fn media_type_and_syntax_are_checked_first() {
        assert_eq!(json_body(&request(None, "")).unwrap(), None);
        let err = json_body(&request(Some("text/plain"), "{}")).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let err = json_body(&request(Some("application/json"), "{\"a\": }")).unwrap_err();
        assert_eq!(err.status(), http::StatusCode::BAD_REQUEST);
        assert_eq!(
            err.detail(),
            Some("the body is not valid JSON: expected value at line 1 column 7")
        );
        let merge_patch = request(Some("application/merge-patch+json; charset=utf-8"), "[1]");
        let ok = json_body(&merge_patch);
        assert_eq!(
            ok.unwrap().map(|v| v.to_json_text()),
            Some("[1]".to_owned())
        );
    }

    #[test]
    fn every_violation_is_recorded_with_its_pointer() {
        let text = br#"{"zeta": 1, "items": [{"quantity": 0}, {"quantity": "2"}, {"quantity": 1}], "extra": 1}"#;
        let body = super::super::unique::parse(text, "#/body")
            .expect("JSON")
            .value;
        let mut v = Violations::new();
        let mut cx = JsonCx::new("#/body", &mut v);
        let map = cx.object(&body, &["items"]).unwrap();
        let items = cx.required(map, "items", |value, cx| {
            cx.array(value, &ITEMS, |item, cx| {
                let obj = cx.object(item, &["quantity"])?;
                cx.required(obj, "quantity", |q, cx| cx.integer(q, &QTY))
            })
        });
        assert!(items.is_none());
        let got: Vec<(String, String)> = v
            .into_vec()
            .into_iter()
            .map(|v| (v.pointer, v.detail))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "#/body/extra".into(),
                    "unknown field; expected one of: items".into()
                ),
                (
                    "#/body/zeta".into(),
                    "unknown field; expected one of: items".into()
                ),
                (
                    "#/body/items/0/quantity".into(),
                    "must be at least 1".into()
                ),
                (
                    "#/body/items/1/quantity".into(),
                    "must be an integer, got a string".into()
                ),
            ]
        );
    }

    #[test]
    fn items_of_an_overlong_array_are_not_checked() {
        let body = super::super::unique::parse(b"[{}, {}, {}, {}]", "#/body")
            .expect("JSON")
            .value;
        let mut v = Violations::new();
        let mut cx = JsonCx::new("#/body", &mut v);
        let items = cx.array(&body, &ITEMS, |item, cx| {
            let obj = cx.object(item, &["quantity"])?;
            cx.required(obj, "quantity", |q, cx| cx.integer(q, &QTY))
        });
        assert!(items.is_none());
        let list = v.into_vec();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].detail, "must have at most 3 items");
    }
}
