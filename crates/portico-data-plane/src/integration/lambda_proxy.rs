//! `AWS_PROXY` Lambda integrations: the request becomes the proxy event (format 1.0), the
//! function's output `{statusCode, headers, multiValueHeaders, body, isBase64Encoded}`
//! becomes the response (reference §4.1, §4.2). A function error or malformed output is a
//! 502 `{"message": "Internal server error"}`.

use base64::Engine as _;
use bytes::Bytes;
use http::header::{self, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use portico_snapshot::integration::LambdaTarget;
use serde_json::Value;

use super::lambda::{InvocationType, call};
use super::proxy_event::proxy_event;
use crate::gateway_response::{GatewayResponseType, Reject};
use crate::invocation::Invocation;
use crate::pipeline::Client;
use crate::upstream::Backends;

/// The keys a proxy response may have; anything else makes it malformed.
const OUTPUT_KEYS: [&str; 5] = [
    "statusCode",
    "headers",
    "multiValueHeaders",
    "body",
    "isBase64Encoded",
];

/// Headers a function may not set: the gateway frames the response itself.
const FRAMING_HEADERS: [&str; 4] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
];

/// Invokes the function with the proxy event and turns its output into the response.
pub async fn invoke(
    invocation: &Invocation<'_>,
    backends: &Backends,
    target: &LambdaTarget,
    mut client: Client<'_>,
) -> Result<Response<Bytes>, Reject> {
    let body = client.whole_body().await?;
    let event = proxy_event(invocation, &body, invocation.authorizer.clone());
    let payload = serde_json::to_vec(&event)
        .map_err(|err| Reject::with_cause(GatewayResponseType::Default5xx, err))?;
    let source_arn = invocation
        .stage
        .access
        .method_arn(invocation.head.method.as_str(), invocation.path);
    let result = call(
        backends,
        target,
        Bytes::from(payload),
        InvocationType::Sync,
        &source_arn,
    )
    .await?
    .ok_or_else(|| malformed("no result from a synchronous invocation"))?;
    if result.function_error.is_some() {
        return Err(malformed(format!(
            "Lambda execution failed with status 200 due to customer function error: {}",
            String::from_utf8_lossy(&result.payload)
        )));
    }
    let binary_accept = crate::binary::is_binary(
        &invocation.stage.binary_media_types,
        crate::binary::first_accept(invocation.head.header_str("accept")),
    );
    proxy_response(&result.payload, binary_accept)
}

/// Parses the function's output into the response.
pub fn proxy_response(payload: &[u8], binary_accept: bool) -> Result<Response<Bytes>, Reject> {
    let Ok(Value::Object(output)) = serde_json::from_slice::<Value>(payload) else {
        return Err(malformed("output is not a JSON object"));
    };
    if let Some(key) = output
        .keys()
        .find(|key| !OUTPUT_KEYS.contains(&key.as_str()))
    {
        return Err(malformed(format!("unexpected key {key:?}")));
    }
    let status = match output.get("statusCode") {
        Some(Value::Number(number)) => number.as_u64(),
        Some(Value::String(text)) => text.trim().parse().ok(),
        _ => None,
    }
    .and_then(|code| u16::try_from(code).ok())
    .and_then(|code| StatusCode::from_u16(code).ok())
    .ok_or_else(|| malformed("statusCode is missing or not a status code"))?;
    let encoded = match output.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(malformed("isBase64Encoded is not a boolean")),
    };
    let text = match output.get("body") {
        None | Some(Value::Null) => "",
        Some(Value::String(text)) => text.as_str(),
        Some(_) => return Err(malformed("body is not a string")),
    };
    let body = if encoded && binary_accept {
        Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| malformed("body is not valid base64"))?,
        )
    } else {
        Bytes::copy_from_slice(text.as_bytes())
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Some(single) = output.get("headers").filter(|v| !v.is_null()) {
        let Value::Object(single) = single else {
            return Err(malformed("headers is not an object"));
        };
        for (name, value) in single {
            if let Some((name, value)) = header(name, value)? {
                headers.insert(name, value);
            }
        }
    }
    if let Some(multi) = output.get("multiValueHeaders").filter(|v| !v.is_null()) {
        let Value::Object(multi) = multi else {
            return Err(malformed("multiValueHeaders is not an object"));
        };
        for (name, values) in multi {
            let Value::Array(values) = values else {
                return Err(malformed("a multiValueHeaders entry is not a list"));
            };
            // On the same name the multi-value entry wins.
            let mut first = true;
            for value in values {
                if let Some((name, value)) = header(name, value)? {
                    if first {
                        headers.insert(name, value);
                        first = false;
                    } else {
                        headers.append(name, value);
                    }
                }
            }
        }
    }
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    Ok(response)
}

/// One output header: strings, numbers and booleans are sent as text; framing headers
/// are dropped.
fn header(name: &str, value: &Value) -> Result<Option<(HeaderName, HeaderValue)>, Reject> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        Value::Null => return Ok(None),
        _ => return Err(malformed(format!("header {name} is not a string"))),
    };
    if FRAMING_HEADERS
        .iter()
        .any(|framing| framing.eq_ignore_ascii_case(name))
    {
        return Ok(None);
    }
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| malformed(format!("invalid header name {name:?}")))?;
    let value = HeaderValue::from_str(&text)
        .map_err(|_| malformed(format!("invalid value of header {name}")))?;
    Ok(Some((name, value)))
}

/// AWS's answer to a failed function or malformed output: 502 with the 5XX body.
fn malformed(reason: impl Into<String>) -> Reject {
    Reject::with_cause(
        GatewayResponseType::Default5xx,
        format!(
            "Execution failed due to configuration error: Malformed Lambda proxy response: {}",
            reason.into()
        ),
    )
    .with_status(StatusCode::BAD_GATEWAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(payload: &str) -> Response<Bytes> {
        proxy_response(payload.as_bytes(), false).expect("well-formed output")
    }

    fn refused(payload: &str) -> Reject {
        proxy_response(payload.as_bytes(), false).expect_err("malformed output")
    }

    #[test]
    fn output_becomes_the_response() {
        let response = ok(
            r#"{"statusCode": 201, "headers": {"X-One": "1", "X-Num": 5},
                "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]}, "body": "hi"}"#,
        );
        assert_eq!(response.status(), 201);
        assert_eq!(response.headers()["x-one"], "1");
        assert_eq!(response.headers()["x-num"], "5");
        let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.body(), "hi");
    }

    #[test]
    fn multi_value_headers_win_over_single_ones() {
        let response = ok(r#"{"statusCode": 200, "headers": {"X-A": "single"},
                "multiValueHeaders": {"X-A": ["m1", "m2"]}}"#);
        let values: Vec<_> = response.headers().get_all("x-a").iter().collect();
        assert_eq!(values, ["m1", "m2"]);
        assert_eq!(response.body(), "");
    }

    #[test]
    fn base64_bodies_are_decoded_only_for_binary_accepts() {
        let output = r#"{"statusCode": 200, "body": "AAEC", "isBase64Encoded": true}"#;
        let binary = proxy_response(output.as_bytes(), true).expect("valid");
        assert_eq!(binary.body().as_ref(), [0u8, 1, 2]);
        let text = proxy_response(output.as_bytes(), false).expect("valid");
        assert_eq!(text.body(), "AAEC");
    }

    #[test]
    fn malformed_outputs_are_502() {
        for payload in [
            "not json",
            "[1]",
            r#"{"body": "no status"}"#,
            r#"{"statusCode": 200, "body": {"an": "object"}}"#,
            r#"{"statusCode": 200, "extra": 1}"#,
            r#"{"statusCode": 99999}"#,
            r#"{"statusCode": 200, "headers": {"X": {"nested": 1}}}"#,
            r#"{"statusCode": 200, "multiValueHeaders": {"X": "not a list"}}"#,
        ] {
            let reject = refused(payload);
            assert_eq!(reject.kind, GatewayResponseType::Default5xx, "{payload}");
            assert_eq!(reject.status, Some(StatusCode::BAD_GATEWAY), "{payload}");
        }
    }

    #[test]
    fn framing_headers_of_the_function_are_dropped() {
        let response = ok(
            r#"{"statusCode": 200, "headers": {"Content-Length": "99", "Connection": "close"}}"#,
        );
        assert!(response.headers().get("content-length").is_none());
        assert!(response.headers().get("connection").is_none());
    }
}
