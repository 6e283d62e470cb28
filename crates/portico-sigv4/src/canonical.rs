//! The canonical request: the one string both sides hash, built from the request as received.
//! Rules follow botocore and the SigV4 specification for services other than S3 (paths are
//! normalised and encoded a second time).

use std::borrow::Cow;

use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

use crate::{RequestParts, SignatureLocation, X_AMZ_SIGNATURE};

/// Everything but SigV4's unreserved characters `A-Za-z0-9-_.~` is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Paths keep their `/` separators.
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// The canonical request for a header-signed request:
/// `method \n uri \n query \n headers \n signed-headers \n payload-hash`, where `headers` holds
/// one `name:value\n` line per signed header.
pub fn canonical_request(
    request: &RequestParts<'_>,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    canonical_request_at(
        request,
        signed_headers,
        payload_hash,
        SignatureLocation::Header,
    )
}

/// The canonical URI of a raw request path (still percent-encoded as received): `.` and `..`
/// segments and empty segments are removed like botocore's `remove_dot_segments` (a trailing
/// slash survives), an empty path becomes `/`, and the result is percent-encoded again, so the
/// `%3A` a client sent appears as `%253A`.
pub fn canonical_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        return "/".to_owned();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw_path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    let mut normalised = String::with_capacity(raw_path.len() + 1);
    if raw_path.starts_with('/') {
        normalised.push('/');
    }
    normalised.push_str(&segments.join("/"));
    if raw_path.ends_with('/') && !segments.is_empty() {
        normalised.push('/');
    }
    percent_encode(normalised.as_bytes(), PATH).to_string()
}

/// The canonical query string of a raw query (without `?`): every `key=value` pair is
/// percent-decoded (`%XX` only; `+` stays a plus) and encoded again with SigV4's unreserved set,
/// then the pairs are sorted by key and value. A key without `=` gets an empty value. For
/// presigned requests ([`SignatureLocation::Query`]) the `X-Amz-Signature` pair is left out.
pub fn canonical_query_string(raw_query: Option<&str>, location: SignatureLocation) -> String {
    let Some(raw_query) = raw_query else {
        return String::new();
    };
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = query_pairs(raw_query)
        .filter(|(key, _)| {
            !(location == SignatureLocation::Query && key.as_ref() == X_AMZ_SIGNATURE.as_bytes())
        })
        .map(|(key, value)| (reencode(key), reencode(value)))
        .collect();
    pairs.sort_unstable();
    let mut canonical = String::with_capacity(raw_query.len());
    for (index, (key, value)) in pairs.iter().enumerate() {
        if index > 0 {
            canonical.push('&');
        }
        canonical.push_str(key);
        canonical.push('=');
        canonical.push_str(value);
    }
    canonical
}

/// One `name:value\n` line per signed header, in the order given: every value of the header
/// joined with `,`, each trimmed with inner runs of whitespace collapsed to one space. A signed
/// header the request lacks gets an empty value (the signature will then not match).
pub fn canonical_headers(headers: &HeaderMap, signed_headers: &[String]) -> String {
    let mut canonical = String::new();
    for name in signed_headers {
        canonical.push_str(name);
        canonical.push(':');
        // A name that is not a valid header name (a client's typo) simply matches nothing.
        for (index, value) in headers.get_all(name.as_str()).iter().enumerate() {
            if index > 0 {
                canonical.push(',');
            }
            let value = String::from_utf8_lossy(value.as_bytes());
            for (word_index, word) in value.split_whitespace().enumerate() {
                if word_index > 0 {
                    canonical.push(' ');
                }
                canonical.push_str(word);
            }
        }
        canonical.push('\n');
    }
    canonical
}

/// The canonical request for a signature found at `location`.
pub(crate) fn canonical_request_at(
    request: &RequestParts<'_>,
    signed_headers: &[String],
    payload_hash: &str,
    location: SignatureLocation,
) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        canonical_uri(request.path),
        canonical_query_string(request.query, location),
        canonical_headers(request.headers, signed_headers),
        signed_headers.join(";"),
        payload_hash
    )
}

/// The `key=value` pairs of a raw query string, percent-decoded to bytes; empty pairs
/// (`a=1&&b=2`) are skipped. Bytes rather than text, so that an escape of a byte that is not
/// UTF-8 (`%FF`) is encoded again exactly as the client encoded it.
pub(crate) fn query_pairs(
    raw_query: &str,
) -> impl Iterator<Item = (Cow<'_, [u8]>, Cow<'_, [u8]>)> + '_ {
    raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
}

/// Percent-encodes with SigV4's unreserved set (a space becomes `%20`); borrows when
/// nothing needs escaping.
pub(crate) fn encode(bytes: &[u8]) -> Cow<'_, str> {
    percent_encode(bytes, UNRESERVED).into()
}

/// Encodes a decoded query part again, borrowing from the raw query when it can.
fn reencode(decoded: Cow<'_, [u8]>) -> Cow<'_, str> {
    match decoded {
        Cow::Borrowed(bytes) => encode(bytes),
        Cow::Owned(bytes) => Cow::Owned(encode(&bytes).into_owned()),
    }
}

/// Decodes `%XX` escapes only; a `%` not followed by two hex digits stays as it is. Borrows
/// when there is no escape.
fn decode(text: &str) -> Cow<'_, [u8]> {
    if text.as_bytes().contains(&b'%') {
        percent_decode_str(text).into()
    } else {
        Cow::Borrowed(text.as_bytes())
    }
}
