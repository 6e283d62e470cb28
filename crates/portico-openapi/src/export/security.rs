//! Security schemes (`api_key`, `sigv4` and one per authorizer) and each method's security
//! requirements.

use portico_model::authorizer::{Authorizer, AuthorizerType};
use portico_model::method::AuthorizationType;
use portico_model::{ApiDefinition, Method};
use serde_json::{Map, Value, json};

use super::ExportOptions;
use crate::import::security::{API_KEY_HEADER, AUTHORIZER, AUTHTYPE, SIGV4_AUTHTYPE};

/// The scheme name API keys are exported under.
pub(super) const API_KEY_SCHEME: &str = "api_key";
/// The scheme name IAM authorization is exported under.
pub(super) const SIGV4_SCHEME: &str = "sigv4";

/// The security schemes the API's methods use, and every authorizer.
pub(super) fn schemes(definition: &ApiDefinition, options: &ExportOptions) -> Map<String, Value> {
    let methods = || {
        definition
            .resources
            .values()
            .flat_map(|resource| resource.resource_methods.values())
    };
    let mut schemes = Map::new();
    if methods().any(|method| method.api_key_required) {
        schemes.insert(
            API_KEY_SCHEME.into(),
            json!({"type": "apiKey", "name": API_KEY_HEADER, "in": "header"}),
        );
    }
    if methods().any(|method| method.authorization_type == AuthorizationType::AwsIam) {
        schemes.insert(
            SIGV4_SCHEME.into(),
            json!({"type": "apiKey", "name": "Authorization", "in": "header", AUTHTYPE: SIGV4_AUTHTYPE}),
        );
    }
    for authorizer in definition.authorizers.values() {
        schemes.insert(
            authorizer.name.clone(),
            authorizer_scheme(authorizer, options.extensions.authorizers()),
        );
    }
    schemes
}

fn authorizer_scheme(authorizer: &Authorizer, with_extension: bool) -> Value {
    let header = authorizer
        .identity_source
        .as_deref()
        .and_then(|source| source.split(',').next())
        .and_then(|source| source.trim().strip_prefix("method.request.header."))
        .unwrap_or("Unused");
    let mut scheme = Map::new();
    scheme.insert("type".into(), json!("apiKey"));
    scheme.insert("name".into(), json!(header));
    scheme.insert("in".into(), json!("header"));
    if !with_extension {
        return Value::Object(scheme);
    }
    if let Some(auth_type) = &authorizer.auth_type {
        scheme.insert(AUTHTYPE.into(), json!(auth_type));
    }
    let mut extension = Map::new();
    let kind = match authorizer.kind {
        AuthorizerType::Token => "token",
        AuthorizerType::Request => "request",
        AuthorizerType::CognitoUserPools => "cognito_user_pools",
    };
    extension.insert("type".into(), json!(kind));
    let fields = [
        ("authorizerUri", &authorizer.authorizer_uri),
        ("authorizerCredentials", &authorizer.authorizer_credentials),
        ("identitySource", &authorizer.identity_source),
        (
            "identityValidationExpression",
            &authorizer.identity_validation_expression,
        ),
    ];
    for (key, value) in fields {
        if let Some(value) = value {
            extension.insert(key.into(), json!(value));
        }
    }
    if let Some(ttl) = authorizer.authorizer_result_ttl_in_seconds {
        extension.insert("authorizerResultTtlInSeconds".into(), json!(ttl));
    }
    if let Some(arns) = &authorizer.provider_arns {
        extension.insert("providerARNs".into(), json!(arns));
    }
    scheme.insert(AUTHORIZER.into(), Value::Object(extension));
    Value::Object(scheme)
}

/// The `security` requirements of a method; empty when it is open.
pub(super) fn requirements(definition: &ApiDefinition, method: &Method) -> Vec<Value> {
    let mut requirements = Vec::new();
    match method.authorization_type {
        AuthorizationType::Custom | AuthorizationType::CognitoUserPools => {
            if let Some(authorizer) = method
                .authorizer_id
                .as_deref()
                .and_then(|id| definition.authorizers.get(id))
            {
                let scopes = method.authorization_scopes.clone().unwrap_or_default();
                requirements.push(json!({ authorizer.name.clone(): scopes }));
            }
        }
        AuthorizationType::AwsIam => requirements.push(json!({ SIGV4_SCHEME: [] })),
        AuthorizationType::None => {}
    }
    if method.api_key_required {
        requirements.push(json!({ API_KEY_SCHEME: [] }));
    }
    requirements
}
