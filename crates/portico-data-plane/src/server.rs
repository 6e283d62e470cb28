//! The listener: accepts connections, serves HTTP/1.1 with keep-alive through the pipeline,
//! bounds what a client may send (head size, head and body read timeouts), and drains
//! in-flight requests on shutdown.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::DataPlane;
use crate::invocation::ConnectionInfo;
use crate::pipeline;

/// How long a client may take to send a request head.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest request head (request line and headers); larger heads get 431. AWS allows 10 KB
/// of URL and 10 KB of header values; this leaves room for header names and framing.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// How long shutdown waits for in-flight requests before closing their connections.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `listener` until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    data_plane: Arc<DataPlane>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Some(HEADER_READ_TIMEOUT))
        .max_header_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let local = listener.local_addr().ok();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and similar: back off instead of spinning.
                        tracing::warn!(error = %err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let connection = ConnectionInfo {
                    remote,
                    local: local.unwrap_or(remote),
                    scheme: "http",
                };
                let data_plane = Arc::clone(&data_plane);
                let service = service_fn(move |request| {
                    let data_plane = Arc::clone(&data_plane);
                    async move { Ok::<_, Infallible>(pipeline::handle(&data_plane, &connection, request).await) }
                });
                let served = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    if let Err(err) = served.await {
                        tracing::debug!(error = %err, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => {
            tracing::warn!("in-flight requests did not finish within the drain timeout");
        }
    }
}
