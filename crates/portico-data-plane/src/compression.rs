//! Payload compression (`minimumCompressionSize`, reference §4.4): a whole response at or
//! above the API's threshold is gzip- or deflate-encoded when the client's `Accept-Encoding`
//! allows it. Responses the integration already encoded, and responses streamed from an
//! `HTTP_PROXY` backend, go out as they are. Request bodies sent compressed are decoded
//! before validation and mapping, whatever the threshold (AWS decodes them by default).

use std::io::{Read, Write};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};
use http::{HeaderValue, Response, header};

use crate::gateway_response::{GatewayResponseType, Reject};

/// A content coding Portico produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
}

/// Bodies at least this large are encoded and decoded on the blocking pool, so a worker
/// thread never stalls its other connections on one big payload.
const BLOCKING_THRESHOLD: usize = 64 * 1024;

/// At most one large encode or decode per CPU at a time, across all workers: a flood of big
/// compressed bodies queues here instead of starting a thread (and a buffer) each.
static LARGE_JOBS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
});

/// Runs `job` on the blocking pool under a [`LARGE_JOBS`] permit.
async fn run_large<T: Send + 'static>(
    job: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    let _permit = LARGE_JOBS.acquire().await.map_err(std::io::Error::other)?;
    tokio::task::spawn_blocking(job)
        .await
        .unwrap_or_else(|err| Err(std::io::Error::other(err)))
}

/// Compresses `response` if the API asks for it (`minimum`), the body reaches the threshold
/// and the client accepts a coding (`accept_encoding` is read only then).
pub async fn compress_response<'h>(
    response: &mut Response<Bytes>,
    minimum: Option<usize>,
    accept_encoding: impl FnOnce() -> Option<&'h str>,
) {
    let Some(minimum) = minimum else {
        return;
    };
    let status = response.status();
    let body = response.body();
    if body.is_empty()
        || body.len() < minimum
        || status.is_informational()
        || status == http::StatusCode::NO_CONTENT
        || status == http::StatusCode::NOT_MODIFIED
        || response.headers().contains_key(header::CONTENT_ENCODING)
    {
        return;
    }
    let Some(coding) = accept_encoding().and_then(preferred_coding) else {
        return;
    };
    let body = body.clone();
    let encoded = if body.len() >= BLOCKING_THRESHOLD {
        run_large(move || encode_with(coding, &body)).await
    } else {
        encode_with(coding, &body)
    };
    let Ok(encoded) = encoded else {
        return; // writing to memory does not fail; if it did, the plain body still serves
    };
    *response.body_mut() = Bytes::from(encoded);
    response.headers_mut().insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static(match coding {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
        }),
    );
}

/// Fast compression: a gateway trades a little ratio for latency.
fn encode_with(coding: Coding, body: &[u8]) -> std::io::Result<Vec<u8>> {
    match coding {
        Coding::Gzip => encode(GzEncoder::new(Vec::new(), Compression::fast()), body),
        Coding::Deflate => encode(ZlibEncoder::new(Vec::new(), Compression::fast()), body),
    }
}

fn encode<W: Write + Finish>(mut encoder: W, body: &[u8]) -> std::io::Result<Vec<u8>> {
    encoder.write_all(body)?;
    encoder.finish_into_vec()
}

/// The encoders' `finish`, which flate2 does not put behind a trait.
trait Finish {
    fn finish_into_vec(self) -> std::io::Result<Vec<u8>>;
}

impl Finish for GzEncoder<Vec<u8>> {
    fn finish_into_vec(self) -> std::io::Result<Vec<u8>> {
        self.finish()
    }
}

impl Finish for ZlibEncoder<Vec<u8>> {
    fn finish_into_vec(self) -> std::io::Result<Vec<u8>> {
        self.finish()
    }
}

/// `body` decoded by its `Content-Encoding` (gzip, deflate in zlib or raw form, identity).
/// Another coding, or a body that does not decode, is 415 Unsupported Media Type, as AWS
/// answers; a body that decodes past `limit` bytes is 413, like any body over the limit.
pub async fn decode_request(
    body: Bytes,
    content_encoding: Option<&str>,
    limit: u64,
) -> Result<Bytes, Reject> {
    let coding = match content_encoding.map(str::trim) {
        None | Some("") => return Ok(body),
        Some(coding) if coding.eq_ignore_ascii_case("identity") => return Ok(body),
        Some(coding)
            if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") =>
        {
            Coding::Gzip
        }
        Some(coding) if coding.eq_ignore_ascii_case("deflate") => Coding::Deflate,
        Some(other) => {
            return Err(Reject::with_cause(
                GatewayResponseType::UnsupportedMediaType,
                format!("unsupported request Content-Encoding {other:?}"),
            ));
        }
    };
    let decoded = if body.len() >= BLOCKING_THRESHOLD {
        run_large(move || decode_with(coding, &body, limit)).await
    } else {
        decode_with(coding, &body, limit)
    };
    match decoded {
        Ok(Some(decoded)) => Ok(Bytes::from(decoded)),
        Ok(None) => Err(Reject::new(GatewayResponseType::RequestTooLarge)),
        Err(err) => Err(Reject::with_cause(
            GatewayResponseType::UnsupportedMediaType,
            format!("request body does not decode as {coding:?}: {err}"),
        )),
    }
}

fn decode_with(coding: Coding, body: &[u8], limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    match coding {
        Coding::Gzip => read_bounded(flate2::read::MultiGzDecoder::new(body), limit),
        // HTTP's deflate is zlib-wrapped; some clients send raw deflate instead.
        Coding::Deflate => read_bounded(flate2::read::ZlibDecoder::new(body), limit)
            .or_else(|_| read_bounded(flate2::read::DeflateDecoder::new(body), limit)),
    }
}

/// Reads `reader` to the end; `None` when it yields more than `limit` bytes.
fn read_bounded(reader: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    Ok((out.len() as u64 <= limit).then_some(out))
}

/// gzip if the client accepts it (explicitly or by `*`), else deflate; `None` for identity
/// only. A coding with `q=0` is refused.
fn preferred_coding(accept_encoding: &str) -> Option<Coding> {
    let mut gzip = None;
    let mut deflate = None;
    let mut any = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let accepted = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .next_back()
            .is_none_or(|q| q.trim().parse::<f32>().is_ok_and(|q| q > 0.0));
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(accepted);
        } else if coding.eq_ignore_ascii_case("deflate") {
            deflate = Some(accepted);
        } else if coding == "*" {
            any = Some(accepted);
        }
    }
    if gzip.or(any) == Some(true) {
        Some(Coding::Gzip)
    } else if deflate.or(any) == Some(true) {
        Some(Coding::Deflate)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn response(body: &str) -> Response<Bytes> {
        Response::new(Bytes::from(body.to_owned()))
    }

    #[test]
    fn codings_follow_accept_encoding() {
        assert_eq!(preferred_coding("gzip, deflate, br"), Some(Coding::Gzip));
        assert_eq!(preferred_coding("deflate"), Some(Coding::Deflate));
        assert_eq!(preferred_coding("gzip;q=0, deflate"), Some(Coding::Deflate));
        assert_eq!(preferred_coding("*"), Some(Coding::Gzip));
        assert_eq!(preferred_coding("identity"), None);
        assert_eq!(preferred_coding("br"), None);
        assert_eq!(preferred_coding("gzip;q=0"), None);
    }

    async fn compressed(
        body: &str,
        accept: Option<&'static str>,
        minimum: Option<usize>,
    ) -> Response<Bytes> {
        let mut response = response(body);
        compress_response(&mut response, minimum, || accept).await;
        response
    }

    #[tokio::test]
    async fn bodies_at_the_threshold_are_compressed_and_decode_to_the_original() {
        // Large enough to go through the blocking pool.
        let text = "hello, compressed world ".repeat(4000);
        let gzipped = compressed(&text, Some("gzip"), Some(text.len())).await;
        assert_eq!(gzipped.headers()[header::CONTENT_ENCODING], "gzip");
        let mut decoded = String::new();
        flate2::read::GzDecoder::new(&gzipped.body()[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text);

        let deflated = compressed(&text[..100], Some("deflate"), Some(0)).await;
        assert_eq!(deflated.headers()[header::CONTENT_ENCODING], "deflate");
        let mut decoded = String::new();
        flate2::read::ZlibDecoder::new(&deflated.body()[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, text[..100]);
    }

    #[tokio::test]
    async fn compressed_request_bodies_decode_within_the_limit() {
        let text = b"{\"name\": \"compressed\"}".repeat(10);
        let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
        gzip.write_all(&text).unwrap();
        let gzipped = Bytes::from(gzip.finish().unwrap());
        let decoded = decode_request(gzipped.clone(), Some("gzip"), 1 << 20)
            .await
            .unwrap();
        assert_eq!(&decoded[..], &text[..]);
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(&text).unwrap();
        let raw = Bytes::from(raw.finish().unwrap());
        let inflated = decode_request(raw, Some("deflate"), 1 << 20).await.unwrap();
        assert_eq!(&inflated[..], &text[..]);
        let plain = decode_request(Bytes::from_static(b"plain"), Some("identity"), 100)
            .await
            .unwrap();
        assert_eq!(&plain[..], b"plain");
        // Too large once decoded; not gzip at all; a coding AWS does not decode.
        let too_large = decode_request(gzipped, Some("GZIP"), text.len() as u64 - 1)
            .await
            .unwrap_err();
        assert_eq!(too_large.kind, GatewayResponseType::RequestTooLarge);
        for coding in ["gzip", "br"] {
            let refused = decode_request(Bytes::from_static(b"plain"), Some(coding), 100)
                .await
                .unwrap_err();
            assert_eq!(refused.kind, GatewayResponseType::UnsupportedMediaType);
        }
    }

    #[tokio::test]
    async fn small_bodies_disabled_apis_and_encoded_responses_stay_as_they_are() {
        let small = compressed("tiny", Some("gzip"), Some(5)).await;
        let off = compressed("some body", Some("gzip"), None).await;
        let identity = compressed("some body", None, Some(0)).await;
        let mut encoded = response("already");
        encoded
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        compress_response(&mut encoded, Some(0), || Some("gzip")).await;
        let mut no_content = response("ignored");
        *no_content.status_mut() = http::StatusCode::NO_CONTENT;
        compress_response(&mut no_content, Some(0), || Some("gzip")).await;
        for (plain, body) in [
            (small, "tiny"),
            (off, "some body"),
            (identity, "some body"),
            (encoded, "already"),
            (no_content, "ignored"),
        ] {
            assert_eq!(plain.body(), body);
            assert!(
                plain.headers().get(header::CONTENT_ENCODING)
                    != Some(&HeaderValue::from_static("gzip"))
            );
        }
    }
}
