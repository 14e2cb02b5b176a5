//! SQL values as they cross the database boundary, and conversions from them.
//!
//! Both backends speak the same five SQLite storage classes. Integers are
//! carried as `i64` but only the JavaScript-safe range (±2^53−1) may cross D1,
//! so the framework validates that range on input on every target: an API
//! behaves the same natively and at the edge.

use std::fmt;

/// The largest integer that survives a round trip through a JavaScript number.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;
/// The smallest integer that survives a round trip through a JavaScript number.
pub const MIN_SAFE_INTEGER: i64 = -MAX_SAFE_INTEGER;

/// One SQL value: a parameter bound to a statement or a cell of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A 64-bit signed integer (exact only within ±2^53−1 on D1).
    Integer(i64),
    /// A 64-bit float.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Raw bytes.
    Blob(Vec<u8>),
}

impl Value {
    /// The SQLite storage class of this value, as SQLite names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Integer(_) => "INTEGER",
            Value::Real(_) => "REAL",
            Value::Text(_) => "TEXT",
            Value::Blob(_) => "BLOB",
        }
    }

    /// Converts the value to JSON for cursors and diagnostics.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Integer(i) => (*i).into(),
            Value::Real(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Text(s) => s.clone().into(),
            Value::Blob(b) => b.iter().map(|&x| serde_json::Value::from(x)).collect(),
        }
    }

    /// Converts a scalar JSON value back into a SQL value (the inverse of
    /// [`Value::to_json`] for everything but blobs).
    pub fn from_json(value: &serde_json::Value) -> Option<Value> {
        match value {
            serde_json::Value::Null => Some(Value::Null),
            serde_json::Value::Bool(b) => Some(Value::Integer(i64::from(*b))),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(Value::Integer)
                .or_else(|| n.as_f64().map(Value::Real)),
            serde_json::Value::String(s) => Some(Value::Text(s.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Real(r) => write!(f, "{r}"),
            Value::Text(s) => write!(f, "{s:?}"),
            Value::Blob(b) => write!(f, "<{} bytes>", b.len()),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident via $conv:expr),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant($conv(v))
            }
        })*
    };
}

value_from! {
    i64 => Integer via std::convert::identity,
    i32 => Integer via i64::from,
    u32 => Integer via i64::from,
    bool => Integer via i64::from,
    f64 => Real via std::convert::identity,
    String => Text via std::convert::identity,
    &str => Text via str::to_owned,
    Vec<u8> => Blob via std::convert::identity,
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}

/// Serializes an array or object input as JSON text, for binding to a SQL
/// parameter (queries read it with `json_each` or `json_extract`).
pub fn json_string<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, crate::Problem> {
    serde_json::to_string(value).map_err(|err| {
        crate::log::error(&format!("failed to serialize a query parameter: {err}"));
        crate::Problem::internal()
    })
}

/// [`json_string`] as a SQL text value.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value, crate::Problem> {
    json_string(value).map(Value::Text)
}

/// Why a SQL value could not be read as the Rust type a column was declared as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// What the column was expected to hold.
    pub expected: &'static str,
    /// What it held.
    pub found: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    /// Builds the error for `value` not being an `expected`.
    pub fn new(expected: &'static str, value: &Value) -> Self {
        let found = match value {
            Value::Text(s) if s.len() <= 40 => format!("TEXT {s:?}"),
            Value::Integer(i) => format!("INTEGER {i}"),
            Value::Real(r) => format!("REAL {r}"),
            other => other.type_name().to_owned(),
        };
        DecodeError { expected, found }
    }
}

/// A Rust type that can be read from one SQL value.
///
/// Implemented for the scalar types the spec maps to, for `Option<T>` (SQL
/// `NULL` becomes `None`) and, by the generated code, for string enums.
pub trait FromValue: Sized {
    /// Reads `value`, or says why it can't.
    fn from_value(value: &Value) -> Result<Self, DecodeError>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Integer(i) => Ok(*i),
            // D1 hands every number over as a double.
            Value::Real(r) if r.fract() == 0.0 && r.abs() <= MAX_SAFE_INTEGER as f64 => {
                Ok(*r as i64)
            }
            other => Err(DecodeError::new("an integer", other)),
        }
    }
}

impl FromValue for i32 {
    fn from_value(value: &Value) -> Result<Self, DecodeError> {
        let wide = i64::from_value(value).map_err(|_| DecodeError::new("an int32", value))?;
        i32::try_from(wide).map_err(|_| DecodeError::new("an int32", value))
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Real(r) => Ok(*r),
            Value::Integer(i) => Ok(*i as f64),
            other => Err(DecodeError::new("a number", other)),
        }
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Integer(0) => Ok(false),
            Value::Integer(1) => Ok(true),
            Value::Real(r) if *r == 0.0 => Ok(false),
            Value::Real(r) if *r == 1.0 => Ok(true),
            other => Err(DecodeError::new("a boolean (0 or 1)", other)),
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            other => Err(DecodeError::new("text", other)),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Blob(b) => Ok(b.clone()),
            other => Err(DecodeError::new("a blob", other)),
        }
    }
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Self, DecodeError> {
        Ok(value.clone())
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// A string enum generated from the spec: its wire names and parsing.
pub trait StringEnum: Sized + Copy + 'static {
    /// Every wire name, in the order the spec lists them.
    const VARIANTS: &'static [&'static str];
    /// The variant with wire name `s`, if any.
    fn parse(s: &str) -> Option<Self>;
    /// This variant's wire name.
    fn as_str(&self) -> &'static str;
}

/// Reads a string enum stored as text.
pub fn enum_from_value<T: StringEnum>(value: &Value) -> Result<T, DecodeError> {
    match value {
        Value::Text(s) => T::parse(s).ok_or_else(|| DecodeError::new("a known enum value", value)),
        other => Err(DecodeError::new("text holding an enum value", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_arrive_as_doubles_from_d1() {
        assert_eq!(i64::from_value(&Value::Real(42.0)), Ok(42));
        assert!(i64::from_value(&Value::Real(4.5)).is_err());
        assert_eq!(bool::from_value(&Value::Real(1.0)), Ok(true));
    }

    #[test]
    fn null_decodes_only_into_options() {
        assert_eq!(Option::<i64>::from_value(&Value::Null), Ok(None));
        let err = i64::from_value(&Value::Null).unwrap_err();
        assert_eq!(err.to_string(), "expected an integer, found NULL");
    }

    #[test]
    fn decode_errors_quote_short_text() {
        let err = i64::from_value(&Value::Text("abc".into())).unwrap_err();
        assert_eq!(err.to_string(), "expected an integer, found TEXT \"abc\"");
    }
}
