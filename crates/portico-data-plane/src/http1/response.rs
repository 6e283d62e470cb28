//! Writing response heads and whole responses to clients.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use super::head::Version;
use crate::request_id::RequestIds;

/// How the client will find the end of the response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFraming {
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// The connection closes after the body (HTTP/1.0 clients, unknown lengths).
    Close,
    /// No body and no length header (HEAD answers that keep the backend's length, 1xx, 204, 304).
    None,
}

thread_local! {
    /// `Date` header value, formatted once per second per thread.
    static DATE: RefCell<(u64, [u8; 29])> = const { RefCell::new((0, [b' '; 29])) };
}

/// Appends `Date: <now>\r\n`.
fn push_date(out: &mut Vec<u8>) {
    let now = SystemTime::now();
    let seconds = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    DATE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != seconds {
            let formatted = httpdate::fmt_http_date(now);
            let bytes = formatted.as_bytes();
            if bytes.len() == 29 {
                cache.1.copy_from_slice(bytes);
                cache.0 = seconds;
            }
        }
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(&cache.1);
        out.extend_from_slice(b"\r\n");
    });
}

/// Appends a status line, `Date`, then the caller's headers must follow, see [`finish_head`].
pub fn start_head(out: &mut Vec<u8>, version: Version, status: StatusCode) {
    out.extend_from_slice(match version {
        Version::Http10 => b"HTTP/1.0 ",
        Version::Http11 => b"HTTP/1.1 ",
    });
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("Unknown").as_bytes());
    out.extend_from_slice(b"\r\n");
    push_date(out);
}

/// Appends one header line.
pub fn push_header(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Appends the request ids, the framing and connection headers, and the blank line.
pub fn finish_head(
    out: &mut Vec<u8>,
    ids: &RequestIds,
    framing: ResponseFraming,
    keep_alive: bool,
    version: Version,
) {
    push_header(out, b"x-amzn-requestid", ids.request_id_str().as_bytes());
    push_header(
        out,
        b"x-amz-apigw-id",
        ids.extended_request_id_str().as_bytes(),
    );
    match framing {
        ResponseFraming::Length(length) => {
            let mut digits = itoa_buffer();
            push_header(out, b"content-length", format_u64(length, &mut digits));
        }
        ResponseFraming::Chunked => push_header(out, b"transfer-encoding", b"chunked"),
        ResponseFraming::Close | ResponseFraming::None => {}
    }
    if !keep_alive {
        push_header(out, b"connection", b"close");
    } else if version == Version::Http10 {
        push_header(out, b"connection", b"keep-alive");
    }
    out.extend_from_slice(b"\r\n");
}

fn itoa_buffer() -> [u8; 20] {
    [0; 20]
}

/// Formats `value` in decimal into `buffer`, returning the digits.
pub fn format_u64(mut value: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    &buffer[at..]
}

/// Serialises a whole response (head and body) for a request with `method`.
pub fn serialize(
    out: &mut Vec<u8>,
    response: &http::Response<Bytes>,
    ids: &RequestIds,
    keep_alive: bool,
    version: Version,
    method: &http::Method,
) {
    start_head(out, version, response.status());
    write_headers(out, response.headers());
    let body = response.body();
    let bodiless = response.status().is_informational()
        || response.status() == StatusCode::NO_CONTENT
        || response.status() == StatusCode::NOT_MODIFIED;
    let framing = if bodiless {
        ResponseFraming::None
    } else {
        ResponseFraming::Length(body.len() as u64)
    };
    finish_head(out, ids, framing, keep_alive, version);
    if !bodiless && *method != http::Method::HEAD {
        out.extend_from_slice(body);
    }
}

fn write_headers(out: &mut Vec<u8>, headers: &HeaderMap) {
    for (name, value) in headers {
        if name == http::header::CONTENT_LENGTH
            || name == http::header::TRANSFER_ENCODING
            || name == http::header::CONNECTION
        {
            continue;
        }
        push_header(out, name.as_str().as_bytes(), value.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_responses_carry_ids_length_and_date() {
        let mut response = http::Response::new(Bytes::from_static(b"{}"));
        *response.status_mut() = StatusCode::CREATED;
        response
            .headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
        let ids = RequestIds::generate();
        let mut out = Vec::new();
        serialize(
            &mut out,
            &response,
            &ids,
            true,
            Version::Http11,
            &http::Method::GET,
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 201 Created\r\ndate: "), "{text}");
        assert!(text.contains("content-type: application/json\r\n"));
        assert!(text.contains(&format!("x-amzn-requestid: {}\r\n", ids.request_id_str())));
        assert!(text.ends_with("content-length: 2\r\n\r\n{}"), "{text}");
    }

    #[test]
    fn head_requests_get_the_length_but_no_body() {
        let response = http::Response::new(Bytes::from_static(b"hello"));
        let mut out = Vec::new();
        serialize(
            &mut out,
            &response,
            &RequestIds::generate(),
            false,
            Version::Http10,
            &http::Method::HEAD,
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.0 200 OK\r\n"));
        assert!(
            text.ends_with("content-length: 5\r\nconnection: close\r\n\r\n"),
            "{text}"
        );
    }

    #[test]
    fn numbers_format_in_decimal() {
        let mut buffer = [0; 20];
        assert_eq!(format_u64(0, &mut buffer), b"0");
        assert_eq!(format_u64(10_485_760, &mut buffer), b"10485760");
        assert_eq!(format_u64(u64::MAX, &mut buffer), b"18446744073709551615");
    }
}
