//! Test keys and token signing with real crypto (aws-lc-rs): RSA-2048 and EC P-256 keys made
//! once per test run, tokens signed as an identity provider would, and their JWKS entries.

use std::sync::OnceLock;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PKCS1_SHA256,
    RSA_PKCS1_SHA384, RSA_PKCS1_SHA512, RsaKeyPair, RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// A private key tokens are signed with.
#[derive(Clone, Copy)]
pub(crate) enum Signer {
    Rsa(&'static RsaKeyPair),
    Ec(&'static EcdsaKeyPair),
}

pub(crate) fn rsa() -> Signer {
    static KEY: OnceLock<RsaKeyPair> = OnceLock::new();
    Signer::Rsa(KEY.get_or_init(|| RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA keygen")))
}

/// A second RSA key, for rotation.
pub(crate) fn rsa_next() -> Signer {
    static KEY: OnceLock<RsaKeyPair> = OnceLock::new();
    Signer::Rsa(KEY.get_or_init(|| RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA keygen")))
}

pub(crate) fn ec() -> Signer {
    static KEY: OnceLock<EcdsaKeyPair> = OnceLock::new();
    Signer::Ec(KEY.get_or_init(|| {
        EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("EC keygen")
    }))
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `base64url(header).base64url(claims)`, unsigned.
pub(crate) fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// A compact JWS of `claims` with header `{"alg": alg, "kid": kid}`, signed by `signer` with
/// the algorithm `sign_alg` (normally `alg`; tests lie about `alg` with another).
pub(crate) fn sign_as(
    alg: &str,
    sign_alg: &str,
    kid: &str,
    claims: &Value,
    signer: Signer,
) -> String {
    let input = signing_input(&json!({"alg": alg, "kid": kid, "typ": "JWT"}), claims);
    format!(
        "{input}.{}",
        b64(&signature(sign_alg, input.as_bytes(), signer))
    )
}

pub(crate) fn sign(alg: &str, kid: &str, claims: &Value, signer: Signer) -> String {
    sign_as(alg, alg, kid, claims, signer)
}

pub(crate) fn signature(alg: &str, message: &[u8], signer: Signer) -> Vec<u8> {
    let rng = SystemRandom::new();
    match signer {
        Signer::Rsa(key) => {
            let encoding = match alg {
                "RS256" => &RSA_PKCS1_SHA256,
                "RS384" => &RSA_PKCS1_SHA384,
                "RS512" => &RSA_PKCS1_SHA512,
                other => panic!("no RSA signing for {other}"),
            };
            let mut signature = vec![0; key.public_modulus_len()];
            key.sign(encoding, &rng, message, &mut signature)
                .expect("RSA signing");
            signature
        }
        Signer::Ec(key) => key
            .sign(&rng, message)
            .expect("EC signing")
            .as_ref()
            .to_vec(),
    }
}

/// The RSA modulus, the public bytes an HS256 confusion attack would use as the secret.
pub(crate) fn rsa_modulus(signer: Signer) -> Vec<u8> {
    match signer {
        Signer::Rsa(key) => RsaPublicKeyComponents::<Vec<u8>>::from(key.public_key()).n,
        Signer::Ec(_) => panic!("not an RSA key"),
    }
}

/// The public JWKS entry of `signer`, without `alg` (any algorithm of its kind fits).
pub(crate) fn jwk(kid: &str, signer: Signer) -> Value {
    match signer {
        Signer::Rsa(key) => {
            let components = RsaPublicKeyComponents::<Vec<u8>>::from(key.public_key());
            json!({"kid": kid, "kty": "RSA", "use": "sig",
                   "n": b64(&components.n), "e": b64(&components.e)})
        }
        Signer::Ec(key) => {
            // Uncompressed point: 0x04 ‖ x ‖ y.
            let point = key.public_key().as_ref();
            json!({"kid": kid, "kty": "EC", "crv": "P-256", "use": "sig",
                   "x": b64(&point[1..33]), "y": b64(&point[33..65])})
        }
    }
}

/// A JWKS document of these keys.
pub(crate) fn jwks_json(keys: &[Value]) -> String {
    json!({ "keys": keys }).to_string()
}
