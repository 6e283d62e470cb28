//! `sigv4_parse`: the input is a request seen by the verifier, one part per line:
//!
//! ```text
//! <Authorization header value>
//! <request target: path?query>          (optional, default "/")
//! <X-Amz-Date header value>             (optional, default 20260314T150926Z)
//! ```
//!
//! The signature is parsed and, when there is one, verified with a fixed secret at a fixed
//! time. The path and query also go through `canonical_uri` and `canonical_query_string`.
//! Nothing may panic.

use http::{HeaderMap, HeaderValue};
use portico_sigv4::{
    RequestParts, SignatureLocation, X_AMZ_DATE, canonical_query_string, canonical_uri, parse,
    sha256_hex, verify,
};

/// The secret of the access key `AKIDEXAMPLE` in AWS's SigV4 test suite.
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// `20260314T150926Z`, the default request time, so that well-formed inputs pass the clock
/// check and reach the signature comparison.
const NOW: i64 = 1_773_500_966;

/// Runs one fuzz input.
pub fn run(data: &[u8]) {
    let mut lines = data.splitn(3, |byte| *byte == b'\n');
    let authorization = lines.next().unwrap_or_default();
    let target = String::from_utf8_lossy(lines.next().unwrap_or(b"/"));
    let amz_date = lines.next().unwrap_or(b"20260314T150926Z");

    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (&*target, None),
    };
    let _ = canonical_uri(path);
    let _ = canonical_query_string(query, SignatureLocation::Header);
    let _ = canonical_query_string(query, SignatureLocation::Query);

    let mut headers = HeaderMap::new();
    headers.insert(http::header::HOST, HeaderValue::from_static("example.com"));
    // Header values cannot hold every byte; inputs that `http` refuses never reach a verifier.
    if let Ok(value) = HeaderValue::from_bytes(authorization) {
        headers.insert(http::header::AUTHORIZATION, value);
    }
    if let Ok(value) = HeaderValue::from_bytes(amz_date) {
        headers.insert(X_AMZ_DATE, value);
    }
    let request = RequestParts {
        method: "GET",
        path,
        query,
        headers: &headers,
    };
    if let Ok(Some(parsed)) = parse(&request) {
        let _ = verify(&request, &parsed, SECRET, &sha256_hex(b""), NOW);
    }
}
