//! Bearer tokens for the suite, signed with the development keys in
//! `app/.dev.vars`: the keys both the native server (`--env-file`) and
//! `wrangler dev` (which reads that file itself) verify with. Customers'
//! tokens are EdDSA, as the storefront's identity provider signs them;
//! staff tokens HS256, as the back office signs them.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keel::auth::{Algorithm, SigningKey, mint, now};
use serde_json::{Map, Value, json};

/// The development env file.
pub(crate) fn dev_vars() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".dev.vars")
}

fn key(alg: Algorithm) -> &'static SigningKey {
    static KEYS: OnceLock<(SigningKey, SigningKey)> = OnceLock::new();
    let (hs256, eddsa) = KEYS.get_or_init(|| {
        let vars = keel::native::Variables::load(Some(&dev_vars()), None).expect("app/.dev.vars");
        let read = |alg, name: &str| {
            let text = vars
                .get(name)
                .unwrap_or_else(|| panic!("{name} in app/.dev.vars"));
            SigningKey::parse(alg, &text).expect("a development key")
        };
        (
            read(Algorithm::Hs256, "JWT_SECRET"),
            read(Algorithm::EdDsa, keel::native::SIGNING_KEY_VARIABLE),
        )
    });
    match alg {
        Algorithm::Hs256 => hs256,
        Algorithm::EdDsa => eddsa,
    }
}

/// Valid claims for `role` and `sub`.
pub(crate) fn claims(role: &str, sub: i64) -> Map<String, Value> {
    let mut map = role_claims(role);
    map.insert("sub".into(), json!(sub.to_string()));
    map
}

/// Valid claims for `role`, with no `sub`: the audience, and a token
/// issued now that expires in ten minutes.
pub(crate) fn role_claims(role: &str) -> Map<String, Value> {
    let Value::Object(map) = json!({
        "role": role, "aud": "shop-api", "iat": now(), "exp": now() + 600,
    }) else {
        unreachable!()
    };
    map
}

/// `Bearer <claims signed with alg's development key>`.
pub(crate) fn bearer(alg: Algorithm, claims: &Map<String, Value>) -> String {
    format!("Bearer {}", mint(key(alg), claims))
}

/// A customer, as the storefront's identity provider signs them in.
pub(crate) fn customer(id: i64) -> String {
    bearer(Algorithm::EdDsa, &claims("customer", id))
}

/// A staff member, as the back office signs them in.
pub(crate) fn staff(id: i64) -> String {
    bearer(Algorithm::Hs256, &claims("staff", id))
}

/// `Bearer <token>` with a header and payload of our choosing and an
/// HS256 signature over them made with `secret`.
pub(crate) fn forged(header: &Value, payload: &Map<String, Value>, secret: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(Value::Object(payload.clone()).to_string())
    );
    let signature = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret)
        .expect("any key length")
        .chain_update(input.as_bytes())
        .finalize()
        .into_bytes();
    format!("Bearer {input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

/// `Bearer <token>` whose header says `alg: none`, with no signature.
pub(crate) fn unsigned(payload: &Map<String, Value>) -> String {
    format!(
        "Bearer {}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(Value::Object(payload.clone()).to_string())
    )
}
