//! Minting tokens: what an identity provider does, here so that a developer
//! can try protected endpoints locally (`app token`), and tests and
//! benchmarks can make the tokens they send. The API itself never signs.

use base64::Engine as _;
use ed25519_dalek::Signer as _;
use hmac::{KeyInit, Mac};
use serde_json::{Map, Value as Json, json};

use super::Algorithm;
use super::jwt::BASE64URL;
use super::keys::{HmacSha256, MIN_SECRET_BYTES, decode_32, items, pem_blocks};

/// The DER prefix of an Ed25519 PKCS#8 private key (RFC 8410), before the
/// 32-byte seed.
const PKCS8_ED25519: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// A key that signs tokens.
#[derive(Clone)]
pub enum SigningKey {
    /// An HS256 shared secret.
    Hs256(Vec<u8>),
    /// An Ed25519 private key.
    EdDsa(Box<ed25519_dalek::SigningKey>),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SigningKey::Hs256(_) => "SigningKey::Hs256(..)",
            SigningKey::EdDsa(_) => "SigningKey::EdDsa(..)",
        })
    }
}

impl SigningKey {
    /// Reads a signing key for `algorithm`: an HS256 secret as its text (the
    /// first of a list), or an Ed25519 private key as the base64 of its
    /// 32-byte seed or a PEM `PRIVATE KEY` (PKCS#8) block.
    pub fn parse(algorithm: Algorithm, text: &str) -> Result<SigningKey, String> {
        match algorithm {
            Algorithm::Hs256 => {
                // The first of a list, as the variable that verifies holds it.
                let secret = items(text).next().unwrap_or("");
                if secret.len() < MIN_SECRET_BYTES {
                    return Err(format!(
                        "an HS256 secret must be at least {MIN_SECRET_BYTES} bytes"
                    ));
                }
                Ok(SigningKey::Hs256(secret.as_bytes().to_vec()))
            }
            Algorithm::EdDsa => {
                let seed = if text.contains("-----BEGIN") {
                    let der = pem_blocks(text, "PRIVATE KEY")?;
                    der.first()
                        .and_then(|d| d.strip_prefix(&PKCS8_ED25519[..]))
                        .and_then(|s| <[u8; 32]>::try_from(s).ok())
                        .ok_or("the PEM block is not an Ed25519 private key")?
                } else {
                    decode_32(text.trim(), "an Ed25519 private key")?
                };
                Ok(SigningKey::EdDsa(Box::new(
                    ed25519_dalek::SigningKey::from_bytes(&seed),
                )))
            }
        }
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Hs256(_) => Algorithm::Hs256,
            SigningKey::EdDsa(_) => Algorithm::EdDsa,
        }
    }

    /// The Ed25519 public key (base64) that verifies this key's tokens.
    pub fn public_key(&self) -> Option<String> {
        match self {
            SigningKey::Hs256(_) => None,
            SigningKey::EdDsa(key) => Some(
                base64::engine::general_purpose::STANDARD.encode(key.verifying_key().as_bytes()),
            ),
        }
    }

    fn sign(&self, input: &[u8]) -> Vec<u8> {
        match self {
            SigningKey::Hs256(secret) => match HmacSha256::new_from_slice(secret) {
                Ok(mac) => mac.chain_update(input).finalize().into_bytes().to_vec(),
                // HMAC takes keys of any length.
                Err(_) => Vec::new(),
            },
            SigningKey::EdDsa(key) => key.sign(input).to_bytes().to_vec(),
        }
    }
}

/// A compact JWS of `claims`, signed with `key`.
pub fn mint(key: &SigningKey, claims: &Map<String, Json>) -> String {
    let header = json!({ "alg": key.algorithm().name(), "typ": "JWT" });
    let mut token = BASE64URL.encode(header.to_string());
    token.push('.');
    token.push_str(&BASE64URL.encode(Json::Object(claims.clone()).to_string()));
    let signature = key.sign(token.as_bytes());
    token.push('.');
    token.push_str(&BASE64URL.encode(signature));
    token
}
