//! Verification, case by case: every way a token can be wrong is refused
//! for the right reason, and what the client sees says no more than it
//! should.

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::{Map, Value as Json, json};

use super::jwt::{BASE64URL, Token, Verified};
use super::keys::HmacSha256;
use super::*;

mod authenticate;

const SECRET: &str = "a-development-secret-of-32-bytes!!";
const OTHER_SECRET: &str = "another-secret-that-is-long-enough";
/// RFC 8032 test 1: the seed and the public key it makes.
const ED_SEED: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
const ED_PUBLIC: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const NOW: i64 = 1_800_000_000;

static SCHEMES: &[Scheme] = &[
    Scheme {
        name: "bearer",
        keys: &[(Algorithm::Hs256, "SECRET"), (Algorithm::EdDsa, "PUBLIC")],
        issuer: Some("https://id.example"),
        audience: Some("shop"),
        leeway: 30,
    },
    // A second issuer whose tokens may not grant `staff`.
    Scheme {
        name: "partner",
        keys: &[(Algorithm::Hs256, "PARTNER_SECRET")],
        issuer: Some("https://partner.example"),
        audience: Some("shop"),
        leeway: 30,
    },
];
static SECURITY: Security = Security {
    schemes: SCHEMES,
    role_claim: "role",
    roles: &[
        RoleRule {
            name: "customer",
            schemes: &[],
        },
        RoleRule {
            name: "staff",
            schemes: &[0],
        },
    ],
    claims: &[
        Claim {
            name: "sub",
            claim: "sub",
            kind: ClaimKind::Integer,
            optional: false,
        },
        Claim {
            name: "tenant",
            claim: "https://example.com/tenant",
            kind: ClaimKind::String,
            optional: true,
        },
    ],
};
static CUSTOMERS: Access = Access {
    schemes: &[0],
    roles: &[0, 1],
};
static STAFF_ONLY: Access = Access {
    schemes: &[0],
    roles: &[1],
};

fn keys_from(secret: Option<&str>, public: Option<&str>) -> (Keys, Vec<KeyError>) {
    Keys::read(&SECURITY, |name| match name {
        "SECRET" => secret.map(str::to_owned),
        "PUBLIC" => public.map(str::to_owned),
        "PARTNER_SECRET" => Some(OTHER_SECRET.to_owned()),
        _ => None,
    })
}

fn keys() -> Keys {
    let (keys, errors) = keys_from(Some(SECRET), Some(ED_PUBLIC));
    assert_eq!(errors, vec![]);
    keys
}

fn claims() -> Map<String, Json> {
    let Json::Object(map) = json!({
        "sub": "7", "role": "customer", "iss": "https://id.example", "aud": "shop",
        "iat": NOW - 10, "exp": NOW + 600,
    }) else {
        unreachable!()
    };
    map
}

fn hs256(claims: &Map<String, Json>) -> String {
    mint(
        &SigningKey::parse(Algorithm::Hs256, SECRET).unwrap(),
        claims,
    )
}

fn eddsa(claims: &Map<String, Json>) -> String {
    mint(
        &SigningKey::parse(Algorithm::EdDsa, ED_SEED).unwrap(),
        claims,
    )
}

/// Verifies `token` for one scheme, as `authenticate` does for each.
fn verify(
    token: &str,
    security: &Security,
    scheme: &Scheme,
    keys: &keys::SchemeKeys,
    now: i64,
) -> Result<Verified, Rejection> {
    Token::parse(token)?.verify(security, scheme, keys, now)
}

fn check(token: &str) -> Result<Verified, Rejection> {
    let keys = keys();
    verify(token, &SECURITY, &SCHEMES[0], keys.scheme(0).unwrap(), NOW)
}

/// A token from raw parts: header and payload JSON text (so that members
/// can repeat), signed with HS256 over exactly those bytes.
fn raw_hs256(header: &str, payload: &str) -> String {
    let input = format!("{}.{}", BASE64URL.encode(header), BASE64URL.encode(payload));
    let mac = HmacSha256::new_from_slice(SECRET.as_bytes()).unwrap();
    let sig = mac.chain_update(input.as_bytes()).finalize().into_bytes();
    format!("{input}.{}", BASE64URL.encode(sig))
}

fn with(mut claims: Map<String, Json>, key: &str, value: Json) -> Map<String, Json> {
    claims.insert(key.to_owned(), value);
    claims
}

fn without(mut claims: Map<String, Json>, key: &str) -> Map<String, Json> {
    claims.remove(key);
    claims
}

#[test]
fn both_algorithms_verify_and_yield_typed_claims() {
    for token in [hs256(&claims()), eddsa(&claims())] {
        let verified = check(&token).unwrap();
        assert_eq!(verified.role, Some(0));
        assert_eq!(verified.claims, vec![Value::Integer(7), Value::Null]);
    }
    let namespaced = with(claims(), "https://example.com/tenant", json!("eu"));
    assert_eq!(
        check(&hs256(&namespaced)).unwrap().claims,
        vec![Value::Integer(7), Value::Text("eu".into())]
    );
}

#[test]
fn rfc_8037_signature_verifies() {
    // RFC 8037 A.4: "Example of Ed25519 signing", signed with the RFC 8032
    // test key. Its payload is not JSON, so the signature is checked alone.
    let keys = keys();
    let scheme = keys.scheme(0).unwrap();
    let signed = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    let signature = BASE64URL
        .decode("hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg")
        .unwrap();
    assert!(scheme.verify(Algorithm::EdDsa, signed, &signature));
    assert!(!scheme.verify(Algorithm::EdDsa, b"eyJhbGciOiJFZERTQSJ9.x", &signature));
    assert_eq!(
        SigningKey::parse(Algorithm::EdDsa, ED_SEED)
            .unwrap()
            .public_key(),
        Some(ED_PUBLIC.to_owned())
    );
}

#[test]
fn unsigned_and_unknown_algorithms_are_refused() {
    let payload = BASE64URL.encode(Json::Object(claims()).to_string());
    for alg in ["none", "None", "RS256", "HS512", "ES256"] {
        let header = BASE64URL.encode(format!(r#"{{"alg":"{alg}"}}"#));
        assert_eq!(
            check(&format!("{header}.{payload}.")),
            Err(Rejection::Algorithm(alg.to_owned())),
            "{alg}"
        );
    }
    let header = BASE64URL.encode(r#"{"typ":"JWT"}"#);
    assert!(matches!(
        check(&format!("{header}.{payload}.")),
        Err(Rejection::Malformed(_))
    ));
}

#[test]
fn an_hmac_keyed_with_the_public_key_is_refused() {
    // Algorithm confusion: the attacker knows the Ed25519 public key and
    // "signs" an HS256 token with it as the HMAC secret.
    let forged = mint(
        &SigningKey::Hs256(ED_PUBLIC.as_bytes().to_vec()),
        &with(claims(), "role", json!("staff")),
    );
    assert_eq!(check(&forged), Err(Rejection::Signature));
    // A scheme that holds only the public key accepts no HS256 at all.
    let (only_public, _) = keys_from(None, Some(ED_PUBLIC));
    assert_eq!(
        verify(
            &forged,
            &SECURITY,
            &SCHEMES[0],
            only_public.scheme(0).unwrap(),
            NOW
        ),
        Err(Rejection::Algorithm("HS256".into()))
    );
    // And an EdDSA header on an HMAC signature is no better.
    let (only_secret, _) = keys_from(Some(SECRET), None);
    assert_eq!(
        verify(
            &eddsa(&claims()),
            &SECURITY,
            &SCHEMES[0],
            only_secret.scheme(0).unwrap(),
            NOW
        ),
        Err(Rejection::Algorithm("EdDSA".into()))
    );
}

#[test]
fn tampering_breaks_the_signature() {
    let token = hs256(&claims());
    let [header, _, signature]: [&str; 3] =
        token.split('.').collect::<Vec<_>>().try_into().unwrap();
    let staff = BASE64URL.encode(Json::Object(with(claims(), "role", json!("staff"))).to_string());
    assert_eq!(
        check(&format!("{header}.{staff}.{signature}")),
        Err(Rejection::Signature)
    );
    let other = mint(
        &SigningKey::parse(Algorithm::Hs256, OTHER_SECRET).unwrap(),
        &claims(),
    );
    assert_eq!(check(&other), Err(Rejection::Signature));
    let mut short = token.clone();
    short.pop();
    assert!(check(&short).is_err());
}

#[test]
fn time_claims_are_enforced_with_leeway() {
    let at = |exp: i64| check(&hs256(&with(claims(), "exp", json!(exp))));
    assert_eq!(at(NOW - 31).err(), Some(Rejection::Expired));
    assert_eq!(at(NOW - 30).err(), Some(Rejection::Expired));
    assert!(at(NOW - 29).is_ok(), "within the 30 s leeway");
    assert!(check(&hs256(&with(claims(), "exp", json!(NOW as f64 + 0.5)))).is_ok());
    assert_eq!(
        check(&hs256(&without(claims(), "exp"))).err(),
        Some(Rejection::NoExpiry)
    );
    assert_eq!(
        check(&hs256(&with(claims(), "exp", json!("tomorrow")))).err(),
        Some(Rejection::NoExpiry)
    );
    let nbf = |nbf: i64| check(&hs256(&with(claims(), "nbf", json!(nbf))));
    assert_eq!(nbf(NOW + 31).err(), Some(Rejection::NotYetValid));
    assert!(nbf(NOW + 30).is_ok());
    assert!(matches!(
        check(&hs256(&with(claims(), "iat", json!("now")))),
        Err(Rejection::Malformed(_))
    ));
}

#[test]
fn issuer_and_audience_must_match() {
    let iss = |v: Json| check(&hs256(&with(claims(), "iss", v))).err();
    assert_eq!(iss(json!("https://evil.example")), Some(Rejection::Issuer));
    assert_eq!(
        check(&hs256(&without(claims(), "iss"))).err(),
        Some(Rejection::Issuer)
    );
    let aud = |v: Json| check(&hs256(&with(claims(), "aud", v))).err();
    assert_eq!(aud(json!(["other", "shop"])), None);
    assert_eq!(aud(json!("other")), Some(Rejection::Audience));
    assert_eq!(aud(json!(["other"])), Some(Rejection::Audience));
    assert_eq!(
        check(&hs256(&without(claims(), "aud"))).err(),
        Some(Rejection::Audience)
    );
    // A scheme that expects no audience refuses a token meant for one.
    static OPEN: Scheme = Scheme {
        name: "open",
        keys: &[(Algorithm::Hs256, "SECRET")],
        issuer: None,
        audience: None,
        leeway: 0,
    };
    let keys = keys();
    let scheme_keys = keys.scheme(0).unwrap();
    assert_eq!(
        verify(&hs256(&claims()), &SECURITY, &OPEN, scheme_keys, NOW).err(),
        Some(Rejection::Audience)
    );
    assert!(
        verify(
            &hs256(&without(claims(), "aud")),
            &SECURITY,
            &OPEN,
            scheme_keys,
            NOW
        )
        .is_ok()
    );
}

#[test]
fn repeated_members_and_crit_are_refused() {
    let body = r#"{"sub":"7","role":"customer","role":"staff","iss":"https://id.example","aud":"shop","exp":1800000600}"#;
    assert!(matches!(
        check(&raw_hs256(r#"{"alg":"HS256"}"#, body)),
        Err(Rejection::Malformed(_))
    ));
    let once = body.replace(r#""role":"staff","#, "");
    assert!(check(&raw_hs256(r#"{"alg":"HS256"}"#, &once)).is_ok());
    assert!(matches!(
        check(&raw_hs256(r#"{"alg":"HS256","alg":"none"}"#, &once)),
        Err(Rejection::Malformed(_))
    ));
    assert_eq!(
        check(&raw_hs256(r#"{"alg":"HS256","crit":["exp"]}"#, &once)),
        Err(Rejection::Critical)
    );
    assert!(matches!(
        check(&raw_hs256(r#"{"alg":"HS256","typ":"JWE"}"#, &once)),
        Err(Rejection::Malformed(_))
    ));
    assert!(check(&raw_hs256(r#"{"alg":"HS256","typ":"at+jwt"}"#, &once)).is_ok());
    assert!(matches!(
        check(&raw_hs256(r#"{"alg":"HS256"}"#, "[1,2]")),
        Err(Rejection::Malformed(_))
    ));
}

#[test]
fn only_canonical_compact_tokens_are_read() {
    let token = hs256(&claims());
    for bad in [
        format!("{token}.extra"),
        token.replacen('.', "=.", 1),
        token.replacen('.', "..", 1),
        format!("{token}="),
        "a.b".to_owned(),
        String::new(),
        "x".repeat(MAX_TOKEN_BYTES + 1),
    ] {
        assert!(check(&bad).is_err(), "{bad:.60}");
    }
}

#[test]
fn claims_are_typed_and_required() {
    let sub = |v: Json| check(&hs256(&with(claims(), "sub", v))).map(|v| v.claims[0].clone());
    assert_eq!(sub(json!(42)), Ok(Value::Integer(42)));
    assert_eq!(sub(json!("-3")), Ok(Value::Integer(-3)));
    for bad in [
        json!("007"),
        json!("+7"),
        json!(" 7"),
        json!("7.0"),
        json!(7.5),
        json!("-0"),
        json!(""),
        json!(9_007_199_254_740_992_i64),
        json!(i64::MIN),
        json!(i64::MIN.to_string()),
        json!(null),
        json!(true),
    ] {
        assert!(
            matches!(sub(bad.clone()), Err(Rejection::Claim(_))),
            "sub {bad}"
        );
    }
    assert!(matches!(
        check(&hs256(&without(claims(), "sub"))),
        Err(Rejection::Claim(_))
    ));
    assert!(matches!(
        check(&hs256(&with(
            claims(),
            "https://example.com/tenant",
            json!(5)
        ))),
        Err(Rejection::Claim(_))
    ));
    assert!(matches!(
        check(&hs256(&without(claims(), "role"))),
        Err(Rejection::Claim(_))
    ));
    assert!(matches!(
        check(&hs256(&with(claims(), "role", json!(["staff"])))),
        Err(Rejection::Claim(_))
    ));
    assert_eq!(
        check(&hs256(&with(claims(), "role", json!("guest"))))
            .unwrap()
            .role,
        None
    );
}
