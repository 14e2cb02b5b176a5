//! Pagination cursors in the generated server's format
//! (`runtime/src/cursor.rs`), so that both servers answer a listing byte
//! for byte alike and accept each other's cursors: base64url of the JSON
//! array `["<fingerprint>", sort_key, id]`, a dot, and the first 16 bytes of
//! its HMAC-SHA256 under `KEEL_CURSOR_KEY`, base64url. The fingerprint
//! (FNV-1a over the filters and sort, in the order the listing query first
//! names them) ties a cursor to the query it came from.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use rusqlite::types::Value;
use sha2::Sha256;

use crate::problem::{Problem, Violation};

const TAG_BYTES: usize = 16;
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// The keys cursors are signed (with the first) and checked (with any) with.
#[derive(Clone)]
pub(crate) struct CursorKeys(Vec<Hmac<Sha256>>);

impl CursorKeys {
    pub(crate) fn read(value: Option<String>) -> Result<CursorKeys, String> {
        let value = value.ok_or("KEEL_CURSOR_KEY is not set")?;
        let keys = crate::auth::items(&value)
            .map(|key| {
                if key.len() < 32 {
                    return Err("KEEL_CURSOR_KEY: a key must be at least 32 bytes".to_owned());
                }
                Hmac::<Sha256>::new_from_slice(key.as_bytes())
                    .map_err(|_| "KEEL_CURSOR_KEY: unusable key".to_owned())
            })
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err("KEEL_CURSOR_KEY is empty".to_owned());
        }
        Ok(CursorKeys(keys))
    }

    fn tag(mac: &Hmac<Sha256>, payload: &str) -> Hmac<Sha256> {
        let mut mac = mac.clone();
        mac.update(payload.as_bytes());
        mac
    }
}

/// FNV-1a over named SQL values, as the generated server fingerprints a
/// listing's inputs.
pub(crate) struct Fingerprint(u64);

impl Fingerprint {
    pub(crate) fn new() -> Fingerprint {
        Fingerprint(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub(crate) fn add_text(&mut self, name: &str, value: Option<&str>) {
        self.bytes(name.as_bytes());
        match value {
            None => self.bytes(&[0]),
            Some(text) => {
                self.bytes(&[3]);
                self.bytes(text.as_bytes());
            }
        }
        self.bytes(&[0xff]);
    }

    pub(crate) fn add_integer(&mut self, name: &str, value: Option<i64>) {
        self.bytes(name.as_bytes());
        match value {
            None => self.bytes(&[0]),
            Some(i) => {
                self.bytes(&[1]);
                self.bytes(&i.to_le_bytes());
            }
        }
        self.bytes(&[0xff]);
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

/// The cursor that continues after a row with `sort_key` and `id`.
pub(crate) fn encode(
    keys: &CursorKeys,
    fingerprint: u64,
    sort_key: &Value,
    id: i64,
) -> Result<String, Problem> {
    let sort_key = match sort_key {
        Value::Integer(i) => serde_json::Value::from(*i),
        Value::Real(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .ok_or_else(|| Problem::internal("a sort key is not a finite number"))?,
        Value::Text(text) => serde_json::Value::from(text.as_str()),
        Value::Null | Value::Blob(_) => {
            return Err(Problem::internal("a sort key is NULL or a blob"));
        }
    };
    let json = serde_json::Value::Array(vec![
        format!("{fingerprint:016x}").into(),
        sort_key,
        id.into(),
    ])
    .to_string();
    let payload = URL_SAFE_NO_PAD.encode(json);
    let signer = keys
        .0
        .first()
        .ok_or_else(|| Problem::internal("no cursor key"))?;
    let full = CursorKeys::tag(signer, &payload).finalize().into_bytes();
    let tag = full
        .get(..TAG_BYTES)
        .ok_or_else(|| Problem::internal("short HMAC"))?;
    Ok(format!("{payload}.{}", URL_SAFE_NO_PAD.encode(tag)))
}

/// The sort key and id a cursor continues after; 400 for one this server
/// did not issue for this `fingerprint`.
pub(crate) fn decode(
    keys: &CursorKeys,
    raw: &str,
    fingerprint: u64,
) -> Result<(Value, i64), Problem> {
    let malformed =
        || refuse("is not a valid cursor; pass next_cursor from a previous page unchanged");
    let (payload, tag) = raw.split_once('.').ok_or_else(malformed)?;
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| malformed())?;
    if tag.len() != TAG_BYTES
        || !keys.0.iter().any(|mac| {
            CursorKeys::tag(mac, payload)
                .verify_truncated_left(&tag)
                .is_ok()
        })
    {
        return Err(malformed());
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| malformed())?;
    let (issued, sort_key, id): (String, serde_json::Value, i64) =
        serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    if u64::from_str_radix(&issued, 16).ok() != Some(fingerprint) {
        return Err(refuse(
            "belongs to a query with other filters or sort order; start again without a cursor",
        ));
    }
    let safe = |i: i64| (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i);
    let sort_key = match sort_key {
        serde_json::Value::String(text) => Value::Text(text),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) if safe(i) => Value::Integer(i),
            (None, Some(f)) => Value::Real(f),
            _ => return Err(malformed()),
        },
        _ => return Err(malformed()),
    };
    if !safe(id) {
        return Err(malformed());
    }
    Ok((sort_key, id))
}

fn refuse(detail: &str) -> Problem {
    Problem::invalid_request(vec![Violation {
        pointer: "#/query/cursor".into(),
        detail: detail.into(),
    }])
}
