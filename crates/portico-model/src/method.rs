//! Method and MethodResponse: the client-facing side of a route.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::mapping::{parse_method_request_parameter, parse_method_response_header};
use crate::{Integration, ModelError, wire_enum};

wire_enum!(
    /// An HTTP method a resource can define; `ANY` matches every verb without its own method.
    HttpMethod {
        Get => "GET",
        Post => "POST",
        Put => "PUT",
        Delete => "DELETE",
        Patch => "PATCH",
        Head => "HEAD",
        Options => "OPTIONS",
        Any => "ANY",
    }
);

wire_enum!(
    /// How callers of a method are authorised.
    AuthorizationType {
        None => "NONE",
        AwsIam => "AWS_IAM",
        Custom => "CUSTOM",
        CognitoUserPools => "COGNITO_USER_POOLS",
    }
);

/// A Method as AWS returns it, with its responses and integration embedded.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    pub http_method: HttpMethod,
    pub authorization_type: AuthorizationType,
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    pub request_validator_id: Option<String>,
    pub operation_name: Option<String>,
    pub request_parameters: Option<BTreeMap<String, bool>>,
    pub request_models: Option<BTreeMap<String, String>>,
    pub method_responses: Option<BTreeMap<String, MethodResponse>>,
    pub method_integration: Option<Integration>,
    pub authorization_scopes: Option<Vec<String>>,
}

/// A MethodResponse: a status code the method may answer, and the headers it may carry.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponse {
    pub status_code: String,
    pub response_parameters: Option<BTreeMap<String, bool>>,
    pub response_models: Option<BTreeMap<String, String>>,
}

/// The members of `PutMethod`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutMethodInput {
    pub authorization_type: Option<AuthorizationType>,
    pub authorizer_id: Option<String>,
    pub api_key_required: Option<bool>,
    pub operation_name: Option<String>,
    pub request_parameters: Option<BTreeMap<String, bool>>,
    pub request_models: Option<BTreeMap<String, String>>,
    pub request_validator_id: Option<String>,
    pub authorization_scopes: Option<Vec<String>>,
}

/// The members of `PutMethodResponse`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutMethodResponseInput {
    pub response_parameters: Option<BTreeMap<String, bool>>,
    pub response_models: Option<BTreeMap<String, String>>,
}

// === impl HttpMethod ===

impl HttpMethod {
    /// Parses the `{http_method}` label of a control-plane URI.
    pub fn parse_label(value: &str) -> Result<HttpMethod, ModelError> {
        HttpMethod::parse(value).ok_or_else(|| {
            ModelError::bad_request(
                "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY",
            )
        })
    }
}

// === impl Method ===

impl Method {
    /// Builds a method from `PutMethod` input.
    pub fn create(http_method: HttpMethod, input: PutMethodInput) -> Result<Method, ModelError> {
        let authorization_type =
            crate::wire::required("putMethodInput.authorizationType", input.authorization_type)?;
        let method = Method {
            http_method,
            authorization_type,
            authorizer_id: input.authorizer_id,
            api_key_required: input.api_key_required.unwrap_or(false),
            request_validator_id: input.request_validator_id,
            operation_name: input.operation_name,
            request_parameters: input.request_parameters.filter(|p| !p.is_empty()),
            request_models: input.request_models.filter(|m| !m.is_empty()),
            method_responses: None,
            method_integration: None,
            authorization_scopes: input.authorization_scopes.filter(|s| !s.is_empty()),
        };
        method.validate()?;
        Ok(method)
    }

    /// Checks the method's own fields (references to authorizers and models are checked by
    /// the definition, which knows them).
    pub fn validate(&self) -> Result<(), ModelError> {
        if let Some(parameters) = &self.request_parameters {
            for key in parameters.keys() {
                parse_method_request_parameter(key)?;
            }
        }
        let needs_authorizer = matches!(
            self.authorization_type,
            AuthorizationType::Custom | AuthorizationType::CognitoUserPools
        );
        if needs_authorizer && self.authorizer_id.as_deref().is_none_or(str::is_empty) {
            return Err(ModelError::bad_request(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or \
                 COGNITO_USER_POOLS requires a valid authorizer.",
            ));
        }
        if let Some(operation_name) = &self.operation_name
            && operation_name.len() > 512
        {
            return Err(ModelError::bad_request("Invalid operationName: too long"));
        }
        Ok(())
    }

    /// True if the method declares `method.request.{location}.{name}`.
    pub fn declares_parameter(&self, expression: &str) -> bool {
        self.request_parameters
            .as_ref()
            .is_some_and(|parameters| parameters.contains_key(expression))
    }

    /// The method response for `status_code`.
    pub fn method_response(&self, status_code: &str) -> Result<&MethodResponse, ModelError> {
        self.method_responses
            .as_ref()
            .and_then(|responses| responses.get(status_code))
            .ok_or_else(|| ModelError::invalid_identifier("Response status code"))
    }

    /// The integration, or AWS's "No integration defined for method".
    pub fn integration(&self) -> Result<&Integration, ModelError> {
        self.method_integration
            .as_ref()
            .ok_or_else(|| ModelError::NotFound("No integration defined for method".into()))
    }

    /// The integration for changing, or AWS's "No integration defined for method".
    pub fn integration_mut(&mut self) -> Result<&mut Integration, ModelError> {
        self.method_integration
            .as_mut()
            .ok_or_else(|| ModelError::NotFound("No integration defined for method".into()))
    }
}

// === impl MethodResponse ===

impl MethodResponse {
    /// Builds a method response from `PutMethodResponse` input.
    pub fn create(
        status_code: &str,
        input: PutMethodResponseInput,
    ) -> Result<MethodResponse, ModelError> {
        validate_status_code(status_code)?;
        let response = MethodResponse {
            status_code: status_code.to_owned(),
            response_parameters: input.response_parameters.filter(|p| !p.is_empty()),
            response_models: input.response_models.filter(|m| !m.is_empty()),
        };
        response.validate()?;
        Ok(response)
    }

    /// Checks the declared response headers.
    pub fn validate(&self) -> Result<(), ModelError> {
        if let Some(parameters) = &self.response_parameters {
            for key in parameters.keys() {
                parse_method_response_header(key)?;
            }
        }
        Ok(())
    }

    /// True if the response declares the header named by `method.response.header.{name}`.
    pub fn declares_header(&self, key: &str) -> bool {
        self.response_parameters
            .as_ref()
            .is_some_and(|parameters| parameters.contains_key(key))
    }
}

/// Status codes are three digits from 100 to 599.
pub fn validate_status_code(status_code: &str) -> Result<(), ModelError> {
    let valid = status_code.len() == 3
        && status_code.bytes().all(|b| b.is_ascii_digit())
        && (b'1'..=b'5').contains(&status_code.as_bytes()[0]);
    if valid {
        Ok(())
    } else {
        Err(ModelError::bad_request(format!(
            "Invalid status code specified: {status_code}"
        )))
    }
}

use crate::patch::{ADD_REMOVE, ADD_REPLACE_REMOVE, PatchRule, REPLACE, REPLACE_REMOVE, ValueKind};

/// Patch paths `UpdateMethod` accepts.
pub const PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/authorizationType",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/authorizerId",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/apiKeyRequired",
        ops: REPLACE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/operationName",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/requestValidatorId",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/requestParameters/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/requestModels/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/authorizationScopes",
        ops: ADD_REMOVE,
        kind: ValueKind::ValueMember,
    },
];

/// Patch paths `UpdateMethodResponse` accepts.
pub const RESPONSE_PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/responseParameters/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/responseModels/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_method_requires_authorization_type() {
        let err = Method::create(HttpMethod::Get, PutMethodInput::default()).unwrap_err();
        assert!(err.to_string().contains("putMethodInput.authorizationType"));
    }

    #[test]
    fn custom_authorization_needs_an_authorizer() {
        let input = PutMethodInput {
            authorization_type: Some(AuthorizationType::Custom),
            ..Default::default()
        };
        assert!(Method::create(HttpMethod::Get, input).is_err());
    }

    #[test]
    fn request_parameter_declarations_are_checked() {
        let input = PutMethodInput {
            authorization_type: Some(AuthorizationType::None),
            request_parameters: Some([("method.request.cookie.x".to_owned(), true)].into()),
            ..Default::default()
        };
        assert!(Method::create(HttpMethod::Get, input).is_err());
    }

    #[test]
    fn status_codes_must_be_three_digits() {
        assert!(validate_status_code("200").is_ok());
        assert!(validate_status_code("599").is_ok());
        for bad in ["20", "2000", "600", "abc", "099"] {
            assert!(validate_status_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_http_method_label_is_rejected() {
        assert!(HttpMethod::parse_label("get").is_err());
        assert_eq!(HttpMethod::parse_label("ANY").unwrap(), HttpMethod::Any);
    }
}
