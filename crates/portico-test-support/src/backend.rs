//! An HTTP backend for tests: answers with a JSON description of the request it received
//! and remembers every request.
//!
//! Paths with special meaning: `…/status/{code}` answers that status; `…/slow/{ms}` waits
//! before answering; `…/chunked/{n}` streams `n` chunks, 5 ms apart.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// One request the backend received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query as received.
    pub uri: String,
    pub headers: BTreeMap<String, Vec<String>>,
    pub body: Vec<u8>,
}

/// A running echo backend.
#[derive(Clone)]
pub struct EchoBackend {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// `127.0.0.1:PORT`.
    pub authority: String,
    received: Arc<Mutex<Vec<Received>>>,
}

/// A response body: fixed bytes or chunks streamed with a delay.
enum EchoBody {
    Full(Option<Bytes>),
    Chunks {
        remaining: usize,
        delay: Option<Pin<Box<tokio::time::Sleep>>>,
    },
}

impl hyper::body::Body for EchoBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            EchoBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            EchoBody::Chunks { remaining, delay } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let timer = delay
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(5))));
                if timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *delay = None;
                *remaining -= 1;
                Poll::Ready(Some(Ok(Frame::data(Bytes::from(format!(
                    "chunk{remaining}\n"
                ))))))
            }
        }
    }
}

// === impl EchoBackend ===

impl EchoBackend {
    /// Starts a backend on a free loopback port.
    pub async fn start() -> EchoBackend {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind backend");
        let address = listener.local_addr().expect("backend address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&received);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| answer(Arc::clone(&shared), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        EchoBackend {
            url: format!("http://{address}"),
            authority: address.to_string(),
            received,
        }
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("backend log").clone()
    }

    /// The most recent request.
    pub fn last(&self) -> Option<Received> {
        self.received.lock().expect("backend log").last().cloned()
    }
}

async fn answer(
    log: Arc<Mutex<Vec<Received>>>,
    request: Request<Incoming>,
) -> Result<Response<EchoBody>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = http_body_util::Limited::new(body, 64 * 1024 * 1024);
    #[allow(clippy::disallowed_methods)] // bounded by `Limited` just above
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes().to_vec())
        .unwrap_or_default();
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in &parts.headers {
        headers
            .entry(name.as_str().to_owned())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    let uri = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let received = Received {
        method: parts.method.to_string(),
        uri: uri.clone(),
        headers: headers.clone(),
        body: body.clone(),
    };
    log.lock().expect("backend log").push(received);

    let path = parts.uri.path();
    let mut status = StatusCode::OK;
    if let Some(code) = segment_after(path, "status") {
        status = code
            .parse::<u16>()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .unwrap_or(StatusCode::OK);
    }
    if let Some(ms) = segment_after(path, "slow").and_then(|ms| ms.parse::<u64>().ok()) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if let Some(count) = segment_after(path, "chunked").and_then(|n| n.parse::<usize>().ok()) {
        let mut response = Response::new(EchoBody::Chunks {
            remaining: count,
            delay: None,
        });
        response
            .headers_mut()
            .insert("content-type", "text/plain".parse().expect("header"));
        return Ok(response);
    }
    let description: Value = json!({
        "method": parts.method.as_str(),
        "uri": uri,
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    let mut response = Response::new(EchoBody::Full(Some(Bytes::from(description.to_string()))));
    *response.status_mut() = status;
    let out = response.headers_mut();
    out.insert("content-type", "application/json".parse().expect("header"));
    out.insert("server", "echo-backend".parse().expect("header"));
    out.insert("x-echo", "1".parse().expect("header"));
    Ok(response)
}

fn segment_after<'p>(path: &'p str, marker: &str) -> Option<&'p str> {
    let mut segments = path.split('/');
    segments.find(|segment| *segment == marker)?;
    segments.next()
}

/// An HTTPS echo backend with a self-signed certificate for `localhost` (no public CA trusts
/// it, so only `insecureSkipVerification` integrations can reach it).
pub async fn start_tls() -> EchoBackend {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
        .expect("self-signed certificate");
    let certificate = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::try_from(certified.signing_key.serialize_der())
        .expect("private key");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind backend");
    let port = listener.local_addr().expect("backend address").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let shared = Arc::clone(&received);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let shared = Arc::clone(&shared);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = service_fn(move |request| answer(Arc::clone(&shared), request));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    EchoBackend {
        url: format!("https://localhost:{port}"),
        authority: format!("localhost:{port}"),
        received,
    }
}
