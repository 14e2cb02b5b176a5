//! Bearer tokens, verified as the generated server verifies them
//! (`runtime/src/auth/`): a compact JWS whose `alg` picks the key, EdDSA
//! (Ed25519, strict verification) for the storefront's customers and HS256
//! for the back office's staff; `exp` required, `nbf` honoured, 30 s of
//! leeway; `aud` must name `shop-api`; the role claim must be one the
//! token's issuer may grant; `sub` an integer (or its canonical decimal
//! text) within ±2^53−1.

use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::problem::{Problem, Violation};

type HmacSha256 = Hmac<Sha256>;

const AUDIENCE: &str = "shop-api";
const LEEWAY: f64 = 30.0;
const MAX_TOKEN_BYTES: usize = 8 * 1024;
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// The keys that verify tokens.
#[derive(Clone)]
pub(crate) struct Keys {
    /// The storefront's Ed25519 public keys (`JWT_PUBLIC_KEY`).
    storefront: Vec<VerifyingKey>,
    /// The back office's HMAC secrets (`JWT_SECRET`), keyed once.
    backoffice: Vec<HmacSha256>,
}

impl Keys {
    /// Reads `JWT_PUBLIC_KEY` and `JWT_SECRET` (several keys may be listed,
    /// separated by commas or spaces, for rotation).
    pub(crate) fn read(lookup: impl Fn(&str) -> Option<String>) -> Result<Keys, String> {
        let public = lookup("JWT_PUBLIC_KEY").ok_or("JWT_PUBLIC_KEY is not set")?;
        let secret = lookup("JWT_SECRET").ok_or("JWT_SECRET is not set")?;
        let storefront = items(&public)
            .map(|key| {
                let bytes = STANDARD
                    .decode(key)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or("JWT_PUBLIC_KEY: expected the base64 of 32 bytes")?;
                let key = VerifyingKey::from_bytes(&bytes)
                    .map_err(|_| "JWT_PUBLIC_KEY: not an Ed25519 public key")?;
                if key.is_weak() {
                    return Err("JWT_PUBLIC_KEY: a weak key");
                }
                Ok(key)
            })
            .collect::<Result<_, _>>()?;
        let backoffice = items(&secret)
            .map(|key| {
                if key.len() < 32 {
                    return Err("JWT_SECRET: a secret must be at least 32 bytes");
                }
                HmacSha256::new_from_slice(key.as_bytes()).map_err(|_| "JWT_SECRET: unusable")
            })
            .collect::<Result<_, _>>()?;
        Ok(Keys {
            storefront,
            backoffice,
        })
    }
}

pub(crate) fn items(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|s| !s.is_empty())
}

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Customer,
    Staff,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Staff => "staff",
        }
    }
}

/// A verified caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller {
    pub(crate) role: Role,
    pub(crate) sub: i64,
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    typ: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    crit: Option<serde::de::IgnoredAny>,
}

/// The claims read; `serde` refuses a member given twice.
#[derive(Deserialize)]
struct Claims {
    exp: f64,
    #[serde(default)]
    nbf: Option<f64>,
    #[serde(default)]
    iat: Option<f64>,
    #[serde(default)]
    aud: Option<Audience>,
    role: String,
    sub: Subject,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Subject {
    Number(i64),
    Text(String),
}

/// Why a token was refused; only expiry is told apart to the client.
enum Refused {
    Invalid(&'static str),
    Expired,
}

/// The caller of a request to an endpoint open to customers and staff.
pub(crate) fn authenticate(keys: &Keys, headers: &HeaderMap, now: i64) -> Result<Caller, Problem> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = match (values.next(), values.next()) {
        (None, _) => return Err(unauthorized(None)),
        (Some(_), Some(_)) => {
            return Err(invalid_request(
                "send one `Authorization` header, not several",
            ));
        }
        (Some(value), None) => value,
    };
    let Ok(value) = value.to_str() else {
        return Err(invalid_request("the `Authorization` header must be ASCII"));
    };
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(unauthorized(None));
    }
    let token = rest.trim_matches(' ');
    if token.is_empty() || !token.bytes().all(is_b64token) {
        return Err(invalid_request(
            "expected `Authorization: Bearer <token>` with one token of base64url characters",
        ));
    }
    let verified = verify(keys, token, now).map_err(|refused| {
        let (why, expired) = match refused {
            Refused::Invalid(why) => (why, false),
            Refused::Expired => ("expired", true),
        };
        tracing::debug!("bearer token refused: {why}");
        unauthorized(Some(expired))
    })?;
    // A valid token: what it may not do is a 403, not a 401.
    let role = match verified.role.as_str() {
        "customer" => Role::Customer,
        "staff" => Role::Staff,
        _ => {
            return Err(Problem::forbidden(
                "the token's role may not use this operation",
            ));
        }
    };
    if role != verified.issuer_grants {
        return Err(Problem::forbidden(format!(
            "this token's issuer may not grant the {} role",
            role.as_str()
        )));
    }
    Ok(Caller {
        role,
        sub: verified.sub,
    })
}

/// What a token whose signature and claims hold says.
struct Verified {
    /// The role its issuer may grant.
    issuer_grants: Role,
    /// The role it claims.
    role: String,
    sub: i64,
}

fn verify(keys: &Keys, token: &str, now: i64) -> Result<Verified, Refused> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Refused::Invalid("longer than 8 KiB"));
    }
    let mut parts = token.split('.');
    let (Some(header64), Some(payload64), Some(signature64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::Invalid("not three segments"));
    };
    let header = URL_SAFE_NO_PAD
        .decode(header64)
        .map_err(|_| Refused::Invalid("header not base64url"))?;
    let header: Header<'_> =
        serde_json::from_slice(&header).map_err(|_| Refused::Invalid("header not JSON"))?;
    if header.crit.is_some() {
        return Err(Refused::Invalid("crit"));
    }
    if let Some(typ) = &header.typ {
        let typ = typ.strip_prefix("application/").unwrap_or(typ);
        if !typ.eq_ignore_ascii_case("JWT") && !typ.eq_ignore_ascii_case("at+jwt") {
            return Err(Refused::Invalid("typ"));
        }
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature64)
        .map_err(|_| Refused::Invalid("signature not base64url"))?;
    let signed = &token.as_bytes()[..header64.len() + 1 + payload64.len()];
    // The key decides the algorithm: the storefront signs with Ed25519,
    // the back office with HMAC.
    let issuer_grants = match &*header.alg {
        "EdDSA" => {
            let signature = <[u8; 64]>::try_from(signature.as_slice())
                .map(|bytes| Signature::from_bytes(&bytes))
                .map_err(|_| Refused::Invalid("signature length"))?;
            if !keys
                .storefront
                .iter()
                .any(|key| key.verify_strict(signed, &signature).is_ok())
            {
                return Err(Refused::Invalid("signature"));
            }
            Role::Customer
        }
        "HS256" => {
            if !keys.backoffice.iter().any(|key| {
                key.clone()
                    .chain_update(signed)
                    .verify_slice(&signature)
                    .is_ok()
            }) {
                return Err(Refused::Invalid("signature"));
            }
            Role::Staff
        }
        _ => return Err(Refused::Invalid("alg")),
    };
    let payload = URL_SAFE_NO_PAD
        .decode(payload64)
        .map_err(|_| Refused::Invalid("payload not base64url"))?;
    let claims: Claims =
        serde_json::from_slice(&payload).map_err(|_| Refused::Invalid("claims"))?;
    let now = now as f64;
    if !claims.exp.is_finite() {
        return Err(Refused::Invalid("exp"));
    }
    if now >= claims.exp + LEEWAY {
        return Err(Refused::Expired);
    }
    if claims.nbf.is_some_and(|nbf| now + LEEWAY < nbf) {
        return Err(Refused::Invalid("nbf"));
    }
    if claims.iat.is_some_and(|iat| !iat.is_finite()) {
        return Err(Refused::Invalid("iat"));
    }
    let audience = match &claims.aud {
        Some(Audience::One(aud)) => aud == AUDIENCE,
        Some(Audience::Many(list)) => list.iter().any(|aud| aud == AUDIENCE),
        None => false,
    };
    if !audience {
        return Err(Refused::Invalid("aud"));
    }
    let sub = match &claims.sub {
        Subject::Number(n) => Some(*n),
        Subject::Text(text) => canonical_integer(text),
    }
    .filter(|n| (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(n))
    .ok_or(Refused::Invalid("sub"))?;
    Ok(Verified {
        issuer_grants,
        role: claims.role,
        sub,
    })
}

/// Decimal digits with an optional `-`, no leading zeros.
fn canonical_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && text != "-0";
    if canonical { text.parse().ok() } else { None }
}

fn is_b64token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// 401; `expired` is `None` when no bearer token was sent at all.
fn unauthorized(expired: Option<bool>) -> Problem {
    let (detail, challenge) = match expired {
        None => (
            "this operation needs a bearer token: send `Authorization: Bearer <token>`",
            "Bearer",
        ),
        Some(true) => (
            "the bearer token has expired; get a new one",
            "Bearer error=\"invalid_token\", error_description=\"the token has expired\"",
        ),
        Some(false) => (
            "the bearer token is not valid for this API",
            "Bearer error=\"invalid_token\", error_description=\"the token is not valid\"",
        ),
    };
    Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
        .with_detail(detail)
        .with_header(header::WWW_AUTHENTICATE, challenge)
}

fn invalid_request(detail: &'static str) -> Problem {
    Problem::invalid_request(vec![Violation {
        pointer: "#/header/authorization".into(),
        detail: detail.into(),
    }])
    .with_header(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_request\"")
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
