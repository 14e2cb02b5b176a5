//! Who may call what: bearer JWTs verified without a database round trip,
//! the roles they carry, and the claims that identify a caller.
//!
//! The spec declares the model (`security:` in `api.yaml`, documented in
//! `docs/security.md`) and the macro turns it into a [`Security`] static and
//! one [`Access`] per protected endpoint. The generated handler calls
//! [`authenticate`] before it reads any input, so the same rules apply on
//! both targets; only the signature primitives differ in where their keys
//! come from ([`Keys`]).
//!
//! The policy:
//!
//! - **Closed unless opened.** An endpoint the spec does not mark `public`
//!   needs a verified credential; a public endpoint never looks at one.
//! - **Verification.** A credential is a compact JWS (RFC 7515) carrying JWT
//!   claims (RFC 7519), sent as `Authorization: Bearer <token>` (RFC 6750).
//!   Its `alg` must be one the scheme holds a key for (HS256 or EdDSA with
//!   Ed25519); the key's kind decides the algorithm, so `alg: none`, unknown
//!   algorithms and algorithm confusion (an HMAC "signed" with a public key)
//!   are refused. `crit` headers are refused, keys embedded in the token
//!   (`jwk`, `jku`, `x5u`, …) are never used, and duplicate members are
//!   refused rather than guessed at. `exp` is required; `nbf` is honoured;
//!   `iss` and `aud` must match when the scheme names them (a token with an
//!   `aud` the scheme does not expect is refused, as RFC 7519 says). MACs
//!   are compared in constant time.
//! - **What the client learns.** 401 (`/problems/unauthorized`) says only
//!   whether the token was missing, expired or otherwise not valid, with the
//!   matching `WWW-Authenticate: Bearer` challenge; 403
//!   (`/problems/forbidden`) that the caller's role may not do this. Which
//!   check failed is logged at `debug` level, for operators only.
//! - **Who the caller is** comes from the verified claims alone: the role
//!   claim and the declared claims, typed, which reach SQL as bindings like
//!   any parameter (`:auth_sub`).

mod jwt;
mod keys;
mod sign;

pub use jwt::{MAX_TOKEN_BYTES, Rejection, now};
pub use keys::{KeyError, Keys};
pub use sign::{SigningKey, mint};

use http::StatusCode;

use crate::http::Request;
use crate::problem::Problem;
use crate::value::{FromValue, Value};

/// The RFC 6750 challenge of every 403 `forbidden`: the token is valid
/// but does not reach what was asked.
pub const INSUFFICIENT_SCOPE: &str = "Bearer error=\"insufficient_scope\"";

/// An API's security model, as the spec declares it. The macro generates
/// one as a `static`; [`Security::NONE`] is an API without any.
#[derive(Debug)]
pub struct Security {
    /// The ways a caller can prove who they are.
    pub schemes: &'static [Scheme],
    /// The claim that names the caller's role (`role`).
    pub role_claim: &'static str,
    /// The roles, in declaration order; a [`Principal`]'s role indexes it.
    pub roles: &'static [RoleRule],
    /// The claims that identify a caller, in declaration order.
    pub claims: &'static [Claim],
}

impl Security {
    /// No schemes, no roles: every endpoint is public.
    pub const NONE: Security = Security {
        schemes: &[],
        role_claim: "role",
        roles: &[],
        claims: &[],
    };
}

/// A role, and which schemes' tokens may carry it.
#[derive(Debug)]
pub struct RoleRule {
    /// The name the role claim carries.
    pub name: &'static str,
    /// The schemes (indexes into [`Security::schemes`]) whose tokens may
    /// grant the role; empty when any may. A token from another scheme
    /// that claims the role is refused (403): a storefront's identity
    /// provider cannot make a caller staff.
    pub schemes: &'static [usize],
}

/// A bearer-JWT scheme: which algorithms it accepts, where their keys are,
/// and which issuer and audience its tokens must name.
#[derive(Debug)]
pub struct Scheme {
    /// Its name in the spec and the OpenAPI document.
    pub name: &'static str,
    /// Each accepted algorithm with the variable (environment variable
    /// natively, secret or var on Workers) that holds its keys.
    pub keys: &'static [(Algorithm, &'static str)],
    /// The `iss` tokens must carry, if any.
    pub issuer: Option<&'static str>,
    /// The `aud` tokens must carry (or list), if any.
    pub audience: Option<&'static str>,
    /// Seconds of clock skew allowed on `exp` and `nbf`.
    pub leeway: u64,
}

/// The signature algorithms a scheme can accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC with SHA-256 and a shared secret (RFC 7518 §3.2).
    Hs256,
    /// Ed25519 signatures (RFC 8037): the API holds only the public key.
    EdDsa,
}

impl Algorithm {
    /// Every algorithm, as `alg` names it.
    pub const ALL: &'static [Algorithm] = &[Algorithm::Hs256, Algorithm::EdDsa];

    /// The JOSE name (`HS256`, `EdDSA`).
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Hs256 => "HS256",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// The algorithm a JOSE `alg` names, if supported.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.iter().copied().find(|a| a.name() == name)
    }
}

/// A claim that identifies a caller, bound to SQL as `:auth_<name>`.
#[derive(Debug)]
pub struct Claim {
    /// The name SQL and Rust use (`sub`).
    pub name: &'static str,
    /// The member of the JWT payload it is read from (usually `name`).
    pub claim: &'static str,
    /// Its type.
    pub kind: ClaimKind,
    /// Whether a token may lack it (then it binds `NULL`).
    pub optional: bool,
}

/// The types a claim can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimKind {
    /// An integer within ±2^53−1: a JSON integer, or a string of decimal
    /// digits (`sub` is a string in RFC 7519).
    Integer,
    /// A string.
    String,
}

/// Who may call one protected endpoint.
#[derive(Debug)]
pub struct Access {
    /// The schemes whose tokens it accepts (indexes into [`Security::schemes`]).
    pub schemes: &'static [usize],
    /// The roles it admits (indexes into [`Security::roles`]).
    pub roles: &'static [usize],
}

/// A caller whose credential was verified and whose role the endpoint admits.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    scheme: usize,
    role: usize,
    claims: Vec<Value>,
}

impl Principal {
    /// The scheme that verified the credential.
    pub fn scheme(&self) -> usize {
        self.scheme
    }

    /// The role, an index into [`Security::roles`].
    pub fn role(&self) -> usize {
        self.role
    }

    /// Claim `index` (in [`Security::claims`] order); `NULL` for an absent
    /// optional claim.
    pub fn claim(&self, index: usize) -> &Value {
        self.claims.get(index).unwrap_or(&Value::Null)
    }

    /// Claim `index` as the Rust type the generated `Caller` holds it in.
    /// Verification already checked its type, so a failure here is a bug,
    /// answered with a 500 rather than a panic.
    pub fn claim_as<T: FromValue>(&self, index: usize) -> Result<T, Problem> {
        T::from_value(self.claim(index)).map_err(|err| {
            crate::log::error(&format!("claim {index} of a verified caller: {err}"));
            Problem::internal()
        })
    }

    /// The problem for a role index the generated code does not know, which
    /// verification never produces.
    pub fn unknown_role() -> Problem {
        crate::log::error("a verified caller has a role the API does not declare");
        Problem::internal()
    }
}

/// Verifies the request's bearer token for an endpoint with `access`.
///
/// Returns the caller, or the problem to answer with: 400 for an
/// `Authorization` header that breaks RFC 6750, 401 for a missing, expired
/// or invalid token, 403 for a valid token whose role is not admitted, and
/// 500 when no scheme the endpoint accepts has a key configured.
pub fn authenticate(
    security: &Security,
    keys: &Keys,
    req: &Request,
    access: &Access,
) -> Result<Principal, Problem> {
    let token = bearer_token(req)?;
    let now = now();
    // Read once, then offered to each scheme the endpoint accepts.
    let parsed = jwt::Token::parse(token);
    let mut outcome: Option<Rejection> = None;
    let mut configured = false;
    for &index in access.schemes {
        let (Some(scheme), Some(scheme_keys)) = (security.schemes.get(index), keys.scheme(index))
        else {
            continue;
        };
        if scheme_keys.is_empty() {
            continue;
        }
        configured = true;
        let verified = match &parsed {
            Ok(token) => token.verify(security, scheme, scheme_keys, now),
            Err(rejection) => Err(rejection.clone()),
        };
        match verified {
            Ok(verified) => return admit(security, access, index, verified),
            // Keep the most telling reason: an expired token whose
            // signature held says more than a scheme that did not apply.
            Err(rejection) => {
                if outcome.as_ref().is_none_or(|o| rejection.rank() > o.rank()) {
                    outcome = Some(rejection);
                }
            }
        }
    }
    if !configured {
        let names: Vec<&str> = access
            .schemes
            .iter()
            .filter_map(|&i| security.schemes.get(i))
            .map(|s| s.name)
            .collect();
        crate::log::error(&format!(
            "no key is configured for scheme {}; protected endpoints fail until one is (see docs/security.md)",
            names.join(", ")
        ));
        return Err(Problem::internal());
    }
    let rejection = outcome.unwrap_or(Rejection::Malformed("no scheme accepts this token"));
    crate::log::debug(&format!("bearer token refused: {rejection}"));
    Err(Problem::unauthorized(Some(rejection.challenge())))
}

fn admit(
    security: &Security,
    access: &Access,
    scheme: usize,
    verified: jwt::Verified,
) -> Result<Principal, Problem> {
    let jwt::Verified { role, claims } = verified;
    let rule = role.and_then(|r| security.roles.get(r));
    match (role, rule) {
        (Some(_), Some(rule)) if !rule.schemes.is_empty() && !rule.schemes.contains(&scheme) => {
            Err(Problem::forbidden(format!(
                "this token's issuer may not grant the {} role",
                rule.name
            )))
        }
        (Some(role), Some(_)) if access.roles.contains(&role) => Ok(Principal {
            scheme,
            role,
            claims,
        }),
        (Some(_), Some(rule)) => Err(Problem::forbidden(format!(
            "the {} role may not use this operation",
            rule.name
        ))),
        _ => Err(Problem::forbidden(
            "the token's role may not use this operation",
        )),
    }
}

/// The bearer token of `req`, or the problem for a missing or malformed
/// `Authorization` header.
fn bearer_token(req: &Request) -> Result<&str, Problem> {
    let mut values = req.headers.get_all(http::header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(
            match req.headers.contains_key(http::header::AUTHORIZATION) {
                true => invalid_request("send one `Authorization` header, not several"),
                false => Problem::unauthorized(None),
            },
        );
    };
    let Ok(value) = value.to_str() else {
        return Err(invalid_request("the `Authorization` header must be ASCII"));
    };
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        // Another scheme is no bearer credential at all: answer with the
        // challenge that says which scheme to use.
        return Err(Problem::unauthorized(None));
    }
    let token = rest.trim_matches(' ');
    if token.is_empty() || !token.bytes().all(is_b64token) {
        return Err(invalid_request(
            "expected `Authorization: Bearer <token>` with one token of base64url characters",
        ));
    }
    Ok(token)
}

/// The characters of RFC 6750's `b64token`.
fn is_b64token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

fn invalid_request(detail: &str) -> Problem {
    Problem::invalid_request(vec![crate::problem::Violation {
        pointer: "#/header/authorization".into(),
        detail: detail.into(),
    }])
    .with_header(
        http::header::WWW_AUTHENTICATE,
        &format!("Bearer error=\"invalid_request\", error_description=\"{detail}\""),
    )
}

/// What a 401 tells the client, as RFC 6750 §3 codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// The token has expired: get a new one.
    Expired,
    /// The token is not valid here, for a reason the client is not told.
    Invalid,
}

impl Problem {
    /// 401: the request lacks a valid bearer token. `None` when it sent no
    /// bearer token at all (the challenge then carries no error code, as
    /// RFC 6750 §3.1 asks).
    pub fn unauthorized(challenge: Option<Challenge>) -> Problem {
        let (detail, header) = match challenge {
            None => (
                "this operation needs a bearer token: send `Authorization: Bearer <token>`",
                "Bearer".to_owned(),
            ),
            Some(Challenge::Expired) => (
                "the bearer token has expired; get a new one",
                "Bearer error=\"invalid_token\", error_description=\"the token has expired\""
                    .to_owned(),
            ),
            Some(Challenge::Invalid) => (
                "the bearer token is not valid for this API",
                "Bearer error=\"invalid_token\", error_description=\"the token is not valid\""
                    .to_owned(),
            ),
        };
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", "Unauthorized")
            .with_detail(detail)
            .with_header(http::header::WWW_AUTHENTICATE, &header)
    }

    /// 403: the caller is known but may not do this.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden")
            .with_detail(detail)
            .with_header(http::header::WWW_AUTHENTICATE, INSUFFICIENT_SCOPE)
    }
}

#[cfg(test)]
mod tests;
