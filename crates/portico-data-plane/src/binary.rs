//! Binary payloads (reference §4.4): which payloads count as binary under the API's
//! `binaryMediaTypes`, and the `contentHandling` conversions between bytes and base64 text.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use portico_model::ContentHandling;

use crate::gateway_response::{GatewayResponseType, Reject};

/// True if `content_type` (parameters ignored) matches one of `types` (`image/png`,
/// `image/*`, `*/*`).
pub fn is_binary(types: &[Box<str>], content_type: Option<&str>) -> bool {
    if types.is_empty() {
        return false;
    }
    let Some(mime) = content_type.map(|value| value.split(';').next().unwrap_or_default().trim())
    else {
        return false;
    };
    let (kind, subtype) = mime.split_once('/').unwrap_or((mime, ""));
    types.iter().any(|pattern| {
        let (pattern_kind, pattern_subtype) = pattern.split_once('/').unwrap_or((pattern, ""));
        (pattern_kind == "*" || pattern_kind.eq_ignore_ascii_case(kind))
            && (pattern_subtype == "*" || pattern_subtype.eq_ignore_ascii_case(subtype))
    })
}

/// The first media type of an `Accept` header.
pub fn first_accept(accept: Option<&str>) -> Option<&str> {
    accept
        .and_then(|value| value.split(',').next())
        .map(str::trim)
}

/// Integration request conversion of a passthrough body.
pub fn convert_request(
    handling: Option<ContentHandling>,
    binary: bool,
    body: Bytes,
) -> Result<Bytes, Reject> {
    match (handling, binary) {
        (Some(ContentHandling::ConvertToText), true) => Ok(Bytes::from(STANDARD.encode(&body))),
        (Some(ContentHandling::ConvertToBinary), false) => decode(&body),
        _ => Ok(body),
    }
}

/// Integration response conversion: `binary_backend` says the backend's payload is binary,
/// `binary_accept` that the client asked for a binary type.
pub fn convert_response(
    handling: Option<ContentHandling>,
    binary_backend: bool,
    binary_accept: bool,
    body: Bytes,
) -> Result<Bytes, Reject> {
    match handling {
        Some(ContentHandling::ConvertToText) if binary_backend => {
            Ok(Bytes::from(STANDARD.encode(&body)))
        }
        Some(ContentHandling::ConvertToBinary) if !binary_backend => decode(&body),
        None if !binary_backend && binary_accept => decode(&body),
        None if binary_backend && !binary_accept => Ok(Bytes::from(STANDARD.encode(&body))),
        _ => Ok(body),
    }
}

/// Base64 text to bytes; text that is not base64 is a configuration error on AWS.
fn decode(body: &[u8]) -> Result<Bytes, Reject> {
    let trimmed: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    STANDARD.decode(trimmed).map(Bytes::from).map_err(|err| {
        Reject::with_cause(
            GatewayResponseType::ApiConfigurationError,
            format!("base64 conversion failed: {err}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(list: &[&str]) -> Vec<Box<str>> {
        list.iter().map(|t| (*t).into()).collect()
    }

    #[test]
    fn media_types_match_with_wildcards() {
        assert!(is_binary(&types(&["image/png"]), Some("image/png")));
        assert!(is_binary(&types(&["image/*"]), Some("image/jpeg; q=1")));
        assert!(is_binary(&types(&["*/*"]), Some("application/json")));
        assert!(!is_binary(&types(&["image/*"]), Some("text/plain")));
        assert!(!is_binary(&types(&[]), Some("image/png")));
        assert!(!is_binary(&types(&["image/png"]), None));
    }

    #[test]
    fn conversions_follow_content_handling() {
        let png = Bytes::from_static(&[0x89, b'P', b'N', b'G']);
        let text =
            convert_request(Some(ContentHandling::ConvertToText), true, png.clone()).unwrap();
        assert_eq!(text, "iVBORw==");
        assert_eq!(
            convert_request(Some(ContentHandling::ConvertToBinary), false, text.clone()).unwrap(),
            png
        );
        assert_eq!(convert_request(None, true, png.clone()).unwrap(), png);
        assert_eq!(
            convert_response(None, false, true, text.clone()).unwrap(),
            png
        );
        assert_eq!(
            convert_response(None, true, false, png.clone()).unwrap(),
            text
        );
        assert!(
            convert_response(
                Some(ContentHandling::ConvertToBinary),
                false,
                false,
                Bytes::from("not base64!")
            )
            .is_err()
        );
    }
}
