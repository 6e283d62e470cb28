//! AWS Signature Version 4: finds and parses the signature of a request (the `Authorization`
//! header or presigned query parameters), verifies it against a secret key, and signs requests
//! exactly as botocore does, with AWS's own error messages.
//!
//! Everything here is pure: no IO, no async, no clock reads (callers pass `now` as Unix epoch
//! seconds), and secrets never reach a log or an error message (`Debug` redacts them). The
//! control plane verifies every admin request with it; the data plane verifies `AWS_IAM`
//! method calls; test clients and tools sign their requests with it. It knows nothing about
//! access-key stores, services or HTTP servers: callers look up the secret for
//! [`Authorization::access_key_id`] and check the scope with [`check_scope`].
//!
//! Verification reads headers from any [`HeaderSource`] (a `HeaderMap`, or the header lines
//! of a request head as received) and, with [`parse_borrowed`] and [`verify_with_key`],
//! checks a signature as SDKs send it without allocating.

mod authorization;
mod canonical;
mod date;
mod digest;
mod headers;
mod query;

use std::fmt;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use subtle::{Choice, ConstantTimeEq};

pub use authorization::{
    AsAuthorizationRef, Authorization, AuthorizationRef, parse, parse_borrowed,
};
pub use canonical::{canonical_headers, canonical_query_string, canonical_request, canonical_uri};
pub use headers::HeaderSource;

/// The only algorithm SigV4 names.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The hex SHA-256 of an empty payload (a request without a body).
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The payload hash of a request whose body is not signed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// How far a header signature's timestamp may be from `now`, either way (AWS: 5 minutes).
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 300;
/// The longest validity a presigned request may ask for (AWS: 7 days).
pub const MAX_PRESIGNED_EXPIRES_SECONDS: i64 = 604_800;

/// The request timestamp header.
pub const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
/// The temporary-credentials session token header.
pub const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
/// The header that carries the payload hash (or `UNSIGNED-PAYLOAD`) the client signed.
pub const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");

/// Presigned query parameter: the algorithm; its presence marks a presigned request.
pub const X_AMZ_ALGORITHM: &str = "X-Amz-Algorithm";
/// Presigned query parameter: `AKID/date/region/service/aws4_request`.
pub const X_AMZ_CREDENTIAL: &str = "X-Amz-Credential";
/// Presigned query parameter: the signing time `YYYYMMDDTHHMMSSZ`.
pub const X_AMZ_DATE_PARAM: &str = "X-Amz-Date";
/// Presigned query parameter: seconds the signature stays valid.
pub const X_AMZ_EXPIRES: &str = "X-Amz-Expires";
/// Presigned query parameter: the signed header names, `;`-separated.
pub const X_AMZ_SIGNED_HEADERS: &str = "X-Amz-SignedHeaders";
/// Presigned query parameter: the signature, left out of the canonical query string.
pub const X_AMZ_SIGNATURE: &str = "X-Amz-Signature";
/// Presigned query parameter: the session token of temporary credentials.
pub const X_AMZ_SECURITY_TOKEN_PARAM: &str = "X-Amz-Security-Token";

/// The last element of every credential scope.
const TERMINATOR: &str = "aws4_request";

/// Headers botocore never signs, because proxies and HTTP stacks add or change them.
const UNSIGNABLE_HEADERS: [&str; 5] = [
    "authorization",
    "expect",
    "transfer-encoding",
    "user-agent",
    "x-amzn-trace-id",
];

/// What a request looks like to the verifier. The headers are an `http::HeaderMap` unless
/// said otherwise (`RequestParts<'_, [(&str, &[u8])]>` for header lines as received); signing
/// ([`sign`], [`presign`]) takes a `HeaderMap`.
pub struct RequestParts<'a, H: ?Sized = HeaderMap> {
    /// The method as received (`GET`).
    pub method: &'a str,
    /// The raw request path exactly as received, still percent-encoded.
    pub path: &'a str,
    /// The raw query string without `?`, if the request had one.
    pub query: Option<&'a str>,
    /// The request headers. They must include `host` (for HTTP/2, the caller copies the
    /// `:authority` pseudo-header into it).
    pub headers: &'a H,
}

/// Where a request carried its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureLocation {
    /// The `Authorization` header.
    Header,
    /// Presigned `X-Amz-*` query parameters.
    Query,
}

/// The credentials a test client or tool signs with.
#[derive(Clone, Copy)]
pub struct SigningCredentials<'a> {
    /// Named in the credential scope.
    pub access_key_id: &'a str,
    /// Never leaves this crate: it only keys the HMAC chain.
    pub secret_access_key: &'a str,
    /// The session token of temporary credentials.
    pub session_token: Option<&'a str>,
}

/// Why a signature was refused. The message is AWS's and reaches users; every kind is a 403.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Sigv4Error {
    /// `IncompleteSignatureException`: a malformed `Authorization` header or presigned parameters.
    #[error("{0}")]
    Incomplete(String),
    /// `InvalidSignatureException`: the signature does not match (the message carries the
    /// canonical request and string to sign, like AWS's) or the credential scope is wrong.
    /// Like AWS's, the message echoes signed header values (a session token too) back to the
    /// client that sent them: log the error's kind, not its text.
    #[error("{0}")]
    InvalidSignature(String),
    /// `InvalidSignatureException` for a timestamp outside the allowed window: "Signature
    /// expired: …" or "Signature not yet current: …".
    #[error("{0}")]
    Expired(String),
}

// === impl RequestParts ===

impl<H: ?Sized> Clone for RequestParts<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<H: ?Sized> Copy for RequestParts<'_, H> {}

impl<H: fmt::Debug + ?Sized> fmt::Debug for RequestParts<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .finish()
    }
}

// === impl SigningCredentials ===

impl fmt::Debug for SigningCredentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .finish()
    }
}

// === impl Sigv4Error ===

impl Sigv4Error {
    /// AWS's exception name, sent as the error type.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Incomplete(_) => "IncompleteSignatureException",
            Self::InvalidSignature(_) | Self::Expired(_) => "InvalidSignatureException",
        }
    }

    /// The HTTP status AWS answers with: always 403 Forbidden.
    pub fn status(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }
}

/// Verifies `authorization` (from [`parse`] or [`parse_borrowed`]) against the secret key of
/// its access key id.
///
/// `payload_sha256_hex` is the hex SHA-256 of the body the caller received; header and
/// presigned requests alike sign it (only S3 presigns `UNSIGNED-PAYLOAD`; botocore and the AWS
/// test suite hash the body for every other service). When the request has an
/// `x-amz-content-sha256` header, its value is what was signed instead: `UNSIGNED-PAYLOAD`, or
/// a hash that must equal `payload_sha256_hex`.
///
/// `now` is Unix epoch seconds: header signatures must be within five minutes of it either
/// way; presigned ones must not be more than five minutes in the future and expire
/// `X-Amz-Expires` seconds after `X-Amz-Date` (without `X-Amz-Expires`, the five-minute window
/// applies).
///
/// The session token, if any, is not checked here: it belongs to the caller's credential
/// lookup, as does the scope ([`check_scope`]).
pub fn verify<H, A>(
    request: &RequestParts<'_, H>,
    authorization: &A,
    secret_access_key: &str,
    payload_sha256_hex: &str,
    now: i64,
) -> Result<(), Sigv4Error>
where
    H: HeaderSource + ?Sized,
    A: AsAuthorizationRef + ?Sized,
{
    let authorization = authorization.as_authorization_ref();
    let key = SigningKey::derive(
        secret_access_key,
        &authorization.date,
        &authorization.region,
        &authorization.service,
    );
    verify_with_key(request, &*authorization, &key, payload_sha256_hex, now)
}

/// Like [`verify`], with the signing key already derived (callers that verify many requests
/// of one key keep it for the day and skip four HMACs per request). A key derived for
/// another scope than the request's is refused as a wrong signature would be.
///
/// A signature that matches costs no allocation: the canonical request is written into a
/// buffer kept per thread and everything else stays on the stack.
pub fn verify_with_key<H, A>(
    request: &RequestParts<'_, H>,
    authorization: &A,
    key: &SigningKey,
    payload_sha256_hex: &str,
    now: i64,
) -> Result<(), Sigv4Error>
where
    H: HeaderSource + ?Sized,
    A: AsAuthorizationRef + ?Sized,
{
    let authorization = authorization.as_authorization_ref();
    let signed_at = authorization
        .signed_at()
        .or_else(|| date::parse_amz_date(&authorization.amz_date))
        .ok_or_else(|| authorization::malformed_date(&authorization.amz_date))?;
    check_scope_date(&authorization)?;
    check_time(&authorization, signed_at, now)?;
    let payload_hash = signed_payload_hash(request.headers, payload_sha256_hex)?;
    canonical::with_buffer(|canonical_request| {
        canonical::write_request(
            canonical_request,
            request,
            authorization.signed_headers(),
            payload_hash,
            authorization.location,
            authorization.canonical_query(),
        );
        let request_end = canonical_request.len();
        let mut canonical_hash = [0; 64];
        hex_into(
            &digest::sha256(canonical_request.as_bytes()),
            &mut canonical_hash,
        );
        // The string to sign follows the canonical request in the buffer, for one HMAC update.
        write_string_to_sign(
            canonical_request,
            &authorization.amz_date,
            [
                &authorization.date,
                &authorization.region,
                &authorization.service,
            ],
            hex_str(&canonical_hash),
        );
        let (canonical_request, string_to_sign) = canonical_request.split_at(request_end);
        let mut expected = [0; 64];
        hex_into(&key.mac.sign(string_to_sign.as_bytes()), &mut expected);
        if key.is_for_scope(&authorization) && signatures_match(&expected, &authorization.signature)
        {
            return Ok(());
        }
        Err(Sigv4Error::InvalidSignature(format!(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details.\n\nThe Canonical String for this request should have \
             been\n'{canonical_request}'\n\nThe String-to-Sign should have been\n\
             '{string_to_sign}'\n"
        )))
    })
}

/// A SigV4 signing key: `HMAC("AWS4" + secret, date)`, then region, service and
/// `aws4_request`, with the scope it was derived for. `Debug` hides the key.
#[derive(Clone)]
pub struct SigningKey {
    date: String,
    region: String,
    service: String,
    key: [u8; 32],
    /// The HMAC keyed with `key`, its key blocks already hashed.
    mac: digest::MacKey,
}

// === impl SigningKey ===

impl SigningKey {
    /// Derives the key of `secret_access_key` for one day, region and service.
    pub fn derive(secret_access_key: &str, date: &str, region: &str, service: &str) -> SigningKey {
        let key = digest::hmac_sha256(
            format!("AWS4{secret_access_key}").as_bytes(),
            date.as_bytes(),
        );
        let key = digest::hmac_sha256(&key, region.as_bytes());
        let key = digest::hmac_sha256(&key, service.as_bytes());
        let key = digest::hmac_sha256(&key, TERMINATOR.as_bytes());
        SigningKey {
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            key,
            mac: digest::MacKey::new(&key),
        }
    }

    /// Whether this key signs requests of `authorization`'s credential scope.
    pub fn is_for<A: AsAuthorizationRef + ?Sized>(&self, authorization: &A) -> bool {
        self.is_for_scope(&authorization.as_authorization_ref())
    }

    fn is_for_scope(&self, authorization: &AuthorizationRef<'_>) -> bool {
        self.date == authorization.date
            && self.region == authorization.region
            && self.service == authorization.service
    }
}

impl PartialEq for SigningKey {
    fn eq(&self, other: &Self) -> bool {
        // The key determines the keyed HMAC.
        self.date == other.date
            && self.region == other.region
            && self.service == other.service
            && self.key == other.key
    }
}

impl Eq for SigningKey {}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

/// Checks that the credential names a region and `expected_service` (`apigateway`,
/// `execute-api`), with AWS's messages.
pub fn check_scope<A: AsAuthorizationRef + ?Sized>(
    authorization: &A,
    expected_service: &str,
) -> Result<(), Sigv4Error> {
    let authorization = authorization.as_authorization_ref();
    if authorization.region.is_empty() {
        return Err(Sigv4Error::InvalidSignature(
            "Credential should be scoped to a valid region. ".to_owned(),
        ));
    }
    if authorization.service != expected_service {
        return Err(Sigv4Error::InvalidSignature(format!(
            "Credential should be scoped to correct service: '{expected_service}'. "
        )));
    }
    Ok(())
}

/// Checks that the credential is scoped to `expected_region`, for deployments that serve one
/// region only, with AWS's message.
pub fn check_region<A: AsAuthorizationRef + ?Sized>(
    authorization: &A,
    expected_region: &str,
) -> Result<(), Sigv4Error> {
    let authorization = authorization.as_authorization_ref();
    if authorization.region == expected_region {
        Ok(())
    } else {
        Err(Sigv4Error::InvalidSignature(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            authorization.region
        )))
    }
}

/// Signs a request as botocore does and returns the headers to add: `authorization`,
/// `x-amz-date` and, with a session token, `x-amz-security-token`.
///
/// Every header in `request.headers` is signed except those botocore leaves out
/// (`authorization`, `expect`, `transfer-encoding`, `user-agent`, `x-amzn-trace-id`), together
/// with the added `x-amz-date` and `x-amz-security-token`. `host` must be among the headers:
/// without it the signature leaves `host` out and every verifier refuses it. The payload hash is
/// the request's `x-amz-content-sha256` header if it has one, else `payload_sha256_hex`.
///
/// # Panics
///
/// When the access key id or session token contain control characters, which no header value
/// may carry; real credentials never do.
pub fn sign(
    request: &RequestParts<'_>,
    credentials: &SigningCredentials<'_>,
    region: &str,
    service: &str,
    payload_sha256_hex: &str,
    now: i64,
) -> Vec<(HeaderName, HeaderValue)> {
    let amz_date = date::format_amz_date(now);
    let mut added = vec![(X_AMZ_DATE, header_value(&amz_date))];
    if let Some(token) = credentials.session_token {
        added.push((X_AMZ_SECURITY_TOKEN, header_value(token)));
    }
    let mut headers = request.headers.clone();
    headers.remove(http::header::AUTHORIZATION);
    for (name, value) in &added {
        headers.insert(name, value.clone());
    }
    let mut signed_headers: Vec<String> = headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|name| !UNSIGNABLE_HEADERS.contains(name))
        .map(str::to_owned)
        .collect();
    signed_headers.sort_unstable();
    let payload_hash = signing_payload_hash(&headers, payload_sha256_hex);
    let signed_request = RequestParts {
        headers: &headers,
        ..*request
    };
    let canonical_request = canonical_request(&signed_request, &signed_headers, &payload_hash);
    let date = &amz_date[..8];
    let scope = credential_scope(date, region, service);
    let string_to_sign = string_to_sign(&amz_date, &scope, &canonical_request);
    let signature = signature(
        credentials.secret_access_key,
        date,
        region,
        service,
        &string_to_sign,
    );
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
        credentials.access_key_id,
        signed_headers.join(";")
    );
    added.insert(
        0,
        (http::header::AUTHORIZATION, header_value(&authorization)),
    );
    added
}

/// Presigns a request as botocore's `SigV4QueryAuth` does and returns its new raw query string
/// (without `?`): the request's own query followed by `X-Amz-Algorithm`, `X-Amz-Credential`,
/// `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Security-Token` (with a
/// session token) and `X-Amz-Signature`.
///
/// Signs `host` and every other header in `request.headers` except `content-type` and those
/// [`sign`] leaves out. The payload hash is the request's `x-amz-content-sha256` header if it
/// has one, else `payload_sha256_hex` (the body's; S3 alone presigns `UNSIGNED-PAYLOAD`).
/// `expires_seconds` should be within 1..=[`MAX_PRESIGNED_EXPIRES_SECONDS`]; verifiers refuse
/// other values.
pub fn presign(
    request: &RequestParts<'_>,
    credentials: &SigningCredentials<'_>,
    region: &str,
    service: &str,
    payload_sha256_hex: &str,
    expires_seconds: i64,
    now: i64,
) -> String {
    let amz_date = date::format_amz_date(now);
    let date = &amz_date[..8];
    let scope = credential_scope(date, region, service);
    let mut signed_headers: Vec<String> = request
        .headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|name| !UNSIGNABLE_HEADERS.contains(name) && *name != "content-type")
        .map(str::to_owned)
        .collect();
    signed_headers.sort_unstable();
    let mut params = vec![
        (X_AMZ_ALGORITHM, ALGORITHM.to_owned()),
        (
            X_AMZ_CREDENTIAL,
            format!("{}/{scope}", credentials.access_key_id),
        ),
        (X_AMZ_DATE_PARAM, amz_date.clone()),
        (X_AMZ_EXPIRES, expires_seconds.to_string()),
        (X_AMZ_SIGNED_HEADERS, signed_headers.join(";")),
    ];
    if let Some(token) = credentials.session_token {
        params.push((X_AMZ_SECURITY_TOKEN_PARAM, token.to_owned()));
    }
    let mut query = request.query.unwrap_or_default().to_owned();
    for (name, value) in &params {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(name);
        query.push('=');
        query.push_str(&canonical::encode(value.as_bytes()));
    }
    let payload_hash = signing_payload_hash(request.headers, payload_sha256_hex);
    let presigned_request = RequestParts {
        query: Some(&query),
        ..*request
    };
    let canonical_request = canonical::canonical_request_at(
        &presigned_request,
        &signed_headers,
        &payload_hash,
        SignatureLocation::Query,
    );
    let string_to_sign = string_to_sign(&amz_date, &scope, &canonical_request);
    let signature = signature(
        credentials.secret_access_key,
        date,
        region,
        service,
        &string_to_sign,
    );
    query.push('&');
    query.push_str(X_AMZ_SIGNATURE);
    query.push('=');
    query.push_str(&signature);
    query
}

/// The lowercase hex SHA-256 of `bytes` (the payload hash of a body).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest::sha256(bytes))
}

/// The string to sign: `AWS4-HMAC-SHA256 \n amz-date \n scope \n hex(sha256(canonical))`, where
/// `scope` is `date/region/service/aws4_request`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Appends the string to sign to `out`, the scope given as its date, region and service.
fn write_string_to_sign(out: &mut String, amz_date: &str, scope: [&str; 3], canonical_hash: &str) {
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(amz_date);
    out.push('\n');
    for part in scope {
        out.push_str(part);
        out.push('/');
    }
    out.push_str(TERMINATOR);
    out.push('\n');
    out.push_str(canonical_hash);
}

/// The credential scope `date/region/service/aws4_request`.
pub fn credential_scope(date: &str, region: &str, service: &str) -> String {
    format!("{date}/{region}/{service}/{TERMINATOR}")
}

/// The lowercase hex signature of `string_to_sign`, with the key derived from the secret and
/// the scope (`HMAC("AWS4" + secret, date)`, then region, service and `aws4_request`).
pub fn signature(
    secret_access_key: &str,
    date: &str,
    region: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let key = SigningKey::derive(secret_access_key, date, region, service);
    hex::encode(key.mac.sign(string_to_sign.as_bytes()))
}

/// The credential scope's date must be the day of the request timestamp.
fn check_scope_date(authorization: &AuthorizationRef<'_>) -> Result<(), Sigv4Error> {
    let request_day = authorization.amz_date.get(..8).unwrap_or_default();
    if authorization.date == request_day {
        return Ok(());
    }
    Err(Sigv4Error::InvalidSignature(format!(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from \
         HTTP: '{}' != '{request_day}', from '{}'.",
        authorization.date, authorization.amz_date
    )))
}

fn check_time(
    authorization: &AuthorizationRef<'_>,
    signed_at: i64,
    now: i64,
) -> Result<(), Sigv4Error> {
    let amz_date = &authorization.amz_date;
    let latest = now.saturating_add(MAX_CLOCK_SKEW_SECONDS);
    if signed_at > latest {
        return Err(Sigv4Error::Expired(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
            date::format_amz_date(latest),
            date::format_amz_date(now)
        )));
    }
    match (authorization.location, authorization.expires) {
        (SignatureLocation::Query, Some(expires)) => {
            let earliest = now.saturating_sub(expires);
            if signed_at < earliest {
                return Err(Sigv4Error::Expired(format!(
                    "Signature expired: {amz_date} is now earlier than {} ({} - {expires} sec.)",
                    date::format_amz_date(earliest),
                    date::format_amz_date(now)
                )));
            }
        }
        _ => {
            let earliest = now.saturating_sub(MAX_CLOCK_SKEW_SECONDS);
            if signed_at < earliest {
                return Err(Sigv4Error::Expired(format!(
                    "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                    date::format_amz_date(earliest),
                    date::format_amz_date(now)
                )));
            }
        }
    }
    Ok(())
}

/// The payload hash the client signed (see [`verify`]).
fn signed_payload_hash<'a, H: HeaderSource + ?Sized>(
    headers: &'a H,
    payload_sha256_hex: &'a str,
) -> Result<&'a str, Sigv4Error> {
    let Some(claimed) = headers.first(X_AMZ_CONTENT_SHA256.as_str()) else {
        return Ok(payload_sha256_hex);
    };
    let invalid = || {
        Sigv4Error::Incomplete(
            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.".to_owned(),
        )
    };
    // Text that is not UTF-8 is neither `UNSIGNED-PAYLOAD` nor hex.
    let claimed = std::str::from_utf8(claimed).map_err(|_| invalid())?.trim();
    if claimed == UNSIGNED_PAYLOAD {
        return Ok(claimed);
    }
    let is_sha256_hex = claimed.len() == 64 && claimed.bytes().all(|byte| byte.is_ascii_hexdigit());
    if !is_sha256_hex {
        return Err(invalid());
    }
    // Invariant: a signed hash must be the hash of the body received, or a captured signature
    // could be replayed with another body.
    if !claimed.eq_ignore_ascii_case(payload_sha256_hex) {
        return Err(Sigv4Error::InvalidSignature(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
                .to_owned(),
        ));
    }
    Ok(claimed)
}

/// The payload hash a signer signs: the `x-amz-content-sha256` header if present, as botocore.
fn signing_payload_hash(headers: &HeaderMap, payload_sha256_hex: &str) -> String {
    match headers.get(X_AMZ_CONTENT_SHA256) {
        Some(value) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        None => payload_sha256_hex.to_owned(),
    }
}

/// Compares hex signatures in constant time, so response timing reveals nothing about how much
/// of a forged signature was right.
fn signatures_match(expected: &[u8; 64], provided: &str) -> bool {
    // The length is no secret: every signature has 64 hex digits.
    let Ok(provided) = <&[u8; 64]>::try_from(provided.as_bytes()) else {
        return false;
    };
    // Eight bytes at a time: `subtle` fences every comparison, so fewer, wider ones are faster
    // and just as constant-time.
    fn words(bytes: &[u8; 64]) -> impl Iterator<Item = u64> + '_ {
        bytes.chunks_exact(8).map(|chunk| {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            u64::from_le_bytes(word)
        })
    }
    let mut equal = Choice::from(1);
    for (expected, provided) in words(expected).zip(words(provided)) {
        equal &= expected.ct_eq(&provided);
    }
    equal.into()
}

/// Lowercase hex of a SHA-256 output, on the stack.
fn hex_into(bytes: &[u8; 32], hex: &mut [u8; 64]) {
    // Both digits of every byte value, looked up at once.
    const PAIRS: [[u8; 2]; 256] = {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut pairs = [[0; 2]; 256];
        let mut byte = 0;
        while byte < 256 {
            pairs[byte] = [DIGITS[byte >> 4], DIGITS[byte & 0x0f]];
            byte += 1;
        }
        pairs
    };
    for (index, &byte) in bytes.iter().enumerate() {
        let [high, low] = PAIRS[usize::from(byte)];
        hex[2 * index] = high;
        hex[2 * index + 1] = low;
    }
}

fn hex_str(hex: &[u8; 64]) -> &str {
    std::str::from_utf8(hex).expect("hex digits are ASCII")
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text)
        .expect("credentials and timestamps hold no control characters (see `sign`)")
}

#[cfg(test)]
mod tests;
