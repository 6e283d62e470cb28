//! Body types without boxing: what the data plane answers with and what it sends upstream.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::time::{Instant, Sleep};

/// Boxed error from a body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Largest request or response payload, as on AWS (10 MB).
pub const MAX_PAYLOAD_BYTES: u64 = 10 * 1024 * 1024;

/// A response body: fixed bytes, or a backend's body streamed through.
#[derive(Debug)]
pub enum Body {
    Full(Option<Bytes>),
    Streaming(Incoming),
}

/// A request body sent to a backend: fixed bytes, or the client's body streamed through
/// with a size limit.
#[derive(Debug)]
pub enum Outbound {
    Full(Option<Bytes>),
    Streaming(Limited),
}

/// How long a client may pause while sending a body before the request is abandoned.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The client's body, failing once it passes [`MAX_PAYLOAD_BYTES`] or stalls for
/// [`BODY_IDLE_TIMEOUT`].
#[derive(Debug)]
pub struct Limited {
    inner: Incoming,
    remaining: u64,
    // Armed only when the client makes us wait, so bodiless requests never allocate it.
    idle: Option<Pin<Box<Sleep>>>,
}

/// The error a [`Limited`] body reports when the client stops sending.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("client stopped sending the request body")
    }
}

impl std::error::Error for BodyTimeout {}

/// The error a [`Limited`] body reports when the client sends too much.
#[derive(Debug, Clone, Copy)]
pub struct PayloadTooLarge;

impl std::fmt::Display for PayloadTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request payload exceeds 10 MB")
    }
}

impl std::error::Error for PayloadTooLarge {}

// === impl Body ===

impl Body {
    /// A body of fixed bytes.
    pub fn full(bytes: impl Into<Bytes>) -> Body {
        Body::Full(Some(bytes.into()))
    }

    /// An empty body.
    pub fn empty() -> Body {
        Body::Full(None)
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            Body::Full(bytes) => Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes)))),
            Body::Streaming(incoming) => Pin::new(incoming).poll_frame(cx).map_err(Into::into),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Full(bytes) => bytes.is_none(),
            Body::Streaming(incoming) => incoming.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Body::Streaming(incoming) => incoming.size_hint(),
        }
    }
}

// === impl Outbound ===

impl http_body::Body for Outbound {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut() {
            Outbound::Full(bytes) => Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes)))),
            Outbound::Streaming(limited) => Pin::new(limited).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Outbound::Full(bytes) => bytes.is_none(),
            Outbound::Streaming(limited) => limited.inner.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Outbound::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Outbound::Streaming(limited) => limited.inner.size_hint(),
        }
    }
}

// === impl Limited ===

impl Limited {
    /// Wraps the client's body with the payload limit.
    pub fn new(inner: Incoming) -> Limited {
        Limited {
            inner,
            remaining: MAX_PAYLOAD_BYTES,
            idle: None,
        }
    }

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if polled.is_pending() {
            let idle = this
                .idle
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(BODY_IDLE_TIMEOUT)));
            if idle.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Some(Err(Box::new(BodyTimeout))));
            }
            return Poll::Pending;
        }
        if let Some(idle) = this.idle.as_mut() {
            idle.as_mut().reset(Instant::now() + BODY_IDLE_TIMEOUT);
        }
        match polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let len = data.len() as u64;
                    if len > this.remaining {
                        this.remaining = 0;
                        return Poll::Ready(Some(Err(Box::new(PayloadTooLarge))));
                    }
                    this.remaining -= len;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(err))) => Poll::Ready(Some(Err(err.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Reads a whole body, failing with [`PayloadTooLarge`] past [`MAX_PAYLOAD_BYTES`] and
/// with [`BodyTimeout`] if the client stalls.
pub async fn collect_limited(body: Incoming) -> Result<Bytes, BoxError> {
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let mut limited = Outbound::Streaming(Limited::new(body));
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    while let Some(frame) = limited.frame().await {
        if let Ok(data) = frame?.into_data() {
            match &first {
                None if rest.is_empty() => first = Some(data),
                _ => {
                    if let Some(first) = first.take() {
                        rest.extend_from_slice(&first);
                    }
                    rest.extend_from_slice(&data);
                }
            }
        }
    }
    Ok(match first {
        Some(only) => only,
        None => Bytes::from(rest),
    })
}

/// True if `err` (or its source chain) is a [`PayloadTooLarge`].
pub fn is_payload_too_large(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(err) = current {
        if err.is::<PayloadTooLarge>() {
            return true;
        }
        current = err.source();
    }
    false
}
