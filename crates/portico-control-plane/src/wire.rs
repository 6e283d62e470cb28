//! Shared wire helpers: JSON responses, request bodies, query strings, ids and clocks.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use percent_encoding::percent_decode_str;
use portico_model::ids::{self, CHILD_ID_LEN, REST_API_ID_LEN};
use rand::RngCore;
use serde::Serialize;

/// `x-amzn-ErrorType`: botocore reads the exception code from it.
pub const X_AMZN_ERRORTYPE: &str = "x-amzn-errortype";
/// `x-amzn-RequestId` on every response.
pub const X_AMZN_REQUESTID: &str = "x-amzn-requestid";

/// The request's `x-amzn-RequestId`, as a request extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Serialises `body` as a JSON response with `status`.
pub fn json_response<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot serialise response");
            let mut response =
                Response::new(Body::from(r#"{"message":"An internal error occurred."}"#));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

/// An empty response (Delete* operations answer 202 or 204 without a body).
pub fn empty_response(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// Seconds since the Unix epoch, as AWS timestamps are.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// `epoch_seconds` as ISO 8601 in UTC (`2026-11-26T13:37:21Z`).
pub fn iso8601(epoch_seconds: i64) -> String {
    portico_limits::quota::iso8601(epoch_seconds)
}

/// Now in Lambda's `LastModified` form (`2026-11-26T13:37:21.123+0000`).
pub fn last_modified_millis() -> String {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX);
    let whole = iso8601(seconds);
    let whole = whole.strip_suffix('Z').unwrap_or(&whole);
    format!("{whole}.{:03}+0000", elapsed.subsec_millis())
}

/// A new RestApi id (10 lowercase alphanumerics).
pub fn new_rest_api_id() -> String {
    random_id(REST_API_ID_LEN)
}

/// A new child id (6 lowercase alphanumerics).
pub fn new_child_id() -> String {
    random_id(CHILD_ID_LEN)
}

/// A child id that `taken` does not know yet.
pub fn unused_child_id(taken: impl Fn(&str) -> bool) -> String {
    loop {
        let id = new_child_id();
        if !taken(&id) {
            return id;
        }
    }
}

fn random_id(len: usize) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    ids::id_from_random(&bytes, len)
}

/// A random UUID v4, as AWS request ids are.
pub fn new_request_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Decoded query parameters in order, keeping repeated keys (`tagKeys=a&tagKeys=b`).
#[derive(Debug, Default, Clone)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

// === impl QueryParams ===

impl QueryParams {
    /// Parses a raw query string (form encoding: `+` is a space).
    pub fn parse(query: Option<&str>) -> Self {
        let decode = |text: &str| {
            let spaced = text.replace('+', " ");
            percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
        };
        let pairs = query
            .unwrap_or_default()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(key), decode(value))
            })
            .collect();
        Self { pairs }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`; comma-separated values are split too (`embed=a,b`).
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Every `(key, value)` pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// True if `key` is `true` (case-insensitive).
    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_comma_separated_values_are_kept() {
        let query = QueryParams::parse(Some("tagKeys=a&tagKeys=b%20c&embed=methods,x&flag=TRUE"));
        assert_eq!(query.all("tagKeys"), ["a", "b c"]);
        assert_eq!(query.all("embed"), ["methods", "x"]);
        assert!(query.flag("flag"));
        assert_eq!(query.get("missing"), None);
    }

    #[test]
    fn request_ids_are_uuid_v4() {
        let id = new_request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }

    #[test]
    fn iso8601_writes_utc_seconds() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_795_700_241), "2026-11-26T13:37:21Z");
    }

    #[test]
    fn ids_have_aws_lengths() {
        assert_eq!(new_rest_api_id().len(), 10);
        assert!(
            new_child_id()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
    }
}
