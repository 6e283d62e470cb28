//! The checks of a `COGNITO_USER_POOLS` authorizer (reference §12), pure: the token's parts,
//! its algorithm, issuer, lifetime, kind, scopes and audience, then its signature with the
//! issuer's key. The cheap claim checks come before the key lookup and the signature, so a
//! token refused anyway costs no RSA operation and never makes the cache refetch a key set.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use regex::Regex;
use serde_json::{Map, Value};

use crate::jwks::{Jwks, supported_algorithm};
use crate::{JwtError, Provider, Requirements, Validated};

/// Validates `token` (optionally prefixed by `Bearer `, any case) for a method:
///
/// * three base64url parts; the header's `alg` is RS256/384/512 or ES256/384 (never `none`
///   or HMAC) and has no `crit`;
/// * `iss` is exactly the issuer of one of `providers`;
/// * `exp` is after `now` (no leeway, as AWS), `nbf` is not after `now` when present; `iat` is
///   not checked;
/// * with no method scopes `token_use` is `id`, and `aud` (a string, or any element of a list)
///   matches `audience_pattern` fully when one is given; with scopes `token_use` is `access`
///   and its space-separated `scope` claim holds at least one of them;
/// * the header's `kid` names a key in `jwks_of(issuer)` that fits `alg`, and the signature
///   verifies with it.
pub fn validate(
    token: &str,
    providers: &[Provider],
    jwks_of: &dyn Fn(&str) -> Option<Arc<Jwks>>,
    requirements: &Requirements<'_>,
) -> Result<Validated, JwtError> {
    let token = strip_bearer(token);
    let parts = Parts::split(token).ok_or(JwtError::Malformed)?;
    let header = parts.header().ok_or(JwtError::Malformed)?;
    let payload = parts.payload().ok_or(JwtError::Malformed)?;

    let alg_name = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(JwtError::Malformed)?;
    let alg = supported_algorithm(alg_name)
        .ok_or_else(|| JwtError::UnsupportedAlgorithm(alg_name.to_owned()))?;
    // RFC 7515 §4.1.11: a token naming extensions we do not implement must be refused.
    if header.contains_key("crit") {
        return Err(JwtError::Malformed);
    }

    let issuer = payload
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(JwtError::WrongIssuer)?;
    let provider = providers
        .iter()
        .find(|provider| provider.issuer == issuer)
        .ok_or(JwtError::WrongIssuer)?;

    check_lifetime(&payload, requirements.now)?;
    let scopes = token_scopes(&payload);
    check_kind(&payload, &scopes, requirements)?;

    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(JwtError::Malformed)?;
    let unknown = || JwtError::UnknownKey {
        kid: kid.to_owned(),
    };
    let jwks = jwks_of(&provider.issuer).ok_or_else(unknown)?;
    let key = jwks.key(kid).ok_or_else(unknown)?;
    if !key.kind.accepts(alg) || key.alg.is_some_and(|key_alg| key_alg != alg) {
        return Err(JwtError::BadSignature);
    }
    match jsonwebtoken::crypto::verify(parts.signature, parts.signed.as_bytes(), &key.decoding, alg)
    {
        Ok(true) => {}
        Ok(false) | Err(_) => return Err(JwtError::BadSignature),
    }

    Ok(Validated {
        issuer: issuer.to_owned(),
        scopes: scopes.into_iter().map(str::to_owned).collect(),
        claims: payload,
    })
}

/// The `kid` of the token's header, unverified (for choosing or refreshing a key set).
pub fn token_kid(token: &str) -> Option<String> {
    let header = Parts::split(strip_bearer(token))?.header()?;
    Some(header.get("kid")?.as_str()?.to_owned())
}

/// The `iss` of the token's payload, unverified (for choosing the provider).
pub fn token_issuer(token: &str) -> Option<String> {
    let payload = Parts::split(strip_bearer(token))?.payload()?;
    Some(payload.get("iss")?.as_str()?.to_owned())
}

/// Compiles an `identityValidationExpression` so that [`validate`] matches it against the
/// whole `aud`, as Java's `String.matches` does (`^(?:expr)$`).
pub fn compile_audience_pattern(expression: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{expression})$"))
}

/// A compact JWS split at its dots; nothing decoded yet.
struct Parts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    /// `header.payload`, the bytes the signature covers.
    signed: &'a str,
}

// === impl Parts ===

impl<'a> Parts<'a> {
    fn split(token: &'a str) -> Option<Parts<'a>> {
        let (signed, signature) = token.rsplit_once('.')?;
        let (header, payload) = signed.split_once('.')?;
        if payload.contains('.') {
            return None;
        }
        Some(Parts {
            header,
            payload,
            signature,
            signed,
        })
    }

    fn header(&self) -> Option<Map<String, Value>> {
        decode_object(self.header)
    }

    fn payload(&self) -> Option<Map<String, Value>> {
        decode_object(self.payload)
    }
}

fn decode_object(base64url: &str) -> Option<Map<String, Value>> {
    let json = URL_SAFE_NO_PAD.decode(base64url).ok()?;
    serde_json::from_slice(&json).ok()
}

fn strip_bearer(token: &str) -> &str {
    let token = token.trim();
    match (token.get(..7), token.get(7..)) {
        (Some(scheme), Some(rest)) if scheme.eq_ignore_ascii_case("bearer ") => rest.trim_start(),
        _ => token,
    }
}

fn check_lifetime(payload: &Map<String, Value>, now: i64) -> Result<(), JwtError> {
    // NumericDate may have a fraction (RFC 7519 §2); comparing as f64 is exact for any
    // plausible epoch second.
    let now = now as f64;
    let expires = payload
        .get("exp")
        .and_then(Value::as_f64)
        .ok_or(JwtError::Malformed)?;
    if expires <= now {
        return Err(JwtError::Expired);
    }
    if let Some(not_before) = payload.get("nbf") {
        let not_before = not_before.as_f64().ok_or(JwtError::Malformed)?;
        if not_before > now {
            return Err(JwtError::NotYetValid);
        }
    }
    Ok(())
}

fn token_scopes(payload: &Map<String, Value>) -> Vec<&str> {
    match payload.get("scope").and_then(Value::as_str) {
        Some(scope) => scope.split(' ').filter(|scope| !scope.is_empty()).collect(),
        None => Vec::new(),
    }
}

/// ID token for methods without scopes (with the audience check), access token with one of
/// the method's scopes otherwise.
fn check_kind(
    payload: &Map<String, Value>,
    token_scopes: &[&str],
    requirements: &Requirements<'_>,
) -> Result<(), JwtError> {
    let token_use = payload.get("token_use").and_then(Value::as_str);
    if requirements.scopes.is_empty() {
        if token_use != Some("id") {
            return Err(JwtError::WrongTokenUse);
        }
        let Some(pattern) = requirements.audience_pattern else {
            return Ok(());
        };
        let matches = |audience: &Value| {
            audience
                .as_str()
                .is_some_and(|audience| matches_fully(pattern, audience))
        };
        let matched = match payload.get("aud") {
            Some(Value::Array(audiences)) => audiences.iter().any(matches),
            Some(audience) => matches(audience),
            None => false,
        };
        if matched {
            Ok(())
        } else {
            Err(JwtError::AudienceMismatch)
        }
    } else {
        if token_use != Some("access") {
            return Err(JwtError::WrongTokenUse);
        }
        let granted = requirements
            .scopes
            .iter()
            .any(|wanted| token_scopes.contains(&wanted.as_str()));
        if granted {
            Ok(())
        } else {
            Err(JwtError::MissingScope)
        }
    }
}

/// Whether `pattern` matches all of `text`. Patterns from [`compile_audience_pattern`] are
/// anchored, so the leftmost match is the whole text when any whole match exists; an
/// unanchored pattern is held to the same rule as far as its leftmost match goes.
fn matches_fully(pattern: &Regex, text: &str) -> bool {
    pattern
        .find(text)
        .is_some_and(|found| found.start() == 0 && found.end() == text.len())
}

#[cfg(test)]
mod tests;
