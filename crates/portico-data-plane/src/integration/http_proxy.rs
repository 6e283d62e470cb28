//! `HTTP_PROXY`: the client's request goes to the backend with its method, headers, query
//! and body (streamed, not buffered); the backend's response comes back as it is, streamed,
//! with hop-by-hop headers dropped and some headers remapped (reference §4).

use http::header::{self, HeaderValue};
use http::{Request, Response};
use hyper::body::Incoming;
use portico_snapshot::integration::HttpTarget;

use super::backend::Backend;
use super::mapping::{self, build_uri};
use crate::body::{Body, Limited, MAX_PAYLOAD_BYTES, Outbound, collect_limited};
use crate::gateway_response::{GatewayResponseType, Reject};
use crate::headers;
use crate::invocation::Invocation;

const X_FORWARDED_FOR: &str = "x-forwarded-for";
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";
const X_FORWARDED_PORT: &str = "x-forwarded-port";
const X_AMZN_APIGATEWAY_API_ID: &str = "x-amzn-apigateway-api-id";

/// Proxies the request to the backend.
pub async fn invoke(
    mut invocation: Invocation<'_>,
    backend: &Backend,
    target: &HttpTarget,
    body: Incoming,
) -> Result<Response<Body>, Reject> {
    if declared_length(&invocation.headers).is_some_and(|length| length > MAX_PAYLOAD_BYTES) {
        return Err(Reject::new(GatewayResponseType::RequestTooLarge));
    }
    // A mapping that reads the body needs it whole; everything else streams.
    let (outbound, buffered) = if mapping::reads_body(&target.parameters) {
        let bytes = collect_limited(body)
            .await
            .map_err(Reject::from_body_error)?;
        (Outbound::Full(Some(bytes.clone())), Some(bytes))
    } else {
        (Outbound::Streaming(Limited::new(body)), None)
    };
    let mapped = mapping::evaluate(&invocation, &target.parameters, buffered.as_deref());
    let uri = build_uri(target, &invocation, &mapped, invocation.query)?;

    let mut headers = std::mem::take(&mut invocation.headers);
    headers::strip_request(&mut headers);
    forwarded_headers(&mut headers, &invocation);
    for (name, value) in mapped.headers {
        headers.insert(name, value);
    }
    headers.insert(header::HOST, target.uri.host_header.clone());

    let mut request = Request::new(outbound);
    *request.method_mut() = target.method.clone().unwrap_or(invocation.method);
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;

    let response = backend.send(request, target.timeout).await?;
    let (mut head, body) = response.into_parts();
    headers::rewrite_response(&mut head.headers);
    Ok(Response::from_parts(head, Body::Streaming(body)))
}

/// `Content-Length` as a number, if the client declared one.
fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

/// Appends the client address to `X-Forwarded-For` and states the protocol and port the
/// client used, as AWS does for HTTP backends.
fn forwarded_headers(headers: &mut http::HeaderMap, invocation: &Invocation<'_>) {
    let client_ip = invocation.connection.remote.ip();
    let forwarded_for = match headers
        .get(X_FORWARDED_FOR)
        .and_then(|value| value.to_str().ok())
    {
        Some(existing) => HeaderValue::try_from(format!("{existing}, {client_ip}")),
        None => HeaderValue::try_from(client_ip.to_string()),
    };
    if let Ok(value) = forwarded_for {
        headers.insert(X_FORWARDED_FOR, value);
    }
    headers.insert(
        X_FORWARDED_PROTO,
        HeaderValue::from_static(invocation.connection.scheme),
    );
    headers.insert(
        X_FORWARDED_PORT,
        HeaderValue::from(invocation.connection.local.port()),
    );
    headers.insert(
        X_AMZN_APIGATEWAY_API_ID,
        invocation.stage.api_id_header.clone(),
    );
}
