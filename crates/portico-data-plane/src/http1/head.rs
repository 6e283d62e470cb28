//! HTTP/1.x message heads: requests from clients, responses from backends.
//!
//! Heads are parsed with `httparse` straight from the connection's read buffer and kept as
//! byte ranges into that buffer (no per-header allocation). Body framing follows RFC 9112 §6
//! strictly, because a gateway that frames a body differently from its backend can be used to
//! smuggle requests: `Transfer-Encoding` together with `Content-Length`, conflicting lengths,
//! or a final coding other than `chunked` are rejected.

use std::mem::MaybeUninit;
use std::ops::Range;

use bytes::Bytes;
use bytestring::ByteString;
use smallvec::SmallVec;

/// Most header lines a request or response may have.
pub const MAX_HEADERS: usize = 100;

/// Protocol version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// How a message body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the connection closes (responses only).
    UntilClose,
}

/// Why a head could not be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadError {
    /// Syntax error or framing that cannot be trusted (answer 400).
    Invalid(&'static str),
    /// Too many header lines (answer 431).
    TooManyHeaders,
}

/// One header line: offsets of name and value within the head. Heads are at most a few
/// tens of KB, so `u32` offsets keep a line at 16 bytes (heads are moved between futures).
#[derive(Debug, Clone, Copy)]
pub struct HeaderLine {
    name: (u32, u32),
    value: (u32, u32),
}

impl HeaderLine {
    fn new(name: Range<usize>, value: Range<usize>) -> HeaderLine {
        let narrow = |range: Range<usize>| {
            (
                u32::try_from(range.start).unwrap_or(0),
                u32::try_from(range.end).unwrap_or(0),
            )
        };
        HeaderLine {
            name: narrow(name),
            value: narrow(value),
        }
    }

    /// The name's byte range.
    pub fn name(&self) -> Range<usize> {
        self.name.0 as usize..self.name.1 as usize
    }

    /// The value's byte range.
    pub fn value(&self) -> Range<usize> {
        self.value.0 as usize..self.value.1 as usize
    }
}

/// Inline header lines before a head spills to the heap.
const INLINE_HEADERS: usize = 16;

/// A parsed request head that owns its bytes.
#[derive(Debug, Clone)]
pub struct RequestHead {
    bytes: Bytes,
    pub method: http::Method,
    /// The request target, a slice of `bytes` checked as UTF-8 once: stages ask for the path
    /// and query many times, and a presigned query is long.
    target: ByteString,
    target_parts: TargetParts,
    pub version: Version,
    headers: SmallVec<[HeaderLine; INLINE_HEADERS]>,
    pub framing: Framing,
    /// The client wants to reuse the connection.
    pub keep_alive: bool,
    /// `Expect: 100-continue`.
    pub expect_continue: bool,
}

/// Where the request target lies in the head's bytes, and its path and query within the
/// target, found once at parse time.
#[derive(Debug, Clone)]
struct TargetParts {
    whole: Range<usize>,
    path: Range<usize>,
    query: Option<Range<usize>>,
}

/// A parsed response head from a backend (ranges into the backend's read buffer).
#[derive(Debug, Clone)]
pub struct ResponseHead {
    pub status: u16,
    pub version: Version,
    pub headers: SmallVec<[HeaderLine; INLINE_HEADERS]>,
    pub framing: Framing,
    /// The backend allows the connection to be reused.
    pub keep_alive: bool,
    /// Bytes the head occupies.
    pub len: usize,
}

/// Parses a request head at the start of `buf`. `Ok(None)` means the head is incomplete.
pub fn parse_request(buf: &[u8]) -> Result<Option<(ParsedRequest, usize)>, HeadError> {
    // Uninitialised header slots: filling 100 empty headers per parse would cost more
    // than parsing a typical head.
    let mut storage = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut []);
    let len = match request.parse_with_uninit_headers(buf, &mut storage) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        Err(_) => return Err(HeadError::Invalid("malformed request head")),
    };
    let method = http::Method::from_bytes(request.method.unwrap_or_default().as_bytes())
        .map_err(|_| HeadError::Invalid("invalid method"))?;
    let version = match request.version {
        Some(0) => Version::Http10,
        _ => Version::Http11,
    };
    let target = TargetParts::of(buf, request.path.unwrap_or_default());
    let mut headers = SmallVec::new();
    let mut rules = FramingRules::default();
    for header in request.headers.iter() {
        rules.observe(header.name, header.value)?;
        headers.push(HeaderLine::new(
            range_of(buf, header.name.as_bytes()),
            range_of(buf, header.value),
        ));
    }
    let framing = rules.request_framing(version)?;
    let keep_alive = rules.keep_alive(version);
    Ok(Some((
        ParsedRequest {
            method,
            target,
            version,
            headers,
            framing,
            keep_alive,
            expect_continue: rules.expect_continue,
        },
        len,
    )))
}

/// A request head parsed in place, before it takes ownership of its bytes.
#[derive(Debug)]
pub struct ParsedRequest {
    method: http::Method,
    target: TargetParts,
    version: Version,
    headers: SmallVec<[HeaderLine; INLINE_HEADERS]>,
    framing: Framing,
    keep_alive: bool,
    expect_continue: bool,
}

impl ParsedRequest {
    /// Attaches the head's bytes (the first `len` bytes of the buffer it was parsed from).
    pub fn into_head(self, bytes: Bytes) -> RequestHead {
        // The parser handed the target out as `str`: the check cannot fail for a target
        // range of these bytes.
        let target = bytes
            .get(self.target.whole.clone())
            .and_then(|target| ByteString::try_from(bytes.slice_ref(target)).ok())
            .unwrap_or_default();
        RequestHead {
            bytes,
            method: self.method,
            target,
            target_parts: self.target,
            version: self.version,
            headers: self.headers,
            framing: self.framing,
            keep_alive: self.keep_alive,
            expect_continue: self.expect_continue,
        }
    }
}

/// Parses a response head at the start of `buf` for a request with `method`.
/// `Ok(None)` means the head is incomplete.
pub fn parse_response(
    buf: &[u8],
    method: &http::Method,
) -> Result<Option<ResponseHead>, HeadError> {
    let mut storage = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut []);
    let len = match httparse::ParserConfig::default().parse_response_with_uninit_headers(
        &mut response,
        buf,
        &mut storage,
    ) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        Err(_) => return Err(HeadError::Invalid("malformed response head")),
    };
    let status = response.code.unwrap_or_default();
    let version = match response.version {
        Some(0) => Version::Http10,
        _ => Version::Http11,
    };
    let mut headers = SmallVec::new();
    let mut rules = FramingRules::default();
    for header in response.headers.iter() {
        rules.observe(header.name, header.value)?;
        headers.push(HeaderLine::new(
            range_of(buf, header.name.as_bytes()),
            range_of(buf, header.value),
        ));
    }
    let bodiless = *method == http::Method::HEAD
        || (100..200).contains(&status)
        || status == 204
        || status == 304;
    let framing = if bodiless {
        Framing::Empty
    } else {
        rules.response_framing()?
    };
    let keep_alive = rules.keep_alive(version) && framing != Framing::UntilClose;
    Ok(Some(ResponseHead {
        status,
        version,
        headers,
        framing,
        keep_alive,
        len,
    }))
}

// === impl TargetParts ===

impl TargetParts {
    /// The parts of `target`, a slice of `buf`. Absolute-form targets (`http://host/path`)
    /// have the path after the authority (`/` when there is none).
    fn of(buf: &[u8], target: &str) -> TargetParts {
        let within = |part: &str| range_of(target.as_bytes(), part.as_bytes());
        let (before_query, query) = match target.split_once('?') {
            Some((before, query)) => (before, Some(within(query))),
            None => (target, None),
        };
        let path = if before_query.starts_with('/') {
            within(before_query)
        } else {
            match before_query.split_once("://") {
                Some((_, after)) => match after.find('/') {
                    Some(slash) => within(&after[slash..]),
                    // No path: `/`, which the head does not hold; an empty range says so.
                    None => 0..0,
                },
                None => within(before_query),
            }
        };
        TargetParts {
            whole: range_of(buf, target.as_bytes()),
            path,
            query,
        }
    }
}

/// Where `part` lies within `whole` (httparse hands out subslices of its input).
fn range_of(whole: &[u8], part: &[u8]) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

#[derive(Debug, Default)]
struct FramingRules {
    content_length: Option<u64>,
    transfer_encoding: bool,
    chunked_last: bool,
    close: bool,
    keep_alive: bool,
    expect_continue: bool,
    host: bool,
}

impl FramingRules {
    fn observe(&mut self, name: &str, value: &[u8]) -> Result<(), HeadError> {
        if name.eq_ignore_ascii_case("content-length") {
            let length = parse_length(value).ok_or(HeadError::Invalid("invalid Content-Length"))?;
            if self.content_length.is_some_and(|seen| seen != length) {
                return Err(HeadError::Invalid("conflicting Content-Length headers"));
            }
            self.content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            for coding in value.split(|b| *b == b',') {
                let coding = trim(coding);
                if coding.is_empty() {
                    continue;
                }
                if self.chunked_last {
                    // `chunked` must be the final coding, applied once.
                    return Err(HeadError::Invalid(
                        "chunked is not the final transfer coding",
                    ));
                }
                self.transfer_encoding = true;
                self.chunked_last = coding.eq_ignore_ascii_case(b"chunked");
            }
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(|b| *b == b',') {
                let token = trim(token);
                if token.eq_ignore_ascii_case(b"close") {
                    self.close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    self.keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("expect") {
            self.expect_continue = trim(value).eq_ignore_ascii_case(b"100-continue");
        } else if name.eq_ignore_ascii_case("host") {
            // RFC 9112 §3.2: more than one Host is a 400. The host picks the API (custom
            // domains), so two of them must not let a front proxy and Portico disagree.
            if self.host {
                return Err(HeadError::Invalid("more than one Host header"));
            }
            self.host = true;
        }
        Ok(())
    }

    fn request_framing(&self, version: Version) -> Result<Framing, HeadError> {
        if self.transfer_encoding {
            if version == Version::Http10 {
                return Err(HeadError::Invalid(
                    "Transfer-Encoding in an HTTP/1.0 request",
                ));
            }
            if self.content_length.is_some() {
                return Err(HeadError::Invalid(
                    "both Transfer-Encoding and Content-Length",
                ));
            }
            if !self.chunked_last {
                return Err(HeadError::Invalid("unsupported transfer coding"));
            }
            return Ok(Framing::Chunked);
        }
        Ok(match self.content_length {
            Some(0) | None => Framing::Empty,
            Some(length) => Framing::Length(length),
        })
    }

    fn response_framing(&self) -> Result<Framing, HeadError> {
        if self.transfer_encoding {
            return Ok(if self.chunked_last {
                Framing::Chunked
            } else {
                Framing::UntilClose
            });
        }
        Ok(match self.content_length {
            Some(0) => Framing::Empty,
            Some(length) => Framing::Length(length),
            None => Framing::UntilClose,
        })
    }

    fn keep_alive(&self, version: Version) -> bool {
        match version {
            Version::Http11 => !self.close,
            Version::Http10 => self.keep_alive && !self.close,
        }
    }
}

/// A Content-Length value: digits only, no sign, no list.
fn parse_length(value: &[u8]) -> Option<u64> {
    let value = trim(value);
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    value.iter().try_fold(0u64, |acc, digit| {
        acc.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
    })
}

/// Trims optional whitespace (space and tab) around a header value or list element.
pub fn trim(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| *b != b' ' && *b != b'\t')
        .map_or(start, |i| i + 1);
    &value[start..end]
}

// === impl RequestHead ===

impl RequestHead {
    /// The request target as received (`/path?query`).
    pub fn target(&self) -> &str {
        if self.target.is_empty() {
            "/"
        } else {
            &self.target
        }
    }

    /// The path part of the target (still percent-encoded). Absolute-form targets
    /// (`http://host/path`) are reduced to their path.
    pub fn path(&self) -> &str {
        match self.target.get(self.target_parts.path.clone()) {
            Some("") | None => "/",
            Some(path) => path,
        }
    }

    /// The raw query string without `?`, if any.
    pub fn query(&self) -> Option<&str> {
        self.target.get(self.target_parts.query.clone()?)
    }

    /// Header lines in order as (name, value) bytes.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        // The parser accepts only token characters in names: ASCII, so never the default.
        self.header_lines()
            .map(|(name, value)| (std::str::from_utf8(name).unwrap_or_default(), value))
    }

    /// Header lines in order as (name, value) bytes, names as received. Lookups compare
    /// these: names need no UTF-8 check to be compared.
    fn header_lines(&self) -> impl DoubleEndedIterator<Item = (&[u8], &[u8])> + '_ {
        self.headers
            .iter()
            .map(|line| (&self.bytes[line.name()], &self.bytes[line.value()]))
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.header_lines()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, value)| value)
    }

    /// The last value of header `name` (AWS's single-value view).
    pub fn header_last(&self, name: &str) -> Option<&[u8]> {
        self.header_lines()
            .rfind(|(candidate, _)| candidate.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, value)| value)
    }

    /// The first value of header `name` as text, if it is valid UTF-8.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name)
            .and_then(|value| std::str::from_utf8(value).ok())
    }

    /// Every value of header `name`, in order.
    pub fn header_all<'h, 'n>(
        &'h self,
        name: &'n str,
    ) -> impl DoubleEndedIterator<Item = &'h [u8]> + use<'h, 'n> {
        self.header_lines()
            .filter(move |(candidate, _)| candidate.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, value)| value)
    }

    /// The declared body length, if the body is length-delimited.
    pub fn content_length(&self) -> Option<u64> {
        match self.framing {
            Framing::Length(length) => Some(length),
            Framing::Empty => Some(0),
            _ => None,
        }
    }

    /// A head for tests: `method target`, headers, no body.
    #[cfg(test)]
    pub fn synthetic(method: &str, target: &str, headers: &[(&str, &str)]) -> RequestHead {
        let mut raw = format!("{method} {target} HTTP/1.1\r\n");
        for (name, value) in headers {
            raw.push_str(&format!("{name}: {value}\r\n"));
        }
        raw.push_str("\r\n");
        let bytes = Bytes::from(raw);
        match parse_request(&bytes) {
            Ok(Some((parsed, _))) => parsed.into_head(bytes.clone()),
            _ => panic!("synthetic request head must parse: {method} {target}"),
        }
    }
}

/// The SigV4 verifier reads the header lines where the head keeps them: no header map or
/// list of lines is built for an `AWS_IAM` request.
impl portico_sigv4::HeaderSource for RequestHead {
    fn values<'s>(&'s self, lowercase_name: &str) -> impl Iterator<Item = &'s [u8]> {
        self.header_all(lowercase_name)
    }
}

// === impl ResponseHead ===

impl ResponseHead {
    /// Header lines as (name, value) within `buf`, the buffer the head was parsed from.
    pub fn headers<'b>(&'b self, buf: &'b [u8]) -> impl Iterator<Item = (&'b [u8], &'b [u8])> + 'b {
        self.headers
            .iter()
            .map(move |line| (&buf[line.name()], &buf[line.value()]))
    }
}

#[cfg(test)]
mod tests;
