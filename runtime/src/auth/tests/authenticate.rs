//! `authenticate` as a handler calls it: the `Authorization` header, the
//! challenges, roles and schemes; and the keys it is given.

use super::*;

fn request(authorization: &[&str]) -> Request {
    let mut req = Request::new(http::Method::GET, "/v1/orders");
    for value in authorization {
        req.headers.append(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    req
}

fn refusal(req: &Request, access: &Access, keys: &Keys) -> (u16, String, String) {
    let response = authenticate(&SECURITY, keys, req, access)
        .unwrap_err()
        .into_response();
    let body: Json = serde_json::from_slice(&response.body).unwrap();
    let challenge = response
        .headers
        .get(http::header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        response.status.as_u16(),
        body["type"].as_str().unwrap().to_owned(),
        challenge,
    )
}

/// Claims that are valid now, for `authenticate` (which reads the clock).
fn live_claims() -> Map<String, Json> {
    with(claims(), "exp", json!(now() + 600))
}

#[test]
fn authenticate_answers_with_rfc_6750_challenges() {
    let keys = keys();
    let customer = format!("Bearer {}", hs256(&live_claims()));
    let principal = authenticate(&SECURITY, &keys, &request(&[&customer]), &CUSTOMERS).unwrap();
    assert_eq!(
        (principal.role(), principal.claim(0)),
        (0, &Value::Integer(7))
    );
    let lower = format!("bearer  {}", hs256(&live_claims()));
    assert!(authenticate(&SECURITY, &keys, &request(&[&lower]), &CUSTOMERS).is_ok());

    /// `Authorization` headers, the access, and the expected status,
    /// problem type and challenge.
    type Case<'a> = (Vec<String>, &'a Access, (u16, &'a str, &'a str));
    let cases: Vec<Case<'_>> = vec![
        (
            vec![],
            &CUSTOMERS,
            (401, "/problems/unauthorized", "Bearer"),
        ),
        (
            vec!["Basic YWRhOmxvdmVsYWNl".into()],
            &CUSTOMERS,
            (401, "/problems/unauthorized", "Bearer"),
        ),
        (
            vec!["Bearer not-a-jwt".into()],
            &CUSTOMERS,
            (
                401,
                "/problems/unauthorized",
                "Bearer error=\"invalid_token\", error_description=\"the token is not valid\"",
            ),
        ),
        (
            vec![customer.clone()],
            &STAFF_ONLY,
            (
                403,
                "/problems/forbidden",
                "Bearer error=\"insufficient_scope\"",
            ),
        ),
        (
            vec![format!(
                "Bearer {}",
                hs256(&with(live_claims(), "role", json!("guest")))
            )],
            &CUSTOMERS,
            (
                403,
                "/problems/forbidden",
                "Bearer error=\"insufficient_scope\"",
            ),
        ),
        (
            vec![customer.clone(), customer.clone()],
            &CUSTOMERS,
            (
                400,
                "/problems/invalid-request",
                "Bearer error=\"invalid_request\", error_description=\"send one `Authorization` header, not several\"",
            ),
        ),
        (
            vec!["Bearer".into()],
            &CUSTOMERS,
            (400, "/problems/invalid-request", ""),
        ),
        (
            vec!["Bearer a b".into()],
            &CUSTOMERS,
            (400, "/problems/invalid-request", ""),
        ),
    ];
    for (headers, access, (status, kind, challenge)) in cases {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let (got_status, got_kind, got_challenge) = refusal(&request(&headers), access, &keys);
        assert_eq!(
            (got_status, got_kind.as_str()),
            (status, kind),
            "{headers:?}"
        );
        if !challenge.is_empty() {
            assert_eq!(got_challenge, challenge, "{headers:?}");
        } else {
            assert!(
                got_challenge.starts_with("Bearer error=\"invalid_request\""),
                "{got_challenge}"
            );
        }
    }
}

#[test]
fn an_expired_token_says_so_and_nothing_more() {
    // Expiry is real time here: `authenticate` reads the clock.
    let expired = with(live_claims(), "exp", json!(now() - 3600));
    let (status, _, challenge) = refusal(
        &request(&[&format!("Bearer {}", hs256(&expired))]),
        &CUSTOMERS,
        &keys(),
    );
    assert_eq!(status, 401);
    assert_eq!(
        challenge,
        "Bearer error=\"invalid_token\", error_description=\"the token has expired\""
    );
}

#[test]
fn a_scheme_without_keys_fails_loudly() {
    let (keys, errors) = keys_from(None, None);
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![
            "scheme `bearer` has no key: set SECRET or PUBLIC (natively in the environment or the --env-file; on Workers with `wrangler secret put`, or in .dev.vars for `wrangler dev`)"
        ]
    );
    let token = format!("Bearer {}", hs256(&live_claims()));
    assert_eq!(refusal(&request(&[&token]), &CUSTOMERS, &keys).0, 500);
}

#[test]
fn unusable_keys_are_reported_by_variable() {
    let (_, errors) = keys_from(Some("short"), Some("not base64!"));
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        vec![
            "SECRET (HS256 keys of scheme `bearer`): an HS256 secret must be at least 32 bytes, and one is 5; make one with `openssl rand -base64 32`",
            "PUBLIC (EdDSA keys of scheme `bearer`): expected an Ed25519 public key: 32 bytes in base64, or a PEM block",
        ]
    );
}

#[test]
fn several_keys_rotate() {
    let (keys, errors) = keys_from(Some(&format!("{OTHER_SECRET}, {SECRET}")), None);
    assert!(errors.is_empty());
    let token = hs256(&claims());
    assert!(verify(&token, &SECURITY, &SCHEMES[0], keys.scheme(0).unwrap(), NOW).is_ok());
    // PEM, as `openssl pkey -pubout` writes it.
    let der = [
        &[
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ][..],
        &base64::engine::general_purpose::STANDARD
            .decode(ED_PUBLIC)
            .unwrap(),
    ]
    .concat();
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    );
    let (keys, errors) = keys_from(None, Some(&pem));
    assert_eq!(errors, vec![]);
    assert!(
        verify(
            &eddsa(&claims()),
            &SECURITY,
            &SCHEMES[0],
            keys.scheme(0).unwrap(),
            NOW
        )
        .is_ok()
    );
}

#[test]
fn a_role_is_granted_only_by_the_schemes_it_names() {
    static EITHER: Access = Access {
        schemes: &[0, 1],
        roles: &[0, 1],
    };
    let keys = keys();
    let partner = |role: &str| {
        let claims = with(
            with(live_claims(), "role", json!(role)),
            "iss",
            json!("https://partner.example"),
        );
        let key = SigningKey::parse(Algorithm::Hs256, OTHER_SECRET).unwrap();
        request(&[&format!("Bearer {}", mint(&key, &claims))])
    };
    let customer = authenticate(&SECURITY, &keys, &partner("customer"), &EITHER).unwrap();
    assert_eq!((customer.scheme(), customer.role()), (1, 0));
    let response = authenticate(&SECURITY, &keys, &partner("staff"), &EITHER)
        .unwrap_err()
        .into_response();
    assert_eq!(response.status.as_u16(), 403);
    let body: Json = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(
        body["detail"],
        "this token's issuer may not grant the staff role"
    );
}
