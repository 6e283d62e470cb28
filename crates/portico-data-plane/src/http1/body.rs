//! Reading and forwarding message bodies under their framing, with the payload limit and an
//! idle timeout on the sending side.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite};

use super::chunked::{self, ChunkError, ChunkedDecoder};
use super::conn::{Conn, ConnError};
use super::head::Framing;

/// How long a sender may pause in the middle of a body.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a body is being written as, on the way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFraming {
    /// Bytes as they are (the length was announced, or the connection closes after).
    Raw,
    /// Re-encoded as chunks.
    Chunked,
}

/// Why a body could not be read or forwarded.
#[derive(Debug)]
pub enum BodyError {
    /// The sender broke the framing or the connection.
    Source(ConnError),
    /// The chunked encoding was malformed.
    Malformed(ChunkError),
    /// More than the limit.
    TooLarge,
    /// The receiver went away.
    Sink(ConnError),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::Source(err) => write!(f, "reading body: {err}"),
            BodyError::Malformed(err) => write!(f, "{err}"),
            BodyError::TooLarge => f.write_str("body exceeds the payload limit"),
            BodyError::Sink(err) => write!(f, "writing body: {err}"),
        }
    }
}

impl std::error::Error for BodyError {}

/// Progress through one body.
#[derive(Debug, Clone)]
pub struct BodyReader {
    framing: Framing,
    remaining: u64,
    decoder: ChunkedDecoder,
    done: bool,
    received: u64,
}

// === impl BodyReader ===

impl BodyReader {
    /// Starts reading a body with `framing`.
    pub fn new(framing: Framing) -> BodyReader {
        let remaining = match framing {
            Framing::Length(length) => length,
            _ => 0,
        };
        BodyReader {
            framing,
            remaining,
            decoder: ChunkedDecoder::default(),
            done: framing == Framing::Empty,
            received: 0,
        }
    }

    /// True once the whole body has been read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The framing being read.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Consumes body bytes already in `conn`'s buffer, handing decoded data to `emit`.
    /// `at_eof` says the stream ended (which completes an `UntilClose` body).
    fn take_buffered<S>(
        &mut self,
        conn: &mut Conn<S>,
        at_eof: bool,
        limit: u64,
        emit: &mut impl FnMut(&[u8]),
    ) -> Result<(), BodyError> {
        match self.framing {
            Framing::Empty => self.done = true,
            Framing::Length(_) => {
                let take = usize::try_from(self.remaining)
                    .map_or(conn.read.len(), |r| r.min(conn.read.len()));
                self.count(take as u64, limit)?;
                emit(&conn.read[..take]);
                advance(&mut conn.read, take);
                self.remaining -= take as u64;
                self.done = self.remaining == 0;
            }
            Framing::Chunked => {
                let mut data_len = 0u64;
                let consumed = self
                    .decoder
                    .decode(&conn.read, |data| {
                        data_len += data.len() as u64;
                        emit(data);
                    })
                    .map_err(BodyError::Malformed)?;
                advance(&mut conn.read, consumed);
                self.count(data_len, limit)?;
                self.done = self.decoder.is_done();
            }
            Framing::UntilClose => {
                let take = conn.read.len();
                self.count(take as u64, limit)?;
                emit(&conn.read[..take]);
                advance(&mut conn.read, take);
                self.done = at_eof;
            }
        }
        Ok(())
    }

    fn count(&mut self, bytes: u64, limit: u64) -> Result<(), BodyError> {
        self.received += bytes;
        if self.received > limit {
            Err(BodyError::TooLarge)
        } else {
            Ok(())
        }
    }

    /// Reads the next piece of the body from `conn`, handing decoded data to `emit`;
    /// returns `false` once the body is complete.
    pub async fn next<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        conn: &mut Conn<S>,
        limit: u64,
        emit: &mut impl FnMut(&[u8]),
    ) -> Result<bool, BodyError> {
        if self.done {
            return Ok(false);
        }
        if !conn.read.is_empty() {
            self.take_buffered(conn, false, limit, emit)?;
            if self.done || !conn.read.is_empty() {
                return Ok(!self.done);
            }
        }
        let read = conn
            .fill(BODY_IDLE_TIMEOUT)
            .await
            .map_err(BodyError::Source)?;
        if read == 0 {
            if self.framing == Framing::UntilClose {
                self.done = true;
                return Ok(false);
            }
            return Err(BodyError::Source(ConnError::Closed));
        }
        self.take_buffered(conn, false, limit, emit)?;
        Ok(!self.done)
    }

    /// Reads the rest of the body into memory (at most `limit` bytes).
    pub async fn read_to_end<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        conn: &mut Conn<S>,
        limit: u64,
    ) -> Result<Bytes, BodyError> {
        // The common case: a length-delimited body already wholly in the buffer.
        if let Framing::Length(length) = self.framing
            && !self.done
            && self.remaining == length
            && conn.read.len() as u64 >= length
        {
            if length > limit {
                return Err(BodyError::TooLarge);
            }
            let body = conn
                .read
                .split_to(usize::try_from(length).unwrap_or(usize::MAX))
                .freeze();
            self.remaining = 0;
            self.received = length;
            self.done = true;
            return Ok(body);
        }
        let mut collected = BytesMut::new();
        while self
            .next(conn, limit, &mut |data| collected.extend_from_slice(data))
            .await?
        {}
        Ok(collected.freeze())
    }

    /// Forwards the rest of the body from `from` to `to`, framed as `out`. Pieces already in
    /// `pending` (say a response head) are written first, together with the first data.
    pub async fn forward<A, B>(
        &mut self,
        from: &mut Conn<A>,
        to: &mut Conn<B>,
        out: OutFraming,
        limit: u64,
        pending: &mut Vec<u8>,
    ) -> Result<(), BodyError>
    where
        A: AsyncRead + AsyncWrite + Unpin,
        B: AsyncRead + AsyncWrite + Unpin,
    {
        if self.done {
            // Everything (terminator included) is already in `pending`.
            if !pending.is_empty() {
                to.write_all(pending).await.map_err(BodyError::Sink)?;
                pending.clear();
            }
            return Ok(());
        }
        loop {
            let more = self
                .next(from, limit, &mut |data| match out {
                    OutFraming::Raw => pending.extend_from_slice(data),
                    OutFraming::Chunked => chunked::encode_chunk(data, pending),
                })
                .await?;
            if !more && out == OutFraming::Chunked {
                pending.extend_from_slice(chunked::LAST_CHUNK);
            }
            if !pending.is_empty() {
                to.write_all(pending).await.map_err(BodyError::Sink)?;
                pending.clear();
            }
            if !more {
                return Ok(());
            }
        }
    }

    /// Moves whatever of the body is already buffered into `pending` (framed as `out`),
    /// so that small bodies leave with their head in a single write.
    pub fn take_available<S>(
        &mut self,
        conn: &mut Conn<S>,
        out: OutFraming,
        limit: u64,
        pending: &mut Vec<u8>,
    ) -> Result<(), BodyError> {
        if self.done || conn.read.is_empty() {
            return Ok(());
        }
        self.take_buffered(conn, false, limit, &mut |data| match out {
            OutFraming::Raw => pending.extend_from_slice(data),
            OutFraming::Chunked => chunked::encode_chunk(data, pending),
        })?;
        if self.done && out == OutFraming::Chunked {
            pending.extend_from_slice(chunked::LAST_CHUNK);
        }
        Ok(())
    }
}

fn advance(buffer: &mut BytesMut, count: usize) {
    bytes::Buf::advance(buffer, count);
}
