//! Gateway responses: how the data plane answers when a stage rejects a request or an
//! integration fails (reference §14). Each type has AWS's default status, message and
//! `x-amzn-ErrorType`; an API may customise a type (or `DEFAULT_4XX`/`DEFAULT_5XX`) with its
//! own status, headers and body template.

use std::borrow::Cow;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use portico_model::mapping::Location;
use portico_snapshot::StageSnapshot;
use portico_snapshot::gateway::{CompiledGatewayResponse, GatewayValue};

use crate::http1::head::RequestHead;
pub use portico_model::gateway_response::GatewayResponseType;

/// `x-amzn-ErrorType`.
pub const X_AMZN_ERRORTYPE: &str = "x-amzn-errortype";

/// Boxed error kept as the cause of a rejection.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a stage stopped the request: what the client sees (`kind`, and a message when it is
/// not the type's default), and for the log, why.
#[derive(Debug)]
pub struct Reject {
    pub kind: GatewayResponseType,
    /// `$context.error.message`, when it is not the type's default message.
    pub message: Option<String>,
    /// `$context.error.validationErrorString`.
    pub validation_error: Option<String>,
    pub cause: Option<BoxError>,
    /// The connection cannot serve another request (the client's body is in an unknown state).
    pub close: bool,
    /// `x-amzn-ErrorType`, when AWS sends another exception than the type's (SigV4 errors:
    /// `IncompleteSignatureException`, `UnrecognizedClientException`).
    pub error_type: Option<&'static str>,
    /// The status, when AWS answers with another than the type's default (a malformed
    /// Lambda proxy response is a `DEFAULT_5XX` sent as 502).
    pub status: Option<StatusCode>,
}

/// What a gateway response template may refer to besides the error itself.
#[derive(Debug, Clone, Copy)]
pub struct ErrorContext<'a> {
    pub request: &'a RequestHead,
    pub request_id: &'a str,
    pub extended_request_id: &'a str,
    /// The stage, once the route resolved it.
    pub stage: Option<&'a StageSnapshot>,
    /// The matched resource path, once routing succeeded.
    pub resource_path: Option<&'a str>,
    pub source_ip: std::net::IpAddr,
}

/// AWS's default status of a type.
pub fn default_status(kind: GatewayResponseType) -> StatusCode {
    kind.default_status()
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(match kind {
            GatewayResponseType::Default5xx => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        })
}

/// AWS's default message (`$context.error.message`) of a type.
pub fn default_message(kind: GatewayResponseType) -> &'static str {
    use GatewayResponseType::*;
    match kind {
        AccessDenied => "User is not authorized to access this resource",
        ApiConfigurationError | Default5xx | AuthorizerFailure | IntegrationFailure => {
            "Internal server error"
        }
        AuthorizerConfigurationError => "null",
        BadRequestBody => "Invalid request body",
        BadRequestParameters => "Missing required request parameters",
        Default4xx => "Bad Request",
        ExpiredToken => "The security token included in the request is expired",
        IntegrationTimeout => "Endpoint request timed out",
        InvalidApiKey | WafFiltered => "Forbidden",
        InvalidSignature => "Invalid signature",
        MissingAuthenticationToken => "Missing Authentication Token",
        QuotaExceeded => "Limit Exceeded",
        RequestTooLarge => "Request Too Long",
        ResourceNotFound => "Not Found",
        Throttled => "Too Many Requests",
        Unauthorized => "Unauthorized",
        UnsupportedMediaType => "Unsupported Media Type",
    }
}

/// AWS's `x-amzn-ErrorType` for a type.
pub fn error_type(kind: GatewayResponseType) -> &'static str {
    use GatewayResponseType::*;
    match kind {
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

/// AWS's uncustomised body. The 5xx and request-validation bodies carry a space after the
/// colon and the others do not, exactly as AWS sends them.
fn default_body(kind: GatewayResponseType, message: &str) -> Bytes {
    use GatewayResponseType::*;
    if kind == AuthorizerConfigurationError {
        return Bytes::from_static(br#"{"message":null}"#);
    }
    let spaced = matches!(
        kind,
        ApiConfigurationError
            | Default5xx
            | AuthorizerFailure
            | IntegrationFailure
            | IntegrationTimeout
            | BadRequestBody
            | BadRequestParameters
    );
    let quoted = serde_json::to_string(message).unwrap_or_else(|_| "\"\"".into());
    Bytes::from(if spaced {
        format!("{{\"message\": {quoted}}}")
    } else {
        format!("{{\"message\":{quoted}}}")
    })
}

// === impl Reject ===

impl Reject {
    /// A rejection with the type's default message and no cause worth logging.
    pub fn new(kind: GatewayResponseType) -> Reject {
        Reject {
            kind,
            message: None,
            validation_error: None,
            cause: None,
            close: false,
            error_type: None,
            status: None,
        }
    }

    /// The same rejection answered with `status` unless the API customised its type.
    pub fn with_status(mut self, status: StatusCode) -> Reject {
        self.status = Some(status);
        self
    }

    /// A rejection whose cause goes to the log.
    pub fn with_cause(kind: GatewayResponseType, cause: impl Into<BoxError>) -> Reject {
        Reject {
            cause: Some(cause.into()),
            ..Reject::new(kind)
        }
    }

    /// The same rejection with AWS's `message` instead of the type's default.
    pub fn with_message(mut self, message: impl Into<String>) -> Reject {
        self.message = Some(message.into());
        self
    }

    /// The same rejection sent with another `x-amzn-ErrorType`.
    pub fn with_error_type(mut self, error_type: &'static str) -> Reject {
        self.error_type = Some(error_type);
        self
    }

    /// A rejection after which the connection closes.
    pub fn closing(mut self) -> Reject {
        self.close = true;
        self
    }

    /// The rejection for a client body that could not be read: 413 past the payload limit,
    /// otherwise a 400 (the client broke the exchange).
    pub fn from_body_error(err: crate::http1::body::BodyError) -> Reject {
        match err {
            crate::http1::body::BodyError::TooLarge => {
                Reject::new(GatewayResponseType::RequestTooLarge).closing()
            }
            other => Reject::with_cause(GatewayResponseType::Default4xx, other).closing(),
        }
    }

    /// `$context.error.message`.
    pub fn message(&self) -> &str {
        self.message
            .as_deref()
            .unwrap_or_else(|| default_message(self.kind))
    }
}

/// Renders a rejection: the API's customisation for its type when there is one, else AWS's
/// default response.
pub fn render(reject: &Reject, context: &ErrorContext<'_>) -> Response<Bytes> {
    let kind = reject.kind;
    let status = reject.status.unwrap_or_else(|| default_status(kind));
    let custom = context
        .stage
        .and_then(|stage| stage.gateway_responses.for_type(kind, status.as_u16()));
    let mut response = match custom {
        Some(custom) => render_custom(reject, custom, status, context),
        None => {
            let mut response = Response::new(default_body(kind, reject.message()));
            *response.status_mut() = status;
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
    };
    response.headers_mut().insert(
        X_AMZN_ERRORTYPE,
        HeaderValue::from_static(reject.error_type.unwrap_or_else(|| error_type(kind))),
    );
    response
}

fn render_custom(
    reject: &Reject,
    custom: &CompiledGatewayResponse,
    status: StatusCode,
    context: &ErrorContext<'_>,
) -> Response<Bytes> {
    let accept = context
        .request
        .header_str("accept")
        .and_then(|value| value.split(',').next())
        .map(|first| first.split(';').next().unwrap_or_default().trim())
        .filter(|first| !first.is_empty() && *first != "*/*")
        .unwrap_or("application/json");
    let template = custom
        .templates
        .iter()
        .find(|(content_type, _)| content_type.eq_ignore_ascii_case(accept))
        .or_else(|| {
            custom
                .templates
                .iter()
                .find(|(content_type, _)| &**content_type == "application/json")
        })
        .or_else(|| custom.templates.first());
    let (content_type, body) = match template {
        Some((content_type, template)) => (
            &**content_type,
            Bytes::from(substitute(template, reject, context)),
        ),
        // A customisation without templates keeps AWS's default body.
        None => (
            "application/json",
            default_body(reject.kind, reject.message()),
        ),
    };
    let mut response = Response::new(body);
    *response.status_mut() = custom.status.unwrap_or(status);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/json")),
    );
    for (name, value) in &custom.headers {
        let value = match value {
            GatewayValue::Literal(value) => Some(value.clone()),
            GatewayValue::MethodRequest(location, parameter) => {
                request_parameter(context, *location, parameter)
                    .and_then(|text| HeaderValue::try_from(text.as_ref()).ok())
            }
            GatewayValue::Context(variable) => context_value(&variable.name(), reject, context)
                .and_then(|text| HeaderValue::try_from(text.as_ref()).ok()),
        };
        if let Some(value) = value {
            headers.insert(name.clone(), value);
        }
    }
    response
}

fn request_parameter<'a>(
    context: &ErrorContext<'a>,
    location: Location,
    name: &str,
) -> Option<Cow<'a, str>> {
    match location {
        Location::Header | Location::MultiValueHeader => context
            .request
            .header_last(name)
            .map(String::from_utf8_lossy),
        Location::QueryString | Location::MultiValueQueryString => {
            crate::invocation::query_pairs(context.request.query())
                .filter(|(key, _)| key == name)
                .map(|(_, value)| value)
                .last()
        }
        Location::Path => {
            let (path, matched) = matched_route(context)?;
            let raw = matched.params.raw(path, name)?;
            Some(percent_encoding::percent_decode_str(raw).decode_utf8_lossy())
        }
    }
}

/// The route the request matched, looked up again: only customised gateway responses that
/// read path parameters or the resource id need it, so the pipeline does not keep it.
/// Returns the path after the stage with the match. (Requests through a custom domain have
/// none here.)
fn matched_route<'a>(
    context: &ErrorContext<'a>,
) -> Option<(&'a str, portico_snapshot::RouteMatch<'a>)> {
    let stage = context.stage?;
    let request = context.request;
    let target = crate::stages::route::parse_invoke_target(request, request.path()).ok()?;
    let matched = stage.routes.lookup(&request.method, target.path)?;
    Some((target.path, matched))
}

/// The `$context` values a gateway response can use.
fn context_value<'a>(
    name: &str,
    reject: &'a Reject,
    context: &ErrorContext<'a>,
) -> Option<Cow<'a, str>> {
    Some(match name {
        "error.message" => Cow::Borrowed(reject.message()),
        "error.messageString" => {
            Cow::Owned(serde_json::to_string(reject.message()).unwrap_or_default())
        }
        "error.responseType" => Cow::Borrowed(reject.kind.as_str()),
        "error.validationErrorString" => {
            Cow::Borrowed(reject.validation_error.as_deref().unwrap_or_default())
        }
        "requestId" | "awsEndpointRequestId" => Cow::Borrowed(context.request_id),
        "extendedRequestId" => Cow::Borrowed(context.extended_request_id),
        "httpMethod" => Cow::Borrowed(context.request.method.as_str()),
        "accountId" => Cow::Borrowed(portico_model::ACCOUNT_ID),
        "apiId" => Cow::Owned(context.stage?.api_id.to_string()),
        "stage" => Cow::Owned(context.stage?.stage_name.to_string()),
        "resourcePath" => Cow::Borrowed(context.resource_path?),
        "domainName" => Cow::Borrowed(context.request.header_str("host").unwrap_or_default()),
        "domainPrefix" => Cow::Borrowed(
            context
                .request
                .header_str("host")
                .and_then(|host| host.split('.').next())
                .unwrap_or_default(),
        ),
        "path" => {
            match crate::stages::route::parse_invoke_target(context.request, context.request.path())
            {
                Ok(target) => Cow::Owned(format!("/{}{}", target.stage, target.path)),
                Err(_) => Cow::Borrowed(context.request.path()),
            }
        }
        "protocol" => Cow::Borrowed("HTTP/1.1"),
        "requestTime" => Cow::Owned(crate::invocation::format_clf(std::time::SystemTime::now())),
        "requestTimeEpoch" => {
            Cow::Owned(crate::invocation::epoch_millis(std::time::SystemTime::now()).to_string())
        }
        "resourceId" => Cow::Owned(matched_route(context)?.1.route.resource_id.to_string()),
        "identity.sourceIp" => Cow::Owned(context.source_ip.to_string()),
        "identity.userAgent" => context
            .request
            .header_last("user-agent")
            .map(String::from_utf8_lossy)?,
        _ => return None,
    })
}

/// Gateway response templates are not Velocity: AWS substitutes `$context.*` and
/// `$stageVariables.*` references (plain or `${...}`) and leaves everything else as it is.
fn substitute(template: &str, reject: &Reject, context: &ErrorContext<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (braced, body) = match after.strip_prefix('{') {
            Some(inner) => (true, inner),
            None => (false, after),
        };
        let len = body
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.' || *b == b'-')
            .count();
        let mut name = &body[..len];
        // A reference does not end with a dot ("$context.requestId." in a sentence).
        while name.ends_with('.') {
            name = &name[..name.len() - 1];
        }
        let closed = !braced || body[name.len()..].starts_with('}');
        let value = if closed {
            if let Some(variable) = name.strip_prefix("context.") {
                context_value(variable, reject, context).map(Cow::into_owned)
            } else if let Some(variable) = name.strip_prefix("stageVariables.") {
                context
                    .stage
                    .map(|stage| stage.variable(variable).unwrap_or_default().to_owned())
            } else {
                None
            }
        } else {
            None
        };
        match value {
            Some(value) => {
                out.push_str(&value);
                let consumed = 1 + usize::from(braced) + name.len() + usize::from(braced);
                rest = &rest[at + consumed..];
            }
            None => {
                out.push('$');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(request: &RequestHead) -> ErrorContext<'_> {
        ErrorContext {
            request,
            request_id: "req-1",
            extended_request_id: "ext-1",
            stage: None,
            resource_path: None,
            source_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        }
    }

    #[test]
    fn missing_authentication_token_matches_aws() {
        let request = RequestHead::synthetic("GET", "/", &[]);
        let response = render(
            &Reject::new(GatewayResponseType::MissingAuthenticationToken),
            &context(&request),
        );
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            response.headers()[X_AMZN_ERRORTYPE],
            "MissingAuthenticationTokenException"
        );
        assert_eq!(
            response.body().as_ref(),
            br#"{"message":"Missing Authentication Token"}"#
        );
    }

    #[test]
    fn throttled_body_is_compact_like_aws() {
        assert_eq!(
            default_body(GatewayResponseType::Throttled, "Too Many Requests").len(),
            31
        );
        assert_eq!(
            default_body(
                GatewayResponseType::ApiConfigurationError,
                "Internal server error"
            )
            .as_ref(),
            br#"{"message": "Internal server error"}"#
        );
    }

    #[test]
    fn every_default_body_is_json_with_a_message() {
        for kind in GatewayResponseType::all() {
            let body = default_body(kind, default_message(kind));
            let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert!(value.get("message").is_some(), "{kind:?}");
        }
    }

    #[test]
    fn templates_substitute_context_references_only() {
        let request = RequestHead::synthetic("GET", "/", &[]);
        let mut reject = Reject::new(GatewayResponseType::BadRequestParameters);
        reject.message = Some("Missing required request parameters: [q]".into());
        let text = substitute(
            r#"{"error":$context.error.messageString,"type":"${context.error.responseType}","id":"$context.requestId.","keep":"$input.body $5"}"#,
            &reject,
            &context(&request),
        );
        assert_eq!(
            text,
            r#"{"error":"Missing required request parameters: [q]","type":"BAD_REQUEST_PARAMETERS","id":"req-1.","keep":"$input.body $5"}"#
        );
    }
}
