//! Opaque cursors for keyset pagination.
//!
//! A cursor carries the sort-key values of the last item of a page and a
//! fingerprint of the filters that produced it. The next page continues
//! strictly after those keys, so walking every cursor yields each matching
//! row exactly once even while rows are inserted or deleted; a cursor reused
//! with different filters or sort is rejected instead of silently skipping
//! rows.
//!
//! A cursor is `<payload>.<tag>`: the payload is base64url JSON (readable,
//! not secret), the tag the first 16 bytes of its HMAC-SHA256 under the
//! server's cursor key ([`CURSOR_KEY_VARIABLE`]), in base64url. A cursor the
//! server did not issue, or one altered, fails the tag and is a 400; each
//! key is also checked against its column's type. The variable may list
//! several keys (comma or space separated): the first signs, all verify, so
//! keys rotate without breaking cursors in flight.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::value::Value;

/// The variable that holds the key(s) cursors are signed with.
pub const CURSOR_KEY_VARIABLE: &str = "KEEL_CURSOR_KEY";

/// The shortest cursor key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// How many bytes of the HMAC a cursor carries.
const TAG_BYTES: usize = 16;

/// The keys cursors are signed and checked with.
#[derive(Clone)]
pub struct CursorKey {
    keys: Vec<Hmac<Sha256>>,
}

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("CursorKey")
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl CursorKey {
    /// Reads the keys from [`CURSOR_KEY_VARIABLE`] through `lookup`: `None`
    /// when unset, an error when a key is shorter than [`MIN_KEY_BYTES`].
    pub fn read(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<CursorKey>, String> {
        let Some(value) = lookup(CURSOR_KEY_VARIABLE).filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let keys = value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|k| !k.is_empty())
            .map(|k| {
                if k.len() < MIN_KEY_BYTES {
                    return Err(format!(
                        "{CURSOR_KEY_VARIABLE}: a key of {} bytes is too short; use at least {MIN_KEY_BYTES} (`openssl rand -base64 32` makes one)",
                        k.len()
                    ));
                }
                Hmac::<Sha256>::new_from_slice(k.as_bytes())
                    .map_err(|_| format!("{CURSOR_KEY_VARIABLE}: unusable key"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(CursorKey { keys }))
    }

    /// A key from raw bytes, for tests and benchmarks.
    pub fn from_bytes(key: &[u8]) -> CursorKey {
        CursorKey {
            keys: Hmac::<Sha256>::new_from_slice(key).into_iter().collect(),
        }
    }

    fn tag(mac: &Hmac<Sha256>, payload: &str) -> [u8; TAG_BYTES] {
        let mut mac = mac.clone();
        mac.update(payload.as_bytes());
        let full = mac.finalize().into_bytes();
        let mut tag = [0u8; TAG_BYTES];
        tag.copy_from_slice(&full[..TAG_BYTES]);
        tag
    }

    fn sign(&self, payload: &str) -> Option<String> {
        let signer = self.keys.first()?;
        Some(URL_SAFE_NO_PAD.encode(Self::tag(signer, payload)))
    }

    fn verify(&self, payload: &str, tag: &[u8]) -> bool {
        self.keys.iter().any(|mac| {
            let mut mac = mac.clone();
            mac.update(payload.as_bytes());
            // Constant time, on the truncated tag.
            mac.verify_truncated_left(tag).is_ok()
        })
    }
}

/// The type a pagination key column holds, which a cursor's key must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// A whole number.
    Integer,
    /// A number.
    Real,
    /// Text.
    Text,
    /// Not known: any scalar.
    Any,
}

impl KeyType {
    fn admits(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (KeyType::Integer, Value::Integer(_))
                | (KeyType::Real, Value::Integer(_) | Value::Real(_))
                | (KeyType::Text, Value::Text(_))
                | (
                    KeyType::Any,
                    Value::Integer(_) | Value::Real(_) | Value::Text(_)
                )
        )
    }
}

/// The problem when no cursor key is configured: a broken server.
fn unconfigured() -> crate::Problem {
    crate::log::error(&format!(
        "{CURSOR_KEY_VARIABLE} is not set: paginated endpoints sign their cursors with it"
    ));
    crate::Problem::internal()
}

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
pub fn encode(
    key: Option<&CursorKey>,
    fingerprint: u64,
    keys: &[Value],
) -> Result<String, crate::Problem> {
    let key = key.ok_or_else(unconfigured)?;
    if keys.contains(&Value::Null) {
        crate::log::error("a pagination key column is NULL; key columns must never be NULL");
        return Err(crate::Problem::internal());
    }
    let mut parts = Vec::with_capacity(keys.len() + 1);
    parts.push(serde_json::Value::String(format!("{fingerprint:016x}")));
    parts.extend(keys.iter().map(Value::to_json));
    let json = serde_json::Value::Array(parts).to_string();
    let payload = URL_SAFE_NO_PAD.encode(json);
    let tag = key.sign(&payload).ok_or_else(unconfigured)?;
    Ok(format!("{payload}.{tag}"))
}

/// Why a cursor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorError {
    /// Not a cursor this API issued (or one altered).
    Malformed,
    /// Issued for other filters or another sort order.
    Mismatch,
    /// The server has no cursor key: its fault, not the client's.
    Unconfigured,
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
            CursorError::Unconfigured => "cannot be checked now",
        }
    }

    /// The problem to answer with.
    pub fn problem(self) -> crate::Problem {
        match self {
            CursorError::Unconfigured => unconfigured(),
            _ => crate::Problem::invalid_request(vec![crate::Violation {
                pointer: "#/query/cursor".into(),
                detail: self.detail().into(),
            }]),
        }
    }
}

/// Decodes a cursor issued for `fingerprint` whose keys have `types`.
pub fn decode(
    key: Option<&CursorKey>,
    raw: &str,
    fingerprint: u64,
    types: &[KeyType],
) -> Result<Vec<Value>, CursorError> {
    let key = key.ok_or(CursorError::Unconfigured)?;
    let (payload, tag) = raw.split_once('.').ok_or(CursorError::Malformed)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| CursorError::Malformed)?;
    if tag.len() != TAG_BYTES || !key.verify(payload, &tag) {
        return Err(CursorError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| CursorError::Malformed)?;
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| CursorError::Malformed)?;
    let serde_json::Value::Array(parts) = json else {
        return Err(CursorError::Malformed);
    };
    let Some((first, keys)) = parts.split_first() else {
        return Err(CursorError::Malformed);
    };
    if keys.len() != types.len() {
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
        .zip(types)
        .map(|(k, ty)| match k {
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => None,
            // Keys are bound as parameters: they must cross D1 exactly, and
            // a NULL key is never issued.
            scalar => Value::from_json(scalar).filter(|v| {
                ty.admits(v)
                    && match v {
                        Value::Integer(i) => crate::db::check_safe_integer(*i).is_ok(),
                        _ => true,
                    }
            }),
        })
        .collect::<Option<Vec<_>>>()
        .ok_or(CursorError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::from_bytes(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn round_trips_keys_of_every_scalar_type() {
        let keys = vec![
            Value::Integer(-5),
            Value::Text("a\"b".into()),
            Value::Real(0.1 + 0.2),
        ];
        let types = [KeyType::Integer, KeyType::Text, KeyType::Real];
        let cursor = encode(Some(&key()), 42, &keys).unwrap();
        assert!(
            cursor
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        );
        assert_eq!(decode(Some(&key()), &cursor, 42, &types), Ok(keys));
        assert!(encode(Some(&key()), 42, &[Value::Null]).is_err());
        assert!(encode(None, 42, &[Value::Integer(1)]).is_err());
    }

    /// A cursor with `payload` signed by the test key.
    fn signed(payload: &str) -> String {
        let payload = URL_SAFE_NO_PAD.encode(payload);
        format!("{payload}.{}", key().sign(&payload).unwrap())
    }

    #[test]
    fn refuses_foreign_forged_and_mistyped_cursors() {
        let k = Some(&key());
        let int = [KeyType::Integer];
        let cursor = encode(k, 1, &[Value::Integer(3)]).unwrap();
        assert_eq!(decode(k, &cursor, 2, &int), Err(CursorError::Mismatch));
        assert_eq!(
            decode(k, &cursor, 1, &[KeyType::Integer; 2]),
            Err(CursorError::Malformed)
        );
        assert_eq!(
            decode(k, "not a cursor!", 1, &int),
            Err(CursorError::Malformed)
        );
        assert_eq!(
            decode(None, &cursor, 1, &int),
            Err(CursorError::Unconfigured)
        );
        // Well-formed, but not signed by this server: forged.
        let (payload, _) = cursor.split_once('.').unwrap();
        assert_eq!(
            decode(k, &format!("{payload}.AAAAAAAAAAAAAAAAAAAAAA"), 1, &int),
            Err(CursorError::Malformed)
        );
        let other = CursorKey::from_bytes(b"another key, just as long as the first");
        let foreign = encode(Some(&other), 1, &[Value::Integer(3)]).unwrap();
        assert_eq!(decode(k, &foreign, 1, &int), Err(CursorError::Malformed));
        // Signed, but a string where an integer goes.
        let mistyped = signed(r#"["0000000000000001","3"]"#);
        assert_eq!(decode(k, &mistyped, 1, &int), Err(CursorError::Malformed));
        assert_eq!(
            decode(k, &mistyped, 1, &[KeyType::Text]),
            Ok(vec![Value::Text("3".into())])
        );
        let unsafe_key = signed(r#"["0000000000000001",9007199254740993]"#);
        assert_eq!(decode(k, &unsafe_key, 1, &int), Err(CursorError::Malformed));
        let null_key = signed(r#"["0000000000000001",null]"#);
        assert_eq!(
            decode(k, &null_key, 1, &[KeyType::Any]),
            Err(CursorError::Malformed)
        );
    }

    #[test]
    fn keys_rotate_and_short_ones_are_refused() {
        let old = "an-old-cursor-key-of-32-bytes-long";
        let new = "a-new-cursor-key-also-32-bytes-long";
        let read = |v: &str| CursorKey::read(|_| Some(v.to_owned()));
        let before = read(old).unwrap().unwrap();
        let after = read(&format!("{new},{old}")).unwrap().unwrap();
        let issued = encode(Some(&before), 7, &[Value::Integer(1)]).unwrap();
        assert!(decode(Some(&after), &issued, 7, &[KeyType::Integer]).is_ok());
        assert!(read("short").unwrap_err().contains("too short"));
        assert!(CursorKey::read(|_| None).unwrap().is_none());
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
