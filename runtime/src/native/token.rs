//! `app token`: mints a bearer token for local use, signed with the key the
//! server is configured with, so that protected endpoints can be tried with
//! curl right after `cargo run -p app`.

use serde_json::{Map, Value as Json};

use super::secrets::Variables;
use crate::auth::{Algorithm, ClaimKind, RoleRule, Scheme, Security, SigningKey, mint, now};

/// The variable the `token` command reads an Ed25519 private key from when
/// `--signing-key` is not given.
pub const SIGNING_KEY_VARIABLE: &str = "KEEL_SIGNING_KEY";

/// Mint a bearer token signed with the configured key, for local use.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// The caller's role, as the spec's `security.roles` names it.
    #[arg(long)]
    pub role: String,
    /// The `sub` claim (for the shop: the customer's id).
    #[arg(long)]
    pub sub: Option<String>,
    /// Any other claim the spec declares, as NAME=VALUE (repeatable).
    #[arg(long = "claim", value_name = "NAME=VALUE")]
    pub claims: Vec<String>,
    /// Seconds until the token expires.
    #[arg(long, default_value_t = 3600)]
    pub ttl: u64,
    /// The scheme to mint for (default: the first whose tokens may grant
    /// the role).
    #[arg(long)]
    pub scheme: Option<String>,
    /// `HS256` or `EdDSA` (default: HS256 when the scheme accepts it).
    #[arg(long)]
    pub alg: Option<String>,
    /// For EdDSA: the Ed25519 private key (base64 seed or PEM); defaults to
    /// the variable KEEL_SIGNING_KEY.
    #[arg(long)]
    pub signing_key: Option<String>,
}

/// The token `args` ask for, or why it cannot be made.
pub fn mint_token(
    security: &Security,
    vars: &Variables,
    args: &TokenArgs,
) -> Result<String, String> {
    let rule = security.roles.iter().find(|r| r.name == args.role);
    let scheme = pick_scheme(security, args.scheme.as_deref(), rule)?;
    let algorithm = match args.alg.as_deref() {
        Some(name) => Algorithm::from_name(name)
            .filter(|a| scheme.keys.iter().any(|(k, _)| k == a))
            .ok_or_else(|| {
                format!(
                    "scheme `{}` does not accept `{name}`; it accepts {}",
                    scheme.name,
                    accepted(scheme)
                )
            })?,
        None => scheme
            .keys
            .iter()
            .map(|(a, _)| *a)
            .find(|a| *a == Algorithm::Hs256)
            .or_else(|| scheme.keys.first().map(|(a, _)| *a))
            .ok_or_else(|| format!("scheme `{}` accepts no algorithm", scheme.name))?,
    };
    let key_text = match algorithm {
        Algorithm::Hs256 => {
            let variable = scheme
                .keys
                .iter()
                .find(|(a, _)| *a == Algorithm::Hs256)
                .map_or("", |(_, v)| *v);
            vars.get(variable).ok_or_else(|| {
                format!("{variable} is not set: put the HS256 secret in the environment or the env file")
            })?
        }
        Algorithm::EdDsa => args
            .signing_key
            .clone()
            .or_else(|| vars.get(SIGNING_KEY_VARIABLE))
            .ok_or_else(|| {
                format!("EdDSA needs the identity provider's private key: pass --signing-key or set {SIGNING_KEY_VARIABLE}")
            })?,
    };
    let key = SigningKey::parse(algorithm, &key_text)
        .map_err(|e| format!("cannot sign with {}: {e}", algorithm.name()))?;

    if rule.is_none() {
        let roles: Vec<&str> = security.roles.iter().map(|r| r.name).collect();
        eprintln!(
            "note: role `{}` is not declared (the roles are {}); the API will answer 403",
            args.role,
            roles.join(", ")
        );
    }
    let mut claims = Map::new();
    claims.insert(
        security.role_claim.to_owned(),
        Json::from(args.role.clone()),
    );
    let mut given: Vec<(String, String)> = Vec::new();
    if let Some(sub) = &args.sub {
        given.push(("sub".to_owned(), sub.clone()));
    }
    for pair in &args.claims {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("--claim {pair}: expected NAME=VALUE"))?;
        given.push((name.to_owned(), value.to_owned()));
    }
    for (name, value) in given {
        let claim = security
            .claims
            .iter()
            .find(|c| c.name == name || c.claim == name)
            .ok_or_else(|| {
                let known: Vec<&str> = security.claims.iter().map(|c| c.name).collect();
                format!(
                    "the spec declares no claim `{name}`; its claims are {}",
                    known.join(", ")
                )
            })?;
        let json = match claim.kind {
            ClaimKind::Integer => {
                let n: i64 = value
                    .parse()
                    .map_err(|_| format!("claim `{name}` must be an integer, not `{value}`"))?;
                // RFC 7519 makes `sub` a string; other integer claims are numbers.
                if claim.claim == "sub" {
                    Json::from(n.to_string())
                } else {
                    Json::from(n)
                }
            }
            ClaimKind::String => Json::from(value),
        };
        claims.insert(claim.claim.to_owned(), json);
    }
    let missing: Vec<&str> = security
        .claims
        .iter()
        .filter(|c| !c.optional && !claims.contains_key(c.claim))
        .map(|c| c.name)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the token needs claim {}: add `--sub <value>` or `--claim NAME=VALUE`",
            missing.join(", ")
        ));
    }
    let issued = now();
    claims.insert("iat".to_owned(), Json::from(issued));
    claims.insert(
        "exp".to_owned(),
        Json::from(issued.saturating_add(i64::try_from(args.ttl).unwrap_or(i64::MAX))),
    );
    if let Some(issuer) = scheme.issuer {
        claims.insert("iss".to_owned(), Json::from(issuer));
    }
    if let Some(audience) = scheme.audience {
        claims.insert("aud".to_owned(), Json::from(audience));
    }
    Ok(mint(&key, &claims))
}

/// The scheme named, or else the first whose tokens may grant the role.
fn pick_scheme<'s>(
    security: &'s Security,
    name: Option<&str>,
    role: Option<&RoleRule>,
) -> Result<&'s Scheme, String> {
    let names: Vec<&str> = security.schemes.iter().map(|s| s.name).collect();
    let grants =
        |index: usize| role.is_none_or(|r| r.schemes.is_empty() || r.schemes.contains(&index));
    match name {
        Some(name) => {
            let index = security
                .schemes
                .iter()
                .position(|s| s.name == name)
                .ok_or_else(|| {
                    format!("no scheme `{name}`; the spec declares {}", names.join(", "))
                })?;
            if !grants(index) {
                eprintln!("note: scheme `{name}` may not grant this role; the API will answer 403");
            }
            Ok(&security.schemes[index])
        }
        None => (0..security.schemes.len())
            .find(|&i| grants(i))
            .and_then(|i| security.schemes.get(i))
            .ok_or_else(|| {
                "the spec declares no security scheme; every endpoint is public".to_owned()
            }),
    }
}

fn accepted(scheme: &Scheme) -> String {
    let names: Vec<&str> = scheme.keys.iter().map(|(a, _)| a.name()).collect();
    names.join(" and ")
}
