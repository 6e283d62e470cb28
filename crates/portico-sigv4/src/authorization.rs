//! Finding and parsing a request's signature: the `Authorization` header
//! (`AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`) or presigned `X-Amz-*` query
//! parameters, with AWS's `IncompleteSignatureException` messages for everything malformed.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::query::{CanonicalQuery, PresignedParams, QueryScan, RawValue};
use crate::{
    ALGORITHM, HeaderSource, MAX_PRESIGNED_EXPIRES_SECONDS, RequestParts, SignatureLocation,
    Sigv4Error, TERMINATOR, X_AMZ_CREDENTIAL, X_AMZ_DATE_PARAM, X_AMZ_SIGNATURE,
    X_AMZ_SIGNED_HEADERS, canonical, date,
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

/// A parsed SigV4 signature borrowing from the request where it can: what [`parse_borrowed`]
/// returns, for callers that verify without allocating. A part the parser had to change
/// (percent-decoded, lowercased, a `Date` header converted) is owned. `Debug` redacts the
/// session token.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationRef<'a> {
    /// The caller looks the secret key up by this.
    pub access_key_id: Cow<'a, str>,
    /// `YYYYMMDD`, from the credential scope.
    pub date: Cow<'a, str>,
    /// From the credential scope; see [`check_region`](crate::check_region).
    pub region: Cow<'a, str>,
    /// From the credential scope; see [`check_scope`](crate::check_scope).
    pub service: Cow<'a, str>,
    /// Lowercase header names; see [`AuthorizationRef::signed_headers`].
    signed_headers: SignedHeaders<'a>,
    /// Lowercase hex.
    pub signature: Cow<'a, str>,
    /// The request timestamp `YYYYMMDDTHHMMSSZ`: the `X-Amz-Date` header or parameter, or the
    /// `Date` header converted.
    pub amz_date: Cow<'a, str>,
    /// `X-Amz-Security-Token`, the session token of temporary credentials.
    pub security_token: Option<Cow<'a, str>>,
    /// Header or presigned query.
    pub location: SignatureLocation,
    /// `X-Amz-Expires` of a presigned request, in seconds (1..=604800).
    pub expires: Option<i64>,
    /// What parsing worked out for verification.
    precomputed: Precomputed<'a>,
}

/// What parsing a signature worked out that verifying it needs again: kept so that
/// verification does not repeat it. Not part of the signature's value: every two are equal.
#[derive(Clone, Copy, Default)]
struct Precomputed<'a> {
    /// The canonical query string of a presigned request, as pieces of its raw query.
    canonical_query: Option<CanonicalQuery<'a>>,
    /// `amz_date` in Unix epoch seconds.
    signed_at: Option<i64>,
}

impl PartialEq for Precomputed<'_> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Precomputed<'_> {}

/// A parsed signature in either form, owned ([`Authorization`]) or borrowed
/// ([`AuthorizationRef`]), so that [`verify`](crate::verify),
/// [`verify_with_key`](crate::verify_with_key), [`check_scope`](crate::check_scope),
/// [`check_region`](crate::check_region) and
/// [`SigningKey::is_for`](crate::SigningKey::is_for) take both.
pub trait AsAuthorizationRef {
    /// The signature as a borrowed view (the value itself, for an [`AuthorizationRef`]);
    /// never allocates.
    fn as_authorization_ref(&self) -> Cow<'_, AuthorizationRef<'_>>;
}

/// Finds and parses the signature of a request.
///
/// `Ok(None)` means the request carries no signature at all (no `Authorization` header and no
/// `X-Amz-Algorithm` query parameter): the caller answers "Missing Authentication Token". Like
/// AWS, any other `Authorization` header (`Bearer …`) is taken as a malformed SigV4 one.
pub fn parse<H: HeaderSource + ?Sized>(
    request: &RequestParts<'_, H>,
) -> Result<Option<Authorization>, Sigv4Error> {
    parse_borrowed(request).map(|parsed| parsed.as_ref().map(Authorization::from))
}

/// Like [`parse`], borrowing from the request instead of copying: a signature as SDKs send
/// it (an `Authorization` header, or botocore's presigned parameters) is parsed without
/// allocating.
pub fn parse_borrowed<'a, H: HeaderSource + ?Sized>(
    request: &RequestParts<'a, H>,
) -> Result<Option<AuthorizationRef<'a>>, Sigv4Error> {
    let headers: &'a H = request.headers;
    let header = headers
        .first(AUTHORIZATION)
        .map(canonical::text_of)
        .filter(|value| !value.trim().is_empty());
    let is_sigv4_header = header
        .as_deref()
        .is_some_and(|value| value.trim_start().starts_with(ALGORITHM));
    if !is_sigv4_header && let Some(query) = request.query {
        let mut scan = QueryScan::new(query, SignatureLocation::Query);
        let params = scan.presigned_params();
        if params.algorithm.is_some() {
            return parse_query(&params, scan.canonical_query()).map(Some);
        }
    }
    match header {
        Some(Cow::Borrowed(header)) => parse_header(header, headers).map(Some),
        // Not UTF-8: the parts come from the text with replacement characters, a copy.
        Some(Cow::Owned(header)) => {
            parse_header(&header, headers).map(|parsed| Some(parsed.into_owned_parts()))
        }
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

impl From<&AuthorizationRef<'_>> for Authorization {
    fn from(parsed: &AuthorizationRef<'_>) -> Authorization {
        Authorization {
            access_key_id: parsed.access_key_id.clone().into_owned(),
            date: parsed.date.clone().into_owned(),
            region: parsed.region.clone().into_owned(),
            service: parsed.service.clone().into_owned(),
            signed_headers: parsed.signed_headers().map(str::to_owned).collect(),
            signature: parsed.signature.clone().into_owned(),
            amz_date: parsed.amz_date.clone().into_owned(),
            security_token: parsed
                .security_token
                .as_ref()
                .map(|token| token.clone().into_owned()),
            location: parsed.location,
            expires: parsed.expires,
        }
    }
}

impl AsAuthorizationRef for Authorization {
    fn as_authorization_ref(&self) -> Cow<'_, AuthorizationRef<'_>> {
        Cow::Owned(AuthorizationRef {
            access_key_id: Cow::Borrowed(&self.access_key_id),
            date: Cow::Borrowed(&self.date),
            region: Cow::Borrowed(&self.region),
            service: Cow::Borrowed(&self.service),
            signed_headers: SignedHeaders::List(&self.signed_headers),
            signature: Cow::Borrowed(&self.signature),
            amz_date: Cow::Borrowed(&self.amz_date),
            security_token: self.security_token.as_deref().map(Cow::Borrowed),
            location: self.location,
            expires: self.expires,
            precomputed: Precomputed::default(),
        })
    }
}

// === impl AuthorizationRef ===

impl AuthorizationRef<'_> {
    /// The signed header names, lowercase, in the order the client gave them.
    pub fn signed_headers(&self) -> impl Iterator<Item = &str> + Clone {
        self.signed_headers.iter()
    }

    /// The request timestamp in Unix epoch seconds, if parsing worked it out.
    pub(crate) fn signed_at(&self) -> Option<i64> {
        self.precomputed.signed_at
    }

    /// The canonical query string parsing worked out, for the query it was parsed from.
    pub(crate) fn canonical_query(&self) -> Option<&CanonicalQuery<'_>> {
        self.precomputed.canonical_query.as_ref()
    }

    /// The same signature owning every part, so that it outlives the request.
    fn into_owned_parts(self) -> AuthorizationRef<'static> {
        let own = |text: Cow<'_, str>| Cow::Owned(text.into_owned());
        AuthorizationRef {
            access_key_id: own(self.access_key_id),
            date: own(self.date),
            region: own(self.region),
            service: own(self.service),
            signed_headers: self.signed_headers.into_owned(),
            signature: own(self.signature),
            amz_date: own(self.amz_date),
            security_token: self.security_token.map(own),
            location: self.location,
            expires: self.expires,
            precomputed: Precomputed::default(),
        }
    }
}

impl AsAuthorizationRef for AuthorizationRef<'_> {
    fn as_authorization_ref(&self) -> Cow<'_, AuthorizationRef<'_>> {
        Cow::Borrowed(self)
    }
}

impl fmt::Debug for AuthorizationRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRef")
            .field("access_key_id", &self.access_key_id)
            .field("date", &self.date)
            .field("region", &self.region)
            .field("service", &self.service)
            .field("signed_headers", &self.signed_headers().collect::<Vec<_>>())
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

/// The signed header names: `;`-separated as parsed (lowercase, trimmed, none empty), or the
/// list of an owned [`Authorization`].
#[derive(Clone)]
enum SignedHeaders<'a> {
    Joined(Cow<'a, str>),
    List(&'a [String]),
}

/// An iterator over [`SignedHeaders`].
#[derive(Clone)]
enum SignedHeaderNames<'s> {
    Joined(canonical::SplitByte<'s>),
    List(std::slice::Iter<'s, String>),
}

// === impl SignedHeaders ===

impl<'a> SignedHeaders<'a> {
    /// Parses `a;B; c` into its lowercase names, borrowing when the text is already that.
    fn parse(text: Cow<'a, str>) -> Result<Self, Sigv4Error> {
        let is_normalised = canonical::split_byte(&text, b';').all(|name| {
            !name.is_empty()
                && name.trim().len() == name.len()
                && !name.bytes().any(|byte| byte.is_ascii_uppercase())
        });
        let joined = if is_normalised {
            text
        } else {
            let names: Vec<String> = text
                .split(';')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_ascii_lowercase)
                .collect();
            Cow::Owned(names.join(";"))
        };
        let signed_headers = SignedHeaders::Joined(joined);
        if !signed_headers
            .iter()
            .any(|name| name == "host" || name == ":authority")
        {
            return Err(Sigv4Error::Incomplete(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
                    .to_owned(),
            ));
        }
        Ok(signed_headers)
    }

    fn iter(&self) -> SignedHeaderNames<'_> {
        match self {
            SignedHeaders::Joined(joined) => {
                SignedHeaderNames::Joined(canonical::split_byte(joined, b';'))
            }
            SignedHeaders::List(names) => SignedHeaderNames::List(names.iter()),
        }
    }

    fn into_owned(self) -> SignedHeaders<'static> {
        match self {
            SignedHeaders::Joined(joined) => SignedHeaders::Joined(Cow::Owned(joined.into_owned())),
            SignedHeaders::List(names) => SignedHeaders::Joined(Cow::Owned(names.join(";"))),
        }
    }
}

impl PartialEq for SignedHeaders<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for SignedHeaders<'_> {}

// === impl SignedHeaderNames ===

impl<'s> Iterator for SignedHeaderNames<'s> {
    type Item = &'s str;

    fn next(&mut self) -> Option<&'s str> {
        match self {
            // Only an empty list has an empty name (the one piece of ""): skip it.
            SignedHeaderNames::Joined(names) => names.find(|name| !name.is_empty()),
            SignedHeaderNames::List(names) => names.next().map(String::as_str),
        }
    }
}

const AUTHORIZATION: &str = "authorization";
const DATE: &str = "date";
const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";

/// The request timestamp of a header signature.
enum RequestDate<'a> {
    /// `X-Amz-Date`, or the `Date` header converted.
    Found(Cow<'a, str>, i64),
    /// An `X-Amz-Date` header that is not `YYYYMMDDTHHMMSSZ`.
    Malformed(Cow<'a, str>),
    /// Neither header, or a `Date` header that is not RFC 1123.
    Missing,
}

fn parse_header<'a, H: HeaderSource + ?Sized>(
    header: &'a str,
    headers: &'a H,
) -> Result<AuthorizationRef<'a>, Sigv4Error> {
    let trimmed = header.trim();
    let (scheme, elements) = trimmed
        .split_once(char::is_whitespace)
        .unwrap_or((trimmed, ""));
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    let mut has_element_without_equals = false;
    for element in canonical::split_byte(elements, b',').map(str::trim) {
        if element.is_empty() {
            continue;
        }
        let Some((key, value)) = canonical::split_once_byte(element, b'=') else {
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
    let (amz_date, signed_at) = match request_date {
        RequestDate::Found(amz_date, signed_at) => (amz_date, signed_at),
        RequestDate::Malformed(value) => return Err(malformed_date(&value)),
        RequestDate::Missing => return Err(incomplete()),
    };
    if has_element_without_equals {
        return Err(Sigv4Error::Incomplete(format!(
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with \
             SHA-256 and encoded with Base64): '{}'.",
            BASE64.encode(crate::digest::sha256(header.as_bytes()))
        )));
    }
    if scheme != ALGORITHM {
        return Err(Sigv4Error::Incomplete(format!(
            "Unsupported AWS 'algorithm': '{scheme}'."
        )));
    }
    let scope = parse_credential(credential, SignatureLocation::Header)?;
    let signed_headers = SignedHeaders::parse(Cow::Borrowed(signed_headers))?;
    let security_token = headers.first(X_AMZ_SECURITY_TOKEN).map(canonical::text_of);
    Ok(AuthorizationRef {
        access_key_id: scope.access_key_id,
        date: scope.date,
        region: scope.region,
        service: scope.service,
        signed_headers,
        signature: to_lowercase(Cow::Borrowed(signature)),
        amz_date,
        security_token,
        location: SignatureLocation::Header,
        expires: None,
        precomputed: Precomputed {
            canonical_query: None,
            signed_at: Some(signed_at),
        },
    })
}

fn request_date<H: HeaderSource + ?Sized>(headers: &H) -> RequestDate<'_> {
    if let Some(value) = headers.first(X_AMZ_DATE) {
        return match canonical::text_of(value) {
            Cow::Borrowed(value) => {
                let value = value.trim();
                match date::parse_amz_date(value) {
                    Some(epoch) => RequestDate::Found(Cow::Borrowed(value), epoch),
                    None => RequestDate::Malformed(Cow::Borrowed(value)),
                }
            }
            // Not UTF-8, so not a date either.
            Cow::Owned(value) => RequestDate::Malformed(Cow::Owned(value.trim().to_owned())),
        };
    }
    headers
        .first(DATE)
        .filter(|value| is_visible_ascii(value))
        .and_then(|value| std::str::from_utf8(value).ok())
        .and_then(date::parse_http_date)
        .map_or(RequestDate::Missing, |epoch| {
            RequestDate::Found(Cow::Owned(date::format_amz_date(epoch)), epoch)
        })
}

/// What `http::HeaderValue::to_str` accepts: visible ASCII and tabs.
fn is_visible_ascii(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&byte| byte == b'\t' || (0x20..0x7f).contains(&byte))
}

fn parse_query<'a>(
    params: &PresignedParams<'a>,
    canonical_query: Option<CanonicalQuery<'a>>,
) -> Result<AuthorizationRef<'a>, Sigv4Error> {
    let decode = |value: Option<RawValue<'a>>| value.map(RawValue::decoded);
    let algorithm = decode(params.algorithm).unwrap_or_default();
    let credential = params.credential.map(|credential| credential.raw);
    let signature = decode(params.signature);
    let signed_headers = decode(params.signed_headers);
    let amz_date = decode(params.amz_date);
    let mut missing = String::new();
    for (name, is_present) in [
        (X_AMZ_CREDENTIAL, credential.is_some()),
        (X_AMZ_SIGNATURE, signature.is_some()),
        (X_AMZ_SIGNED_HEADERS, signed_headers.is_some()),
        (X_AMZ_DATE_PARAM, amz_date.is_some()),
    ] {
        if !is_present {
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
    let Some(signed_at) = date::parse_amz_date(&amz_date) else {
        return Err(malformed_date(&amz_date));
    };
    let expires = decode(params.expires)
        .map(|expires| parse_expires(&expires))
        .transpose()?;
    let scope = parse_credential(credential, SignatureLocation::Query)?;
    let signed_headers = SignedHeaders::parse(signed_headers)?;
    Ok(AuthorizationRef {
        access_key_id: scope.access_key_id,
        date: scope.date,
        region: scope.region,
        service: scope.service,
        signed_headers,
        signature: to_lowercase(signature),
        amz_date,
        security_token: decode(params.security_token),
        location: SignatureLocation::Query,
        expires,
        precomputed: Precomputed {
            canonical_query,
            signed_at: Some(signed_at),
        },
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
struct CredentialScope<'a> {
    access_key_id: Cow<'a, str>,
    date: Cow<'a, str>,
    region: Cow<'a, str>,
    service: Cow<'a, str>,
}

/// Parses the credential as sent: as it is in the `Authorization` header, still
/// percent-encoded in a presigned query (each part is decoded on its own, so that parts
/// without escapes are borrowed).
fn parse_credential(
    credential: &str,
    location: SignatureLocation,
) -> Result<CredentialScope<'_>, Sigv4Error> {
    let parts = match (plain_parts(credential, location), location) {
        (Some(parts), _) => Some(parts.map(Cow::Borrowed)),
        (None, SignatureLocation::Header) => {
            five(canonical::split_byte(credential, b'/').map(Cow::Borrowed))
        }
        (None, SignatureLocation::Query) => {
            five(canonical::split_escaped(credential, b'/').map(canonical::decode_text))
        }
    };
    let Some([access_key_id, date, region, service, terminator]) = parts else {
        let credential = match location {
            SignatureLocation::Header => Cow::Borrowed(credential),
            SignatureLocation::Query => canonical::decode_text(credential),
        };
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
        access_key_id,
        date,
        region,
        service,
    })
}

/// The five parts of a credential as SDKs send it, in one pass: separated by `/` (or its
/// escape `%2F` in a presigned query), with nothing else to decode. `None` sends anything
/// else down the general path.
fn plain_parts(credential: &str, location: SignatureLocation) -> Option<[&str; 5]> {
    let bytes = credential.as_bytes();
    let mut parts = [""; 5];
    let mut count = 0;
    let mut start = 0;
    // Only `/` and `%` matter; the search steps over everything between them.
    let escape = match location {
        SignatureLocation::Header => b'/',
        SignatureLocation::Query => b'%',
    };
    for index in memchr::memchr2_iter(b'/', escape, bytes) {
        let width = match bytes[index] {
            b'/' => 1,
            _ => match bytes.get(index + 1..index + 3) {
                Some([b'2', b'F' | b'f']) => 3,
                _ => return None,
            },
        };
        // `/` and `%` are ASCII, so these are character boundaries.
        *parts.get_mut(count)? = &credential[start..index];
        count += 1;
        start = index + width;
    }
    *parts.get_mut(count)? = credential.get(start..)?;
    (count == 4).then_some(parts)
}

/// The pieces, if there are exactly five.
fn five<'c>(pieces: impl Iterator<Item = Cow<'c, str>>) -> Option<[Cow<'c, str>; 5]> {
    let mut parts: [Cow<'c, str>; 5] = Default::default();
    let mut count = 0;
    for piece in pieces {
        *parts.get_mut(count)? = piece;
        count += 1;
    }
    (count == parts.len()).then_some(parts)
}

fn to_lowercase(text: Cow<'_, str>) -> Cow<'_, str> {
    // Without an early exit the check compiles to a few wide comparisons.
    let has_uppercase = text
        .bytes()
        .fold(false, |found, byte| found | byte.is_ascii_uppercase());
    if has_uppercase {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn plain_credential_parts_are_the_general_parts(
            pieces in prop::collection::vec(
                prop::sample::select(vec!["AKID", "/", "%2F", "%2f", "%2", "%41", "us-east-1", ""]),
                0..12,
            )
        ) {
            let credential = pieces.concat();
            for location in [SignatureLocation::Header, SignatureLocation::Query] {
                let general = match location {
                    SignatureLocation::Header => {
                        five(canonical::split_byte(&credential, b'/').map(Cow::Borrowed))
                    }
                    SignatureLocation::Query => five(
                        canonical::split_escaped(&credential, b'/').map(canonical::decode_text),
                    ),
                };
                if let Some(parts) = plain_parts(&credential, location) {
                    prop_assert_eq!(Some(parts.map(Cow::Borrowed)), general);
                } else if location == SignatureLocation::Header {
                    // Without escapes to decode, only a wrong number of parts is refused.
                    prop_assert!(general.is_none());
                }
            }
        }
    }
}
