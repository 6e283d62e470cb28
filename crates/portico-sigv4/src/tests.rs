use http::{HeaderMap, HeaderName, HeaderValue};

use super::*;

const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
// The suite's secret; botocore's vectors below were produced with the same one.
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Where and when a vector was signed.
struct Scope {
    region: &'static str,
    service: &'static str,
    /// 20150830T123600Z for the AWS suite, 20260314T150926Z for botocore's captures.
    now: i64,
    session_token: Option<&'static str>,
}

/// The aws-sig-v4-test-suite (as kept in aws-c-auth's `tests/aws-signing-test-suite/v4`).
const SUITE: Scope = Scope {
    region: "us-east-1",
    service: "service",
    now: 1_440_938_160,
    session_token: None,
};

/// Requests captured from botocore 1.43 (`before-send`) with its clock frozen.
const BOTOCORE: Scope = Scope {
    region: "us-east-1",
    service: "apigateway",
    now: 1_773_500_966,
    session_token: None,
};

/// A request before signing (`x-amz-date` is added by `sign`) and what signing it must yield.
struct Vector {
    method: &'static str,
    path: &'static str,
    query: Option<&'static str>,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    canonical_request: &'static str,
    signature: &'static str,
}

const HOST: (&str, &str) = ("host", "example.amazonaws.com");
const GATEWAY_HOST: (&str, &str) = ("host", "apigateway.us-east-1.amazonaws.com");

/// Signs `vector`, then checks the signature, the canonical request the verifier builds from
/// the signed request, and that the verifier accepts it.
fn check(scope: &Scope, vector: &Vector) {
    let headers = header_map(vector.headers);
    let request = RequestParts {
        method: vector.method,
        path: vector.path,
        query: vector.query,
        headers: &headers,
    };
    let body_hash = sha256_hex(vector.body.as_bytes());
    let sent = with_signature(
        &headers,
        sign(
            &request,
            &credentials(scope.session_token),
            scope.region,
            scope.service,
            &body_hash,
            scope.now,
        ),
    );
    let sent_request = RequestParts {
        headers: &sent,
        ..request
    };
    let authorization = parse(&sent_request)
        .unwrap()
        .expect("a signed request has a signature");
    assert_eq!(
        authorization.signature, vector.signature,
        "{}",
        vector.canonical_request
    );
    let payload_hash = sent
        .get(X_AMZ_CONTENT_SHA256)
        .map_or(body_hash.clone(), |value| {
            value.to_str().unwrap().to_owned()
        });
    assert_eq!(
        canonical_request(&sent_request, &authorization.signed_headers, &payload_hash),
        vector.canonical_request
    );
    assert_eq!(
        verify(&sent_request, &authorization, SECRET, &body_hash, scope.now),
        Ok(())
    );
}

fn header_map(headers: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn with_signature(headers: &HeaderMap, signed: Vec<(HeaderName, HeaderValue)>) -> HeaderMap {
    let mut headers = headers.clone();
    for (name, value) in signed {
        headers.insert(name, value);
    }
    headers
}

fn credentials(session_token: Option<&str>) -> SigningCredentials<'_> {
    SigningCredentials {
        access_key_id: ACCESS_KEY_ID,
        secret_access_key: SECRET,
        session_token,
    }
}

// --- The AWS SigV4 test suite ---

#[test]
fn get_vanilla() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/",
            query: None,
            headers: &[HOST],
            body: "",
            canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        },
    );
}

#[test]
fn get_vanilla_query_order_key_case() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/",
            query: Some("Param2=value2&Param1=value1"),
            headers: &[HOST],
            body: "",
            canonical_request: "GET\n/\nParam1=value1&Param2=value2\n\
                host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        },
    );
}

#[test]
fn get_vanilla_query_order_encoded() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/",
            query: Some("Param-3=Value3&Param=Value2&%E1%88%B4=Value1"),
            headers: &[HOST],
            body: "",
            canonical_request: "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\n\
                host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
        },
    );
}

#[test]
fn get_vanilla_query_unreserved() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/",
            query: Some(
                "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=\
                 -._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            ),
            headers: &[HOST],
            body: "",
            canonical_request: "GET\n/\n\
                -._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=\
                -._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\
                host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
        },
    );
}

#[test]
fn get_vanilla_utf8_query() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/",
            query: Some("\u{1234}=bar"),
            headers: &[HOST],
            body: "",
            canonical_request: "GET\n/\n%E1%88%B4=bar\n\
                host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
        },
    );
}

#[test]
fn get_header_value_trim() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/",
            query: None,
            headers: &[
                HOST,
                ("my-header1", " value1"),
                ("my-header2", " \"a   b   c\""),
            ],
            body: "",
            canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\n\
                my-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\n\
                host;my-header1;my-header2;x-amz-date\n\
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        },
    );
}

#[test]
fn get_header_key_duplicate() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/",
            query: None,
            headers: &[
                HOST,
                ("my-header1", "value2"),
                ("my-header1", "value2"),
                ("my-header1", "value1"),
            ],
            body: "",
            canonical_request: "GET\n/\n\nhost:example.amazonaws.com\n\
                my-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\n\
                host;my-header1;x-amz-date\n\
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
        },
    );
}

#[test]
fn get_unreserved() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            query: None,
            headers: &[HOST],
            body: "",
            canonical_request: "GET\n\
                /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n\
                host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
        },
    );
}

#[test]
fn get_utf8() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/\u{1234}",
            query: None,
            headers: &[HOST],
            body: "",
            canonical_request: "GET\n/%E1%88%B4\n\n\
                host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        },
    );
}

#[test]
fn normalize_path_get_slash_dot_slash() {
    check(
        &SUITE,
        &Vector {
            method: "GET",
            path: "/./",
            query: None,
            headers: &[HOST],
            body: "",
            canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        },
    );
}

#[test]
fn post_vanilla_query() {
    check(
        &SUITE,
        &Vector {
            method: "POST",
            path: "/",
            query: Some("Param1=value1"),
            headers: &[HOST],
            body: "",
            canonical_request: "POST\n/\nParam1=value1\n\
                host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
        },
    );
}

#[test]
fn post_x_www_form_urlencoded_signs_the_content_sha256_header() {
    check(
        &SUITE,
        &Vector {
            method: "POST",
            path: "/",
            query: None,
            headers: &[
                ("content-type", "application/x-www-form-urlencoded"),
                HOST,
                ("content-length", "13"),
                (
                    "x-amz-content-sha256",
                    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                ),
            ],
            body: "Param1=value1",
            canonical_request: "POST\n/\n\ncontent-length:13\n\
                content-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n\
                x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\n\
                x-amz-date:20150830T123600Z\n\n\
                content-length;content-type;host;x-amz-content-sha256;x-amz-date\n\
                9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            signature: "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
        },
    );
}

#[test]
fn get_vanilla_with_session_token() {
    check(
        &Scope {
            session_token: Some("6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"),
            ..SUITE
        },
        &Vector {
            method: "GET",
            path: "/",
            query: None,
            headers: &[HOST],
            body: "",
            canonical_request: "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\
                x-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\n\
                host;x-amz-date;x-amz-security-token\n\
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
        },
    );
}

#[test]
fn presigned_get_vanilla_utf8_query() {
    let headers = header_map(&[HOST]);
    let request = RequestParts {
        method: "GET",
        path: "/",
        query: Some("%E1%88%B4=bar"),
        headers: &headers,
    };
    let query = presign(
        &request,
        &credentials(None),
        "us-east-1",
        "service",
        EMPTY_SHA256,
        3600,
        SUITE.now,
    );
    assert!(
        query.ends_with(
            "&X-Amz-Signature=0bdd809b1519ac4f0c1dc3540e2cc46bd0c7f778eda408b2ebf3b913d21ff600"
        ),
        "{query}"
    );
    assert_eq!(verify_at(&request, Some(&query), b"", SUITE.now), Ok(()));
}

// --- botocore against API Gateway ---

#[test]
fn botocore_tag_resource_double_encodes_the_arn_in_the_path() {
    check(
        &BOTOCORE,
        &Vector {
            method: "PUT",
            path: "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc123",
            query: None,
            headers: &[
                ("content-type", "application/json"),
                (
                    "user-agent",
                    "Botocore/1.43.11 ua/2.1 os/linux md/arch#x86_64",
                ),
                ("accept", "application/json"),
                GATEWAY_HOST,
            ],
            body: r#"{"tags": {"team": "a b"}}"#,
            canonical_request: "PUT\n\
                /tags/arn%253Aaws%253Aapigateway%253Aus-east-1%253A%253A%252Frestapis%252Fabc123\n\n\
                accept:application/json\ncontent-type:application/json\n\
                host:apigateway.us-east-1.amazonaws.com\nx-amz-date:20260314T150926Z\n\n\
                accept;content-type;host;x-amz-date\n\
                924e818b06a8d0f0bdca2cd04ebfc18d03e3ca6970b9d033720bfc7bb5875b8d",
            signature: "be20b750c4d8c3c5684c1f96b76a0ed669150c20f1718426d7fc4c14ca95e338",
        },
    );
}

#[test]
fn botocore_get_rest_apis_query_is_sorted_and_kept_encoded() {
    check(
        &BOTOCORE,
        &Vector {
            method: "GET",
            path: "/restapis",
            query: Some("position=a%20b%2Fc%2Bd%3De&limit=5"),
            headers: &[("accept", "application/json"), GATEWAY_HOST],
            body: "",
            canonical_request: "GET\n/restapis\nlimit=5&position=a%20b%2Fc%2Bd%3De\n\
                accept:application/json\nhost:apigateway.us-east-1.amazonaws.com\n\
                x-amz-date:20260314T150926Z\n\naccept;host;x-amz-date\n\
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            signature: "cfe1611214b5364bc517ca7a23088fe4256f92d4bc07f67e2bfd5909bc8a03e1",
        },
    );
}

#[test]
fn sign_writes_the_authorization_header_like_botocore() {
    let headers = header_map(&[("accept", "application/json"), GATEWAY_HOST]);
    let request = RequestParts {
        method: "GET",
        path: "/restapis",
        query: Some("position=a%20b%2Fc%2Bd%3De&limit=5"),
        headers: &headers,
    };
    let signed = sign(
        &request,
        &credentials(Some("token")),
        "us-east-1",
        "apigateway",
        EMPTY_SHA256,
        BOTOCORE.now,
    );
    let signed: Vec<(&str, &str)> = signed
        .iter()
        .map(|(name, value)| (name.as_str(), value.to_str().unwrap()))
        .collect();
    assert_eq!(
        signed,
        [
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/us-east-1/apigateway/aws4_request, \
                 SignedHeaders=accept;host;x-amz-date;x-amz-security-token, \
                 Signature=a969627106a52d3a34146090622c630f26ef8b42544b9acb80aa74a305933142"
            ),
            ("x-amz-date", "20260314T150926Z"),
            ("x-amz-security-token", "token"),
        ]
    );
}

#[test]
fn botocore_presigned_url_with_session_token() {
    let headers = header_map(&[GATEWAY_HOST]);
    let request = RequestParts {
        method: "GET",
        path: "/restapis/a1b2c3/stages",
        query: Some("limit=5"),
        headers: &headers,
    };
    let query = presign(
        &request,
        &credentials(Some("session/token+=")),
        "us-east-1",
        "apigateway",
        EMPTY_SHA256,
        300,
        BOTOCORE.now,
    );
    assert_eq!(
        query,
        "limit=5&X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIDEXAMPLE%2F20260314%2Fus-east-1%2Fapigateway%2Faws4_request\
         &X-Amz-Date=20260314T150926Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host\
         &X-Amz-Security-Token=session%2Ftoken%2B%3D\
         &X-Amz-Signature=dd3c36e68a134b1d9d42a27730b1544a3c72d3dde78f8cf5039f01eed6909e7e"
    );
    let presigned = RequestParts {
        query: Some(&query),
        ..request
    };
    let authorization = parse(&presigned).unwrap().unwrap();
    assert_eq!(authorization.location, SignatureLocation::Query);
    assert_eq!(authorization.expires, Some(300));
    assert_eq!(
        authorization.security_token.as_deref(),
        Some("session/token+=")
    );
    assert_eq!(authorization.service, "apigateway");
}

// --- Verification: what a client sees ---

/// 20260314T150926Z, when [`signed_request`] signs.
const NOW: i64 = BOTOCORE.now;

/// A request as received: the raw parts and body.
struct Received {
    method: &'static str,
    path: &'static str,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// `GET /restapis` to API Gateway, signed by `sign` at [`NOW`] with `extra` headers.
fn signed_request(extra: &[(&str, &str)]) -> Received {
    let mut headers = header_map(&[GATEWAY_HOST]);
    headers.extend(header_map(extra));
    let request = RequestParts {
        method: "GET",
        path: "/restapis",
        query: None,
        headers: &headers,
    };
    let signed = sign(
        &request,
        &credentials(None),
        "us-east-1",
        "apigateway",
        EMPTY_SHA256,
        NOW,
    );
    Received {
        method: "GET",
        path: "/restapis",
        query: None,
        headers: with_signature(&headers, signed),
        body: Vec::new(),
    }
}

/// `GET /restapis` to API Gateway with just `host` and the given headers, unsigned.
fn unsigned_request(extra: &[(&str, &str)]) -> Received {
    let mut headers = header_map(&[GATEWAY_HOST]);
    headers.extend(header_map(extra));
    Received {
        method: "GET",
        path: "/restapis",
        query: None,
        headers,
        body: Vec::new(),
    }
}

impl Received {
    fn parts(&self) -> RequestParts<'_> {
        RequestParts {
            method: self.method,
            path: self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
        }
    }

    fn presigned(mut self, expires_seconds: i64, signed_at: i64) -> Self {
        self.query = Some(presign(
            &self.parts(),
            &credentials(None),
            "us-east-1",
            "apigateway",
            &sha256_hex(&self.body),
            expires_seconds,
            signed_at,
        ));
        self
    }

    fn set_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers
            .insert(name, HeaderValue::from_str(value).unwrap());
        self
    }
}

/// What the control plane does with a request: parse, then verify against [`SECRET`].
fn verify_received(received: &Received, now: i64) -> Result<(), Sigv4Error> {
    let request = received.parts();
    let authorization = parse(&request)?.expect("the request carries a signature");
    verify(
        &request,
        &authorization,
        SECRET,
        &sha256_hex(&received.body),
        now,
    )
}

fn verify_at(
    request: &RequestParts<'_>,
    query: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), Sigv4Error> {
    let request = RequestParts { query, ..*request };
    let authorization = parse(&request)?.expect("the request carries a signature");
    verify(&request, &authorization, SECRET, &sha256_hex(body), now)
}

fn parse_error(received: &Received) -> Sigv4Error {
    parse(&received.parts()).expect_err("the signature is malformed")
}

fn incomplete(message: &str) -> Result<(), Sigv4Error> {
    Err(Sigv4Error::Incomplete(message.to_owned()))
}

fn expired(message: &str) -> Result<(), Sigv4Error> {
    Err(Sigv4Error::Expired(message.to_owned()))
}

fn assert_signature_mismatch(result: Result<(), Sigv4Error>) {
    match result {
        Err(Sigv4Error::InvalidSignature(message)) => assert!(
            message.starts_with(
                "The request signature we calculated does not match the signature you provided."
            ),
            "{message}"
        ),
        other => panic!("expected a signature mismatch, got {other:?}"),
    }
}

#[test]
fn a_signed_request_verifies() {
    assert_eq!(verify_received(&signed_request(&[]), NOW), Ok(()));
}

#[test]
fn a_tampered_query_answers_with_the_canonical_request_aws_expected() {
    let mut received = signed_request(&[]);
    received.query = Some("limit=5".to_owned());
    assert_eq!(
        verify_received(&received, NOW),
        Err(Sigv4Error::InvalidSignature(
            "The request signature we calculated does not match the signature you provided. \
             Check your AWS Secret Access Key and signing method. Consult the service \
             documentation for details.\n\n\
             The Canonical String for this request should have been\n\
             'GET\n/restapis\nlimit=5\nhost:apigateway.us-east-1.amazonaws.com\n\
             x-amz-date:20260314T150926Z\n\nhost;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\n\
             The String-to-Sign should have been\n\
             'AWS4-HMAC-SHA256\n20260314T150926Z\n20260314/us-east-1/apigateway/aws4_request\n\
             29d87b672ea48e2473c1a50ea361cec77a13189d8dbc2a5d4936ca4e27abba4c'\n"
                .to_owned()
        ))
    );
}

#[test]
fn a_tampered_body_does_not_verify() {
    let mut received = signed_request(&[]);
    received.body = b"{}".to_vec();
    assert_signature_mismatch(verify_received(&received, NOW));
}

#[test]
fn a_tampered_signed_header_does_not_verify() {
    let received = signed_request(&[("accept", "application/json")]).set_header("accept", "*/*");
    assert_signature_mismatch(verify_received(&received, NOW));
}

#[test]
fn a_tampered_path_or_method_does_not_verify() {
    let mut received = signed_request(&[]);
    received.path = "/restapis/abc";
    assert_signature_mismatch(verify_received(&received, NOW));
    let mut received = signed_request(&[]);
    received.method = "DELETE";
    assert_signature_mismatch(verify_received(&received, NOW));
}

#[test]
fn the_wrong_secret_does_not_verify() {
    let received = signed_request(&[]);
    let request = received.parts();
    let authorization = parse(&request).unwrap().unwrap();
    assert_signature_mismatch(verify(
        &request,
        &authorization,
        "another secret",
        EMPTY_SHA256,
        NOW,
    ));
}

#[test]
fn an_unsigned_header_may_change() {
    let received = signed_request(&[]).set_header("user-agent", "curl/8");
    assert_eq!(verify_received(&received, NOW), Ok(()));
}

#[test]
fn an_uppercase_hex_signature_verifies() {
    let received = signed_request(&[]);
    let header = received.headers["authorization"].to_str().unwrap();
    let (prefix, signature) = header.split_once("Signature=").unwrap();
    let header = format!("{prefix}Signature={}", signature.to_ascii_uppercase());
    let received = received.set_header("authorization", &header);
    assert_eq!(verify_received(&received, NOW), Ok(()));
}

#[test]
fn header_signatures_allow_five_minutes_of_clock_skew_either_way() {
    let received = signed_request(&[]);
    assert_eq!(verify_received(&received, NOW + 300), Ok(()));
    assert_eq!(verify_received(&received, NOW - 300), Ok(()));
    assert_eq!(
        verify_received(&received, NOW + 301),
        expired(
            "Signature expired: 20260314T150926Z is now earlier than 20260314T150927Z \
             (20260314T151427Z - 5 min.)"
        )
    );
    assert_eq!(
        verify_received(&received, NOW - 301),
        expired(
            "Signature not yet current: 20260314T150926Z is still later than \
             20260314T150925Z (20260314T150425Z + 5 min.)"
        )
    );
}

#[test]
fn expired_errors_are_invalid_signature_exceptions() {
    let err = verify_received(&signed_request(&[]), NOW + 3600).unwrap_err();
    assert_eq!(err.error_type(), "InvalidSignatureException");
    assert_eq!(err.status(), http::StatusCode::FORBIDDEN);
    let err = Sigv4Error::Incomplete(String::new());
    assert_eq!(err.error_type(), "IncompleteSignatureException");
}

#[test]
fn a_request_without_a_signature_parses_as_none() {
    assert_eq!(parse(&unsigned_request(&[]).parts()), Ok(None));
    let mut received = unsigned_request(&[("authorization", " ")]);
    received.query = Some("limit=5&X-Amz-Date=20260314T150926Z".to_owned());
    assert_eq!(parse(&received.parts()), Ok(None));
}

#[test]
fn missing_authorization_parts_are_each_named() {
    for (authorization, extra, message) in [
        (
            "AWS4-HMAC-SHA256",
            None,
            "Authorization header requires 'Credential' parameter. Authorization header \
             requires 'Signature' parameter. Authorization header requires 'SignedHeaders' \
             parameter. Authorization header requires existence of either a 'X-Amz-Date' or \
             a 'Date' header. Authorization=AWS4-HMAC-SHA256",
        ),
        (
            "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date",
            Some(("x-amz-date", "20260314T150926Z")),
            "Authorization header requires 'Credential' parameter. Authorization header \
             requires 'Signature' parameter. \
             Authorization=AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/us-east-1/apigateway/aws4_request, \
             SignedHeaders=host, Signature=abc",
            None,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' \
             header. Authorization=AWS4-HMAC-SHA256 \
             Credential=AKIDEXAMPLE/20260314/us-east-1/apigateway/aws4_request, \
             SignedHeaders=host, Signature=abc",
        ),
        (
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc",
            None,
            "Authorization header requires 'Credential' parameter. Authorization header \
             requires 'Signature' parameter. Authorization header requires 'SignedHeaders' \
             parameter. Authorization header requires existence of either a 'X-Amz-Date' or \
             a 'Date' header. Authorization=Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc",
        ),
    ] {
        let mut received = unsigned_request(&[("authorization", authorization)]);
        if let Some((name, value)) = extra {
            received = received.set_header(name, value);
        }
        assert_eq!(
            parse_error(&received),
            Sigv4Error::Incomplete(message.to_owned()),
            "{authorization}"
        );
    }
}

#[test]
fn malformed_authorization_headers_get_aws_messages() {
    let date = ("x-amz-date", "20260314T150926Z");
    for (authorization, message) in [
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/us-east-1/apigateway, \
             SignedHeaders=host, Signature=abc",
            "Credential must have exactly 5 slash-delimited elements, e.g. \
             keyid/date/region/service/term, got 'AKIDEXAMPLE/20260314/us-east-1/apigateway'",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/us-east-1/apigateway/aws5_request, \
             SignedHeaders=host, Signature=abc",
            "Credential should be scoped with a valid terminator: 'aws4_request', not \
             'aws5_request'. ",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/us-east-1/apigateway/aws4_request, \
             SignedHeaders=x-amz-date, Signature=abc",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/us-east-1/apigateway/aws4_request, \
             SignedHeaders=host, Signature=abc, oops",
            "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with \
             SHA-256 and encoded with Base64): 'QC4v9mMEi/4MmHSk9bgvuN+K8lvfzAHYawiMwUBLb28='.",
        ),
        (
            "AWS4-HMAC-SHA512 Credential=AKIDEXAMPLE/20260314/us-east-1/apigateway/aws4_request, \
             SignedHeaders=host, Signature=abc",
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.",
        ),
    ] {
        let received = unsigned_request(&[("authorization", authorization), date]);
        assert_eq!(
            parse_error(&received),
            Sigv4Error::Incomplete(message.to_owned()),
            "{authorization}"
        );
    }
}

#[test]
fn a_malformed_x_amz_date_is_refused() {
    let received = signed_request(&[]).set_header("x-amz-date", "2026-03-14T15:09:26Z");
    assert_eq!(
        parse_error(&received),
        Sigv4Error::Incomplete(
            "Date must be in ISO-8601 'basic format'. Got '2026-03-14T15:09:26Z'. \
             See http://en.wikipedia.org/wiki/ISO_8601"
                .to_owned()
        )
    );
}

#[test]
fn a_date_header_stands_in_for_x_amz_date() {
    let headers = header_map(&[GATEWAY_HOST, ("date", "Sat, 14 Mar 2026 15:09:26 GMT")]);
    let request = RequestParts {
        method: "GET",
        path: "/restapis",
        query: None,
        headers: &headers,
    };
    let signed_headers = ["date".to_owned(), "host".to_owned()];
    let scope = credential_scope("20260314", "us-east-1", "apigateway");
    let canonical = canonical_request(&request, &signed_headers, EMPTY_SHA256);
    let string_to_sign = string_to_sign("20260314T150926Z", &scope, &canonical);
    let signature = signature(
        SECRET,
        "20260314",
        "us-east-1",
        "apigateway",
        &string_to_sign,
    );
    let mut received = unsigned_request(&[("date", "Sat, 14 Mar 2026 15:09:26 GMT")]);
    received = received.set_header(
        "authorization",
        &format!(
            "AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/{scope}, SignedHeaders=date;host, \
             Signature={signature}"
        ),
    );
    let authorization = parse(&received.parts()).unwrap().unwrap();
    assert_eq!(authorization.amz_date, "20260314T150926Z");
    assert_eq!(verify_received(&received, NOW), Ok(()));
}

#[test]
fn a_credential_scoped_to_another_day_is_refused() {
    // Signed at 15:09:26, but the client claims the next day in its timestamp.
    let received = signed_request(&[]).set_header("x-amz-date", "20260315T000000Z");
    assert_eq!(
        verify_received(&received, NOW),
        Err(Sigv4Error::InvalidSignature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date \
             from HTTP: '20260314' != '20260315', from '20260315T000000Z'."
                .to_owned()
        ))
    );
}

#[test]
fn the_scope_is_checked_against_the_service() {
    let authorization = parse(&signed_request(&[]).parts()).unwrap().unwrap();
    assert_eq!(check_scope(&authorization, "apigateway"), Ok(()));
    assert_eq!(
        check_scope(&authorization, "execute-api"),
        Err(Sigv4Error::InvalidSignature(
            "Credential should be scoped to correct service: 'execute-api'. ".to_owned()
        ))
    );
    let no_region = Authorization {
        region: String::new(),
        ..authorization.clone()
    };
    assert_eq!(
        check_scope(&no_region, "apigateway"),
        Err(Sigv4Error::InvalidSignature(
            "Credential should be scoped to a valid region. ".to_owned()
        ))
    );
    assert_eq!(check_region(&authorization, "us-east-1"), Ok(()));
    assert_eq!(
        check_region(&authorization, "eu-west-1"),
        Err(Sigv4Error::InvalidSignature(
            "Credential should be scoped to a valid region, not 'us-east-1'. ".to_owned()
        ))
    );
}

#[test]
fn a_signed_content_sha256_header_must_match_the_body() {
    let body = br#"{"name":"pets"}"#;
    let hash = sha256_hex(body);
    let mut received = signed_request(&[("x-amz-content-sha256", &hash)]);
    received.body = body.to_vec();
    assert_eq!(verify_received(&received, NOW), Ok(()));

    received.body = b"{}".to_vec();
    assert_eq!(
        verify_received(&received, NOW),
        Err(Sigv4Error::InvalidSignature(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
                .to_owned()
        ))
    );

    let received =
        signed_request(&[("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")]);
    assert_eq!(
        verify_received(&received, NOW),
        incomplete("x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.")
    );
}

#[test]
fn an_unsigned_payload_verifies_whatever_the_body() {
    let mut received = signed_request(&[("x-amz-content-sha256", UNSIGNED_PAYLOAD)]);
    received.body = b"anything".to_vec();
    assert_eq!(verify_received(&received, NOW), Ok(()));
}

#[test]
fn parse_reports_the_signature_as_sent() {
    let received = signed_request(&[("x-amz-security-token", "token")]);
    let authorization = parse(&received.parts()).unwrap().unwrap();
    assert_eq!(
        authorization,
        Authorization {
            access_key_id: ACCESS_KEY_ID.to_owned(),
            date: "20260314".to_owned(),
            region: "us-east-1".to_owned(),
            service: "apigateway".to_owned(),
            signed_headers: vec![
                "host".to_owned(),
                "x-amz-date".to_owned(),
                "x-amz-security-token".to_owned()
            ],
            signature: authorization.signature.clone(),
            amz_date: "20260314T150926Z".to_owned(),
            security_token: Some("token".to_owned()),
            location: SignatureLocation::Header,
            expires: None,
        }
    );
    assert_eq!(authorization.signature.len(), 64);
}

#[test]
fn debug_output_redacts_secrets() {
    let received = signed_request(&[("x-amz-security-token", "secret-session-token")]);
    let authorization = parse(&received.parts()).unwrap().unwrap();
    let debug = format!("{authorization:?}");
    assert!(!debug.contains("secret-session-token"), "{debug}");
    assert!(debug.contains("<redacted>"), "{debug}");
    let debug = format!("{:?}", credentials(Some("secret-session-token")));
    assert!(
        !debug.contains(SECRET) && !debug.contains("secret-session-token"),
        "{debug}"
    );
}

// --- Presigned requests ---

#[test]
fn a_presigned_request_verifies_until_it_expires() {
    let received = unsigned_request(&[]).presigned(60, NOW);
    assert_eq!(verify_received(&received, NOW), Ok(()));
    assert_eq!(verify_received(&received, NOW + 60), Ok(()));
    assert_eq!(
        verify_received(&received, NOW + 61),
        expired(
            "Signature expired: 20260314T150926Z is now earlier than 20260314T150927Z \
             (20260314T151027Z - 60 sec.)"
        )
    );
    assert_eq!(
        verify_received(&received, NOW - 301),
        expired(
            "Signature not yet current: 20260314T150926Z is still later than \
             20260314T150925Z (20260314T150425Z + 5 min.)"
        )
    );
}

#[test]
fn a_presigned_request_with_a_tampered_query_does_not_verify() {
    let mut received = unsigned_request(&[]).presigned(60, NOW);
    received.query = received.query.map(|query| format!("limit=5&{query}"));
    assert_signature_mismatch(verify_received(&received, NOW));
}

#[test]
fn a_presigned_request_signs_the_body_like_botocore() {
    let mut received = unsigned_request(&[]);
    received.body = b"{}".to_vec();
    let mut received = received.presigned(60, NOW);
    assert_eq!(verify_received(&received, NOW), Ok(()));
    received.body = b"{\"changed\":true}".to_vec();
    assert_signature_mismatch(verify_received(&received, NOW));
}

#[test]
fn presigned_requests_name_each_missing_parameter() {
    let mut received = unsigned_request(&[]);
    received.query = Some("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260314T150926Z".into());
    assert_eq!(
        parse_error(&received),
        Sigv4Error::Incomplete(
            "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string \
             parameters must include 'X-Amz-Signature'. AWS query-string parameters must \
             include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."
                .to_owned()
        )
    );
}

#[test]
fn malformed_presigned_parameters_get_aws_messages() {
    let presigned = unsigned_request(&[]).presigned(60, NOW);
    let query = presigned.query.unwrap();
    for (from, to, message) in [
        (
            "X-Amz-Expires=60",
            "X-Amz-Expires=604801",
            "X-Amz-Expires must be less than a week (in seconds) that is 604800",
        ),
        (
            "X-Amz-Expires=60",
            "X-Amz-Expires=0",
            "X-Amz-Expires must be non-negative",
        ),
        (
            "X-Amz-Expires=60",
            "X-Amz-Expires=soon",
            "X-Amz-Expires should be a number",
        ),
        (
            "X-Amz-SignedHeaders=host",
            "X-Amz-SignedHeaders=x-amz-date",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ),
        (
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256",
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
        ),
        (
            "X-Amz-Date=20260314T150926Z",
            "X-Amz-Date=2026-03-14",
            "Date must be in ISO-8601 'basic format'. Got '2026-03-14'. \
             See http://en.wikipedia.org/wiki/ISO_8601",
        ),
    ] {
        let mut received = unsigned_request(&[]);
        received.query = Some(query.replace(from, to));
        assert_eq!(
            parse_error(&received),
            Sigv4Error::Incomplete(message.to_owned()),
            "{to}"
        );
    }
}

#[test]
fn an_authorization_header_takes_precedence_over_presigned_parameters() {
    let mut received = signed_request(&[]);
    received.query = Some("X-Amz-Algorithm=AWS4-HMAC-SHA256".to_owned());
    let authorization = parse(&received.parts()).unwrap().unwrap();
    assert_eq!(authorization.location, SignatureLocation::Header);
}

// --- Canonicalisation rules ---

#[test]
fn canonical_uris_are_normalised_and_encoded_again() {
    for (raw_path, expected) in [
        ("", "/"),
        ("/", "/"),
        ("//", "/"),
        ("/./", "/"),
        ("/example/..", "/"),
        ("/example1/example2/../..", "/"),
        ("/../a", "/a"),
        ("/./example", "/example"),
        ("//example//", "/example/"),
        ("/a/b/", "/a/b/"),
        ("/example space/", "/example%20space/"),
        ("/restapis/abc/resources/xyz", "/restapis/abc/resources/xyz"),
        (
            "/tags/arn%3Aaws%3Aapigateway",
            "/tags/arn%253Aaws%253Aapigateway",
        ),
        ("/a%2Fb", "/a%252Fb"),
        ("/\u{1234}", "/%E1%88%B4"),
        ("/a+b=c", "/a%2Bb%3Dc"),
    ] {
        assert_eq!(canonical_uri(raw_path), expected, "{raw_path:?}");
    }
}

#[test]
fn canonical_query_strings_are_decoded_encoded_and_sorted() {
    for (raw_query, expected) in [
        (None, ""),
        (Some(""), ""),
        (Some("b=2&a=1"), "a=1&b=2"),
        (Some("a=2&a=1"), "a=1&a=2"),
        (Some("B=1&a=1"), "B=1&a=1"),
        (Some("flag"), "flag="),
        (Some("flag="), "flag="),
        (Some("a=b=c"), "a=b%3Dc"),
        (Some("q=a+b"), "q=a%2Bb"),
        (Some("q=a%2bb"), "q=a%2Bb"),
        (Some("q=a b"), "q=a%20b"),
        (Some("q=%7e"), "q=~"),
        (Some("q=%zz"), "q=%25zz"),
        (Some("q=%FF"), "q=%FF"),
        (Some("a=1&&b=2"), "a=1&b=2"),
        (Some("X-Amz-Signature=abc&a=1"), "X-Amz-Signature=abc&a=1"),
    ] {
        assert_eq!(
            canonical_query_string(raw_query, SignatureLocation::Header),
            expected,
            "{raw_query:?}"
        );
    }
    assert_eq!(
        canonical_query_string(Some("X-Amz-Signature=abc&a=1"), SignatureLocation::Query),
        "a=1"
    );
}

#[test]
fn canonical_headers_trim_collapse_and_join_values() {
    let headers = header_map(&[
        ("x-a", "  one   two  "),
        ("x-b", "1"),
        ("x-b", "2"),
        ("x-c", "tab\there"),
    ]);
    let signed = ["x-a", "x-b", "x-c", "x-missing", "not a header"].map(str::to_owned);
    assert_eq!(
        canonical_headers(&headers, &signed),
        "x-a:one two\nx-b:1,2\nx-c:tab here\nx-missing:\nnot a header:\n"
    );
}

#[test]
fn the_signing_key_chain_matches_aws_documentation() {
    // AWS's worked example of the string to sign for get-vanilla.
    let canonical = "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                     host;x-amz-date\n\
                     e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let string_to_sign = string_to_sign(
        "20150830T123600Z",
        "20150830/us-east-1/service/aws4_request",
        canonical,
    );
    assert_eq!(
        string_to_sign,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
         bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
    );
    assert_eq!(
        signature(SECRET, "20150830", "us-east-1", "service", &string_to_sign),
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
}

#[test]
fn signatures_are_compared_in_constant_time() {
    let expected = [b'a'; 64];
    let same = "a".repeat(64);
    assert!(signatures_match(&expected, &same));
    for at in [0, 7, 8, 63] {
        let mut other = same.clone().into_bytes();
        other[at] = b'b';
        let other = String::from_utf8(other).unwrap();
        assert!(!signatures_match(&expected, &other), "differs at {at}");
    }
    assert!(!signatures_match(&expected, &same[1..]));
    assert!(!signatures_match(&expected, &format!("{same}a")));
    assert!(!signatures_match(&expected, ""));
    // The only comparison of signatures goes through `subtle`: a plain `==` would return at the
    // first differing byte and let response timing guide a forger.
    let source = include_str!("lib.rs");
    assert_eq!(
        source.matches("signatures_match(").count(),
        2,
        "one definition, one use"
    );
    assert!(source.contains(".ct_eq("));
    assert!(!source.contains("signature =="));
    assert!(!source.contains("== authorization.signature"));
}

#[test]
fn hostile_inputs_are_refused_without_panicking() {
    let garbage = [
        "",
        " ",
        "%",
        "%%",
        "%zz",
        "=",
        "&",
        "&&==&",
        "/../..",
        "\u{1234}\u{e9}",
        "a=%E1%88",
        ";;;",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ,,,",
        "AWS4-HMAC-SHA256 =",
        "AWS4-HMAC-SHA256 a=b=c",
        "AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;, Signature=",
        "AWS4-HMAC-SHA256 Credential=\u{e9}/\u{e9}/\u{e9}/\u{e9}/aws4_request, \
         SignedHeaders=host, Signature=\u{e9}",
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%2F%2F%2F%2F&X-Amz-Date=x\
         &X-Amz-SignedHeaders=host&X-Amz-Signature=&X-Amz-Expires=-9223372036854775808",
    ];
    for text in garbage {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(text) {
            headers.insert("authorization", value.clone());
            headers.insert("x-amz-date", value.clone());
            headers.insert("date", value);
        }
        headers.insert("host", HeaderValue::from_bytes(b"h\xff\xfe").unwrap());
        let request = RequestParts {
            method: text,
            path: text,
            query: Some(text),
            headers: &headers,
        };
        if let Ok(Some(authorization)) = parse(&request) {
            for now in [i64::MIN, -1, 0, NOW, i64::MAX] {
                assert!(verify(&request, &authorization, SECRET, text, now).is_err());
            }
        }
        let _ = canonical_request(&request, &[text.to_owned()], text);
    }
}

#[test]
fn empty_payload_constant_is_the_hash_of_nothing() {
    assert_eq!(EMPTY_PAYLOAD_SHA256, sha256_hex(b""));
}
