//! Authorizers: Lambda (`TOKEN`, `REQUEST`) and Cognito user-pool (`COGNITO_USER_POOLS`)
//! authorizers that methods with `CUSTOM` or `COGNITO_USER_POOLS` authorisation use.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::patch::{ADD_REMOVE, ADD_REPLACE_REMOVE, PatchRule, REPLACE, ValueKind};
use crate::{ModelError, wire_enum};

wire_enum!(
    /// The kind of authorizer.
    AuthorizerType {
        Token => "TOKEN",
        Request => "REQUEST",
        CognitoUserPools => "COGNITO_USER_POOLS",
    }
);

/// Default and upper bound of `authorizerResultTtlInSeconds`.
pub const DEFAULT_RESULT_TTL: i64 = 300;
/// Upper bound of `authorizerResultTtlInSeconds`.
pub const MAX_RESULT_TTL: i64 = 3600;

/// An Authorizer as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AuthorizerType,
    #[serde(rename = "providerARNs")]
    pub provider_arns: Option<Vec<String>>,
    pub auth_type: Option<String>,
    pub authorizer_uri: Option<String>,
    pub authorizer_credentials: Option<String>,
    pub identity_source: Option<String>,
    pub identity_validation_expression: Option<String>,
    pub authorizer_result_ttl_in_seconds: Option<i64>,
}

/// The members of `CreateAuthorizer`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAuthorizerInput {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<AuthorizerType>,
    #[serde(rename = "providerARNs")]
    pub provider_arns: Option<Vec<String>>,
    pub auth_type: Option<String>,
    pub authorizer_uri: Option<String>,
    pub authorizer_credentials: Option<String>,
    pub identity_source: Option<String>,
    pub identity_validation_expression: Option<String>,
    pub authorizer_result_ttl_in_seconds: Option<i64>,
}

/// Patch paths `UpdateAuthorizer` accepts.
pub const PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/name",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/type",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/authorizerUri",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/authorizerCredentials",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/identityValidationExpression",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/authorizerResultTtlInSeconds",
        ops: REPLACE,
        kind: ValueKind::Int,
    },
    PatchRule {
        path: "/authType",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/identitySource",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/providerARNs",
        ops: ADD_REMOVE,
        kind: ValueKind::ValueMember,
    },
];

// === impl Authorizer ===

impl Authorizer {
    /// An authorizer from `CreateAuthorizer` input.
    pub fn create(input: CreateAuthorizerInput, id: String) -> Result<Authorizer, ModelError> {
        let name = crate::wire::required("createAuthorizerInput.name", input.name)?;
        let kind = crate::wire::required("createAuthorizerInput.type", input.kind)?;
        let authorizer = Authorizer {
            id,
            name,
            kind,
            provider_arns: input.provider_arns.filter(|arns| !arns.is_empty()),
            auth_type: input.auth_type,
            authorizer_uri: input.authorizer_uri,
            authorizer_credentials: input.authorizer_credentials,
            identity_source: input.identity_source,
            identity_validation_expression: input.identity_validation_expression,
            authorizer_result_ttl_in_seconds: Some(
                input
                    .authorizer_result_ttl_in_seconds
                    .unwrap_or(DEFAULT_RESULT_TTL),
            ),
        };
        authorizer.validate()?;
        Ok(authorizer)
    }

    /// AWS's rules for each kind.
    pub fn validate(&self) -> Result<(), ModelError> {
        if let Some(ttl) = self.authorizer_result_ttl_in_seconds
            && !(0..=MAX_RESULT_TTL).contains(&ttl)
        {
            return Err(ModelError::bad_request(
                "Authorizer result TTL must be between 0 and 3600 seconds",
            ));
        }
        match self.kind {
            AuthorizerType::Token | AuthorizerType::Request => {
                if self.authorizer_uri.as_deref().is_none_or(str::is_empty) {
                    return Err(ModelError::bad_request(
                        "Authorizer URI must be specified for Lambda authorizers",
                    ));
                }
            }
            AuthorizerType::CognitoUserPools => {
                if self.provider_arns.as_ref().is_none_or(Vec::is_empty) {
                    return Err(ModelError::bad_request(
                        "ProviderARNs must be specified for authorizers of type COGNITO_USER_POOLS",
                    ));
                }
            }
        }
        let caching = self
            .authorizer_result_ttl_in_seconds
            .unwrap_or(DEFAULT_RESULT_TTL)
            > 0;
        if self.kind == AuthorizerType::Request
            && caching
            && self
                .identity_source
                .as_deref()
                .is_none_or(|s| s.trim().is_empty())
        {
            return Err(ModelError::bad_request(
                "Identity source must be specified for a REQUEST authorizer when its results are \
                 cached (authorizerResultTtlInSeconds greater than 0)",
            ));
        }
        if self.kind == AuthorizerType::Token {
            let single_header = self
                .identity_source
                .as_deref()
                .and_then(|source| source.strip_prefix("method.request.header."))
                .is_some_and(|name| !name.is_empty() && !name.contains(','));
            if !single_header {
                return Err(ModelError::bad_request(
                    "Invalid identity source specified for a TOKEN authorizer: it must be one method.request.header.<name>",
                ));
            }
        }
        Ok(())
    }
}
