//! `HTTP_PROXY`: the client's request goes to the backend with its method, headers, query
//! and body (streamed, not buffered); the backend's response comes back as it is, streamed,
//! with hop-by-hop headers dropped and some headers remapped (reference §4).
//!
//! This is the hot path. The backend request head is written straight from the client's
//! raw header lines, the client response head straight from the backend's, and a small body
//! that has already arrived leaves together with its head in one write.

use bytes::Bytes;
use http::StatusCode;
use portico_snapshot::integration::HttpTarget;

use super::mapping::{self, request_target};
use crate::gateway_response::{GatewayResponseType, Reject};
use crate::headers::{self, ResponseRule};
use crate::http1::body::{BodyReader, OutFraming};
use crate::http1::head::{Framing, Version};
use crate::http1::response::{self, ResponseFraming, push_header};
use crate::invocation::Invocation;
use crate::pipeline::{Client, Handled};
use crate::upstream::{Backends, Outgoing, Received, UpstreamError, pool};

/// Largest request or response payload, as on AWS (10 MB).
pub const MAX_PAYLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// Proxies the request to the backend and streams the answer to the client, or with
/// `buffer` returns it whole (for the cache).
pub async fn invoke(
    invocation: &Invocation<'_>,
    backends: &Backends,
    target: &HttpTarget,
    mut client: Client<'_>,
    buffer: bool,
) -> Result<Handled, Reject> {
    let head = invocation.head;
    if matches!(head.framing, Framing::Length(length) if length > MAX_PAYLOAD_BYTES) {
        return Err(Reject::new(GatewayResponseType::RequestTooLarge).closing());
    }
    // A mapping that reads the body needs it whole; everything else streams.
    let buffered: Option<Bytes> =
        if mapping::reads_body(&target.parameters) || client.buffered.is_some() {
            Some(client.whole_body().await?)
        } else {
            None
        };
    let mapped = mapping::evaluate(invocation, &target.parameters, buffered.as_deref());
    let method = target.method.as_ref().unwrap_or(&head.method);

    // The connection's scratch buffer carries the backend request head, then the response head.
    let mut request = std::mem::take(&mut client.conn.scratch);
    request.clear();
    request.extend_from_slice(method.as_str().as_bytes());
    request.push(b' ');
    request_target(&mut request, target, invocation, &mapped, head.query());
    request.extend_from_slice(b" HTTP/1.1\r\n");
    push_header(&mut request, b"host", target.uri.host_header.as_bytes());
    let listed = head.header("connection");
    // The SigV4 signature of an AWS_IAM call was for the gateway; AWS does not pass it on.
    let signed = invocation.access.caller.is_some();
    for (name, value) in head.headers() {
        let overridden = mapped
            .headers
            .iter()
            .any(|(mapped_name, _)| mapped_name.as_str().eq_ignore_ascii_case(name));
        let signature = signed && name.eq_ignore_ascii_case("authorization");
        if headers::forwarded_to_backend(name, listed) && !overridden && !signature {
            push_header(&mut request, name.as_bytes(), value);
        }
    }
    forwarded_headers(&mut request, invocation);
    for (name, value) in &mapped.headers {
        push_header(&mut request, name.as_str().as_bytes(), value.as_bytes());
    }
    let framing = match (&buffered, head.framing) {
        (Some(bytes), _) => Framing::Length(bytes.len() as u64),
        (None, framing) => framing,
    };
    match framing {
        Framing::Length(length) => {
            let mut digits = [0u8; 20];
            push_header(
                &mut request,
                b"content-length",
                response::format_u64(length, &mut digits),
            );
        }
        Framing::Chunked => push_header(&mut request, b"transfer-encoding", b"chunked"),
        Framing::Empty | Framing::UntilClose => {
            if matches!(
                *method,
                http::Method::POST | http::Method::PUT | http::Method::PATCH
            ) {
                push_header(&mut request, b"content-length", b"0");
            }
        }
    }
    request.extend_from_slice(b"\r\n");

    let Client {
        conn: client_conn,
        body,
        keep_alive,
        ..
    } = client;
    let outgoing = match &buffered {
        Some(bytes) => Outgoing::Buffered(bytes),
        None if body.is_done() => Outgoing::Buffered(&[]),
        None => Outgoing::Streamed {
            client: &mut client_conn.io,
            reader: &mut *body,
            framing: if framing == Framing::Chunked {
                OutFraming::Chunked
            } else {
                OutFraming::Raw
            },
            limit: MAX_PAYLOAD_BYTES,
        },
    };
    let deadline = tokio::time::Instant::now() + target.timeout;
    let received =
        match tokio::time::timeout_at(deadline, backends.send(target, method, &request, outgoing))
            .await
        {
            Ok(Ok(received)) => received,
            Ok(Err(err)) => {
                let mut reject = reject_upstream(err);
                reject.close |= !body.is_done();
                return Err(reject);
            }
            Err(_) => {
                return Err(Reject {
                    close: !body.is_done(),
                    ..Reject::new(GatewayResponseType::IntegrationTimeout)
                });
            }
        };
    client_conn.scratch = request;
    if buffer {
        // One deadline for the whole exchange: the head above and the body here.
        return tokio::time::timeout_at(deadline, buffer_response(invocation, target, received))
            .await
            .map_err(|_| Reject::new(GatewayResponseType::IntegrationTimeout))?
            .map(Handled::Full);
    }
    let keep_alive = keep_alive && body.is_done();
    let backend_head = *method == http::Method::HEAD;
    relay_response(
        invocation,
        target,
        received,
        client_conn,
        keep_alive,
        backend_head,
    )
    .await
}

/// Reads the backend's whole response, with the same header rules as the relay.
async fn buffer_response(
    invocation: &Invocation<'_>,
    target: &HttpTarget,
    received: Received,
) -> Result<http::Response<Bytes>, Reject> {
    let Received {
        mut conn,
        head: response,
        head_bytes,
    } = received;
    let status = StatusCode::from_u16(response.status).map_err(|_| {
        Reject::with_cause(
            GatewayResponseType::ApiConfigurationError,
            "backend sent an invalid status code",
        )
    })?;
    // The backend's framing already accounts for its own method and status; a HEAD from the
    // client sent on as another verb still has a body to read off the connection.
    let mut reader = BodyReader::new(response.framing);
    let mut body = reader
        .read_to_end(&mut conn, MAX_PAYLOAD_BYTES)
        .await
        .map_err(|err| Reject::with_cause(GatewayResponseType::ApiConfigurationError, err))?;
    if invocation.head.method == http::Method::HEAD {
        body = Bytes::new();
    }
    if response.keep_alive && reader.is_done() {
        pool::checkin(&target.pool_key, conn);
    }
    let mut out = http::Response::new(body);
    *out.status_mut() = status;
    let headers = out.headers_mut();
    for (name, value) in response.headers(&head_bytes) {
        let name = match headers::response_rule(name) {
            ResponseRule::Keep => name,
            ResponseRule::Remap(remapped) => remapped,
            ResponseRule::Drop => continue,
        };
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name),
            http::HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    Ok(out)
}

/// Writes the backend's response head and body to the client.
async fn relay_response(
    invocation: &Invocation<'_>,
    target: &HttpTarget,
    received: Received,
    client: &mut crate::http1::server::ClientConn,
    keep_alive: bool,
    backend_head: bool,
) -> Result<Handled, Reject> {
    let Received {
        mut conn,
        head: response,
        head_bytes,
    } = received;
    let request = invocation.head;
    let status = StatusCode::from_u16(response.status).map_err(|_| {
        Reject::with_cause(
            GatewayResponseType::ApiConfigurationError,
            "backend sent an invalid status code",
        )
    })?;
    let bodiless_status = status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let (client_framing, out, keep_alive) = match response.framing {
        _ if bodiless_status || request.method == http::Method::HEAD => {
            (ResponseFraming::None, OutFraming::Raw, keep_alive)
        }
        Framing::Empty => (ResponseFraming::Length(0), OutFraming::Raw, keep_alive),
        Framing::Length(length) => (ResponseFraming::Length(length), OutFraming::Raw, keep_alive),
        Framing::Chunked | Framing::UntilClose if request.version == Version::Http11 => {
            (ResponseFraming::Chunked, OutFraming::Chunked, keep_alive)
        }
        Framing::Chunked | Framing::UntilClose => (ResponseFraming::Close, OutFraming::Raw, false),
    };

    let out_buf = &mut client.scratch;
    out_buf.clear();
    response::start_head(out_buf, request.version, status);
    let keep_length = request.method == http::Method::HEAD;
    for (name, value) in response.headers(&head_bytes) {
        match headers::response_rule(name) {
            ResponseRule::Keep => push_header(out_buf, name, value),
            ResponseRule::Remap(remapped) => push_header(out_buf, remapped, value),
            ResponseRule::Drop if keep_length && name.eq_ignore_ascii_case(b"content-length") => {
                push_header(out_buf, name, value);
            }
            ResponseRule::Drop => {}
        }
    }
    response::finish_head(
        out_buf,
        invocation.ids,
        client_framing,
        keep_alive,
        request.version,
    );

    let mut body = BodyReader::new(response.framing);
    if client_framing == ResponseFraming::None {
        // HEAD, 1xx, 204 and 304 carry no body whatever their headers say.
        body = BodyReader::new(Framing::Empty);
    }
    let mut pending = std::mem::take(out_buf);
    let relayed = match body.take_available(&mut conn, out, u64::MAX, &mut pending) {
        Ok(()) => {
            body.forward(&mut conn, &mut client.io, out, u64::MAX, &mut pending)
                .await
        }
        Err(err) => Err(err),
    };
    pending.clear();
    client.scratch = pending;
    // When the client's HEAD went to the backend as another verb, the backend's body was not
    // read: the connection is not clean enough to reuse.
    let unread_body = client_framing == ResponseFraming::None
        && !backend_head
        && !bodiless_status
        && !matches!(response.framing, Framing::Empty | Framing::Length(0));
    match relayed {
        Ok(()) => {
            if response.keep_alive && body.is_done() && !unread_body {
                pool::checkin(&target.pool_key, conn);
            }
            Ok(Handled::Streamed { keep_alive })
        }
        Err(err) => {
            // The head may already be on its way: the only honest signal left is to close.
            tracing::debug!(request_id = invocation.ids.request_id_str(), error = %err, "response relay ended early");
            Ok(Handled::Streamed { keep_alive: false })
        }
    }
}

/// Appends `X-Forwarded-For` (the client address added to what the client sent),
/// `X-Forwarded-Proto`, `X-Forwarded-Port` and `X-Amzn-Apigateway-Api-Id`, as AWS sends them.
fn forwarded_headers(request: &mut Vec<u8>, invocation: &Invocation<'_>) {
    let connection = invocation.connection;
    request.extend_from_slice(b"x-forwarded-for: ");
    if let Some(existing) = invocation.head.header("x-forwarded-for") {
        request.extend_from_slice(existing);
        request.extend_from_slice(b", ");
    }
    write_ip(request, connection.remote.ip());
    request.extend_from_slice(b"\r\n");
    push_header(request, b"x-forwarded-proto", connection.scheme.as_bytes());
    let mut digits = [0u8; 20];
    push_header(
        request,
        b"x-forwarded-port",
        response::format_u64(u64::from(connection.local.port()), &mut digits),
    );
    push_header(
        request,
        b"x-amzn-apigateway-api-id",
        invocation.stage.api_id.as_bytes(),
    );
}

fn write_ip(out: &mut Vec<u8>, ip: std::net::IpAddr) {
    use std::io::Write;
    let _ = write!(out, "{ip}");
}

/// Maps a failed backend call to what AWS answers.
pub fn reject_upstream(err: UpstreamError) -> Reject {
    match err {
        UpstreamError::ClientBody(body) => Reject::from_body_error(body),
        other => Reject::with_cause(GatewayResponseType::ApiConfigurationError, other),
    }
}
