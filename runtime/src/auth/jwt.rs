//! Verifying a compact JWS and its JWT claims against one scheme.
//!
//! The order matters: the header is read only to learn the algorithm, the
//! signature is checked before the payload is parsed, and every claim rule
//! is applied to a payload that is known to come from the key holder.

use std::fmt;

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value as Json};

use super::keys::SchemeKeys;
use super::{Algorithm, Challenge, ClaimKind, Scheme, Security};
use crate::value::{MAX_SAFE_INTEGER, Value};

/// The longest bearer token read, in bytes; longer ones are refused unread.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// base64url without padding, canonical: JWS segments (RFC 7515 §2).
pub(super) const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// Why a token was refused. Only [`Rejection::challenge`] reaches the
/// client; the rest is for the server's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not a compact JWS with a JSON header and payload.
    Malformed(&'static str),
    /// `alg` is `none`, unknown, or one the scheme has no key for.
    Algorithm(String),
    /// The header lists `crit` extensions, which are not understood.
    Critical,
    /// No key of the scheme produced this signature.
    Signature,
    /// `exp` is missing or not a number.
    NoExpiry,
    /// `exp` has passed.
    Expired,
    /// `nbf` is still ahead.
    NotYetValid,
    /// `iss` is not the scheme's issuer.
    Issuer,
    /// `aud` does not name the scheme's audience.
    Audience,
    /// A declared claim (or the role claim) is missing or of the wrong type.
    Claim(String),
}

impl Rejection {
    /// What the client is told.
    pub fn challenge(&self) -> Challenge {
        match self {
            Rejection::Expired => Challenge::Expired,
            _ => Challenge::Invalid,
        }
    }

    /// How far verification got: when several schemes refuse a token, the
    /// reason from the one that got furthest is reported.
    pub(super) fn rank(&self) -> u8 {
        match self {
            Rejection::Malformed(_) | Rejection::Algorithm(_) | Rejection::Critical => 0,
            Rejection::Signature => 1,
            _ => 2,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Malformed(why) => write!(f, "malformed token: {why}"),
            Rejection::Algorithm(alg) => write!(f, "algorithm {alg:?} is not accepted"),
            Rejection::Critical => f.write_str("the header has `crit` extensions"),
            Rejection::Signature => f.write_str("the signature does not verify"),
            Rejection::NoExpiry => f.write_str("`exp` is missing or not a number"),
            Rejection::Expired => f.write_str("the token has expired"),
            Rejection::NotYetValid => f.write_str("the token is not valid yet (`nbf`)"),
            Rejection::Issuer => f.write_str("`iss` is not the expected issuer"),
            Rejection::Audience => f.write_str("`aud` does not name the expected audience"),
            Rejection::Claim(why) => write!(f, "claim {why}"),
        }
    }
}

/// What a verified token says about its caller.
#[derive(Debug, PartialEq)]
pub(super) struct Verified {
    /// The role's index in [`Security::roles`]; `None` for a role the API
    /// does not know (a valid token that may do nothing here).
    pub role: Option<usize>,
    /// The declared claims, in order.
    pub claims: Vec<Value>,
}

/// The current time in seconds since the Unix epoch.
pub fn now() -> i64 {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
    #[cfg(target_arch = "wasm32")]
    {
        // `SystemTime` is not available on wasm32-unknown-unknown.
        (js_sys::Date::now() / 1000.0) as i64
    }
}

/// A compact JWS, read once however many schemes are tried on it: its
/// header checked, its signature decoded, its payload left unread until a
/// scheme's key has verified it.
pub(super) struct Token<'t> {
    /// `alg`, as the header names it.
    alg: String,
    /// The signing input: the token up to the second dot, as sent.
    signed: &'t [u8],
    /// The payload segment, still encoded.
    payload64: &'t str,
    /// The decoded signature.
    signature: Vec<u8>,
}

impl<'t> Token<'t> {
    /// Reads `token`'s structure and header.
    pub(super) fn parse(token: &'t str) -> Result<Token<'t>, Rejection> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Rejection::Malformed("longer than 8 KiB"));
        }
        let mut parts = token.split('.');
        let (Some(header64), Some(payload64), Some(signature64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Rejection::Malformed(
                "not three base64url segments (JWE and unsecured JWTs are not accepted)",
            ));
        };
        let header = object(header64, "header")?;
        if header.contains_key("crit") {
            return Err(Rejection::Critical);
        }
        if let Some(typ) = header.get("typ") {
            let typ = typ.as_str().unwrap_or("");
            let typ = typ.strip_prefix("application/").unwrap_or(typ);
            if !typ.eq_ignore_ascii_case("JWT") && !typ.eq_ignore_ascii_case("at+jwt") {
                return Err(Rejection::Malformed("`typ` is not JWT"));
            }
        }
        let alg = match header.get("alg") {
            Some(Json::String(alg)) => alg.clone(),
            _ => return Err(Rejection::Malformed("the header has no `alg` string")),
        };
        let signature = BASE64URL
            .decode(signature64)
            .map_err(|_| Rejection::Malformed("the signature is not base64url"))?;
        Ok(Token {
            alg,
            signed: &token.as_bytes()[..header64.len() + 1 + payload64.len()],
            payload64,
            signature,
        })
    }

    /// Verifies the token for `scheme` at time `now`.
    pub(super) fn verify(
        &self,
        security: &Security,
        scheme: &Scheme,
        keys: &SchemeKeys,
        now: i64,
    ) -> Result<Verified, Rejection> {
        let Some(algorithm) = Algorithm::from_name(&self.alg).filter(|a| keys.accepts(*a)) else {
            return Err(Rejection::Algorithm(self.alg.clone()));
        };
        if !keys.verify(algorithm, self.signed, &self.signature) {
            return Err(Rejection::Signature);
        }
        let claims = object(self.payload64, "payload")?;
        check_time(&claims, scheme.leeway, now)?;
        if let Some(issuer) = scheme.issuer
            && claims.get("iss").and_then(Json::as_str) != Some(issuer)
        {
            return Err(Rejection::Issuer);
        }
        check_audience(&claims, scheme.audience)?;
        read_claims(&claims, security)
    }
}

/// A base64url segment holding a JSON object whose member names are unique
/// (RFC 7515 §4 and RFC 7519 §4 let a parser refuse repeats or take the
/// last; taking the last lets two readers disagree about a token).
fn object(segment: &str, what: &'static str) -> Result<Map<String, Json>, Rejection> {
    let bytes = BASE64URL.decode(segment).map_err(|_| {
        Rejection::Malformed(match what {
            "header" => "the header is not base64url",
            _ => "the payload is not base64url",
        })
    })?;
    // Read twice, both times small: once for repeats, once into a map.
    if let Ok(parsed) = crate::extract::unique::parse(&bytes, "#")
        && parsed.repeated.is_empty()
        && let Ok(Json::Object(map)) = serde_json::from_slice::<Json>(&bytes)
    {
        return Ok(map);
    }
    Err(Rejection::Malformed(match what {
        "header" => "the header is not a JSON object with unique members",
        _ => "the payload is not a JSON object with unique members",
    }))
}

/// A NumericDate (RFC 7519 §2): seconds, possibly fractional.
fn numeric_date(value: &Json) -> Option<f64> {
    value.as_f64().filter(|f| f.is_finite())
}

fn check_time(claims: &Map<String, Json>, leeway: u64, now: i64) -> Result<(), Rejection> {
    let now = now as f64;
    let leeway = leeway as f64;
    let exp = claims
        .get("exp")
        .and_then(numeric_date)
        .ok_or(Rejection::NoExpiry)?;
    if now >= exp + leeway {
        return Err(Rejection::Expired);
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = numeric_date(nbf).ok_or(Rejection::Malformed("`nbf` is not a number"))?;
        if now + leeway < nbf {
            return Err(Rejection::NotYetValid);
        }
    }
    if let Some(iat) = claims.get("iat")
        && numeric_date(iat).is_none()
    {
        return Err(Rejection::Malformed("`iat` is not a number"));
    }
    Ok(())
}

fn check_audience(claims: &Map<String, Json>, expected: Option<&str>) -> Result<(), Rejection> {
    let names = |aud: &Json, expected: &str| match aud {
        Json::String(one) => one == expected,
        Json::Array(many) => many.iter().any(|a| a.as_str() == Some(expected)),
        _ => false,
    };
    match (claims.get("aud"), expected) {
        (None, None) => Ok(()),
        (Some(aud), Some(expected)) if names(aud, expected) => Ok(()),
        _ => Err(Rejection::Audience),
    }
}

fn read_claims(payload: &Map<String, Json>, security: &Security) -> Result<Verified, Rejection> {
    let role = match payload.get(security.role_claim) {
        Some(Json::String(name)) => security.roles.iter().position(|r| r.name == name),
        Some(_) => {
            return Err(Rejection::Claim(format!(
                "`{}` is not a string",
                security.role_claim
            )));
        }
        None => {
            return Err(Rejection::Claim(format!(
                "`{}` is missing",
                security.role_claim
            )));
        }
    };
    let mut claims = Vec::with_capacity(security.claims.len());
    for claim in security.claims {
        let value = match (payload.get(claim.claim), claim.kind) {
            (None | Some(Json::Null), _) if claim.optional => Value::Null,
            (None, _) => return Err(Rejection::Claim(format!("`{}` is missing", claim.claim))),
            (Some(json), ClaimKind::Integer) => integer(json)
                .ok_or_else(|| Rejection::Claim(format!("`{}` is not an integer", claim.claim)))?,
            (Some(Json::String(s)), ClaimKind::String) => Value::Text(s.clone()),
            (Some(_), ClaimKind::String) => {
                return Err(Rejection::Claim(format!(
                    "`{}` is not a string",
                    claim.claim
                )));
            }
        };
        claims.push(value);
    }
    Ok(Verified { role, claims })
}

/// An integer claim: a JSON integer, or the canonical decimal text of one
/// (no sign but `-`, no leading zeros, no spaces), within ±2^53−1.
fn integer(json: &Json) -> Option<Value> {
    let parsed = match json {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            let canonical = !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && (digits == "0" || !digits.starts_with('0'))
                && s != "-0";
            if canonical { s.parse().ok() } else { None }
        }
        _ => None,
    }?;
    (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER)
        .contains(&parsed)
        .then_some(Value::Integer(parsed))
}
