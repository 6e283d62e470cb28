//! `Transfer-Encoding: chunked` (RFC 9112 §7.1): a strict streaming decoder and the encoder.
//!
//! The decoder accepts exactly the grammar (CRLF line ends, hex sizes up to 16 digits,
//! extensions skipped, bounded trailers) so that the gateway never disagrees with a backend
//! about where a body ends. Decoded data is re-encoded with our own framing on the way out.

/// Largest trailer section accepted (trailers are read and dropped).
const MAX_TRAILER_BYTES: usize = 8 * 1024;

/// A malformed chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkError(pub &'static str);

impl std::fmt::Display for ChunkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "malformed chunked body: {}", self.0)
    }
}

impl std::error::Error for ChunkError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Size,
    SizeSpace,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    TrailerStart,
    TrailerLine,
    TrailerLineLf,
    FinalLf,
    Done,
}

/// Streaming decoder state.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    size: u64,
    digits: u8,
    remaining: u64,
    trailer_bytes: usize,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self {
            state: State::Size,
            size: 0,
            digits: 0,
            remaining: 0,
            trailer_bytes: 0,
        }
    }
}

// === impl ChunkedDecoder ===

impl ChunkedDecoder {
    /// True once the last chunk and the trailer section have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes as much of `input` as possible, handing each run of body data to `emit`.
    /// Returns how many bytes of `input` were consumed (all of them unless done earlier).
    pub fn decode(
        &mut self,
        input: &[u8],
        mut emit: impl FnMut(&[u8]),
    ) -> Result<usize, ChunkError> {
        let mut at = 0;
        while at < input.len() && self.state != State::Done {
            if self.state == State::Data {
                let available = input.len() - at;
                let take = usize::try_from(self.remaining).map_or(available, |r| r.min(available));
                emit(&input[at..at + take]);
                at += take;
                self.remaining -= take as u64;
                if self.remaining == 0 {
                    self.state = State::DataCr;
                }
                continue;
            }
            let byte = input[at];
            at += 1;
            self.state = match (self.state, byte) {
                (State::Size, b) if b.is_ascii_hexdigit() => {
                    if self.digits == 16 {
                        return Err(ChunkError("chunk size too large"));
                    }
                    self.digits += 1;
                    self.size = (self.size << 4) | u64::from(hex_value(b));
                    State::Size
                }
                (State::Size, b' ' | b'\t') if self.digits > 0 => State::SizeSpace,
                (State::Size | State::SizeSpace, b';') if self.digits > 0 => State::Extension,
                (State::Size | State::SizeSpace, b'\r') if self.digits > 0 => State::SizeLf,
                (State::SizeSpace, b' ' | b'\t') => State::SizeSpace,
                (State::Extension, b'\r') => State::SizeLf,
                (State::Extension, b'\n') => return Err(ChunkError("bare LF in chunk extension")),
                (State::Extension, _) => State::Extension,
                (State::SizeLf, b'\n') => {
                    let size = std::mem::take(&mut self.size);
                    self.digits = 0;
                    if size == 0 {
                        State::TrailerStart
                    } else {
                        self.remaining = size;
                        State::Data
                    }
                }
                (State::DataCr, b'\r') => State::DataLf,
                (State::DataLf, b'\n') => State::Size,
                (State::TrailerStart, b'\r') => State::FinalLf,
                (State::TrailerStart | State::TrailerLine, b'\n') => {
                    return Err(ChunkError("bare LF in trailer"));
                }
                (State::TrailerStart | State::TrailerLine, _) => {
                    self.trailer_bytes += 1;
                    if self.trailer_bytes > MAX_TRAILER_BYTES {
                        return Err(ChunkError("trailer section too large"));
                    }
                    if byte == b'\r' {
                        State::TrailerLineLf
                    } else {
                        State::TrailerLine
                    }
                }
                (State::TrailerLineLf, b'\n') => State::TrailerStart,
                (State::FinalLf, b'\n') => State::Done,
                _ => return Err(ChunkError("unexpected byte")),
            };
        }
        Ok(at)
    }
}

fn hex_value(byte: u8) -> u8 {
    match byte {
        b'0'..=b'9' => byte - b'0',
        b'a'..=b'f' => byte - b'a' + 10,
        _ => byte - b'A' + 10,
    }
}

/// Appends one chunk (size line, data, CRLF) to `out`. Empty data writes nothing.
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    let mut digits = [0u8; 16];
    let mut len = data.len();
    let mut at = digits.len();
    while len > 0 || at == digits.len() {
        at -= 1;
        digits[at] = b"0123456789abcdef"[len & 0xf];
        len >>= 4;
    }
    out.extend_from_slice(&digits[at..]);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// The last chunk and an empty trailer section.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed in pieces of `step` bytes; returns the data and whether it ended.
    fn decode(input: &[u8], step: usize) -> Result<(Vec<u8>, bool, usize), ChunkError> {
        let mut decoder = ChunkedDecoder::default();
        let mut data = Vec::new();
        let mut consumed = 0;
        for piece in input.chunks(step) {
            consumed += decoder.decode(piece, |d| data.extend_from_slice(d))?;
            if decoder.is_done() {
                break;
            }
        }
        Ok((data, decoder.is_done(), consumed))
    }

    #[test]
    fn decodes_in_any_piece_size() {
        let body = b"5\r\nhello\r\n6;name=value\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";
        for step in [1, 2, 3, 7, 64] {
            let (data, done, consumed) = decode(body, step).unwrap();
            assert_eq!(data, b"hello world", "step {step}");
            assert!(done);
            assert_eq!(consumed, body.len());
        }
    }

    #[test]
    fn stops_at_the_end_of_the_body() {
        let mut input = b"3\r\nabc\r\n0\r\n\r\n".to_vec();
        input.extend_from_slice(b"GET /next HTTP/1.1\r\n");
        let (data, done, consumed) = decode(&input, 1024).unwrap();
        assert_eq!((data.as_slice(), done, consumed), (&b"abc"[..], true, 13));
    }

    #[test]
    fn malformed_bodies_are_rejected() {
        for bad in [
            &b"g\r\n"[..],
            b"\r\n",
            b"5\nhello\r\n",
            b"5\r\nhelloXX",
            b"11111111111111111\r\n",
            b"0\r\nbad\ntrailer\r\n\r\n",
            b"3;ext\nabc",
        ] {
            assert!(
                decode(bad, 64).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn uppercase_hex_and_size_whitespace_are_accepted() {
        let (data, done, _) = decode(b"A \r\n0123456789\r\n0\r\n\r\n", 64).unwrap();
        assert_eq!(data.len(), 10);
        assert!(done);
    }

    #[test]
    fn encoding_round_trips() {
        let mut out = Vec::new();
        encode_chunk(&[b'x'; 300], &mut out);
        encode_chunk(b"", &mut out);
        out.extend_from_slice(LAST_CHUNK);
        assert!(out.starts_with(b"12c\r\n"));
        let (data, done, _) = decode(&out, 17).unwrap();
        assert_eq!((data.len(), done), (300, true));
    }
}
