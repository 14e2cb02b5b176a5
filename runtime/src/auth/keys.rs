//! The keys that verify credentials, read from the variables the spec
//! names: environment variables natively, secrets (or vars) on Workers.
//!
//! A variable may hold several keys, separated by commas or whitespace, so
//! that keys can be rotated without downtime: every key listed verifies,
//! and the issuer signs with the new one once it is deployed everywhere.
//!
//! - HS256: each secret is used as its UTF-8 bytes and must be at least 32
//!   bytes long (RFC 7518 §3.2); `openssl rand -base64 32` makes one.
//! - EdDSA: each key is an Ed25519 public key, as the base64 (or base64url)
//!   of its 32 bytes, or as a PEM `PUBLIC KEY` block.

use std::fmt;

use base64::Engine as _;
use base64::alphabet::{STANDARD, URL_SAFE};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ed25519_dalek::{Signature, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{Algorithm, Security};

pub(super) type HmacSha256 = Hmac<Sha256>;

/// The shortest HS256 secret accepted, in bytes.
pub(super) const MIN_SECRET_BYTES: usize = 32;

/// The DER prefix of an Ed25519 `SubjectPublicKeyInfo` (RFC 8410), before
/// the 32 key bytes.
const SPKI_ED25519: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The server's secrets: the verification keys of every scheme of an API,
/// and the key its pagination cursors are signed with.
#[derive(Clone, Default)]
pub struct Keys {
    schemes: Vec<SchemeKeys>,
    cursor: Option<crate::cursor::CursorKey>,
}

/// The keys of one scheme, by algorithm. A scheme with none refuses every
/// token (and its endpoints answer 500: a server without keys is broken).
#[derive(Clone, Default)]
pub(crate) struct SchemeKeys {
    /// HMAC states already keyed, cloned per verification.
    hs256: Vec<HmacSha256>,
    eddsa: Vec<VerifyingKey>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        let counts: Vec<(usize, usize)> = self
            .schemes
            .iter()
            .map(|s| (s.hs256.len(), s.eddsa.len()))
            .collect();
        f.debug_struct("Keys")
            .field("hs256_and_eddsa_per_scheme", &counts)
            .finish()
    }
}

/// A variable whose keys cannot be used, or a scheme left without any.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The variable is set but holds something that is not a usable key.
    #[error("{variable} ({algorithm} keys of scheme `{scheme}`): {problem}")]
    Invalid {
        /// The scheme.
        scheme: &'static str,
        /// The algorithm.
        algorithm: &'static str,
        /// The variable.
        variable: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The cursor key variable holds something unusable.
    #[error("{0}")]
    Cursor(String),
    /// None of the scheme's variables is set.
    #[error(
        "scheme `{scheme}` has no key: set {variables} (natively in the environment or the --env-file; on Workers with `wrangler secret put`, or in .dev.vars for `wrangler dev`)"
    )]
    Missing {
        /// The scheme.
        scheme: &'static str,
        /// Its variables, for the message.
        variables: String,
    },
}

impl Keys {
    /// No keys: for an API without security schemes.
    pub fn none() -> Keys {
        Keys::default()
    }

    /// Reads every scheme's keys with `lookup` (variable name → value).
    /// Returns the keys that could be read, and what went wrong with the
    /// others: natively a reason to refuse to start, on Workers something
    /// to log while public endpoints keep working.
    pub fn read(
        security: &Security,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> (Keys, Vec<KeyError>) {
        let mut errors = Vec::new();
        let mut schemes = Vec::with_capacity(security.schemes.len());
        for scheme in security.schemes {
            let mut keys = SchemeKeys::default();
            for &(algorithm, variable) in scheme.keys {
                let Some(value) = lookup(variable).filter(|v| !v.trim().is_empty()) else {
                    continue;
                };
                let invalid = |problem: String| KeyError::Invalid {
                    scheme: scheme.name,
                    algorithm: algorithm.name(),
                    variable,
                    problem,
                };
                match algorithm {
                    Algorithm::Hs256 => match hs256_keys(&value) {
                        Ok(list) => keys.hs256.extend(list),
                        Err(problem) => errors.push(invalid(problem)),
                    },
                    Algorithm::EdDsa => match eddsa_keys(&value) {
                        Ok(list) => keys.eddsa.extend(list),
                        Err(problem) => errors.push(invalid(problem)),
                    },
                }
            }
            if keys.is_empty() && !errors.iter().any(|e| e.scheme() == scheme.name) {
                let variables: Vec<&str> = scheme.keys.iter().map(|(_, v)| *v).collect();
                errors.push(KeyError::Missing {
                    scheme: scheme.name,
                    variables: variables.join(" or "),
                });
            }
            schemes.push(keys);
        }
        let cursor = crate::cursor::CursorKey::read(&lookup).unwrap_or_else(|problem| {
            errors.push(KeyError::Cursor(problem));
            None
        });
        (Keys { schemes, cursor }, errors)
    }

    /// The key pagination cursors are signed with, if one is configured.
    pub fn cursor(&self) -> Option<&crate::cursor::CursorKey> {
        self.cursor.as_ref()
    }

    /// These keys with `cursor` as the cursor key.
    pub fn with_cursor(mut self, cursor: crate::cursor::CursorKey) -> Keys {
        self.cursor = Some(cursor);
        self
    }

    /// The keys of scheme `index`.
    pub(crate) fn scheme(&self, index: usize) -> Option<&SchemeKeys> {
        self.schemes.get(index)
    }
}

impl KeyError {
    fn scheme(&self) -> &'static str {
        match self {
            KeyError::Invalid { scheme, .. } | KeyError::Missing { scheme, .. } => scheme,
            KeyError::Cursor(_) => "",
        }
    }
}

impl SchemeKeys {
    /// Whether no key was configured.
    pub(crate) fn is_empty(&self) -> bool {
        self.hs256.is_empty() && self.eddsa.is_empty()
    }

    /// Whether tokens signed with `algorithm` can be verified.
    pub(crate) fn accepts(&self, algorithm: Algorithm) -> bool {
        match algorithm {
            Algorithm::Hs256 => !self.hs256.is_empty(),
            Algorithm::EdDsa => !self.eddsa.is_empty(),
        }
    }

    /// Whether one of the keys for `algorithm` made `signature` over `signed`.
    pub(crate) fn verify(&self, algorithm: Algorithm, signed: &[u8], signature: &[u8]) -> bool {
        match algorithm {
            // `verify_slice` compares in constant time.
            Algorithm::Hs256 => self.hs256.iter().any(|key| {
                key.clone()
                    .chain_update(signed)
                    .verify_slice(signature)
                    .is_ok()
            }),
            Algorithm::EdDsa => {
                let Ok(bytes) = <&[u8; 64]>::try_from(signature) else {
                    return false;
                };
                let signature = Signature::from_bytes(bytes);
                // Strict verification refuses malleable signatures and
                // small-order keys.
                self.eddsa
                    .iter()
                    .any(|key| key.verify_strict(signed, &signature).is_ok())
            }
        }
    }
}

/// Splits a variable's value into its keys.
pub(super) fn items(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
}

fn hs256_keys(value: &str) -> Result<Vec<HmacSha256>, String> {
    items(value)
        .map(|secret| {
            if secret.len() < MIN_SECRET_BYTES {
                return Err(format!(
                    "an HS256 secret must be at least {MIN_SECRET_BYTES} bytes, and one is {}; make one with `openssl rand -base64 32`",
                    secret.len()
                ));
            }
            HmacSha256::new_from_slice(secret.as_bytes())
                .map_err(|_| "the secret cannot key HMAC-SHA256".to_owned())
        })
        .collect()
}

fn eddsa_keys(value: &str) -> Result<Vec<VerifyingKey>, String> {
    let raw: Vec<[u8; 32]> = if value.contains("-----BEGIN") {
        pem_blocks(value, "PUBLIC KEY")?
            .iter()
            .map(|der| {
                der.strip_prefix(&SPKI_ED25519[..])
                    .and_then(|key| <[u8; 32]>::try_from(key).ok())
                    .ok_or_else(|| "the PEM block is not an Ed25519 public key".to_owned())
            })
            .collect::<Result<_, _>>()?
    } else {
        items(value)
            .map(|item| decode_32(item, "an Ed25519 public key"))
            .collect::<Result<_, _>>()?
    };
    raw.iter()
        .map(|bytes| {
            let key = VerifyingKey::from_bytes(bytes)
                .map_err(|_| "not a valid Ed25519 public key".to_owned())?;
            if key.is_weak() {
                return Err("a weak (small-order) Ed25519 key is refused".to_owned());
            }
            Ok(key)
        })
        .collect()
}

/// base64 of either alphabet, padded or not.
const LENIENT: [GeneralPurpose; 2] = [
    GeneralPurpose::new(
        &STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    ),
    GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    ),
];

/// Decodes base64 text of either alphabet.
pub(super) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    LENIENT.iter().find_map(|engine| engine.decode(text).ok())
}

/// The 32 bytes of a key given in base64.
pub(super) fn decode_32(text: &str, what: &str) -> Result<[u8; 32], String> {
    decode_base64(text)
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| format!("expected {what}: 32 bytes in base64, or a PEM block"))
}

/// The DER contents of every PEM block labelled `label` in `text`.
pub(super) fn pem_blocks(text: &str, label: &str) -> Result<Vec<Vec<u8>>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let after = &rest[start + begin.len()..];
        let Some(stop) = after.find(&end) else {
            return Err(format!("a `{begin}` block has no `{end}` line"));
        };
        let body: String = after[..stop]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        out.push(
            decode_base64(&body).ok_or_else(|| format!("the `{label}` PEM block is not base64"))?,
        );
        rest = &after[stop + end.len()..];
    }
    if out.is_empty() {
        return Err(format!("expected a PEM `{label}` block"));
    }
    Ok(out)
}
