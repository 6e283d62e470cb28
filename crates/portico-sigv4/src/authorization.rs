//! Finding and parsing a request's signature: the `Authorization` header
//! (`AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`) or presigned `X-Amz-*` query
//! parameters, with AWS's `IncompleteSignatureException` messages for everything malformed.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::HeaderMap;
use http::header::{AUTHORIZATION, DATE};
use sha2::{Digest, Sha256};

use crate::{
    ALGORITHM, MAX_PRESIGNED_EXPIRES_SECONDS, RequestParts, SignatureLocation, Sigv4Error,
    TERMINATOR, X_AMZ_ALGORITHM, X_AMZ_CREDENTIAL, X_AMZ_DATE, X_AMZ_DATE_PARAM, X_AMZ_EXPIRES,
    X_AMZ_SECURITY_TOKEN, X_AMZ_SECURITY_TOKEN_PARAM, X_AMZ_SIGNATURE, X_AMZ_SIGNED_HEADERS,
    canonical, date,
};

/// A parsed SigV4 signature, from the `Authorization` header or presigned query parameters.
/// `Debug` redacts the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The caller looks the secret key up by this.
    pub access_key_id: String,
    /// `YYYYMMDD`, from the credential scope.
    pub date: String,
    /// From the credential scope; see [`check_region`](crate::check_region).
    pub region: String,
    /// From the credential scope; see [`check_scope`](crate::check_scope).
    pub service: String,
    /// Lowercase header names, in the order the client gave them.
    pub signed_headers: Vec<String>,
    /// Lowercase hex.
    pub signature: String,
    /// The request timestamp `YYYYMMDDTHHMMSSZ`: the `X-Amz-Date` header or parameter, or the
    /// `Date` header converted.
    pub amz_date: String,
    /// `X-Amz-Security-Token`, the session token of temporary credentials.
    pub security_token: Option<String>,
    /// Header or presigned query.
    pub location: SignatureLocation,
    /// `X-Amz-Expires` of a presigned request, in seconds (1..=604800).
    pub expires: Option<i64>,
}

/// Finds and parses the signature of a request.
///
/// `Ok(None)` means the request carries no signature at all (no `Authorization` header and no
/// `X-Amz-Algorithm` query parameter): the caller answers "Missing Authentication Token". Like
/// AWS, any other `Authorization` header (`Bearer …`) is taken as a malformed SigV4 one.
pub fn parse(request: &RequestParts<'_>) -> Result<Option<Authorization>, Sigv4Error> {
    let header = request
        .headers
        .get(AUTHORIZATION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
        .filter(|value| !value.trim().is_empty());
    let is_sigv4_header = header
        .as_deref()
        .is_some_and(|value| value.trim_start().starts_with(ALGORITHM));
    if !is_sigv4_header {
        let presigned_query = request.query.filter(|query| {
            canonical::query_pairs(query).any(|(key, _)| key.as_ref() == X_AMZ_ALGORITHM.as_bytes())
        });
        if let Some(query) = presigned_query {
            return parse_query(&QueryParams::new(query)).map(Some);
        }
    }
    match header {
        Some(header) => parse_header(&header, request.headers).map(Some),
        None => Ok(None),
    }
}

/// AWS's message for a request timestamp that is not `YYYYMMDDTHHMMSSZ`.
pub(crate) fn malformed_date(value: &str) -> Sigv4Error {
    Sigv4Error::Incomplete(format!(
        "Date must be in ISO-8601 'basic format'. Got '{value}'. See \
         http://en.wikipedia.org/wiki/ISO_8601"
    ))
}

// === impl Authorization ===

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("access_key_id", &self.access_key_id)
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("amz_date", &self.amz_date)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .field("location", &self.location)
            .field("expires", &self.expires)
            .finish()
    }
}

/// The request timestamp of a header signature.
enum RequestDate {
    /// `X-Amz-Date`, or the `Date` header converted.
    Found(String),
    /// An `X-Amz-Date` header that is not `YYYYMMDDTHHMMSSZ`.
    Malformed(String),
    /// Neither header, or a `Date` header that is not RFC 1123.
    Missing,
}

fn parse_header(header: &str, headers: &HeaderMap) -> Result<Authorization, Sigv4Error> {
    let trimmed = header.trim();
    let (scheme, elements) = trimmed
        .split_once(char::is_whitespace)
        .unwrap_or((trimmed, ""));
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    let mut has_element_without_equals = false;
    for element in elements.split(',').map(str::trim) {
        if element.is_empty() {
            continue;
        }
        let Some((key, value)) = element.split_once('=') else {
            has_element_without_equals = true;
            continue;
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        slot.get_or_insert(value.trim());
    }
    let request_date = request_date(headers);

    let mut missing = String::new();
    for (name, value) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ] {
        if value.is_none() {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if matches!(request_date, RequestDate::Missing) {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. ",
        );
    }
    let incomplete = || Sigv4Error::Incomplete(format!("{missing}Authorization={header}"));
    let (Some(credential), Some(signature), Some(signed_headers)) =
        (credential, signature, signed_headers)
    else {
        return Err(incomplete());
    };
    let amz_date = match request_date {
        RequestDate::Found(amz_date) => amz_date,
        RequestDate::Malformed(value) => return Err(malformed_date(&value)),
        RequestDate::Missing => return Err(incomplete()),
    };
    if has_element_without_equals {
        return Err(Sigv4Error::Incomplete(format!(
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with \
             SHA-256 and encoded with Base64): '{}'.",
            BASE64.encode(Sha256::digest(header.as_bytes()))
        )));
    }
    if scheme != ALGORITHM {
        return Err(Sigv4Error::Incomplete(format!(
            "Unsupported AWS 'algorithm': '{scheme}'."
        )));
    }
    let scope = parse_credential(credential)?;
    let signed_headers = parse_signed_headers(signed_headers)?;
    let security_token = headers
        .get(X_AMZ_SECURITY_TOKEN)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    Ok(Authorization {
        access_key_id: scope.access_key_id,
        date: scope.date,
        region: scope.region,
        service: scope.service,
        signed_headers,
        signature: signature.to_ascii_lowercase(),
        amz_date,
        security_token,
        location: SignatureLocation::Header,
        expires: None,
    })
}

fn request_date(headers: &HeaderMap) -> RequestDate {
    if let Some(value) = headers.get(X_AMZ_DATE) {
        let value = String::from_utf8_lossy(value.as_bytes());
        let value = value.trim();
        return match date::parse_amz_date(value) {
            Some(_) => RequestDate::Found(value.to_owned()),
            None => RequestDate::Malformed(value.to_owned()),
        };
    }
    headers
        .get(DATE)
        .and_then(|value| value.to_str().ok())
        .and_then(date::parse_http_date)
        .map_or(RequestDate::Missing, |epoch| {
            RequestDate::Found(date::format_amz_date(epoch))
        })
}

fn parse_query(params: &QueryParams) -> Result<Authorization, Sigv4Error> {
    let algorithm = params.first(X_AMZ_ALGORITHM).unwrap_or_default();
    let credential = params.first(X_AMZ_CREDENTIAL);
    let signature = params.first(X_AMZ_SIGNATURE);
    let signed_headers = params.first(X_AMZ_SIGNED_HEADERS);
    let amz_date = params.first(X_AMZ_DATE_PARAM);
    let mut missing = String::new();
    for (name, value) in [
        (X_AMZ_CREDENTIAL, credential),
        (X_AMZ_SIGNATURE, signature),
        (X_AMZ_SIGNED_HEADERS, signed_headers),
        (X_AMZ_DATE_PARAM, amz_date),
    ] {
        if value.is_none() {
            missing.push_str(&format!(
                "AWS query-string parameters must include '{name}'. "
            ));
        }
    }
    let (Some(credential), Some(signature), Some(signed_headers), Some(amz_date)) =
        (credential, signature, signed_headers, amz_date)
    else {
        return Err(Sigv4Error::Incomplete(format!(
            "{missing}Re-examine the query-string parameters."
        )));
    };
    if algorithm != ALGORITHM {
        return Err(Sigv4Error::Incomplete(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\""
        )));
    }
    if date::parse_amz_date(amz_date).is_none() {
        return Err(malformed_date(amz_date));
    }
    let expires = params.first(X_AMZ_EXPIRES).map(parse_expires).transpose()?;
    let scope = parse_credential(credential)?;
    let signed_headers = parse_signed_headers(signed_headers)?;
    Ok(Authorization {
        access_key_id: scope.access_key_id,
        date: scope.date,
        region: scope.region,
        service: scope.service,
        signed_headers,
        signature: signature.to_ascii_lowercase(),
        amz_date: amz_date.to_owned(),
        security_token: params.first(X_AMZ_SECURITY_TOKEN_PARAM).map(str::to_owned),
        location: SignatureLocation::Query,
        expires,
    })
}

fn parse_expires(value: &str) -> Result<i64, Sigv4Error> {
    let expires: i64 = value
        .parse()
        .map_err(|_| Sigv4Error::Incomplete("X-Amz-Expires should be a number".to_owned()))?;
    if expires < 1 {
        return Err(Sigv4Error::Incomplete(
            "X-Amz-Expires must be non-negative".to_owned(),
        ));
    }
    if expires > MAX_PRESIGNED_EXPIRES_SECONDS {
        return Err(Sigv4Error::Incomplete(format!(
            "X-Amz-Expires must be less than a week (in seconds) that is \
             {MAX_PRESIGNED_EXPIRES_SECONDS}"
        )));
    }
    Ok(expires)
}

/// The parts of `AKID/YYYYMMDD/region/service/aws4_request`.
struct CredentialScope {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
}

fn parse_credential(credential: &str) -> Result<CredentialScope, Sigv4Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts[..] else {
        return Err(Sigv4Error::Incomplete(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got '{credential}'"
        )));
    };
    if terminator != TERMINATOR {
        return Err(Sigv4Error::Incomplete(format!(
            "Credential should be scoped with a valid terminator: '{TERMINATOR}', not \
             '{terminator}'. "
        )));
    }
    Ok(CredentialScope {
        access_key_id: access_key_id.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
    })
}

fn parse_signed_headers(signed_headers: &str) -> Result<Vec<String>, Sigv4Error> {
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if !signed_headers
        .iter()
        .any(|name| name == "host" || name == ":authority")
    {
        return Err(Sigv4Error::Incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    Ok(signed_headers)
}

/// A presigned request's query parameters, percent-decoded.
struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    fn new(raw_query: &str) -> Self {
        Self(
            canonical::query_pairs(raw_query)
                .map(|(key, value)| {
                    (
                        String::from_utf8_lossy(&key).into_owned(),
                        String::from_utf8_lossy(&value).into_owned(),
                    )
                })
                .collect(),
        )
    }

    /// The first value of parameter `name` (names are case-sensitive).
    fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}
