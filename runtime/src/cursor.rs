//! Opaque cursors for keyset pagination.
//!
//! A cursor carries the sort-key values of the last item of a page and a
//! fingerprint of the filters that produced it. The next page continues
//! strictly after those keys, so walking every cursor yields each matching
//! row exactly once even while rows are inserted or deleted; a cursor reused
//! with different filters or sort is rejected instead of silently skipping
//! rows. Cursors are base64url JSON: opaque to clients, not secret.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::value::Value;

/// Accumulates a stable 64-bit fingerprint (FNV-1a) of the inputs a page
/// depends on. Stable across builds and targets, unlike `std`'s hashers.
#[derive(Debug, Clone, Copy)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }
}

impl Fingerprint {
    /// An empty fingerprint.
    pub fn new() -> Self {
        Fingerprint::default()
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Mixes in one named input.
    pub fn add(&mut self, name: &str, value: &Value) {
        self.bytes(name.as_bytes());
        match value {
            Value::Null => self.bytes(&[0]),
            Value::Integer(i) => {
                self.bytes(&[1]);
                self.bytes(&i.to_le_bytes());
            }
            Value::Real(f) => {
                self.bytes(&[2]);
                self.bytes(&f.to_bits().to_le_bytes());
            }
            Value::Text(s) => {
                self.bytes(&[3]);
                self.bytes(s.as_bytes());
            }
            Value::Blob(b) => {
                self.bytes(&[4]);
                self.bytes(b);
            }
        }
        self.bytes(&[0xff]);
    }

    /// The fingerprint so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// Encodes the keys of the last row of a page.
///
/// A NULL key cannot continue a page (`:after_key IS NULL` means "first
/// page"), so it is refused here, and logged, rather than sending clients
/// round in circles.
pub fn encode(fingerprint: u64, keys: &[Value]) -> Result<String, crate::Problem> {
    if keys.contains(&Value::Null) {
        crate::log::error("a pagination key column is NULL; key columns must never be NULL");
        return Err(crate::Problem::internal());
    }
    let mut parts = Vec::with_capacity(keys.len() + 1);
    parts.push(serde_json::Value::String(format!("{fingerprint:016x}")));
    parts.extend(keys.iter().map(Value::to_json));
    let json = serde_json::Value::Array(parts).to_string();
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// Why a cursor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorError {
    /// Not a cursor this API issued.
    Malformed,
    /// Issued for other filters or another sort order.
    Mismatch,
}

impl CursorError {
    /// The violation detail for a client.
    pub fn detail(self) -> &'static str {
        match self {
            CursorError::Malformed => {
                "is not a valid cursor; pass next_cursor from a previous page unchanged"
            }
            CursorError::Mismatch => {
                "belongs to a query with other filters or sort order; start again without a cursor"
            }
        }
    }
}

/// Decodes a cursor issued for `fingerprint` with `width` keys.
pub fn decode(raw: &str, fingerprint: u64, width: usize) -> Result<Vec<Value>, CursorError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw.trim_end_matches('='))
        .map_err(|_| CursorError::Malformed)?;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
    let serde_json::Value::Array(parts) = json else {
        return Err(CursorError::Malformed);
    };
    let Some((first, keys)) = parts.split_first() else {
        return Err(CursorError::Malformed);
    };
    if keys.len() != width {
        return Err(CursorError::Malformed);
    }
    let issued = first
        .as_str()
        .and_then(|s| u64::from_str_radix(s, 16).ok())
        .ok_or(CursorError::Malformed)?;
    if issued != fingerprint {
        return Err(CursorError::Mismatch);
    }
    keys.iter()
        .map(|k| match k {
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => None,
            // Keys are bound as parameters: they must cross D1 exactly, and
            // a NULL key is never issued.
            scalar => Value::from_json(scalar).filter(|v| match v {
                Value::Integer(i) => crate::db::check_safe_integer(*i).is_ok(),
                Value::Null => false,
                _ => true,
            }),
        })
        .collect::<Option<Vec<_>>>()
        .ok_or(CursorError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_keys_of_every_scalar_type() {
        let keys = vec![
            Value::Integer(-5),
            Value::Text("a\"b".into()),
            Value::Real(0.1 + 0.2),
        ];
        let cursor = encode(42, &keys).unwrap();
        assert!(
            cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(decode(&cursor, 42, 3), Ok(keys));
        assert!(encode(42, &[Value::Null]).is_err());
    }

    #[test]
    fn refuses_foreign_and_tampered_cursors() {
        let cursor = encode(1, &[Value::Integer(3)]).unwrap();
        assert_eq!(decode(&cursor, 2, 1), Err(CursorError::Mismatch));
        assert_eq!(decode(&cursor, 1, 2), Err(CursorError::Malformed));
        assert_eq!(decode("not a cursor!", 1, 1), Err(CursorError::Malformed));
        assert_eq!(
            decode(&URL_SAFE_NO_PAD.encode("{}"), 1, 0),
            Err(CursorError::Malformed)
        );
        let unsafe_key = URL_SAFE_NO_PAD.encode(r#"["0000000000000001",9007199254740993]"#);
        assert_eq!(decode(&unsafe_key, 1, 1), Err(CursorError::Malformed));
        let null_key = URL_SAFE_NO_PAD.encode(r#"["0000000000000001",null]"#);
        assert_eq!(decode(&null_key, 1, 1), Err(CursorError::Malformed));
    }

    #[test]
    fn fingerprints_distinguish_names_types_and_values() {
        let fp = |pairs: &[(&str, Value)]| {
            let mut f = Fingerprint::new();
            for (n, v) in pairs {
                f.add(n, v);
            }
            f.finish()
        };
        let base = fp(&[("sort", Value::Text("name".into()))]);
        assert_eq!(base, fp(&[("sort", Value::Text("name".into()))]));
        assert_ne!(base, fp(&[("sort", Value::Text("price_asc".into()))]));
        assert_ne!(
            fp(&[("a", Value::Integer(1))]),
            fp(&[("a", Value::Text("1".into()))])
        );
        assert_ne!(fp(&[("a", Value::Null)]), fp(&[("b", Value::Null)]));
    }
}
