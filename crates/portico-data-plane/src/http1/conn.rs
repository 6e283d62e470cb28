//! A buffered connection: the socket, the bytes read but not yet consumed, and reads and
//! writes with deadlines.

use std::io;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Read-buffer growth step.
const READ_CHUNK: usize = 16 * 1024;

/// What went wrong on a connection.
#[derive(Debug)]
pub enum ConnError {
    /// The peer closed the connection.
    Closed,
    /// Nothing arrived within the deadline.
    TimedOut,
    Io(io::Error),
}

impl std::fmt::Display for ConnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnError::Closed => f.write_str("connection closed by peer"),
            ConnError::TimedOut => f.write_str("connection timed out"),
            ConnError::Io(err) => write!(f, "connection error: {err}"),
        }
    }
}

impl std::error::Error for ConnError {}

/// A stream with a read buffer.
#[derive(Debug)]
pub struct Conn<S> {
    pub stream: S,
    /// Bytes received and not yet consumed.
    pub read: BytesMut,
}

// === impl Conn ===

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Wraps a stream with an empty read buffer.
    pub fn new(stream: S) -> Conn<S> {
        Conn {
            stream,
            read: BytesMut::with_capacity(READ_CHUNK),
        }
    }

    /// Reads more bytes into the buffer, waiting at most `timeout`. `Ok(0)` is end of stream.
    pub async fn fill(&mut self, timeout: Duration) -> Result<usize, ConnError> {
        if self.read.capacity() - self.read.len() < READ_CHUNK / 4 {
            self.read.reserve(READ_CHUNK);
        }
        match tokio::time::timeout(timeout, self.stream.read_buf(&mut self.read)).await {
            Ok(Ok(read)) => Ok(read),
            Ok(Err(err)) => Err(ConnError::Io(err)),
            Err(_) => Err(ConnError::TimedOut),
        }
    }

    /// Reads more bytes without a deadline (the caller bounds the whole exchange).
    pub async fn fill_unbounded(&mut self) -> Result<usize, ConnError> {
        if self.read.capacity() - self.read.len() < READ_CHUNK / 4 {
            self.read.reserve(READ_CHUNK);
        }
        self.stream
            .read_buf(&mut self.read)
            .await
            .map_err(ConnError::Io)
    }

    /// Writes all of `bytes`.
    pub async fn write_all(&mut self, bytes: &[u8]) -> Result<(), ConnError> {
        self.stream.write_all(bytes).await.map_err(ConnError::Io)
    }

    /// Drops `count` consumed bytes from the front of the buffer.
    pub fn consume(&mut self, count: usize) {
        self.read.advance(count.min(self.read.len()));
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// Reads more bytes into the buffer until `deadline`. `Ok(0)` is end of stream.
    pub async fn fill_until(&mut self, deadline: tokio::time::Instant) -> Result<usize, ConnError> {
        if self.read.capacity() - self.read.len() < READ_CHUNK / 4 {
            self.read.reserve(READ_CHUNK);
        }
        match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.read)).await {
            Ok(Ok(read)) => Ok(read),
            Ok(Err(err)) => Err(ConnError::Io(err)),
            Err(_) => Err(ConnError::TimedOut),
        }
    }
}
