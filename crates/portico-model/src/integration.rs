//! Integration and IntegrationResponse: how a method reaches its backend and how the
//! backend's answer becomes the method's response.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::mapping::{
    self, Location, RequestSource, ResponseSource, parse_integration_request_target,
    parse_request_source, parse_response_source,
};
use crate::method::validate_status_code;
use crate::{HttpMethod, Method, MethodResponse, ModelError, wire_enum};

wire_enum!(
    /// The kind of backend.
    IntegrationType {
        Http => "HTTP",
        Aws => "AWS",
        Mock => "MOCK",
        HttpProxy => "HTTP_PROXY",
        AwsProxy => "AWS_PROXY",
    }
);

wire_enum!(
    /// How the gateway reaches an HTTP backend.
    ConnectionType {
        Internet => "INTERNET",
        VpcLink => "VPC_LINK",
    }
);

wire_enum!(
    /// What a non-proxy integration does with a body that no request template matches.
    PassthroughBehavior {
        WhenNoMatch => "WHEN_NO_MATCH",
        WhenNoTemplates => "WHEN_NO_TEMPLATES",
        Never => "NEVER",
    }
);

wire_enum!(
    /// Conversion between binary and base64 text payloads.
    ContentHandling {
        ConvertToBinary => "CONVERT_TO_BINARY",
        ConvertToText => "CONVERT_TO_TEXT",
    }
);

wire_enum!(
    /// Whether the integration response is buffered or streamed.
    ResponseTransferMode {
        Buffered => "BUFFERED",
        Stream => "STREAM",
    }
);

/// TLS options for HTTP backends.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TlsConfig {
    pub insecure_skip_verification: Option<bool>,
}

/// Default and upper bound of `timeoutInMillis`.
pub const MAX_TIMEOUT_MILLIS: i64 = 29_000;
/// Lower bound of `timeoutInMillis`.
pub const MIN_TIMEOUT_MILLIS: i64 = 50;

/// An Integration as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    #[serde(rename = "type")]
    pub kind: IntegrationType,
    pub http_method: Option<HttpMethod>,
    pub uri: Option<String>,
    pub connection_type: Option<ConnectionType>,
    pub connection_id: Option<String>,
    pub credentials: Option<String>,
    pub request_parameters: Option<BTreeMap<String, String>>,
    pub request_templates: Option<BTreeMap<String, Option<String>>>,
    pub passthrough_behavior: Option<PassthroughBehavior>,
    pub content_handling: Option<ContentHandling>,
    pub timeout_in_millis: i64,
    pub cache_namespace: Option<String>,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    pub integration_responses: Option<BTreeMap<String, IntegrationResponse>>,
    pub tls_config: Option<TlsConfig>,
    pub response_transfer_mode: Option<ResponseTransferMode>,
    pub integration_target: Option<String>,
}

/// An IntegrationResponse: which backend answers it catches and how it maps them.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponse {
    pub status_code: String,
    pub selection_pattern: Option<String>,
    pub response_parameters: Option<BTreeMap<String, String>>,
    pub response_templates: Option<BTreeMap<String, Option<String>>>,
    pub content_handling: Option<ContentHandling>,
}

/// The members of `PutIntegration` (`integrationHttpMethod` travels as `httpMethod`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutIntegrationInput {
    #[serde(rename = "type")]
    pub kind: Option<IntegrationType>,
    pub http_method: Option<HttpMethod>,
    pub uri: Option<String>,
    pub connection_type: Option<ConnectionType>,
    pub connection_id: Option<String>,
    pub credentials: Option<String>,
    pub request_parameters: Option<BTreeMap<String, String>>,
    pub request_templates: Option<BTreeMap<String, Option<String>>>,
    pub passthrough_behavior: Option<PassthroughBehavior>,
    pub cache_namespace: Option<String>,
    pub cache_key_parameters: Option<Vec<String>>,
    pub content_handling: Option<ContentHandling>,
    pub timeout_in_millis: Option<i64>,
    pub tls_config: Option<TlsConfig>,
    pub response_transfer_mode: Option<ResponseTransferMode>,
    pub integration_target: Option<String>,
}

/// The members of `PutIntegrationResponse`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutIntegrationResponseInput {
    pub selection_pattern: Option<String>,
    pub response_parameters: Option<BTreeMap<String, String>>,
    pub response_templates: Option<BTreeMap<String, Option<String>>>,
    pub content_handling: Option<ContentHandling>,
}

// === impl IntegrationType ===

impl IntegrationType {
    /// True for the types that call an HTTP endpoint.
    pub fn is_http(self) -> bool {
        matches!(self, IntegrationType::Http | IntegrationType::HttpProxy)
    }

    /// True for the proxy types, whose requests and responses pass through unmapped.
    pub fn is_proxy(self) -> bool {
        matches!(self, IntegrationType::HttpProxy | IntegrationType::AwsProxy)
    }
}

// === impl Integration ===

impl Integration {
    /// Builds an integration from `PutIntegration` input for `method`, with AWS's defaults.
    /// `resource_id` is the default cache namespace.
    pub fn create(
        input: PutIntegrationInput,
        method: &Method,
        resource_id: &str,
    ) -> Result<Integration, ModelError> {
        let kind = crate::wire::required("putIntegrationInput.type", input.kind)?;
        let connection_type = match kind {
            IntegrationType::Mock => input.connection_type,
            _ => Some(input.connection_type.unwrap_or(ConnectionType::Internet)),
        };
        let integration = Integration {
            kind,
            http_method: input.http_method,
            uri: input.uri.filter(|uri| !uri.is_empty()),
            connection_type,
            connection_id: input.connection_id,
            credentials: input.credentials,
            request_parameters: input.request_parameters.filter(|p| !p.is_empty()),
            request_templates: input.request_templates.filter(|t| !t.is_empty()),
            passthrough_behavior: Some(
                input
                    .passthrough_behavior
                    .unwrap_or(PassthroughBehavior::WhenNoMatch),
            ),
            content_handling: input.content_handling,
            timeout_in_millis: input.timeout_in_millis.unwrap_or(MAX_TIMEOUT_MILLIS),
            cache_namespace: Some(
                input
                    .cache_namespace
                    .unwrap_or_else(|| resource_id.to_owned()),
            ),
            cache_key_parameters: input.cache_key_parameters.unwrap_or_default(),
            integration_responses: None,
            tls_config: input.tls_config,
            response_transfer_mode: input.response_transfer_mode,
            integration_target: input.integration_target,
        };
        integration.validate(method)?;
        Ok(integration)
    }

    /// Checks the integration against AWS's rules and against the method it serves.
    pub fn validate(&self, method: &Method) -> Result<(), ModelError> {
        if !(MIN_TIMEOUT_MILLIS..=MAX_TIMEOUT_MILLIS).contains(&self.timeout_in_millis) {
            return Err(ModelError::bad_request(
                "Timeout should be between 50 ms and 29000 ms",
            ));
        }
        match self.kind {
            IntegrationType::Http | IntegrationType::HttpProxy => {
                if self.http_method.is_none() {
                    return Err(ModelError::bad_request(
                        "Enumeration value for HttpMethod must be non-empty",
                    ));
                }
                let uri = self.uri.as_deref().unwrap_or_default();
                if self.connection_type != Some(ConnectionType::VpcLink) || !uri.is_empty() {
                    validate_http_uri(uri)?;
                }
            }
            IntegrationType::Aws | IntegrationType::AwsProxy => {
                if self.http_method.is_none() {
                    return Err(ModelError::bad_request(
                        "Enumeration value for HttpMethod must be non-empty",
                    ));
                }
                validate_aws_uri(self.kind, self.uri.as_deref().unwrap_or_default())?;
            }
            IntegrationType::Mock => {}
        }
        if self.connection_type == Some(ConnectionType::VpcLink)
            && self.connection_id.as_deref().is_none_or(str::is_empty)
        {
            return Err(ModelError::bad_request(
                "ConnectionId must be specified for connection type VPC_LINK",
            ));
        }
        if let Some(parameters) = &self.request_parameters {
            for (target, source) in parameters {
                parse_integration_request_target(target)?;
                check_declared_source(source, method)?;
            }
        }
        for parameter in &self.cache_key_parameters {
            if !method.declares_parameter(parameter)
                && !self
                    .request_parameters
                    .as_ref()
                    .is_some_and(|p| p.contains_key(parameter))
            {
                return Err(ModelError::bad_request(format!(
                    "Invalid cache key parameter specified: {parameter}"
                )));
            }
        }
        Ok(())
    }

    /// The integration response for `status_code`.
    pub fn integration_response(
        &self,
        status_code: &str,
    ) -> Result<&IntegrationResponse, ModelError> {
        self.integration_responses
            .as_ref()
            .and_then(|responses| responses.get(status_code))
            .ok_or_else(|| ModelError::invalid_identifier("Response status code"))
    }
}

/// A mapping from `method.request.*` must read a parameter the method declares
/// (path, query string and header parameters), as AWS checks.
fn check_declared_source(source: &str, method: &Method) -> Result<(), ModelError> {
    if let RequestSource::MethodRequest(location, name) = parse_request_source(source)? {
        let declared = format!("method.request.{}.{name}", location.declared_as().as_str());
        if !method.declares_parameter(&declared) {
            return Err(mapping::undeclared_parameter(source));
        }
    }
    Ok(())
}

/// Replaces `${stageVariables.x}` with a placeholder so that a URI can be checked before the
/// stage supplies its variables.
fn without_stage_variables(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(start) = rest.find("${stageVariables.") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str("stagevariable");
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// HTTP endpoints: absolute `http`/`https` URLs on port 80, 443 or above 1023.
pub fn validate_http_uri(uri: &str) -> Result<(), ModelError> {
    let invalid = || ModelError::bad_request("Invalid HTTP endpoint specified for URI");
    let uri = without_stage_variables(uri);
    let rest = uri
        .strip_prefix("http://")
        .or_else(|| uri.strip_prefix("https://"))
        .ok_or_else(invalid)?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(invalid());
    }
    let (host, port) = split_host_port(authority).ok_or_else(invalid)?;
    if host.is_empty() {
        return Err(invalid());
    }
    if let Some(port) = port {
        let port: u16 = port.parse().map_err(|_| invalid())?;
        if port != 80 && port != 443 && port < 1024 {
            return Err(invalid());
        }
    }
    if rest[authority_end..].contains(char::is_whitespace) {
        return Err(invalid());
    }
    Ok(())
}

/// Splits `host[:port]`, including bracketed IPv6 literals.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host, Some(port))),
        None => Some((authority, None)),
    }
}

/// AWS service integration URIs: `arn:aws:apigateway:{region}:{service}:{path|action}/...`.
pub fn validate_aws_uri(kind: IntegrationType, uri: &str) -> Result<(), ModelError> {
    let uri = without_stage_variables(uri);
    let parts: Vec<&str> = uri.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "apigateway" {
        return Err(ModelError::bad_request(
            "Invalid ARN specified in the request",
        ));
    }
    let service = parts[4];
    let target = parts[5];
    if !(target.starts_with("path/") || target.starts_with("action/")) {
        return Err(ModelError::bad_request(
            "AWS ARN for integration must contain path or action",
        ));
    }
    if kind == IntegrationType::AwsProxy && service != "lambda" && service != "firehose" {
        return Err(ModelError::bad_request(
            "Integrations of type 'AWS_PROXY' currently only supports Lambda function and \
             Firehose stream invocations.",
        ));
    }
    Ok(())
}

// === impl IntegrationResponse ===

impl IntegrationResponse {
    /// Builds an integration response from `PutIntegrationResponse` input; the method must
    /// already declare a response with this status code and every mapped header.
    pub fn create(
        status_code: &str,
        input: PutIntegrationResponseInput,
        method: &Method,
    ) -> Result<IntegrationResponse, ModelError> {
        validate_status_code(status_code)?;
        let response = IntegrationResponse {
            status_code: status_code.to_owned(),
            selection_pattern: input.selection_pattern,
            response_parameters: input.response_parameters.filter(|p| !p.is_empty()),
            response_templates: input.response_templates.filter(|t| !t.is_empty()),
            content_handling: input.content_handling,
        };
        response.validate(method.method_response(status_code)?)?;
        Ok(response)
    }

    /// Checks mappings against the method response they feed.
    pub fn validate(&self, method_response: &MethodResponse) -> Result<(), ModelError> {
        if let Some(pattern) = &self.selection_pattern
            && pattern.len() > 1024
        {
            return Err(ModelError::bad_request(
                "Invalid selection pattern: too long",
            ));
        }
        if let Some(parameters) = &self.response_parameters {
            for (target, source) in parameters {
                mapping::parse_method_response_header(target)?;
                if !method_response.declares_header(target) {
                    return Err(mapping::undeclared_parameter(target));
                }
                if let ResponseSource::IntegrationBody(Some(path)) = parse_response_source(source)?
                    && path.contains(char::is_whitespace)
                {
                    return Err(mapping::invalid_expression(source));
                }
            }
        }
        Ok(())
    }
}

/// Returns the location of an integration request mapping's target (used by compilers).
pub fn request_target(key: &str) -> Result<(Location, String), ModelError> {
    parse_integration_request_target(key)
}

use crate::patch::{ADD_REPLACE_REMOVE, PatchRule, REPLACE, REPLACE_REMOVE, ValueKind};

/// Patch paths `UpdateIntegration` accepts.
pub const PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/uri",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/httpMethod",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/passthroughBehavior",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/contentHandling",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/timeoutInMillis",
        ops: REPLACE,
        kind: ValueKind::Int,
    },
    PatchRule {
        path: "/cacheNamespace",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/connectionType",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/connectionId",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/credentials",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/tlsConfig/insecureSkipVerification",
        ops: REPLACE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/responseTransferMode",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/integrationTarget",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/requestParameters/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/requestTemplates/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::NullableString,
    },
    PatchRule {
        path: "/cacheKeyParameters/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::PathMember,
    },
];

/// Patch paths `UpdateIntegrationResponse` accepts.
pub const RESPONSE_PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/selectionPattern",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/contentHandling",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/responseParameters/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/responseTemplates/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::NullableString,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::method::{AuthorizationType, PutMethodInput};

    fn method(parameters: &[&str]) -> Method {
        Method::create(
            HttpMethod::Get,
            PutMethodInput {
                authorization_type: Some(AuthorizationType::None),
                request_parameters: Some(
                    parameters.iter().map(|p| ((*p).to_owned(), true)).collect(),
                ),
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn http(uri: &str) -> PutIntegrationInput {
        PutIntegrationInput {
            kind: Some(IntegrationType::HttpProxy),
            http_method: Some(HttpMethod::Any),
            uri: Some(uri.into()),
            ..Default::default()
        }
    }

    #[test]
    fn http_integration_gets_aws_defaults() {
        let integration =
            Integration::create(http("http://backend:8080/x"), &method(&[]), "abc123").unwrap();
        let json = serde_json::to_value(&integration).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "HTTP_PROXY",
                "httpMethod": "ANY",
                "uri": "http://backend:8080/x",
                "connectionType": "INTERNET",
                "passthroughBehavior": "WHEN_NO_MATCH",
                "timeoutInMillis": 29000,
                "cacheNamespace": "abc123",
                "cacheKeyParameters": []
            })
        );
    }

    #[test]
    fn http_uris_are_validated() {
        for good in [
            "http://example.com",
            "https://example.com:8443/a/{proxy}?x=1",
            "http://${stageVariables.host}/path",
            "http://[::1]:8080/",
        ] {
            assert!(validate_http_uri(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ftp://x",
            "http://",
            "http://host:81/",
            "http://host:notaport/",
            "http:// x/",
        ] {
            assert!(validate_http_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aws_proxy_must_target_lambda() {
        assert!(validate_aws_uri(
            IntegrationType::AwsProxy,
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations"
        )
        .is_ok());
        assert!(
            validate_aws_uri(
                IntegrationType::AwsProxy,
                "arn:aws:apigateway:us-east-1:s3:path/b/k"
            )
            .is_err()
        );
        assert!(
            validate_aws_uri(
                IntegrationType::Aws,
                "arn:aws:apigateway:us-east-1:s3:bucket"
            )
            .is_err()
        );
    }

    #[test]
    fn timeout_must_be_within_aws_bounds() {
        let mut input = http("http://x");
        input.timeout_in_millis = Some(30_000);
        assert!(Integration::create(input, &method(&[]), "r").is_err());
    }

    #[test]
    fn mapping_from_undeclared_parameter_is_rejected() {
        let mut input = http("http://x/{proxy}");
        input.request_parameters = Some(
            [(
                "integration.request.path.proxy".to_owned(),
                "method.request.path.proxy".to_owned(),
            )]
            .into(),
        );
        let err = Integration::create(input, &method(&[]), "r").unwrap_err();
        assert!(
            err.to_string()
                .contains("parameter specified: method.request.path.proxy")
        );

        let mut input = http("http://x/{proxy}");
        input.request_parameters = Some(
            [(
                "integration.request.path.proxy".to_owned(),
                "method.request.path.proxy".to_owned(),
            )]
            .into(),
        );
        assert!(Integration::create(input, &method(&["method.request.path.proxy"]), "r").is_ok());
    }

    #[test]
    fn mock_needs_no_uri_or_method() {
        let input = PutIntegrationInput {
            kind: Some(IntegrationType::Mock),
            ..Default::default()
        };
        let integration = Integration::create(input, &method(&[]), "r").unwrap();
        assert_eq!(integration.connection_type, None);
    }
}
