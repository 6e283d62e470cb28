//! The verifier reads a request the same whichever way its headers arrive (an
//! `http::HeaderMap`, or header lines as received, names in any case) and whichever way its
//! signature is parsed (owned by `parse`, borrowed by `parse_borrowed`): requests signed by
//! `sign` and `presign` verify through all of them, and any other request gets the same answer
//! from each.

use http::{HeaderMap, HeaderName, HeaderValue};
use portico_sigv4::{
    Authorization, HeaderSource, RequestParts, SigningCredentials, SigningKey, Sigv4Error,
    canonical_request, parse, parse_borrowed, presign, sha256_hex, sign, verify, verify_with_key,
};
use proptest::prelude::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 20260314T150926Z.
const NOW: i64 = 1_773_500_966;
const HOST: &str = "abc123.execute-api.us-east-1.amazonaws.com";

/// A request with its header lines in the order received.
#[derive(Debug, Clone)]
struct Request {
    method: &'static str,
    path: String,
    query: Option<String>,
    lines: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// How the verifier answered, through one way of reading the request.
#[derive(Debug, PartialEq)]
struct Answer {
    parsed: Result<Option<Authorization>, Sigv4Error>,
    verified: Option<Result<(), Sigv4Error>>,
}

impl Request {
    fn header_map(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.lines {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).expect("generated names are valid"),
                HeaderValue::from_bytes(value).expect("generated values are valid"),
            );
        }
        headers
    }

    /// Header lines as a request head holds them, names in the case the client sent.
    fn lines(&self) -> Vec<(&str, &[u8])> {
        self.lines
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_slice()))
            .collect()
    }

    fn parts<'a, H: ?Sized>(&'a self, headers: &'a H) -> RequestParts<'a, H> {
        RequestParts {
            method: self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers,
        }
    }

    fn credentials() -> SigningCredentials<'static> {
        SigningCredentials {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: SECRET,
            session_token: None,
        }
    }

    /// Signed with the `Authorization` header, added after the request's own lines.
    fn signed(mut self) -> Self {
        let headers = self.header_map();
        let added = sign(
            &self.parts(&headers),
            &Self::credentials(),
            "us-east-1",
            "execute-api",
            &sha256_hex(&self.body),
            NOW,
        );
        for (name, value) in added {
            self.lines
                .push((name.as_str().to_owned(), value.as_bytes().to_vec()));
        }
        self
    }

    fn presigned(mut self) -> Self {
        let headers = self.header_map();
        self.query = Some(presign(
            &self.parts(&headers),
            &Self::credentials(),
            "us-east-1",
            "execute-api",
            &sha256_hex(&self.body),
            300,
            NOW,
        ));
        self
    }

    /// The answer through a header map, with the signature parsed owned.
    fn answer_owned<H: HeaderSource + ?Sized>(&self, headers: &H) -> Answer {
        let request = self.parts(headers);
        let parsed = parse(&request);
        let verified = match &parsed {
            Ok(Some(authorization)) => Some(verify(
                &request,
                authorization,
                SECRET,
                &sha256_hex(&self.body),
                NOW,
            )),
            _ => None,
        };
        Answer { parsed, verified }
    }

    /// The answer with the signature parsed borrowed and a signing key derived beforehand.
    fn answer_borrowed<H: HeaderSource + ?Sized>(&self, headers: &H) -> Answer {
        let request = self.parts(headers);
        let parsed = parse_borrowed(&request);
        let verified = match &parsed {
            Ok(Some(authorization)) => {
                let key = SigningKey::derive(
                    SECRET,
                    &authorization.date,
                    &authorization.region,
                    &authorization.service,
                );
                Some(verify_with_key(
                    &request,
                    authorization,
                    &key,
                    &sha256_hex(&self.body),
                    NOW,
                ))
            }
            _ => None,
        };
        Answer {
            parsed: parsed.map(|parsed| parsed.as_ref().map(Authorization::from)),
            verified,
        }
    }

    /// The answer every way of reading the request gives; fails the test if they differ.
    fn answer(&self) -> Answer {
        let headers = self.header_map();
        let lines = self.lines();
        let answer = self.answer_owned(&headers);
        assert_eq!(self.answer_owned(&lines[..]), answer, "owned, lines");
        assert_eq!(
            self.answer_borrowed(&headers),
            answer,
            "borrowed, header map"
        );
        assert_eq!(self.answer_borrowed(&lines[..]), answer, "borrowed, lines");
        if let Ok(Some(authorization)) = &answer.parsed {
            let payload_hash = sha256_hex(&self.body);
            assert_eq!(
                canonical_request(
                    &self.parts(&headers),
                    &authorization.signed_headers,
                    &payload_hash
                ),
                canonical_request(
                    &self.parts(&lines[..]),
                    &authorization.signed_headers,
                    &payload_hash
                ),
            );
        }
        answer
    }
}

/// Names a client may send, some repeated, some never signed (`user-agent`).
fn header_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "accept",
        "content-type",
        "x-custom",
        "x-amz-meta-tag",
        "x-repeated",
        "x-repeated",
        "user-agent",
    ])
}

/// Values with runs of spaces and tabs, quotes, commas, and bytes that are not UTF-8 (or are
/// Unicode whitespace, `\u{a0}`).
fn header_value() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop::sample::select(vec![
        &b"a"[..],
        b"B",
        b"7",
        b" ",
        b"   ",
        b"\t",
        b",",
        b"\"",
        b"/",
        b"\xc3\xa9",
        b"\xc2\xa0",
        b"\xff",
    ]);
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

fn query() -> impl Strategy<Value = Option<String>> {
    let component = prop::sample::select(vec![
        "a", "B", "x", "1", "%20", "%2F", "%2f", "%7E", "%zz", "+", " ", "\u{e9}", "",
    ]);
    let pair = (
        prop::collection::vec(component.clone(), 1..3),
        prop::collection::vec(component, 0..3),
    )
        .prop_map(|(key, value)| format!("{}={}", key.concat(), value.concat()));
    prop::option::of(prop::collection::vec(pair, 0..5).prop_map(|pairs| pairs.join("&")))
}

fn request() -> impl Strategy<Value = Request> {
    let path = prop::sample::select(vec!["/", "/prod/pets", "/prod/a%20b/../c", "/prod//x/"]);
    let method = prop::sample::select(vec!["GET", "POST", "DELETE"]);
    let line = (header_name(), header_value(), any::<bool>());
    (
        method,
        path,
        query(),
        prop::collection::vec(line, 0..6),
        prop::collection::vec(any::<u8>(), 0..16),
        any::<bool>(),
    )
        .prop_map(|(method, path, query, lines, body, host_upper)| {
            let host = if host_upper { "Host" } else { "host" };
            let mut request_lines = vec![(host.to_owned(), HOST.as_bytes().to_vec())];
            for (name, value, upper) in lines {
                // Names arrive in any case; a header map lowercases them.
                let name = if upper {
                    name.to_ascii_uppercase()
                } else {
                    name.to_owned()
                };
                request_lines.push((name, value));
            }
            Request {
                method,
                path: path.to_owned(),
                query,
                lines: request_lines,
                body,
            }
        })
}

/// Ways a request can differ from the one signed.
#[derive(Debug, Clone)]
enum Tamper {
    DropLine(usize),
    RepeatLine(usize),
    ChangeValue(usize, Vec<u8>),
    UppercaseName(usize),
    AppendQuery(String),
    ReorderQuery,
    ChangeBody,
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        any::<usize>().prop_map(Tamper::DropLine),
        any::<usize>().prop_map(Tamper::RepeatLine),
        (any::<usize>(), header_value())
            .prop_map(|(index, value)| Tamper::ChangeValue(index, value)),
        any::<usize>().prop_map(Tamper::UppercaseName),
        prop::sample::select(vec!["a=1", "X-Amz-Signature=00", "X-Amz-Expires=9", "b"])
            .prop_map(|pair| Tamper::AppendQuery(pair.to_owned())),
        Just(Tamper::ReorderQuery),
        Just(Tamper::ChangeBody),
    ]
}

impl Tamper {
    fn apply(&self, request: &mut Request) {
        let count = request.lines.len();
        if count == 0 {
            return;
        }
        match self {
            Tamper::DropLine(index) => {
                request.lines.remove(index % count);
            }
            Tamper::RepeatLine(index) => {
                let line = request.lines[index % count].clone();
                request.lines.push(line);
            }
            Tamper::ChangeValue(index, value) => request.lines[index % count].1 = value.clone(),
            Tamper::UppercaseName(index) => {
                let name = &mut request.lines[index % count].0;
                *name = name.to_ascii_uppercase();
            }
            Tamper::AppendQuery(pair) => {
                request.query = Some(match &request.query {
                    Some(query) => format!("{query}&{pair}"),
                    None => pair.clone(),
                });
            }
            Tamper::ReorderQuery => {
                if let Some(query) = &request.query {
                    let mut pairs: Vec<&str> = query.split('&').collect();
                    pairs.reverse();
                    request.query = Some(pairs.join("&"));
                }
            }
            Tamper::ChangeBody => request.body.push(b'!'),
        }
    }
}

proptest! {
    #[test]
    fn header_signed_requests_verify_however_they_are_read(request in request()) {
        let answer = request.signed().answer();
        prop_assert!(matches!(answer.parsed, Ok(Some(_))), "{:?}", answer);
        prop_assert_eq!(answer.verified, Some(Ok(())));
    }

    #[test]
    fn presigned_requests_verify_however_they_are_read(request in request()) {
        let answer = request.presigned().answer();
        prop_assert!(matches!(answer.parsed, Ok(Some(_))), "{:?}", answer);
        prop_assert_eq!(answer.verified, Some(Ok(())));
    }

    #[test]
    fn changed_requests_get_one_answer_however_they_are_read(
        request in request(),
        presigned in any::<bool>(),
        tampers in prop::collection::vec(tamper(), 1..3),
    ) {
        let mut request = if presigned { request.presigned() } else { request.signed() };
        for tamper in &tampers {
            tamper.apply(&mut request);
        }
        // `answer` asserts that every way of reading agrees.
        request.answer();
    }

    #[test]
    fn presigned_parameters_encoded_another_way_parse_and_verify_the_same(
        request in request(),
        recode in prop::collection::vec(any::<bool>(), 8),
    ) {
        let presigned = request.presigned();
        let original = presigned.answer();
        // Escape the separators and letters of the credential and signed headers differently:
        // the decoded parameters, and so the signature's meaning, are unchanged.
        let query = presigned.query.clone().expect("presigned");
        let recoded = query
            .replace("%2F", if recode[0] { "%2f" } else { "/" })
            .replace("X-Amz-Date=", if recode[1] { "X-Amz-%44ate=" } else { "X-Amz-Date=" })
            .replace("AKIDEXAMPLE", if recode[2] { "AKID%45XAMPLE" } else { "AKIDEXAMPLE" })
            .replace("=host", if recode[3] { "=%68ost" } else { "=host" });
        let recoded = Request { query: Some(recoded), ..presigned };
        prop_assert_eq!(recoded.answer(), original);
    }
}

#[test]
fn header_lines_as_received_verify_like_a_header_map() {
    let request = Request {
        method: "GET",
        path: "/prod/pets".to_owned(),
        query: Some("b=2&a=1".to_owned()),
        lines: vec![
            ("Host".to_owned(), HOST.as_bytes().to_vec()),
            ("X-Repeated".to_owned(), b"  one   two ".to_vec()),
            ("Accept".to_owned(), b"application/json".to_vec()),
            ("x-repeated".to_owned(), b"\tthree\t\tfour".to_vec()),
        ],
        body: Vec::new(),
    }
    .signed();
    let headers = request.header_map();
    let lines = request.lines();
    let authorization = parse(&request.parts(&lines[..])).unwrap().unwrap();
    assert_eq!(
        canonical_request(
            &request.parts(&lines[..]),
            &authorization.signed_headers,
            &sha256_hex(b"")
        ),
        "GET\n/prod/pets\na=1&b=2\naccept:application/json\nhost:abc123.execute-api.us-east-1.amazonaws.com\n\
         x-amz-date:20260314T150926Z\nx-repeated:one two,three four\n\n\
         accept;host;x-amz-date;x-repeated\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(request.answer().verified, Some(Ok(())));
    assert_eq!(
        request.answer_owned(&headers),
        request.answer_owned(&lines[..])
    );
}

#[test]
fn a_borrowed_signature_borrows_what_sdks_send() {
    use std::borrow::Cow;

    let request = Request {
        method: "GET",
        path: "/prod/pets".to_owned(),
        query: Some("type=dog".to_owned()),
        lines: vec![("host".to_owned(), HOST.as_bytes().to_vec())],
        body: Vec::new(),
    };
    for request in [request.clone().signed(), request.presigned()] {
        let lines = request.lines();
        let parts = request.parts(&lines[..]);
        let authorization = parse_borrowed(&parts).unwrap().unwrap();
        for part in [
            &authorization.access_key_id,
            &authorization.date,
            &authorization.region,
            &authorization.service,
            &authorization.signature,
            &authorization.amz_date,
        ] {
            assert!(
                matches!(part, Cow::Borrowed(_)),
                "{part:?} of {authorization:?}"
            );
        }
    }
}
