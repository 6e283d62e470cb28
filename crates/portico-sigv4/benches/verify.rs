//! What the data plane pays to check an `AWS_IAM` request's signature: parsing it, then
//! `verify_with_key` with the access key's signing key already derived (it is kept per day).
//! `header_map/*` reads the headers from an `http::HeaderMap` and parses into an owned
//! `Authorization` (the control plane's way); `header_lines/*` reads the header lines as
//! received and parses borrowed (the data plane's way).
//! Run: `cargo bench -p portico-sigv4 --bench verify`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderName, HeaderValue};
use portico_sigv4::{
    RequestParts, SigningCredentials, SigningKey, parse, parse_borrowed, presign, sha256_hex, sign,
    verify_with_key,
};

const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const SERVICE: &str = "execute-api";
/// 20260314T150926Z.
const NOW: i64 = 1_773_500_966;
const HOST: &str = "abc123.execute-api.us-east-1.amazonaws.com";

/// A request as the data plane receives it, signature included.
struct Signed {
    method: &'static str,
    path: &'static str,
    query: Option<String>,
    headers: HeaderMap,
    payload_sha256_hex: String,
}

fn header_map(headers: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("valid name"),
            HeaderValue::from_str(value).expect("valid value"),
        );
    }
    map
}

fn credentials() -> SigningCredentials<'static> {
    SigningCredentials {
        access_key_id: ACCESS_KEY_ID,
        secret_access_key: SECRET,
        session_token: None,
    }
}

/// A presigned GET as botocore writes it: the `X-Amz-*` parameters in sorted order, one user
/// parameter after them, the signature last; `host` is the only signed header.
fn presigned_get() -> Signed {
    let signed_headers = header_map(&[("host", HOST)]);
    let request = RequestParts {
        method: "GET",
        path: "/prod/pets",
        query: Some("type=dog"),
        headers: &signed_headers,
    };
    let query = presign(
        &request,
        &credentials(),
        REGION,
        SERVICE,
        portico_sigv4::EMPTY_PAYLOAD_SHA256,
        300,
        NOW,
    );
    // `presign` puts the request's own parameters first; move them behind the sorted
    // `X-Amz-*` ones (the canonical query string, and so the signature, is the same).
    let (own, auth) = query.split_once('&').expect("presigned parameters follow");
    let (auth, signature) = auth.rsplit_once('&').expect("the signature comes last");
    let query = format!("{auth}&{own}&{signature}");
    Signed {
        method: "GET",
        path: "/prod/pets",
        query: Some(query),
        headers: header_map(&[
            ("host", HOST),
            ("user-agent", "python-requests/2.32.3"),
            ("accept-encoding", "gzip, deflate"),
            ("accept", "*/*"),
            ("connection", "keep-alive"),
        ]),
        payload_sha256_hex: portico_sigv4::EMPTY_PAYLOAD_SHA256.to_owned(),
    }
}

/// Signs `headers` (plus `x-amz-date`) with the `Authorization` header, then adds `unsigned`.
fn header_signed(
    method: &'static str,
    path: &'static str,
    query: Option<&str>,
    headers: &[(&str, &str)],
    unsigned: &[(&str, &str)],
    body: &[u8],
) -> Signed {
    let mut map = header_map(headers);
    let payload_sha256_hex = sha256_hex(body);
    let added = sign(
        &RequestParts {
            method,
            path,
            query,
            headers: &map,
        },
        &credentials(),
        REGION,
        SERVICE,
        &payload_sha256_hex,
        NOW,
    );
    for (name, value) in added {
        map.insert(name, value);
    }
    map.extend(header_map(unsigned));
    Signed {
        method,
        path,
        query: query.map(str::to_owned),
        headers: map,
        payload_sha256_hex,
    }
}

/// A GET signing five headers: `accept`, `accept-encoding`, `host`, `x-amz-date` and a custom
/// one whose value has runs of spaces.
fn header_signed_get() -> Signed {
    header_signed(
        "GET",
        "/prod/pets/42",
        Some("fields=name&expand=owner"),
        &[
            ("host", HOST),
            ("accept", "application/json"),
            ("accept-encoding", "gzip, deflate"),
            ("x-request-tag", "  pets   team  "),
        ],
        &[
            ("user-agent", "aws-cli/2.17.0 Python/3.12.4 Linux/6.8"),
            ("connection", "keep-alive"),
        ],
        b"",
    )
}

/// A JSON POST with `x-amz-content-sha256`, as the AWS SDKs send it.
fn header_signed_post() -> Signed {
    let body = br#"{"name":"Rex","type":"dog","price":249.99}"#;
    let hash = sha256_hex(body);
    let length = body.len().to_string();
    header_signed(
        "POST",
        "/prod/pets",
        None,
        &[
            ("host", HOST),
            ("content-type", "application/json"),
            ("content-length", &length),
            ("x-amz-content-sha256", &hash),
        ],
        &[("user-agent", "aws-sdk-js/3.600.0")],
        body,
    )
}

fn bench_parse_and_verify(c: &mut Criterion) {
    let key = SigningKey::derive(SECRET, "20260314", REGION, SERVICE);
    for (name, signed) in [
        ("presigned_get", presigned_get()),
        ("header_signed_get", header_signed_get()),
        ("header_signed_post", header_signed_post()),
    ] {
        let request = RequestParts {
            method: signed.method,
            path: signed.path,
            query: signed.query.as_deref(),
            headers: &signed.headers,
        };
        let check = |request: &RequestParts<'_>| {
            let authorization = parse(request)
                .expect("well formed")
                .expect("signed request");
            verify_with_key(
                request,
                &authorization,
                &key,
                &signed.payload_sha256_hex,
                NOW,
            )
        };
        assert_eq!(check(&request), Ok(()), "{name}");
        c.bench_function(&format!("{name}/header_map/parse"), |b| {
            b.iter(|| parse(black_box(&request)))
        });
        c.bench_function(&format!("{name}/header_map/parse_and_verify"), |b| {
            b.iter(|| check(black_box(&request)))
        });

        let lines: Vec<(&[u8], &[u8])> = signed
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes()))
            .collect();
        let request = RequestParts {
            headers: &lines[..],
            method: request.method,
            path: request.path,
            query: request.query,
        };
        let check = |request: &RequestParts<'_, [(&[u8], &[u8])]>| {
            let authorization = parse_borrowed(request)
                .expect("well formed")
                .expect("signed request");
            verify_with_key(
                request,
                &authorization,
                &key,
                &signed.payload_sha256_hex,
                NOW,
            )
        };
        assert_eq!(check(&request), Ok(()), "{name}");
        c.bench_function(&format!("{name}/header_lines/parse_borrowed"), |b| {
            b.iter(|| parse_borrowed(black_box(&request)))
        });
        c.bench_function(
            &format!("{name}/header_lines/parse_borrowed_and_verify"),
            |b| b.iter(|| check(black_box(&request))),
        );
    }
}

criterion_group!(benches, bench_parse_and_verify);
criterion_main!(benches);
