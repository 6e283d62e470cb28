use std::sync::Arc;

use aws_lc_rs::hmac;
use serde_json::{Value, json};

use super::{compile_audience_pattern, token_issuer, token_kid, validate};
use crate::testkeys::{self, b64, jwk, jwks_json, sign, sign_as, signing_input};
use crate::{Jwks, JwtError, Provider, Requirements, Validated};

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test";
const NOW: i64 = 1_700_000_000;

fn providers() -> Vec<Provider> {
    let arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Test";
    let pool = Provider::from_cognito_arn(arn).expect("a user-pool ARN");
    vec![Provider::from_issuer("https://other.example.com"), pool]
}

fn key_set() -> Arc<Jwks> {
    let mut pinned = jwk("rsa-pinned", testkeys::rsa());
    pinned["alg"] = json!("RS256");
    let document = jwks_json(&[
        jwk("rsa", testkeys::rsa()),
        pinned,
        jwk("ec", testkeys::ec()),
    ]);
    Arc::new(Jwks::parse(document.as_bytes()).expect("test JWKS"))
}

fn id_claims() -> Value {
    json!({"sub": "user-1", "iss": ISSUER, "token_use": "id", "aud": "client-1",
           "exp": NOW + 3600, "iat": NOW - 10, "email": "a@example.com"})
}

fn access_claims() -> Value {
    json!({"sub": "user-1", "iss": ISSUER, "token_use": "access", "client_id": "client-1",
           "scope": "openid orders/read", "exp": NOW + 3600, "iat": NOW - 10})
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().expect("claims").remove(name);
    claims
}

fn rsa_token(claims: &Value) -> String {
    sign("RS256", "rsa", claims, testkeys::rsa())
}

/// Validates with the test providers and key set, `scopes` as the method's and `audience` as
/// its identity validation expression.
fn run(token: &str, scopes: &[&str], audience: Option<&str>) -> Result<Validated, JwtError> {
    let scopes: Vec<String> = scopes.iter().map(|scope| scope.to_string()).collect();
    let pattern = audience.map(|expression| compile_audience_pattern(expression).expect("regex"));
    let jwks = key_set();
    let jwks_of = |issuer: &str| (issuer == ISSUER).then(|| Arc::clone(&jwks));
    let requirements = Requirements {
        scopes: &scopes,
        audience_pattern: pattern.as_ref(),
        now: NOW,
    };
    validate(token, &providers(), &jwks_of, &requirements)
}

fn check(token: &str, scopes: &[&str], audience: Option<&str>, expected: &Result<(), JwtError>) {
    assert_eq!(&run(token, scopes, audience).map(|_| ()), expected);
}

#[test]
fn valid_id_token_is_accepted_with_its_claims() {
    let claims = id_claims();
    let validated = run(&rsa_token(&claims), &[], None).expect("valid");
    assert_eq!(Value::Object(validated.claims), claims);
    assert_eq!(validated.issuer, ISSUER);
    assert!(validated.scopes.is_empty());
}

#[test]
fn valid_access_token_with_one_of_the_method_scopes_is_accepted() {
    let validated = run(
        &rsa_token(&access_claims()),
        &["orders/write", "orders/read"],
        None,
    )
    .expect("valid");
    assert_eq!(validated.scopes, ["openid", "orders/read"]);
}

#[test]
fn access_token_without_any_method_scope_is_refused() {
    let token = rsa_token(&access_claims());
    check(
        &token,
        &["orders/write"],
        None,
        &Err(JwtError::MissingScope),
    );
    // A scope is a whole word of the claim, not a substring of it.
    check(&token, &["orders"], None, &Err(JwtError::MissingScope));
    let no_scope = rsa_token(&without(access_claims(), "scope"));
    check(
        &no_scope,
        &["orders/read"],
        None,
        &Err(JwtError::MissingScope),
    );
}

#[test]
fn access_token_is_refused_where_an_id_token_is_required() {
    check(
        &rsa_token(&access_claims()),
        &[],
        None,
        &Err(JwtError::WrongTokenUse),
    );
}

#[test]
fn id_token_is_refused_where_scopes_are_required() {
    let claims = with(id_claims(), "scope", json!("orders/read"));
    check(
        &rsa_token(&claims),
        &["orders/read"],
        None,
        &Err(JwtError::WrongTokenUse),
    );
}

#[test]
fn token_without_token_use_is_refused() {
    let claims = without(id_claims(), "token_use");
    check(
        &rsa_token(&claims),
        &[],
        None,
        &Err(JwtError::WrongTokenUse),
    );
}

#[test]
fn expired_token_is_refused_without_leeway() {
    let at_now = with(id_claims(), "exp", json!(NOW));
    check(&rsa_token(&at_now), &[], None, &Err(JwtError::Expired));
    let fraction_after = with(id_claims(), "exp", json!(NOW as f64 + 0.5));
    check(&rsa_token(&fraction_after), &[], None, &Ok(()));
}

#[test]
fn token_without_exp_is_malformed() {
    check(
        &rsa_token(&without(id_claims(), "exp")),
        &[],
        None,
        &Err(JwtError::Malformed),
    );
    let text_exp = with(id_claims(), "exp", json!("tomorrow"));
    check(&rsa_token(&text_exp), &[], None, &Err(JwtError::Malformed));
}

#[test]
fn token_whose_nbf_is_in_the_future_is_not_yet_valid() {
    let future = with(id_claims(), "nbf", json!(NOW + 1));
    check(&rsa_token(&future), &[], None, &Err(JwtError::NotYetValid));
    let now = with(id_claims(), "nbf", json!(NOW));
    check(&rsa_token(&now), &[], None, &Ok(()));
}

#[test]
fn iat_in_the_future_is_not_checked() {
    let future = with(id_claims(), "iat", json!(NOW + 600));
    check(&rsa_token(&future), &[], None, &Ok(()));
}

#[test]
fn token_of_another_issuer_is_refused() {
    let other = with(id_claims(), "iss", json!("https://evil.example.com"));
    check(&rsa_token(&other), &[], None, &Err(JwtError::WrongIssuer));
    let trailing_slash = with(id_claims(), "iss", json!(format!("{ISSUER}/")));
    check(
        &rsa_token(&trailing_slash),
        &[],
        None,
        &Err(JwtError::WrongIssuer),
    );
    check(
        &rsa_token(&without(id_claims(), "iss")),
        &[],
        None,
        &Err(JwtError::WrongIssuer),
    );
}

#[test]
fn token_naming_an_unknown_key_is_refused_with_the_kid() {
    let token = sign("RS256", "rotated", &id_claims(), testkeys::rsa());
    let expected = Err(JwtError::UnknownKey {
        kid: "rotated".to_owned(),
    });
    check(&token, &[], None, &expected);
}

#[test]
fn trusted_issuer_without_a_key_set_is_an_unknown_key() {
    let claims = with(id_claims(), "iss", json!("https://other.example.com"));
    let expected = Err(JwtError::UnknownKey {
        kid: "rsa".to_owned(),
    });
    check(&rsa_token(&claims), &[], None, &expected);
}

#[test]
fn token_without_kid_is_malformed() {
    let input = signing_input(&json!({"alg": "RS256"}), &id_claims());
    let signature = testkeys::signature("RS256", input.as_bytes(), testkeys::rsa());
    let token = format!("{input}.{}", b64(&signature));
    check(&token, &[], None, &Err(JwtError::Malformed));
}

/// The token with its payload replaced by the same claims naming another subject.
fn tamper(token: &str, claims: &Value) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = b64(with(claims.clone(), "sub", json!("admin"))
        .to_string()
        .as_bytes());
    parts[1] = &forged;
    parts.join(".")
}

#[test]
fn tampered_payload_fails_the_signature() {
    let tampered = tamper(&rsa_token(&id_claims()), &id_claims());
    check(&tampered, &[], None, &Err(JwtError::BadSignature));
}

#[test]
fn signature_of_another_key_is_refused() {
    let token = sign("RS256", "rsa", &id_claims(), testkeys::rsa_next());
    check(&token, &[], None, &Err(JwtError::BadSignature));
}

#[test]
fn truncated_or_undecodable_signature_is_refused() {
    let token = rsa_token(&id_claims());
    let (signed, _) = token.rsplit_once('.').expect("three parts");
    check(
        &format!("{signed}."),
        &[],
        None,
        &Err(JwtError::BadSignature),
    );
    check(
        &format!("{signed}.!!!"),
        &[],
        None,
        &Err(JwtError::BadSignature),
    );
}

#[test]
fn alg_none_is_refused() {
    let input = signing_input(&json!({"alg": "none", "kid": "rsa"}), &id_claims());
    let expected = Err(JwtError::UnsupportedAlgorithm("none".to_owned()));
    check(&format!("{input}."), &[], None, &expected);
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    // The classic confusion attack: the RSA modulus is public, so an HMAC over it is forgeable.
    let input = signing_input(&json!({"alg": "HS256", "kid": "rsa"}), &id_claims());
    let secret = hmac::Key::new(hmac::HMAC_SHA256, &testkeys::rsa_modulus(testkeys::rsa()));
    let tag = hmac::sign(&secret, input.as_bytes());
    let token = format!("{input}.{}", b64(tag.as_ref()));
    let expected = Err(JwtError::UnsupportedAlgorithm("HS256".to_owned()));
    check(&token, &[], None, &expected);
}

#[test]
fn header_alg_must_fit_the_key() {
    // An RSA key cannot verify ES256, an EC key cannot verify RS256.
    let es_on_rsa = sign_as("ES256", "RS256", "rsa", &id_claims(), testkeys::rsa());
    check(&es_on_rsa, &[], None, &Err(JwtError::BadSignature));
    let rs_on_ec = sign_as("RS256", "ES256", "ec", &id_claims(), testkeys::ec());
    check(&rs_on_ec, &[], None, &Err(JwtError::BadSignature));
    // A header naming another hash than the one signed with fails the signature.
    let lying = sign_as("RS384", "RS256", "rsa", &id_claims(), testkeys::rsa());
    check(&lying, &[], None, &Err(JwtError::BadSignature));
}

#[test]
fn key_with_its_own_alg_accepts_only_that_alg() {
    let pinned = sign("RS256", "rsa-pinned", &id_claims(), testkeys::rsa());
    check(&pinned, &[], None, &Ok(()));
    let other = sign("RS512", "rsa-pinned", &id_claims(), testkeys::rsa());
    check(&other, &[], None, &Err(JwtError::BadSignature));
}

#[test]
fn rs384_and_rs512_are_accepted() {
    for alg in ["RS384", "RS512"] {
        check(
            &sign(alg, "rsa", &id_claims(), testkeys::rsa()),
            &[],
            None,
            &Ok(()),
        );
    }
}

#[test]
fn ec_p256_token_is_accepted() {
    let token = sign("ES256", "ec", &access_claims(), testkeys::ec());
    check(&token, &["orders/read"], None, &Ok(()));
    let tampered = tamper(&token, &access_claims());
    check(
        &tampered,
        &["orders/read"],
        None,
        &Err(JwtError::BadSignature),
    );
}

#[test]
fn bearer_prefix_is_stripped() {
    let token = rsa_token(&id_claims());
    for header in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER  {token}"),
    ] {
        check(&header, &[], None, &Ok(()));
    }
    check(
        &format!("Basic {token}"),
        &[],
        None,
        &Err(JwtError::Malformed),
    );
}

#[test]
fn audience_must_match_the_whole_pattern() {
    let token = rsa_token(&id_claims());
    check(&token, &[], Some("client-[0-9]+"), &Ok(()));
    check(&token, &[], Some("client-1|other"), &Ok(()));
    check(&token, &[], Some("other"), &Err(JwtError::AudienceMismatch));
    check(
        &token,
        &[],
        Some("client"),
        &Err(JwtError::AudienceMismatch),
    );
    check(
        &token,
        &[],
        Some("ient-1"),
        &Err(JwtError::AudienceMismatch),
    );
}

#[test]
fn audience_list_matches_when_any_element_does() {
    let listed = rsa_token(&with(id_claims(), "aud", json!(["x", "client-1"])));
    check(&listed, &[], Some("client-1"), &Ok(()));
    check(&listed, &[], Some("y"), &Err(JwtError::AudienceMismatch));
    let missing = rsa_token(&without(id_claims(), "aud"));
    check(&missing, &[], Some(".*"), &Err(JwtError::AudienceMismatch));
    check(&missing, &[], None, &Ok(()));
}

#[test]
fn audience_pattern_does_not_apply_to_access_tokens() {
    let token = rsa_token(&access_claims());
    check(&token, &["orders/read"], Some("nothing"), &Ok(()));
}

#[test]
fn malformed_tokens_are_refused() {
    let good = rsa_token(&id_claims());
    let (header, rest) = good.split_once('.').expect("three parts");
    let not_json = format!("{}.{rest}", b64(b"not json"));
    let array = format!("{header}.{}.{}", b64(b"[1]"), "c2ln");
    for token in [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        &format!("{good}.extra"),
        &not_json,
        &array,
        &format!("{header}=.{rest}"),
    ] {
        check(token, &[], None, &Err(JwtError::Malformed));
    }
}

#[test]
fn critical_header_extensions_are_refused() {
    let input = signing_input(
        &json!({"alg": "RS256", "kid": "rsa", "crit": ["exp"], "exp": 1}),
        &id_claims(),
    );
    let signature = testkeys::signature("RS256", input.as_bytes(), testkeys::rsa());
    check(
        &format!("{input}.{}", b64(&signature)),
        &[],
        None,
        &Err(JwtError::Malformed),
    );
}

#[test]
fn kid_and_issuer_can_be_peeked_without_verification() {
    let token = sign("ES256", "ec", &id_claims(), testkeys::ec());
    assert_eq!(token_kid(&token).as_deref(), Some("ec"));
    assert_eq!(
        token_issuer(&format!("Bearer {token}")).as_deref(),
        Some(ISSUER)
    );
    assert_eq!(token_kid("garbage"), None);
    assert_eq!(token_issuer("a.b.c"), None);
}

#[test]
fn errors_never_show_the_token() {
    let token = rsa_token(&id_claims());
    let err = run(&token, &["orders/read"], None).expect_err("id token for a scoped method");
    assert!(!err.to_string().contains(&token[..20]), "{err}");
}
