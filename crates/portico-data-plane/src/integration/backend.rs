//! The HTTP client for backends: keep-alive pools per backend, TLS through rustls, and
//! the integration timeout.

use std::time::Duration;

use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::body::{BoxError, Outbound, is_payload_too_large};
use crate::gateway_response::{GatewayResponseType, Reject};

/// How long an idle backend connection stays in the pool.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Idle connections kept per backend.
const POOL_MAX_IDLE_PER_HOST: usize = 1024;

/// Pooled client for HTTP and HTTPS backends.
#[derive(Clone)]
pub struct Backend {
    client: Client<HttpsConnector<HttpConnector>, Outbound>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend").finish_non_exhaustive()
    }
}

// === impl Backend ===

impl Backend {
    /// A client that trusts the Mozilla root certificates (webpki-roots).
    pub fn new() -> Backend {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_keepalive(Some(Duration::from_secs(60)));
        http.set_connect_timeout(Some(Duration::from_secs(10)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
            .set_host(false)
            .build(https);
        Backend { client }
    }

    /// Sends `request`, waiting at most `timeout` for the response head.
    pub async fn send(
        &self,
        request: http::Request<Outbound>,
        timeout: Duration,
    ) -> Result<http::Response<Incoming>, Reject> {
        match tokio::time::timeout(timeout, self.client.request(request)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(err)) => Err(classify(err.into())),
            Err(_) => Err(Reject::new(GatewayResponseType::IntegrationTimeout)),
        }
    }
}

impl Default for Backend {
    fn default() -> Self {
        Backend::new()
    }
}

/// A failed backend call: the client sent too much (413), or the backend could not be
/// reached or broke the exchange (AWS answers 500 "Internal server error").
fn classify(err: BoxError) -> Reject {
    if is_payload_too_large(err.as_ref()) {
        return Reject::new(GatewayResponseType::RequestTooLarge);
    }
    Reject::with_cause(GatewayResponseType::ApiConfigurationError, err)
}
