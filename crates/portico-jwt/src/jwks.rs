//! JSON Web Key Sets (RFC 7517): the public keys of one issuer by `kid`. Only signing keys we
//! can verify with are kept — RSA, and EC on P-256 or P-384 — so that a provider publishing an
//! encryption key, an Ed25519 key or a key for another algorithm next to its signing keys still
//! works.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

use crate::JwtError;

/// A parsed JWKS: RSA and EC P-256/P-384 signing keys by `kid`; entries of another `kty`,
/// curve, `use` or `alg`, without a `kid`, or with undecodable parameters are skipped.
#[derive(Clone)]
pub struct Jwks {
    keys: HashMap<String, Key>,
}

/// One usable key.
#[derive(Clone)]
pub(crate) struct Key {
    pub(crate) decoding: DecodingKey,
    pub(crate) kind: KeyKind,
    /// The key's own `alg`, when the set names one: the token must use exactly it.
    pub(crate) alg: Option<Algorithm>,
}

/// What a key can verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa,
    EcP256,
    EcP384,
}

/// The algorithms a token may be signed with: asymmetric only, never `none` or HMAC.
pub(crate) fn supported_algorithm(name: &str) -> Option<Algorithm> {
    match name {
        "RS256" => Some(Algorithm::RS256),
        "RS384" => Some(Algorithm::RS384),
        "RS512" => Some(Algorithm::RS512),
        "ES256" => Some(Algorithm::ES256),
        "ES384" => Some(Algorithm::ES384),
        _ => None,
    }
}

// === impl Jwks ===

impl Jwks {
    /// Parses a JWKS document (`{"keys": [...]}`). Fails only when the document itself is not
    /// one; unusable keys are skipped, so the result may be empty.
    pub fn parse(json: &[u8]) -> Result<Jwks, JwtError> {
        let document: Value = serde_json::from_slice(json)
            .map_err(|err| JwtError::Jwks(format!("not JSON: {err}")))?;
        let Some(entries) = document.get("keys").and_then(Value::as_array) else {
            return Err(JwtError::Jwks("no \"keys\" array".to_owned()));
        };
        let mut keys = HashMap::with_capacity(entries.len());
        for entry in entries {
            let Some((kid, key)) = entry.as_object().and_then(parse_key) else {
                continue;
            };
            // A set naming one kid twice is broken; keeping the first is as good as any.
            keys.entry(kid).or_insert(key);
        }
        Ok(Jwks { keys })
    }

    /// Whether the set holds a usable key with this `kid`.
    pub fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    /// How many usable keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no usable key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn key(&self, kid: &str) -> Option<&Key> {
        self.keys.get(kid)
    }
}

impl fmt::Debug for Jwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        f.debug_struct("Jwks").field("kids", &kids).finish()
    }
}

// === impl KeyKind ===

impl KeyKind {
    /// Whether a token signed with `alg` can be verified with a key of this kind.
    pub(crate) fn accepts(self, alg: Algorithm) -> bool {
        matches!(
            (self, alg),
            (
                KeyKind::Rsa,
                Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512
            ) | (KeyKind::EcP256, Algorithm::ES256)
                | (KeyKind::EcP384, Algorithm::ES384)
        )
    }
}

fn parse_key(entry: &Map<String, Value>) -> Option<(String, Key)> {
    let text = |name: &str| entry.get(name).and_then(Value::as_str);
    let kid = text("kid").filter(|kid| !kid.is_empty())?;
    if entry.contains_key("use") && text("use") != Some("sig") {
        return None;
    }
    if let Some(operations) = entry.get("key_ops") {
        let verifies = operations
            .as_array()
            .is_some_and(|operations| operations.iter().any(|op| op.as_str() == Some("verify")));
        if !verifies {
            return None;
        }
    }
    let alg = match entry.get("alg") {
        None => None,
        Some(alg) => Some(alg.as_str().and_then(supported_algorithm)?),
    };
    let (kind, decoding) = match text("kty")? {
        "RSA" => {
            let modulus = decode(text("n")?)?;
            let exponent = decode(text("e")?)?;
            if modulus.is_empty() || exponent.is_empty() {
                return None;
            }
            (
                KeyKind::Rsa,
                DecodingKey::from_rsa_raw_components(&modulus, &exponent),
            )
        }
        "EC" => {
            let (kind, coordinate_len) = match text("crv")? {
                "P-256" => (KeyKind::EcP256, 32),
                "P-384" => (KeyKind::EcP384, 48),
                _ => return None,
            };
            let (x, y) = (text("x")?, text("y")?);
            let decoded_len = |coordinate: &str| decode(coordinate).map(|bytes| bytes.len());
            if decoded_len(x)? != coordinate_len || decoded_len(y)? != coordinate_len {
                return None;
            }
            (kind, DecodingKey::from_ec_components(x, y).ok()?)
        }
        _ => return None,
    };
    if alg.is_some_and(|alg| !kind.accepts(alg)) {
        return None;
    }
    Some((
        kid.to_owned(),
        Key {
            decoding,
            kind,
            alg,
        },
    ))
}

fn decode(base64url: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(base64url).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Jwks, KeyKind};
    use crate::JwtError;

    // Shapes only: these parameters are not real keys, which parsing does not need.
    const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";
    const P256: &str = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4";
    const P384: &str = "iUbhq4yCzmHHqPPIlMaBy4hbINXRbRGFrJUM1yIDvnjQdz8Ha3YV6JVVcr9tT6Wa";

    fn parse(keys: &serde_json::Value) -> Jwks {
        Jwks::parse(json!({ "keys": keys }).to_string().as_bytes()).expect("a JWKS document")
    }

    fn kind(jwks: &Jwks, kid: &str) -> Option<KeyKind> {
        jwks.key(kid).map(|key| key.kind)
    }

    #[test]
    fn rsa_and_ec_signing_keys_are_kept_by_kid() {
        let jwks = parse(&json!([
            {"kid": "r", "kty": "RSA", "alg": "RS256", "use": "sig", "n": N, "e": "AQAB"},
            {"kid": "e256", "kty": "EC", "crv": "P-256", "x": P256, "y": P256},
            {"kid": "e384", "kty": "EC", "crv": "P-384", "alg": "ES384", "x": P384, "y": P384},
        ]));
        assert_eq!(jwks.len(), 3);
        assert!(jwks.contains("r") && !jwks.contains("nope"));
        assert_eq!(kind(&jwks, "r"), Some(KeyKind::Rsa));
        assert_eq!(kind(&jwks, "e256"), Some(KeyKind::EcP256));
        assert_eq!(kind(&jwks, "e384"), Some(KeyKind::EcP384));
    }

    #[test]
    fn unusable_entries_are_skipped() {
        let jwks = parse(&json!([
            {"kid": "enc", "kty": "RSA", "use": "enc", "n": N, "e": "AQAB"},
            {"kid": "ops", "kty": "RSA", "key_ops": ["encrypt"], "n": N, "e": "AQAB"},
            {"kid": "ps", "kty": "RSA", "alg": "PS256", "n": N, "e": "AQAB"},
            {"kid": "hs", "kty": "oct", "alg": "HS256", "k": "c2VjcmV0"},
            {"kid": "ed", "kty": "OKP", "crv": "Ed25519", "x": P256},
            {"kid": "k1", "kty": "EC", "crv": "secp256k1", "x": P256, "y": P256},
            {"kid": "short", "kty": "EC", "crv": "P-384", "x": P256, "y": P256},
            {"kid": "mixed", "kty": "EC", "crv": "P-256", "alg": "ES384", "x": P256, "y": P256},
            {"kid": "rsa-es", "kty": "RSA", "alg": "ES256", "n": N, "e": "AQAB"},
            {"kid": "bad64", "kty": "RSA", "n": "not base64!", "e": "AQAB"},
            {"kty": "RSA", "n": N, "e": "AQAB"},
            "not an object",
            {"kid": "ok", "kty": "RSA", "n": N, "e": "AQAB"},
        ]));
        assert_eq!(format!("{jwks:?}"), r#"Jwks { kids: ["ok"] }"#);
    }

    #[test]
    fn a_document_without_keys_is_refused() {
        for document in ["", "[]", "{}", r#"{"keys": {}}"#, "not json"] {
            let result = Jwks::parse(document.as_bytes());
            assert!(matches!(result, Err(JwtError::Jwks(_))), "{document:?}");
        }
        assert!(parse(&json!([])).is_empty());
    }
}
