//! The data plane behind `TestInvokeMethod`: each test runs a private data plane that holds
//! only the compiled test stage, on a loopback listener of its own, and sends the request
//! through it over HTTP, so the test exercises the same pipeline as real traffic.

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
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|err| format!("binding the test listener: {err}"))?;
            let address = listener
                .local_addr()
                .map_err(|err| format!("reading the test listener's address: {err}"))?;
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(portico_data_plane::http1::server::serve(
                data_plane,
                listener,
                None,
                async {
                    let _ = stopped.await;
                },
            ));
            let result = exchange(address, request).await;
            let _ = stop.send(());
            let _ = server.await;
            result
        })
    }
}

/// Sends `request` to the test listener and reads the whole response.
async fn exchange(
    address: std::net::SocketAddr,
    request: TestRequest,
) -> Result<TestResponse, String> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|err| format!("connecting to the test listener: {err}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| format!("test connection: {err}"))?;
    let driver = tokio::spawn(connection);
    let mut builder = http::Request::builder()
        .method(request.method.as_str())
        .uri(request.target.as_str())
        .header(http::header::HOST, address.to_string());
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("host") && !name.eq_ignore_ascii_case("content-length") {
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
