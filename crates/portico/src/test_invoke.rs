//! The data plane behind `TestInvokeMethod`: each test runs a private data plane that holds
//! only the compiled test stage, serving just the one loopback connection the test opens,
//! and sends the request through it over HTTP, so the test exercises the same pipeline as
//! real traffic.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use portico_control_plane::test_invoke::{MethodTester, TestRequest, TestResponse};
use portico_data_plane::DataPlane;
use portico_snapshot::{Live, StageSnapshot};

/// The largest response a test reports (AWS's payload limit).
const MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;

/// Runs test invocations with the gateway's function host and user pools.
pub struct DataPlaneTester {
    pub limits: portico_data_plane::Limits,
    pub functions: portico_functions::FunctionHost,
    pub user_pools: Arc<portico_jwt::UserPools>,
}

impl MethodTester for DataPlaneTester {
    fn invoke(
        &self,
        stage: StageSnapshot,
        request: TestRequest,
    ) -> Pin<Box<dyn Future<Output = Result<TestResponse, String>> + Send>> {
        let live = Arc::new(Live::default());
        live.publish_stage(Arc::new(stage));
        let data_plane = Arc::new(
            DataPlane::with_limits(live, self.limits)
                .with_functions(self.functions.clone())
                .with_user_pools(Arc::clone(&self.user_pools)),
        );
        Box::pin(async move {
            tokio::time::timeout(DEADLINE, run(data_plane, request))
                .await
                .map_err(|_| format!("no answer within {} s", DEADLINE.as_secs()))?
        })
    }
}

/// How long a test may take: the longest integration timeout (29 s) and a margin.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(35);

/// Opens a loopback listener, connects to it, serves exactly that connection (anyone else
/// who connects meanwhile is dropped: the test stage runs without authorization) and sends
/// the request over it.
async fn run(data_plane: Arc<DataPlane>, request: TestRequest) -> Result<TestResponse, String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|err| format!("binding the test listener: {err}"))?;
    let address = listener
        .local_addr()
        .map_err(|err| format!("reading the test listener's address: {err}"))?;
    // The kernel completes the connect from its backlog, before the accept below.
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|err| format!("connecting to the test listener: {err}"))?;
    let ours = stream
        .local_addr()
        .map_err(|err| format!("reading the test connection's address: {err}"))?;
    let accepted = loop {
        let (accepted, peer) = listener
            .accept()
            .await
            .map_err(|err| format!("accepting the test connection: {err}"))?;
        if peer == ours {
            break accepted;
        }
    };
    drop(listener);
    let info = portico_data_plane::invocation::ConnectionInfo {
        remote: ours,
        local: address,
        scheme: "http",
        endpoint: None,
    };
    let server = tokio::spawn(async move {
        portico_data_plane::http1::server::serve_accepted(&data_plane, accepted, info).await;
    });
    let result = exchange(stream, address, request).await;
    server.abort();
    result
}

/// Sends `request` to the test listener and reads the whole response.
async fn exchange(
    stream: tokio::net::TcpStream,
    address: std::net::SocketAddr,
    request: TestRequest,
) -> Result<TestResponse, String> {
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| format!("test connection: {err}"))?;
    let driver = tokio::spawn(connection);
    let mut builder = http::Request::builder()
        .method(request.method.as_str())
        .uri(request.target.as_str());
    // The caller's Host if it gave one (templates and events see it); the path form of the
    // target routes either way.
    if !request
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        builder = builder.header(http::header::HOST, address.to_string());
    }
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("content-length") {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    let outgoing = builder
        .body(Full::new(request.body))
        .map_err(|err| format!("invalid test request: {err}"))?;
    let response = sender
        .send_request(outgoing)
        .await
        .map_err(|err| format!("test request: {err}"))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let limited = Limited::new(response.into_body(), MAX_RESPONSE_BYTES);
    #[allow(clippy::disallowed_methods)] // bounded by `Limited` just above
    let body: Bytes = limited
        .collect()
        .await
        .map_err(|err| format!("test response body: {err}"))?
        .to_bytes();
    drop(sender);
    driver.abort();
    Ok(TestResponse {
        status,
        headers,
        body,
    })
}
