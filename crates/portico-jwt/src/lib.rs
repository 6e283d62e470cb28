//! JSON Web Token validation as Amazon API Gateway's `COGNITO_USER_POOLS` authorizer does it,
//! against the JWKS of any OpenID Connect provider: [`validate`] checks the signature
//! (RS256/384/512, ES256/384 with a key named by `kid`), the issuer, `exp`/`nbf`, the token kind
//! (`token_use`), the method's scopes and the `aud` pattern; [`JwksCache`] fetches each issuer's
//! key set over HTTP(S) once, refetches it when a token names an unknown key (rate-limited per
//! issuer) and validates with it; [`claims_as_strings`] renders claims the way AWS hands them to
//! `$context.authorizer.claims`.
//!
//! [`validate`] is pure (no IO, no clock reads: `now` is passed in) and must never accept a
//! token whose signature it has not verified with an asymmetric key from the issuer's own key
//! set: `alg: none` and HMAC algorithms are refused whatever the key set holds. Nothing here may
//! panic on input, block a runtime thread, or put a token in an error message. The data plane's
//! authorizer stage calls it (every [`JwtError`] becomes 401 `{"message":"Unauthorized"}`).

mod cache;
mod claims;
mod fetch;
mod jwks;
mod provider;
#[cfg(test)]
mod testkeys;
mod user_pools;
mod validate;

pub use cache::{JwksCache, JwksCacheOptions};
pub use claims::claims_as_strings;
pub use jwks::Jwks;
pub use provider::Provider;
pub use user_pools::UserPools;
pub use validate::{compile_audience_pattern, token_issuer, token_kid, validate};

/// What the method asks of a token.
#[derive(Clone, Copy, Debug)]
pub struct Requirements<'a> {
    /// The method's `authorizationScopes`: empty → an ID token (`token_use: id`) is required;
    /// otherwise an access token (`token_use: access`) whose `scope` claim holds at least one
    /// of them.
    pub scopes: &'a [String],
    /// The authorizer's `identityValidationExpression`, matched against the whole `aud` of ID
    /// tokens (see [`compile_audience_pattern`]); access tokens are not checked against it.
    pub audience_pattern: Option<&'a regex::Regex>,
    /// The current time in Unix epoch seconds.
    pub now: i64,
}

/// A token that passed every check.
#[derive(Clone, Debug, PartialEq)]
pub struct Validated {
    /// The token's payload as sent (see [`claims_as_strings`] for AWS's string form).
    pub claims: serde_json::Map<String, serde_json::Value>,
    /// The scopes of the token's space-separated `scope` claim (empty when it has none).
    pub scopes: Vec<String>,
    /// The `iss` claim, equal to one provider's issuer.
    pub issuer: String,
}

/// Why a token is refused. The data plane answers every variant with 401
/// `{"message":"Unauthorized"}`; the `Display` text is for logs only and never contains the
/// token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url parts, or a header or payload that is not a JSON object, or a
    /// required claim (`exp`) missing or not a number.
    #[error("malformed token")]
    Malformed,
    /// The issuer's key set has no usable key with this `kid`.
    #[error("no key {kid:?} in the issuer's key set")]
    UnknownKey { kid: String },
    /// The signature does not verify, or the header's `alg` does not fit the key.
    #[error("bad signature")]
    BadSignature,
    /// `exp` is not after now.
    #[error("token expired")]
    Expired,
    /// `nbf` is after now.
    #[error("token not yet valid")]
    NotYetValid,
    /// `iss` is not the issuer of any provider the authorizer trusts.
    #[error("issuer not trusted by this authorizer")]
    WrongIssuer,
    /// An access token where the method wants an ID token, or the reverse.
    #[error("wrong token_use for this method")]
    WrongTokenUse,
    /// None of the method's scopes is in the token's `scope` claim.
    #[error("token has none of the method's scopes")]
    MissingScope,
    /// The ID token's `aud` does not match `identityValidationExpression`.
    #[error("aud does not match the identity validation expression")]
    AudienceMismatch,
    /// The header names an algorithm other than RS256/384/512 or ES256/384 (`none`, HMAC…).
    #[error("unsupported alg {0:?}")]
    UnsupportedAlgorithm(String),
    /// A key set that is not a JWKS document.
    #[error("invalid JWKS: {0}")]
    Jwks(String),
    /// The key set could not be fetched (connect, TLS, status, timeout, size, rate limit).
    #[error("fetching JWKS: {0}")]
    Fetch(String),
}
