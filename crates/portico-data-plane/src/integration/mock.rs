//! `MOCK`: no backend. The integration request (the request template's output, or the
//! passthrough body) carries `{"statusCode": N}`, which selects the integration response.

use bytes::Bytes;
use http::{HeaderMap, Response};
use portico_snapshot::integration::{IntegrationResponses, RequestMapping};

use super::http::integration_request_body;
use super::response::{self, IntegrationOutput};
use crate::gateway_response::Reject;
use crate::invocation::Invocation;
use crate::pipeline::Client;

/// Answers from the integration responses.
pub async fn invoke(
    invocation: &Invocation<'_>,
    request_mapping: &RequestMapping,
    responses: &IntegrationResponses,
    mut client: Client<'_>,
) -> Result<Response<Bytes>, Reject> {
    let body = client
        .mapped_body(invocation.head.header_str("content-encoding"))
        .await?;
    let integration_request = integration_request_body(invocation, request_mapping, body)?;
    let status = status_code(&integration_request.body).unwrap_or(200);
    let headers = HeaderMap::new();
    let output = IntegrationOutput {
        headers: &headers,
        body: Bytes::new(),
    };
    response::map(invocation, responses, itoa_status(status).as_str(), &output)
}

fn itoa_status(status: u16) -> String {
    status.to_string()
}

/// `statusCode` of the integration request: a JSON object's number (or numeric string);
/// text that is not JSON is searched for `"statusCode": N`.
fn status_code(request: &[u8]) -> Option<u16> {
    if let Ok(serde_json::Value::Object(object)) =
        serde_json::from_slice::<serde_json::Value>(request)
    {
        return match object.get("statusCode")? {
            serde_json::Value::Number(number) => {
                number.as_u64().and_then(|n| u16::try_from(n).ok())
            }
            serde_json::Value::String(text) => text.trim().parse().ok(),
            _ => None,
        };
    }
    let text = std::str::from_utf8(request).ok()?;
    let after = &text[text.find("\"statusCode\"")? + "\"statusCode\"".len()..];
    let after = after
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .trim_start_matches('"');
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_code_is_read_from_json_or_text() {
        assert_eq!(status_code(br#"{"statusCode": 200}"#), Some(200));
        assert_eq!(status_code(br#"{"statusCode": "404"}"#), Some(404));
        assert_eq!(
            status_code(b"#set($x = 1)\n{\"statusCode\": 503}"),
            Some(503)
        );
        assert_eq!(status_code(b"{}"), None);
        assert_eq!(status_code(b""), None);
    }
}
