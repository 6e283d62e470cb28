use super::*;

fn request(raw: &str) -> Result<Option<RequestHead>, HeadError> {
    let bytes = Bytes::copy_from_slice(raw.as_bytes());
    parse_request(&bytes)
        .map(|parsed| parsed.map(|(parsed, len)| parsed.into_head(bytes.slice(..len))))
}

fn framing(raw: &str) -> Result<Framing, HeadError> {
    request(raw).map(|head| head.expect("complete").framing)
}

#[test]
fn simple_get_is_parsed_without_body() {
    let head = request("GET /dev/items?x=1 HTTP/1.1\r\nHost: a\r\nX-Y: 1\r\n\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(head.method, http::Method::GET);
    assert_eq!(head.path(), "/dev/items");
    assert_eq!(head.query(), Some("x=1"));
    assert_eq!(head.header("host"), Some(&b"a"[..]));
    assert_eq!(head.framing, Framing::Empty);
    assert!(head.keep_alive);
}

#[test]
fn partial_heads_ask_for_more() {
    assert!(request("GET / HTTP/1.1\r\nHost: a\r\n").unwrap().is_none());
}

#[test]
fn lengths_and_chunked_are_recognised() {
    assert_eq!(
        framing("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"),
        Ok(Framing::Length(5))
    );
    assert_eq!(
        framing("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
        Ok(Framing::Chunked)
    );
    assert_eq!(
        framing("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        Ok(Framing::Chunked)
    );
    assert_eq!(
        framing("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"),
        Ok(Framing::Length(3))
    );
}

#[test]
fn smuggling_shapes_are_rejected() {
    for raw in [
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        // Two hosts: a front proxy and the gateway could route by different ones.
        "GET / HTTP/1.1\r\nHost: a.example.com\r\nhost: b.example.com\r\n\r\n",
    ] {
        assert!(
            matches!(framing(raw), Err(HeadError::Invalid(_))),
            "{raw:?}"
        );
    }
}

#[test]
fn connection_tokens_decide_keep_alive() {
    assert!(
        !request("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            .unwrap()
            .unwrap()
            .keep_alive
    );
    assert!(
        !request("GET / HTTP/1.0\r\n\r\n")
            .unwrap()
            .unwrap()
            .keep_alive
    );
    assert!(
        request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
            .unwrap()
            .unwrap()
            .keep_alive
    );
}

#[test]
fn garbage_is_invalid() {
    for raw in [
        "NOT HTTP\r\n\r\n",
        "GET / HTTP/9.9\r\n\r\n",
        "GET /\x01 HTTP/1.1\r\n\r\n",
    ] {
        assert!(
            matches!(request(raw), Err(HeadError::Invalid(_))),
            "{raw:?}"
        );
    }
}

#[test]
fn too_many_headers_is_its_own_error() {
    let mut raw = String::from("GET / HTTP/1.1\r\n");
    for i in 0..=MAX_HEADERS {
        raw.push_str(&format!("X-{i}: v\r\n"));
    }
    raw.push_str("\r\n");
    assert_eq!(request(&raw).unwrap_err(), HeadError::TooManyHeaders);
}

#[test]
fn absolute_form_targets_reduce_to_their_path() {
    let head = request("GET http://example.com/dev/x?q=1 HTTP/1.1\r\n\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(head.path(), "/dev/x");
    assert_eq!(head.query(), Some("q=1"));
    let bare = request("GET http://example.com HTTP/1.1\r\n\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(bare.path(), "/");
    assert_eq!(bare.query(), None);
}

#[test]
fn targets_split_into_path_and_query_once() {
    let head = request("GET /a/b?x=1&y=2?z HTTP/1.1\r\n\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(head.target(), "/a/b?x=1&y=2?z");
    assert_eq!(head.path(), "/a/b");
    assert_eq!(head.query(), Some("x=1&y=2?z"));
    let empty_query = request("GET /a? HTTP/1.1\r\n\r\n").unwrap().unwrap();
    assert_eq!(empty_query.path(), "/a");
    assert_eq!(empty_query.query(), Some(""));
    let asterisk = request("OPTIONS * HTTP/1.1\r\n\r\n").unwrap().unwrap();
    assert_eq!(asterisk.path(), "*");
}

#[test]
fn last_header_value_is_the_single_value_view() {
    let head = request("GET / HTTP/1.1\r\nX-A: 1\r\nx-a: 2\r\n\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(head.header("X-A"), Some(&b"1"[..]));
    assert_eq!(head.header_last("X-A"), Some(&b"2"[..]));
    assert_eq!(head.header_all("x-a").count(), 2);
}

#[test]
fn the_sigv4_verifier_reads_every_value_in_order_whatever_the_case() {
    use portico_sigv4::HeaderSource;
    let head = request("GET / HTTP/1.1\r\nX-Amz-Date: 1\r\nHost: h\r\nx-amz-date: 2\r\n\r\n")
        .unwrap()
        .unwrap();
    let values: Vec<&[u8]> = head.values("x-amz-date").collect();
    assert_eq!(values, [&b"1"[..], &b"2"[..]]);
    assert_eq!(head.first("host"), Some(&b"h"[..]));
    assert_eq!(head.first("authorization"), None);
}

fn response(raw: &str, method: &http::Method) -> ResponseHead {
    parse_response(raw.as_bytes(), method).unwrap().unwrap()
}

#[test]
fn response_framing_follows_rfc_9112() {
    assert_eq!(
        response(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
            &http::Method::GET
        )
        .framing,
        Framing::Length(3)
    );
    assert_eq!(
        response(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n",
            &http::Method::HEAD
        )
        .framing,
        Framing::Empty
    );
    assert_eq!(
        response("HTTP/1.1 204 No Content\r\n\r\n", &http::Method::GET).framing,
        Framing::Empty
    );
    assert_eq!(
        response(
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n",
            &http::Method::GET
        )
        .framing,
        Framing::Empty
    );
    let chunked = response(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        &http::Method::GET,
    );
    assert_eq!(chunked.framing, Framing::Chunked);
    let close = response("HTTP/1.1 200 OK\r\n\r\n", &http::Method::GET);
    assert_eq!(close.framing, Framing::UntilClose);
    assert!(
        !close.keep_alive,
        "a close-delimited body ends the connection"
    );
    assert!(
        !response(
            "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n",
            &http::Method::GET
        )
        .keep_alive
    );
}
