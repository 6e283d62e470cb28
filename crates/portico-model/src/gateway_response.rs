//! Gateway responses: what the gateway answers when it rejects a request or an integration
//! fails, per response type, with AWS's defaults (reference §14) and per-API customisation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::mapping::invalid_expression;
use crate::method::validate_status_code;
use crate::patch::{ADD_REPLACE_REMOVE, PatchRule, REPLACE_REMOVE, ValueKind};
use crate::{ModelError, wire_enum};

wire_enum!(
    /// AWS's gateway response types.
    GatewayResponseType {
        AccessDenied => "ACCESS_DENIED",
        ApiConfigurationError => "API_CONFIGURATION_ERROR",
        AuthorizerFailure => "AUTHORIZER_FAILURE",
        AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
        BadRequestParameters => "BAD_REQUEST_PARAMETERS",
        BadRequestBody => "BAD_REQUEST_BODY",
        Default4xx => "DEFAULT_4XX",
        Default5xx => "DEFAULT_5XX",
        ExpiredToken => "EXPIRED_TOKEN",
        IntegrationFailure => "INTEGRATION_FAILURE",
        IntegrationTimeout => "INTEGRATION_TIMEOUT",
        InvalidApiKey => "INVALID_API_KEY",
        InvalidSignature => "INVALID_SIGNATURE",
        MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
        QuotaExceeded => "QUOTA_EXCEEDED",
        RequestTooLarge => "REQUEST_TOO_LARGE",
        ResourceNotFound => "RESOURCE_NOT_FOUND",
        Throttled => "THROTTLED",
        Unauthorized => "UNAUTHORIZED",
        UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
        WafFiltered => "WAF_FILTERED",
    }
);

/// The template every type has until customised: `{"message":$context.error.messageString}`.
pub const DEFAULT_TEMPLATE: &str = "{\"message\":$context.error.messageString}";

/// A GatewayResponse as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponse {
    pub response_type: GatewayResponseType,
    pub status_code: Option<String>,
    #[serde(default)]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
    pub default_response: bool,
}

/// The members of `PutGatewayResponse`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutGatewayResponseInput {
    pub status_code: Option<String>,
    pub response_parameters: Option<BTreeMap<String, String>>,
    pub response_templates: Option<BTreeMap<String, String>>,
}

/// Patch paths `UpdateGatewayResponse` accepts.
pub const PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/statusCode",
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
        kind: ValueKind::String,
    },
];

// === impl GatewayResponseType ===

impl GatewayResponseType {
    /// Every type, in AWS's order.
    pub fn all() -> impl Iterator<Item = GatewayResponseType> {
        Self::ALL.iter().filter_map(|name| Self::parse(name))
    }

    /// AWS's default status code (none for the `DEFAULT_*` fallbacks).
    pub fn default_status(self) -> Option<u16> {
        use GatewayResponseType::*;
        Some(match self {
            AccessDenied
            | ExpiredToken
            | InvalidApiKey
            | InvalidSignature
            | MissingAuthenticationToken
            | WafFiltered => 403,
            ApiConfigurationError | AuthorizerConfigurationError | AuthorizerFailure => 500,
            BadRequestBody | BadRequestParameters => 400,
            IntegrationFailure | IntegrationTimeout => 504,
            QuotaExceeded | Throttled => 429,
            RequestTooLarge => 413,
            ResourceNotFound => 404,
            Unauthorized => 401,
            UnsupportedMediaType => 415,
            Default4xx | Default5xx => return None,
        })
    }

    /// The fallback type whose customisation applies when this type has none.
    pub fn fallback(status: u16) -> GatewayResponseType {
        if status >= 500 {
            GatewayResponseType::Default5xx
        } else {
            GatewayResponseType::Default4xx
        }
    }
}

// === impl GatewayResponse ===

impl GatewayResponse {
    /// The response AWS reports for a type nobody customised.
    pub fn default_for(response_type: GatewayResponseType) -> GatewayResponse {
        GatewayResponse {
            response_type,
            status_code: response_type
                .default_status()
                .map(|status| status.to_string()),
            response_parameters: BTreeMap::new(),
            response_templates: BTreeMap::from([(
                "application/json".to_owned(),
                DEFAULT_TEMPLATE.to_owned(),
            )]),
            default_response: true,
        }
    }

    /// A customised response from `PutGatewayResponse` input.
    pub fn create(
        response_type: GatewayResponseType,
        input: PutGatewayResponseInput,
    ) -> Result<GatewayResponse, ModelError> {
        let response = GatewayResponse {
            response_type,
            status_code: input.status_code.filter(|status| !status.is_empty()),
            response_parameters: input.response_parameters.unwrap_or_default(),
            response_templates: input.response_templates.unwrap_or_default(),
            default_response: false,
        };
        response.validate()?;
        Ok(response)
    }

    /// Checks status code and parameter mappings.
    pub fn validate(&self) -> Result<(), ModelError> {
        if let Some(status) = &self.status_code {
            validate_status_code(status)?;
        }
        for (target, source) in &self.response_parameters {
            let valid_target = [
                "gatewayresponse.header.",
                "gatewayresponse.querystring.",
                "gatewayresponse.path.",
            ]
            .iter()
            .any(|prefix| {
                target
                    .strip_prefix(prefix)
                    .is_some_and(|name| !name.is_empty())
            });
            if !valid_target {
                return Err(invalid_expression(target));
            }
            let literal = source.len() >= 2 && source.starts_with('\'') && source.ends_with('\'');
            let valid_source = literal
                || ["method.request.", "stageVariables.", "context."]
                    .iter()
                    .any(|prefix| {
                        source
                            .strip_prefix(prefix)
                            .is_some_and(|rest| !rest.is_empty())
                    });
            if !valid_source {
                return Err(invalid_expression(source));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_aws() {
        let missing = GatewayResponse::default_for(GatewayResponseType::MissingAuthenticationToken);
        assert_eq!(missing.status_code.as_deref(), Some("403"));
        assert!(missing.default_response);
        assert_eq!(
            missing.response_templates["application/json"],
            DEFAULT_TEMPLATE
        );
        assert_eq!(
            GatewayResponse::default_for(GatewayResponseType::Default4xx).status_code,
            None
        );
        assert_eq!(GatewayResponseType::all().count(), 21);
    }

    #[test]
    fn parameter_mappings_are_checked() {
        let input = |key: &str, value: &str| PutGatewayResponseInput {
            response_parameters: Some([(key.to_owned(), value.to_owned())].into()),
            ..Default::default()
        };
        let create = |key, value| {
            GatewayResponse::create(GatewayResponseType::Default4xx, input(key, value))
        };
        assert!(create("gatewayresponse.header.Access-Control-Allow-Origin", "'*'").is_ok());
        assert!(create("gatewayresponse.header.X-Id", "context.requestId").is_ok());
        assert!(create("method.response.header.X", "'*'").is_err());
        assert!(create("gatewayresponse.header.X", "unquoted").is_err());
    }
}
