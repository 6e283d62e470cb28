//! Gateway responses: how the data plane answers when a stage rejects a request or an
//! integration fails, with AWS's default status, message and `x-amzn-ErrorType` per type
//! (reference §14). The body is AWS's default template `{"message":$context.error.messageString}`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

/// Boxed error kept as the cause of a rejection.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `x-amzn-ErrorType`.
pub const X_AMZN_ERRORTYPE: &str = "x-amzn-errortype";

/// AWS's gateway response types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayResponseType {
    AccessDenied,
    ApiConfigurationError,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    BadRequestBody,
    BadRequestParameters,
    Default4xx,
    Default5xx,
    ExpiredToken,
    IntegrationFailure,
    IntegrationTimeout,
    InvalidApiKey,
    InvalidSignature,
    MissingAuthenticationToken,
    QuotaExceeded,
    RequestTooLarge,
    ResourceNotFound,
    Throttled,
    Unauthorized,
    UnsupportedMediaType,
    WafFiltered,
}

/// Why a stage stopped the request: what the client sees (`kind`), and for the log, why.
#[derive(Debug)]
pub struct Reject {
    pub kind: GatewayResponseType,
    pub cause: Option<BoxError>,
    /// The connection cannot serve another request (the client's body is in an unknown state).
    pub close: bool,
}

// === impl GatewayResponseType ===

impl GatewayResponseType {
    /// AWS's default status code.
    pub fn status(self) -> StatusCode {
        use GatewayResponseType::*;
        match self {
            AccessDenied
            | ExpiredToken
            | InvalidApiKey
            | InvalidSignature
            | MissingAuthenticationToken
            | WafFiltered => StatusCode::FORBIDDEN,
            ApiConfigurationError
            | AuthorizerConfigurationError
            | AuthorizerFailure
            | Default5xx => StatusCode::INTERNAL_SERVER_ERROR,
            BadRequestBody | BadRequestParameters | Default4xx => StatusCode::BAD_REQUEST,
            IntegrationFailure | IntegrationTimeout => StatusCode::GATEWAY_TIMEOUT,
            QuotaExceeded | Throttled => StatusCode::TOO_MANY_REQUESTS,
            RequestTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ResourceNotFound => StatusCode::NOT_FOUND,
            Unauthorized => StatusCode::UNAUTHORIZED,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    /// AWS's default body, pre-rendered.
    pub fn body(self) -> &'static str {
        use GatewayResponseType::*;
        match self {
            AccessDenied => r#"{"message":"User is not authorized to access this resource"}"#,
            ApiConfigurationError | Default5xx | AuthorizerFailure => {
                r#"{"message": "Internal server error"}"#
            }
            AuthorizerConfigurationError => r#"{"message":null}"#,
            BadRequestBody => r#"{"message": "Invalid request body"}"#,
            BadRequestParameters => r#"{"message": "Missing required request parameters"}"#,
            Default4xx => r#"{"message":"Bad Request"}"#,
            ExpiredToken => {
                r#"{"message":"The security token included in the request is expired"}"#
            }
            IntegrationFailure => r#"{"message": "Internal server error"}"#,
            IntegrationTimeout => r#"{"message": "Endpoint request timed out"}"#,
            InvalidApiKey | WafFiltered => r#"{"message":"Forbidden"}"#,
            InvalidSignature => r#"{"message":"Invalid signature"}"#,
            MissingAuthenticationToken => r#"{"message":"Missing Authentication Token"}"#,
            QuotaExceeded => r#"{"message":"Limit Exceeded"}"#,
            RequestTooLarge => r#"{"message":"Request Too Long"}"#,
            ResourceNotFound => r#"{"message":"Not Found"}"#,
            Throttled => r#"{"message":"Too Many Requests"}"#,
            Unauthorized => r#"{"message":"Unauthorized"}"#,
            UnsupportedMediaType => r#"{"message":"Unsupported Media Type"}"#,
        }
    }

    /// AWS's `x-amzn-ErrorType` for the type.
    pub fn error_type(self) -> &'static str {
        use GatewayResponseType::*;
        match self {
            AccessDenied => "AccessDeniedException",
            ApiConfigurationError
            | Default5xx
            | IntegrationFailure
            | IntegrationTimeout
            | AuthorizerFailure => "InternalServerErrorException",
            AuthorizerConfigurationError => "AuthorizerConfigurationException",
            BadRequestBody | BadRequestParameters | Default4xx => "BadRequestException",
            ExpiredToken => "ExpiredTokenException",
            InvalidApiKey | WafFiltered => "ForbiddenException",
            InvalidSignature => "InvalidSignatureException",
            MissingAuthenticationToken => "MissingAuthenticationTokenException",
            QuotaExceeded => "LimitExceededException",
            RequestTooLarge => "RequestTooLargeException",
            ResourceNotFound => "NotFoundException",
            Throttled => "TooManyRequestsException",
            Unauthorized => "UnauthorizedException",
            UnsupportedMediaType => "UnsupportedMediaTypeException",
        }
    }
}

// === impl Reject ===

impl Reject {
    /// A rejection without a cause worth logging.
    pub fn new(kind: GatewayResponseType) -> Reject {
        Reject {
            kind,
            cause: None,
            close: false,
        }
    }

    /// The rejection for a client body that could not be read: 413 past the payload limit,
    /// otherwise a 400 (the client broke the exchange).
    pub fn from_body_error(err: crate::http1::body::BodyError) -> Reject {
        match err {
            crate::http1::body::BodyError::TooLarge => {
                Reject::new(GatewayResponseType::RequestTooLarge)
            }
            other => Reject {
                kind: GatewayResponseType::Default4xx,
                cause: Some(Box::new(other)),
                close: true,
            },
        }
    }

    /// A rejection whose cause goes to the log.
    pub fn with_cause(kind: GatewayResponseType, cause: impl Into<BoxError>) -> Reject {
        Reject {
            kind,
            cause: Some(cause.into()),
            close: false,
        }
    }
}

/// Renders a rejection with the type's default response.
pub fn render(reject: &Reject) -> Response<Bytes> {
    let kind = reject.kind;
    let mut response = Response::new(Bytes::from_static(kind.body().as_bytes()));
    *response.status_mut() = kind.status();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        X_AMZN_ERRORTYPE,
        HeaderValue::from_static(kind.error_type()),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_authentication_token_matches_aws() {
        let response = render(&Reject::new(
            GatewayResponseType::MissingAuthenticationToken,
        ));
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            response.headers()[X_AMZN_ERRORTYPE],
            "MissingAuthenticationTokenException"
        );
        assert_eq!(
            GatewayResponseType::MissingAuthenticationToken.body(),
            r#"{"message":"Missing Authentication Token"}"#
        );
    }

    #[test]
    fn throttled_body_is_compact_like_aws() {
        assert_eq!(GatewayResponseType::Throttled.body().len(), 31);
    }

    #[test]
    fn every_body_is_json_with_a_message() {
        use GatewayResponseType::*;
        for kind in [
            AccessDenied,
            ApiConfigurationError,
            AuthorizerConfigurationError,
            AuthorizerFailure,
            BadRequestBody,
            BadRequestParameters,
            Default4xx,
            Default5xx,
            ExpiredToken,
            IntegrationFailure,
            IntegrationTimeout,
            InvalidApiKey,
            InvalidSignature,
            MissingAuthenticationToken,
            QuotaExceeded,
            RequestTooLarge,
            ResourceNotFound,
            Throttled,
            Unauthorized,
            UnsupportedMediaType,
            WafFiltered,
        ] {
            let value: serde_json::Value = serde_json::from_str(kind.body()).unwrap();
            assert!(value.get("message").is_some(), "{kind:?}");
        }
    }
}
