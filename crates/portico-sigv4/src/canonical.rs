//! The canonical request: the one string both sides hash, built from the request as received.
//! Rules follow botocore and the SigV4 specification for services other than S3 (paths are
//! normalised and encoded a second time).
//!
//! Every part is written into one `String` the caller provides; verification reuses one buffer
//! per thread ([`with_buffer`]), so a request whose query is already percent-encoded the
//! canonical way (what SDKs send) is canonicalised without allocating.

use std::borrow::Cow;
use std::cell::Cell;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

use crate::query::{CanonicalQuery, QueryScan};
use crate::{HeaderSource, RequestParts, SignatureLocation, X_AMZ_SIGNATURE};

/// Everything but SigV4's unreserved characters `A-Za-z0-9-_.~` is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Paths keep their `/` separators.
const PATH: &AsciiSet = &UNRESERVED.remove(b'/');

/// A verification buffer that grew past this (a hostile request) is not kept for the next one.
const MAX_KEPT_BUFFER_BYTES: usize = 64 * 1024;

thread_local! {
    /// The canonical request of the signature being verified on this thread.
    static BUFFER: Cell<String> = const { Cell::new(String::new()) };
}

/// The canonical request for a header-signed request:
/// `method \n uri \n query \n headers \n signed-headers \n payload-hash`, where `headers` holds
/// one `name:value\n` line per signed header.
pub fn canonical_request<H: HeaderSource + ?Sized>(
    request: &RequestParts<'_, H>,
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
    let mut canonical = String::with_capacity(raw_path.len() + 1);
    write_uri(&mut canonical, raw_path);
    canonical
}

/// The canonical query string of a raw query (without `?`): every `key=value` pair is
/// percent-decoded (`%XX` only; `+` stays a plus) and encoded again with SigV4's unreserved set,
/// then the pairs are sorted by key and value. A key without `=` gets an empty value. For
/// presigned requests ([`SignatureLocation::Query`]) the `X-Amz-Signature` pair is left out.
pub fn canonical_query_string(raw_query: Option<&str>, location: SignatureLocation) -> String {
    let mut canonical = String::with_capacity(raw_query.map_or(0, str::len));
    write_query(&mut canonical, raw_query, location);
    canonical
}

/// One `name:value\n` line per signed header, in the order given: every value of the header
/// joined with `,`, each trimmed with inner runs of whitespace collapsed to one space. A signed
/// header the request lacks gets an empty value (the signature will then not match).
pub fn canonical_headers<H: HeaderSource + ?Sized>(
    headers: &H,
    signed_headers: &[String],
) -> String {
    let mut canonical = String::new();
    write_headers(
        &mut canonical,
        headers,
        signed_headers.iter().map(String::as_str),
    );
    canonical
}

/// The canonical request for a signature found at `location`.
pub(crate) fn canonical_request_at<H: HeaderSource + ?Sized>(
    request: &RequestParts<'_, H>,
    signed_headers: &[String],
    payload_hash: &str,
    location: SignatureLocation,
) -> String {
    let mut canonical = String::new();
    write_request(
        &mut canonical,
        request,
        signed_headers.iter().map(String::as_str),
        payload_hash,
        location,
        None,
    );
    canonical
}

/// Appends the canonical request for a signature found at `location` to `out`. The canonical
/// query string comes from `canonical_query` when parsing worked it out for this query.
pub(crate) fn write_request<'n, H: HeaderSource + ?Sized>(
    out: &mut String,
    request: &RequestParts<'_, H>,
    signed_headers: impl Iterator<Item = &'n str> + Clone,
    payload_hash: &str,
    location: SignatureLocation,
    canonical_query: Option<&CanonicalQuery<'_>>,
) {
    out.push_str(request.method);
    out.push('\n');
    write_uri(out, request.path);
    out.push('\n');
    let is_written = canonical_query.is_some_and(|query| query.write_for(request.query, out));
    if !is_written {
        write_query(out, request.query, location);
    }
    out.push('\n');
    write_headers(out, request.headers, signed_headers.clone());
    out.push('\n');
    for (index, name) in signed_headers.enumerate() {
        if index > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
    out.push('\n');
    out.push_str(payload_hash);
}

/// Runs `f` with this thread's canonical-request buffer, emptied, so that verifying allocates
/// nothing once the buffer has grown to the size of a typical request.
pub(crate) fn with_buffer<R>(f: impl FnOnce(&mut String) -> R) -> R {
    // Taking the buffer out (rather than borrowing it in place) cannot fail: a nested call
    // would simply start with an empty buffer of its own.
    let mut buffer = BUFFER.try_with(Cell::take).unwrap_or_default();
    buffer.clear();
    let result = f(&mut buffer);
    if buffer.capacity() <= MAX_KEPT_BUFFER_BYTES {
        // A thread that is exiting keeps nothing.
        let _ = BUFFER.try_with(|cell| cell.set(buffer));
    }
    result
}

/// The `key=value` pairs of a raw query string, percent-decoded to bytes; empty pairs
/// (`a=1&&b=2`) are skipped. Bytes rather than text, so that an escape of a byte that is not
/// UTF-8 (`%FF`) is encoded again exactly as the client encoded it.
pub(crate) fn query_pairs(
    raw_query: &str,
) -> impl Iterator<Item = (Cow<'_, [u8]>, Cow<'_, [u8]>)> + '_ {
    raw_pairs(raw_query).map(|(key, value)| (decode(key), decode(value)))
}

/// The raw `key=value` pairs of a query string, still percent-encoded; empty pairs are skipped
/// and a key without `=` gets an empty value.
pub(crate) fn raw_pairs(raw_query: &str) -> impl Iterator<Item = (&str, &str)> + '_ {
    let mut rest = raw_query;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = memchr::memchr(b'&', rest.as_bytes()).unwrap_or(rest.len());
            // `&` and `=` are ASCII, so these are character boundaries.
            let pair = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or_default();
            if !pair.is_empty() {
                return Some(match memchr::memchr(b'=', pair.as_bytes()) {
                    Some(at) => (&pair[..at], &pair[at + 1..]),
                    None => (pair, ""),
                });
            }
        }
        None
    })
}

/// `text.split(separator)` for an ASCII separator, scanning bytes: the pieces of SigV4's short
/// texts are found faster than through `str`'s general pattern search.
pub(crate) fn split_byte(text: &str, separator: u8) -> SplitByte<'_> {
    SplitByte {
        rest: Some(text),
        separator,
    }
}

/// `text.split_once(separator)` for an ASCII separator.
pub(crate) fn split_once_byte(text: &str, separator: u8) -> Option<(&str, &str)> {
    let at = text.bytes().position(|byte| byte == separator)?;
    // An ASCII separator sits on character boundaries.
    Some((&text[..at], &text[at + 1..]))
}

/// The text of a header value: borrowed when it is UTF-8 (checked the fast way), else with
/// replacement characters.
pub(crate) fn text_of(value: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(value) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value),
    }
}

/// The iterator of [`split_byte`].
#[derive(Clone)]
pub(crate) struct SplitByte<'t> {
    rest: Option<&'t str>,
    separator: u8,
}

// === impl SplitByte ===

impl<'t> Iterator for SplitByte<'t> {
    type Item = &'t str;

    fn next(&mut self) -> Option<&'t str> {
        let text = self.rest?;
        match split_once_byte(text, self.separator) {
            Some((piece, rest)) => {
                self.rest = Some(rest);
                Some(piece)
            }
            None => {
                self.rest = None;
                Some(text)
            }
        }
    }
}

/// A raw query component percent-decoded to text (invalid UTF-8 replaced); borrows when there
/// is no escape.
pub(crate) fn decode_text(raw: &str) -> Cow<'_, str> {
    if raw.as_bytes().contains(&b'%') {
        percent_decode_str(raw).decode_utf8_lossy()
    } else {
        Cow::Borrowed(raw)
    }
}

/// Splits a raw query component at `separator` and at its escape (`%2F` or `%2f` for `/`), so
/// that each piece can be decoded on its own: the pieces are those of the decoded text split at
/// `separator`.
pub(crate) fn split_escaped(raw: &str, separator: u8) -> impl Iterator<Item = &str> + '_ {
    let mut rest = Some(raw);
    std::iter::from_fn(move || {
        let current = rest?;
        let bytes = current.as_bytes();
        // The texts split this way are short (a credential): a plain loop beats a search.
        for (index, &byte) in bytes.iter().enumerate() {
            let width = if byte == separator {
                1
            } else if byte == b'%' && escaped_byte(&bytes[index + 1..]) == Some(separator) {
                3
            } else {
                continue;
            };
            // Both the separator and `%` are ASCII, so these are character boundaries.
            rest = Some(&current[index + width..]);
            return Some(&current[..index]);
        }
        rest = None;
        Some(current)
    })
}

/// Percent-encodes with SigV4's unreserved set (a space becomes `%20`); borrows when
/// nothing needs escaping.
pub(crate) fn encode(bytes: &[u8]) -> Cow<'_, str> {
    percent_encode(bytes, UNRESERVED).into()
}

fn write_uri(out: &mut String, raw_path: &str) {
    if raw_path.is_empty() {
        out.push('/');
        return;
    }
    if is_plain_path(raw_path) {
        out.push_str(raw_path);
        return;
    }
    // Segments are encoded as they are written; `..` takes the last one back off. Encoded
    // segments never hold a `/`, so the last `/` written separates the last segment.
    let start = out.len();
    if raw_path.starts_with('/') {
        out.push('/');
    }
    let first_segment_at = out.len();
    let mut segments = 0_usize;
    for segment in split_byte(raw_path, b'/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments > 0 {
                    segments -= 1;
                    let end = if segments == 0 {
                        first_segment_at
                    } else {
                        out[start..]
                            .rfind('/')
                            .map_or(first_segment_at, |at| start + at)
                    };
                    out.truncate(end);
                }
            }
            _ => {
                if segments > 0 {
                    out.push('/');
                }
                out.extend(percent_encode(segment.as_bytes(), PATH));
                segments += 1;
            }
        }
    }
    if raw_path.ends_with('/') && segments > 0 {
        out.push('/');
    }
}

/// Whether a path is its own canonical URI: absolute, without empty, `.` or `..` segments
/// (no `//`, no `.` at all, to keep the check simple) and with nothing to encode.
fn is_plain_path(raw_path: &str) -> bool {
    let mut after_slash = false;
    raw_path.starts_with('/')
        && raw_path.bytes().all(|byte| {
            let is_slash = byte == b'/';
            let is_plain = if is_slash {
                !after_slash
            } else {
                byte != b'.' && is_unreserved(byte)
            };
            after_slash = is_slash;
            is_plain
        })
}

fn write_query(out: &mut String, raw_query: Option<&str>, location: SignatureLocation) {
    if let Some(raw_query) = raw_query {
        QueryScan::new(raw_query, location).write_canonical(out);
    }
}

/// The general path: decode, encode again and sort in allocated pairs.
pub(crate) fn write_query_decoded(out: &mut String, raw_query: &str, location: SignatureLocation) {
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = query_pairs(raw_query)
        .filter(|(key, _)| {
            !(location == SignatureLocation::Query && key.as_ref() == X_AMZ_SIGNATURE.as_bytes())
        })
        .map(|(key, value)| (reencode(key), reencode(value)))
        .collect();
    pairs.sort_unstable();
    write_pairs(out, pairs.iter().map(|(key, value)| (&**key, &**value)));
}

pub(crate) fn write_pairs<'p>(out: &mut String, pairs: impl Iterator<Item = (&'p str, &'p str)>) {
    for (index, (key, value)) in pairs.enumerate() {
        if index > 0 {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
}

/// Whether `%` followed by `high` and `low` is how SigV4 encodes a byte: uppercase hex of a
/// byte that is not unreserved.
pub(crate) fn is_canonical_escape(high: u8, low: u8) -> bool {
    let is_uppercase_hex = |digit: u8| matches!(digit, b'0'..=b'9' | b'A'..=b'F');
    is_uppercase_hex(high)
        && is_uppercase_hex(low)
        && escaped_byte(&[high, low]).is_some_and(|byte| !is_unreserved(byte))
}

fn is_unreserved(byte: u8) -> bool {
    QUERY_BYTES[usize::from(byte)] == UNRESERVED_BYTE
}

/// How many bytes at the start of `bytes` are unreserved. Eight at a time first: one branch
/// per eight table lookups, most of a query being runs of unreserved bytes.
pub(crate) fn unreserved_run(bytes: &[u8]) -> usize {
    let mut run = 0;
    for chunk in bytes.chunks_exact(8) {
        // `UNRESERVED_BYTE` is zero: any other class makes the union nonzero.
        let classes = chunk
            .iter()
            .fold(0, |union, &byte| union | QUERY_BYTES[usize::from(byte)]);
        if classes != UNRESERVED_BYTE {
            break;
        }
        run += 8;
    }
    run + bytes[run..]
        .iter()
        .position(|&byte| !is_unreserved(byte))
        .unwrap_or(bytes.len() - run)
}

/// What a byte of a raw query is: one of SigV4's unreserved `A-Za-z0-9-_.~`, a separator
/// (`&`, `=`), an escape (`%`) or anything else.
pub(crate) const QUERY_BYTES: [u8; 256] = {
    let mut table = [OTHER_BYTE; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => UNRESERVED_BYTE,
            value @ (b'&' | b'=' | b'%') => value,
            _ => OTHER_BYTE,
        };
        byte += 1;
    }
    table
};
pub(crate) const UNRESERVED_BYTE: u8 = 0;
const OTHER_BYTE: u8 = 1;

/// The byte a `%XX` escape stands for, given the bytes after `%` (hex digits of either case).
fn escaped_byte(after_percent: &[u8]) -> Option<u8> {
    let hex = |digit: u8| char::from(digit).to_digit(16);
    match after_percent {
        [high, low, ..] => {
            let value = hex(*high)? * 16 + hex(*low)?;
            u8::try_from(value).ok()
        }
        _ => None,
    }
}

fn write_headers<'n, H: HeaderSource + ?Sized>(
    out: &mut String,
    headers: &H,
    signed_headers: impl Iterator<Item = &'n str>,
) {
    for name in signed_headers {
        out.push_str(name);
        out.push(':');
        for (index, value) in headers.values(name).enumerate() {
            if index > 0 {
                out.push(',');
            }
            write_collapsed(out, &text_of(value));
        }
        out.push('\n');
    }
}

/// Writes `value` trimmed, with every inner run of whitespace collapsed to one space.
fn write_collapsed(out: &mut String, value: &str) {
    if value.is_ascii() {
        // Scanning bytes for the ASCII whitespace `char::is_whitespace` knows (tab, line
        // feed, vertical tab, form feed, carriage return, space).
        let is_space = |byte: &u8| matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
        let bytes = value.as_bytes();
        // Most values hold no space or control byte at all (hosts, timestamps, tokens).
        // Without an early exit the check compiles to a few wide comparisons.
        if !bytes
            .iter()
            .fold(false, |found, &byte| found | (byte <= b' '))
        {
            out.push_str(value);
            return;
        }
        let is_collapsed = !bytes.first().is_some_and(is_space)
            && !bytes.last().is_some_and(is_space)
            && !bytes
                .windows(2)
                .any(|pair| is_space(&pair[1]) && (pair[1] != b' ' || is_space(&pair[0])));
        if is_collapsed {
            // Most values: words separated by single spaces already.
            out.push_str(value);
            return;
        }
        let mut rest = value;
        let mut first = true;
        loop {
            rest = &rest[rest.bytes().take_while(is_space).count()..];
            if rest.is_empty() {
                return;
            }
            let word_len = rest.bytes().take_while(|byte| !is_space(byte)).count();
            if !first {
                out.push(' ');
            }
            // ASCII text: every index is a character boundary.
            out.push_str(&rest[..word_len]);
            rest = &rest[word_len..];
            first = false;
        }
    }
    for (index, word) in value.split_whitespace().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
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

#[cfg(test)]
mod tests;
