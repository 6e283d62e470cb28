//! Calling HTTP backends: connections (TCP, TLS with the Mozilla roots), the per-worker
//! keep-alive pool, sending a request head and body, reading the response head.
//!
//! A request that fails on a pooled connection before any response byte arrived is retried
//! once on a fresh connection when its body can be sent again (none, or buffered): the
//! backend may have closed the idle connection just as it was reused.

pub mod pool;
pub mod stream;

use std::io;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use portico_snapshot::integration::HttpTarget;

use crate::http1::body::{BodyError, BodyReader, OutFraming};
use crate::http1::conn::{Conn, ConnError};
use crate::http1::head::{self, ResponseHead};
use stream::BackendStream;

/// Largest response head accepted from a backend.
const MAX_RESPONSE_HEAD: usize = 64 * 1024;

/// TLS settings for backends.
#[derive(Clone)]
pub struct Backends {
    verified: TlsConnector,
    insecure: TlsConnector,
    /// The host of Lambda functions (`AWS`/`AWS_PROXY` integrations, Lambda authorizers).
    functions: Option<portico_functions::FunctionHost>,
    /// The issuers and key sets of Cognito user-pool authorizers.
    user_pools: Arc<portico_jwt::UserPools>,
}

impl std::fmt::Debug for Backends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backends").finish_non_exhaustive()
    }
}

/// The body that goes with a request.
pub enum Outgoing<'a, C> {
    /// Already in memory (may be empty); can be sent again on retry.
    Buffered(&'a [u8]),
    /// Streamed from the client as it arrives.
    Streamed {
        client: &'a mut Conn<C>,
        reader: &'a mut BodyReader,
        framing: OutFraming,
        limit: u64,
    },
}

/// A backend call that failed before a response head arrived.
#[derive(Debug)]
pub enum UpstreamError {
    /// Could not connect or complete the TLS handshake.
    Connect(io::Error),
    /// The connection failed while sending or waiting.
    Exchange(ConnError),
    /// The backend answered something that is not HTTP/1.x.
    Protocol(&'static str),
    /// The client's body could not be read (too large, malformed, client gone).
    ClientBody(BodyError),
}

impl std::fmt::Display for UpstreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpstreamError::Connect(err) => write!(f, "connecting to the backend: {err}"),
            UpstreamError::Exchange(err) => write!(f, "backend exchange failed: {err}"),
            UpstreamError::Protocol(what) => write!(f, "invalid backend response: {what}"),
            UpstreamError::ClientBody(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for UpstreamError {}

/// A response head received from a backend, with the connection positioned after it.
#[derive(Debug)]
pub struct Received {
    pub conn: Conn<BackendStream>,
    pub head: ResponseHead,
    /// The bytes of the head; [`ResponseHead`]'s ranges point into them.
    pub head_bytes: bytes::Bytes,
}

// === impl Backends ===

impl Backends {
    /// Backends verified against the Mozilla root certificates; `insecureSkipVerification`
    /// integrations get a connector that accepts any certificate.
    pub fn new() -> Backends {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let verified = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map(|builder| builder.with_root_certificates(roots).with_no_client_auth());
        let insecure = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map(|builder| {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(AnyCertificate { provider }))
                    .with_no_client_auth()
            });
        // The default provider supports the default protocol versions; failing here would
        // mean a broken build of rustls, which no configuration can fix.
        let (mut verified, mut insecure) = match (verified, insecure) {
            (Ok(verified), Ok(insecure)) => (verified, insecure),
            (Err(err), _) | (_, Err(err)) => {
                panic!("rustls rejects its own default protocol versions: {err}")
            }
        };
        verified.alpn_protocols = vec![b"http/1.1".to_vec()];
        insecure.alpn_protocols = vec![b"http/1.1".to_vec()];
        Backends {
            verified: TlsConnector::from(Arc::new(verified)),
            insecure: TlsConnector::from(Arc::new(insecure)),
            functions: None,
            user_pools: Arc::default(),
        }
    }

    /// The same backends with configured user pools.
    pub fn with_user_pools(mut self, user_pools: Arc<portico_jwt::UserPools>) -> Backends {
        self.user_pools = user_pools;
        self
    }

    /// The user pools of Cognito authorizers.
    pub fn user_pools(&self) -> &portico_jwt::UserPools {
        &self.user_pools
    }

    /// The same backends with a function host for Lambda integrations.
    pub fn with_functions(mut self, host: portico_functions::FunctionHost) -> Backends {
        self.functions = Some(host);
        self
    }

    /// The function host, if this gateway hosts functions.
    pub fn functions(&self) -> Option<&portico_functions::FunctionHost> {
        self.functions.as_ref()
    }

    /// Opens a new connection to the target's backend.
    async fn connect(&self, target: &HttpTarget) -> Result<Conn<BackendStream>, UpstreamError> {
        let uri = &target.uri;
        let tcp = TcpStream::connect((&*uri.host, uri.port))
            .await
            .map_err(UpstreamError::Connect)?;
        let _ = tcp.set_nodelay(true);
        if uri.scheme != http::uri::Scheme::HTTPS {
            return Ok(Conn::new(BackendStream::Plain(tcp)));
        }
        let name = ServerName::try_from(uri.host.to_string()).map_err(|err| {
            UpstreamError::Connect(io::Error::new(io::ErrorKind::InvalidInput, err))
        })?;
        let connector = if target.insecure_skip_verification {
            &self.insecure
        } else {
            &self.verified
        };
        let tls = connector
            .connect(name, tcp)
            .await
            .map_err(UpstreamError::Connect)?;
        Ok(Conn::new(BackendStream::Tls(Box::new(tls))))
    }

    /// Sends `request_head` and the body, and reads the response head (skipping `1xx`).
    /// The caller bounds the whole call with the integration timeout.
    pub async fn send<C: AsyncRead + AsyncWrite + Unpin>(
        &self,
        target: &HttpTarget,
        method: &http::Method,
        request_head: &[u8],
        mut body: Outgoing<'_, C>,
    ) -> Result<Received, UpstreamError> {
        let mut retried = false;
        loop {
            let (mut conn, reused) = match pool::checkout(&target.pool_key) {
                Some(conn) => (conn, true),
                // Boxed: the connect/TLS state is large and rare; inline it would grow every
                // proxied request's future (and the bytes copied per request).
                None => (Box::pin(self.connect(target)).await?, false),
            };
            let replayable = matches!(body, Outgoing::Buffered(_));
            match exchange(&mut conn, method, request_head, &mut body).await {
                Ok(head) => {
                    let head_bytes = conn.read.split_to(head.len).freeze();
                    return Ok(Received {
                        conn,
                        head,
                        head_bytes,
                    });
                }
                Err(Failure::BeforeResponse(err)) if reused && replayable && !retried => {
                    tracing::debug!(error = %err, "pooled backend connection failed; retrying on a new one");
                    retried = true;
                }
                Err(Failure::BeforeResponse(err) | Failure::Other(err)) => return Err(err),
            }
        }
    }
}

impl Default for Backends {
    fn default() -> Self {
        Backends::new()
    }
}

enum Failure {
    /// Nothing came back: a stale pooled connection looks like this.
    BeforeResponse(UpstreamError),
    Other(UpstreamError),
}

async fn exchange<C: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<BackendStream>,
    method: &http::Method,
    request_head: &[u8],
    body: &mut Outgoing<'_, C>,
) -> Result<ResponseHead, Failure> {
    match body {
        Outgoing::Buffered(bytes) if !bytes.is_empty() && bytes.len() <= 64 * 1024 => {
            let mut both = Vec::with_capacity(request_head.len() + bytes.len());
            both.extend_from_slice(request_head);
            both.extend_from_slice(bytes);
            conn.write_all(&both)
                .await
                .map_err(|err| Failure::BeforeResponse(UpstreamError::Exchange(err)))?;
        }
        Outgoing::Buffered(bytes) => {
            conn.write_all(request_head)
                .await
                .map_err(|err| Failure::BeforeResponse(UpstreamError::Exchange(err)))?;
            if !bytes.is_empty() {
                conn.write_all(bytes)
                    .await
                    .map_err(|err| Failure::BeforeResponse(UpstreamError::Exchange(err)))?;
            }
        }
        Outgoing::Streamed {
            client,
            reader,
            framing,
            limit,
        } => {
            let mut pending = request_head.to_vec();
            reader
                .take_available(client, *framing, *limit, &mut pending)
                .map_err(|err| Failure::Other(client_body(err)))?;
            reader
                .forward(client, conn, *framing, *limit, &mut pending)
                .await
                .map_err(|err| match err {
                    BodyError::Sink(err) => Failure::Other(UpstreamError::Exchange(err)),
                    other => Failure::Other(UpstreamError::ClientBody(other)),
                })?;
        }
    }
    let mut received_any = false;
    loop {
        if !conn.read.is_empty() {
            received_any = true;
            match head::parse_response(&conn.read, method) {
                Ok(Some(head)) if (100..200).contains(&head.status) && head.status != 101 => {
                    conn.consume(head.len);
                    continue;
                }
                Ok(Some(head)) if head.status == 101 => {
                    return Err(Failure::Other(UpstreamError::Protocol(
                        "protocol upgrades are not supported",
                    )));
                }
                Ok(Some(head)) => return Ok(head),
                Ok(None) if conn.read.len() > MAX_RESPONSE_HEAD => {
                    return Err(Failure::Other(UpstreamError::Protocol(
                        "response head too large",
                    )));
                }
                Ok(None) => {}
                Err(_) => {
                    return Err(Failure::Other(UpstreamError::Protocol(
                        "malformed response head",
                    )));
                }
            }
        }
        match conn.fill_unbounded().await {
            Ok(0) if received_any => {
                return Err(Failure::Other(UpstreamError::Exchange(ConnError::Closed)));
            }
            Ok(0) => {
                return Err(Failure::BeforeResponse(UpstreamError::Exchange(
                    ConnError::Closed,
                )));
            }
            Ok(_) => {}
            Err(err) if received_any => return Err(Failure::Other(UpstreamError::Exchange(err))),
            Err(err) => return Err(Failure::BeforeResponse(UpstreamError::Exchange(err))),
        }
    }
}

fn client_body(err: BodyError) -> UpstreamError {
    UpstreamError::ClientBody(err)
}

/// Accepts every certificate: `tlsConfig.insecureSkipVerification`. Signatures are still
/// checked, so the handshake is with the holder of the presented key.
#[derive(Debug)]
struct AnyCertificate {
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
