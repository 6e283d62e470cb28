//! One bounded HTTP(S) GET for a key set: its own connection (no pool: a key set is fetched
//! rarely), HTTP/1.1, TLS verified against the Mozilla roots, an overall deadline, a body cap
//! checked as the bytes arrive, and no redirects (a provider's JWKS address is exact).

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_LENGTH, HOST, USER_AGENT};
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Empty};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::JwtError;

/// A TLS connector trusting the Mozilla root certificates; `None` if rustls refuses its own
/// default protocol versions (a broken build), in which case only `http://` works.
pub(crate) fn tls_connector() -> Option<TlsConnector> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Some(TlsConnector::from(Arc::new(config)))
}

/// GETs `url` and returns its body: status 200 only, at most `max_body` bytes, everything
/// (resolving, connecting, TLS, the whole response) within `timeout`.
pub(crate) async fn get(
    url: &str,
    tls: Option<&TlsConnector>,
    timeout: Duration,
    max_body: usize,
) -> Result<Vec<u8>, JwtError> {
    match tokio::time::timeout(timeout, get_unbounded_time(url, tls, max_body)).await {
        Ok(result) => result,
        Err(_) => Err(failure(url, format!("timed out after {timeout:?}"))),
    }
}

async fn get_unbounded_time(
    url: &str,
    tls: Option<&TlsConnector>,
    max_body: usize,
) -> Result<Vec<u8>, JwtError> {
    let uri: Uri = url
        .parse()
        .map_err(|err| failure(url, format!("invalid URL: {err}")))?;
    let secure = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(failure(url, "not an http:// or https:// URL")),
    };
    let (Some(authority), Some(host)) = (uri.authority(), uri.host()) else {
        return Err(failure(url, "no host"));
    };
    // `Uri::host` keeps the brackets of an IPv6 literal; sockets and TLS want the address.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    let path = uri.path_and_query().map_or("/", |path| path.as_str());
    let request = Request::get(path)
        .header(HOST, authority.as_str())
        .header(ACCEPT, "application/json")
        .header(USER_AGENT, "portico-jwt")
        .body(Empty::<Bytes>::new())
        .map_err(|err| failure(url, err))?;

    let tcp = TcpStream::connect((host, port))
        .await
        .map_err(|err| failure(url, format!("connecting: {err}")))?;
    // Small request, small response: Nagle would only add latency.
    let _ = tcp.set_nodelay(true);
    if !secure {
        return exchange(url, tcp, request, max_body).await;
    }
    let Some(connector) = tls else {
        return Err(failure(url, "TLS is unavailable"));
    };
    let server_name = ServerName::try_from(host.to_owned())
        .map_err(|err| failure(url, format!("invalid TLS server name: {err}")))?;
    let stream = connector
        .connect(server_name, tcp)
        .await
        .map_err(|err| failure(url, format!("TLS: {err}")))?;
    exchange(url, stream, request, max_body).await
}

/// Sends `request` on a fresh HTTP/1.1 connection over `stream` and reads the body, driving
/// the connection in this task (no spawned task outlives the deadline).
async fn exchange<S>(
    url: &str,
    stream: S,
    request: Request<Empty<Bytes>>,
    max_body: usize,
) -> Result<Vec<u8>, JwtError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| failure(url, err))?;
    let response = async move {
        let response = sender
            .send_request(request)
            .await
            .map_err(|err| failure(url, err))?;
        if response.status() != StatusCode::OK {
            return Err(failure(url, format!("status {}", response.status())));
        }
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared.is_some_and(|declared| declared > max_body as u64) {
            return Err(failure(url, format!("body over {max_body} bytes")));
        }
        let mut body = response.into_body();
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|err| failure(url, err))?;
            if let Ok(data) = frame.into_data() {
                if bytes.len() + data.len() > max_body {
                    return Err(failure(url, format!("body over {max_body} bytes")));
                }
                bytes.extend_from_slice(&data);
            }
        }
        Ok(bytes)
    };
    let mut connection = pin!(connection);
    let mut response = pin!(response);
    tokio::select! {
        result = &mut response => result,
        closed = &mut connection => match closed {
            // A connection that ends cleanly has handed the whole response to `response`.
            Ok(()) => response.await,
            Err(err) => Err(failure(url, err)),
        },
    }
}

fn failure(url: &str, reason: impl std::fmt::Display) -> JwtError {
    JwtError::Fetch(format!("{url}: {reason}"))
}
