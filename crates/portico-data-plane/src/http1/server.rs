//! The data-plane listener: accepts connections and serves HTTP/1.1 on each, one request
//! at a time (pipelined requests wait their turn), with keep-alive, limits on what a client
//! may send, and a graceful drain on shutdown.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::body::BodyReader;
use super::conn::Conn;
use super::head::{self, Framing, HeadError, RequestHead};
use crate::DataPlane;
use crate::invocation::ConnectionInfo;
use crate::pipeline;

/// How long a client may take to send a whole request head once it started.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an idle keep-alive connection is kept open.
pub const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(75);
/// Largest request head (request line and headers); larger heads get 431. AWS allows 10 KB
/// of URL and 10 KB of header values; this leaves room for names and framing.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// An unread request body up to this size is drained to keep the connection; a larger one
/// closes the connection instead.
const DRAIN_LIMIT: u64 = 64 * 1024;
/// How long shutdown waits for in-flight requests.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// A client connection: the socket with its buffer, who is on the other end, and a scratch
/// buffer reused for every response head.
#[derive(Debug)]
pub struct ClientConn {
    pub io: Conn<TcpStream>,
    pub info: ConnectionInfo,
    pub scratch: Vec<u8>,
}

/// Counts open connections so that shutdown can wait for them.
#[derive(Debug, Default)]
struct Active {
    count: AtomicUsize,
    idle: Notify,
}

struct ActiveGuard(Arc<Active>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// Serves `listener` (as private endpoint `endpoint`, if given) until `shutdown` resolves,
/// then lets in-flight requests finish.
pub async fn serve(
    data_plane: Arc<DataPlane>,
    listener: TcpListener,
    endpoint: Option<usize>,
    shutdown: impl Future<Output = ()>,
) {
    let local = listener.local_addr().ok();
    let (stop, stopping) = watch::channel(false);
    let active = Arc::new(Active::default());
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
                let info = ConnectionInfo { remote, local: local.unwrap_or(remote), scheme: "http", endpoint };
                active.count.fetch_add(1, Ordering::AcqRel);
                let guard = ActiveGuard(Arc::clone(&active));
                let data_plane = Arc::clone(&data_plane);
                let stopping = stopping.clone();
                tokio::spawn(async move {
                    let _guard = guard;
                    serve_connection(&data_plane, stream, info, stopping).await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let drained = async {
        while active.count.load(Ordering::Acquire) > 0 {
            let notified = active.idle.notified();
            if active.count.load(Ordering::Acquire) == 0 {
                break;
            }
            notified.await;
        }
    };
    if tokio::time::timeout(DRAIN_TIMEOUT, drained).await.is_err() {
        tracing::warn!("in-flight requests did not finish within the drain timeout");
    }
}

/// Serves one connection that the caller accepted itself (`TestInvokeMethod`'s private data
/// plane serves exactly the connection it opened), until the client closes it.
pub async fn serve_accepted(data_plane: &DataPlane, stream: TcpStream, info: ConnectionInfo) {
    let (_keep, stopping) = watch::channel(false);
    serve_connection(data_plane, stream, info, stopping).await;
}

async fn serve_connection(
    data_plane: &DataPlane,
    stream: TcpStream,
    info: ConnectionInfo,
    mut stopping: watch::Receiver<bool>,
) {
    let mut client = ClientConn {
        io: Conn::new(stream),
        info,
        scratch: Vec::with_capacity(1024),
    };
    loop {
        let head = match read_head(&mut client.io, &mut stopping, data_plane.limits).await {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(failure) => {
                reject_head(&mut client, failure).await;
                return;
            }
        };
        let mut body = BodyReader::new(head.framing);
        if head.expect_continue && head.framing != Framing::Empty {
            // The gateway reads bodies itself; tell the client to go ahead.
            if client
                .io
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
        }
        let closing = *stopping.borrow();
        let keep_alive = pipeline::handle(data_plane, &mut client, &head, &mut body, closing).await;
        if !keep_alive || !finish_body(&mut client, &mut body).await {
            return;
        }
    }
}

/// Why no request head could be read.
enum HeadFailure {
    Invalid(HeadError),
    TooLarge,
}

/// Reads the next request head. `Ok(None)`: the client closed, went idle, or shutdown began
/// between requests.
async fn read_head(
    io: &mut Conn<TcpStream>,
    stopping: &mut watch::Receiver<bool>,
    limits: crate::Limits,
) -> Result<Option<RequestHead>, HeadFailure> {
    let mut started = !io.read.is_empty();
    let mut deadline = Instant::now()
        + if started {
            limits.header_read_timeout
        } else {
            limits.keep_alive_timeout
        };
    loop {
        if !io.read.is_empty() {
            match head::parse_request(&io.read) {
                Ok(Some((parsed, len))) => {
                    let bytes: Bytes = io.read.split_to(len).freeze();
                    return Ok(Some(parsed.into_head(bytes)));
                }
                Ok(None) if io.read.len() > MAX_HEAD_BYTES => return Err(HeadFailure::TooLarge),
                Ok(None) => {}
                Err(HeadError::TooManyHeaders) => return Err(HeadFailure::TooLarge),
                Err(err) => return Err(HeadFailure::Invalid(err)),
            }
        }
        let idle = io.read.is_empty();
        if idle && *stopping.borrow() {
            return Ok(None);
        }
        tokio::select! {
            read = io.fill_until(deadline) => match read {
                Ok(0) | Err(_) => return Ok(None),
                Ok(_) if !started => {
                    // The head has begun: from now on it must complete in time.
                    started = true;
                    deadline = Instant::now() + limits.header_read_timeout;
                }
                Ok(_) => {}
            },
            changed = stopping.changed(), if idle => {
                if changed.is_err() {
                    return Ok(None);
                }
            }
        }
    }
}

async fn reject_head(client: &mut ClientConn, failure: HeadFailure) {
    let (status, body): (&[u8], &[u8]) = match failure {
        HeadFailure::TooLarge => (
            b"431 Request Header Fields Too Large",
            br#"{"message":"Request Header Fields Too Large"}"#,
        ),
        HeadFailure::Invalid(err) => {
            tracing::debug!(?err, "rejected malformed request head");
            (b"400 Bad Request", br#"{"message":"Bad Request"}"#)
        }
    };
    // Every response carries AWS's request ids, these too (a client may log them).
    let ids = crate::request_id::RequestIds::generate();
    let mut out = Vec::with_capacity(320);
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status);
    out.extend_from_slice(b"\r\nx-amzn-RequestId: ");
    out.extend_from_slice(ids.request_id_str().as_bytes());
    out.extend_from_slice(b"\r\nx-amz-apigw-id: ");
    out.extend_from_slice(ids.extended_request_id_str().as_bytes());
    out.extend_from_slice(
        b"\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ",
    );
    out.extend_from_slice(body.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
    let _ = client.io.write_all(&out).await;
}

/// After a response: reads away a small unread request body so the connection can serve
/// the next request; returns false if the connection must close instead.
async fn finish_body(client: &mut ClientConn, body: &mut BodyReader) -> bool {
    if body.is_done() {
        return true;
    }
    match body.framing() {
        Framing::Length(length) if length <= DRAIN_LIMIT => {}
        Framing::Chunked => {}
        _ => return false,
    }
    let mut discarded = 0u64;
    loop {
        match body
            .next(&mut client.io, DRAIN_LIMIT, &mut |data| {
                discarded += data.len() as u64
            })
            .await
        {
            Ok(true) => {}
            Ok(false) => return true,
            Err(_) => return false,
        }
    }
}
