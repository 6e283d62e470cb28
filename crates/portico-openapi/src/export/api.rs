//! Root-level extensions from the RestApi and the API-wide parts: api-key-source,
//! binary-media-types, minimum-compression-size, policy, endpoint-configuration, tags,
//! gateway responses, request validators and the kept extensions.

use portico_model::ApiDefinition;
use portico_model::rest_api::{ApiKeySource, IpAddressType, shorten_policy_arns};
use serde_json::{Map, Value, json};

use super::ExportOptions;
use crate::import::api::{
    API_KEY_SOURCE, BINARY_MEDIA_TYPES, ENDPOINT_CONFIGURATION, MINIMUM_COMPRESSION_SIZE, POLICY,
    TAG_VALUE,
};
use crate::import::extensions::{GATEWAY_RESPONSES, REQUEST_VALIDATORS};

/// Adds the root extensions `options` asks for.
pub(super) fn root_extensions(
    definition: &ApiDefinition,
    options: &ExportOptions,
    document: &mut Map<String, Value>,
) {
    let api = &definition.rest_api;
    if options.extensions.validators() && !definition.request_validators.is_empty() {
        let validators: Map<String, Value> = definition
            .request_validators
            .values()
            .map(|validator| {
                (
                    validator
                        .name
                        .clone()
                        .unwrap_or_else(|| validator.id.clone()),
                    json!({
                        "validateRequestBody": validator.validate_request_body,
                        "validateRequestParameters": validator.validate_request_parameters,
                    }),
                )
            })
            .collect();
        document.insert(REQUEST_VALIDATORS.into(), Value::Object(validators));
    }
    if !options.extensions.apigateway {
        return;
    }
    if api.api_key_source == ApiKeySource::Authorizer {
        document.insert(API_KEY_SOURCE.into(), json!(api.api_key_source.as_str()));
    }
    if let Some(types) = &api.binary_media_types {
        document.insert(BINARY_MEDIA_TYPES.into(), json!(types));
    }
    if let Some(size) = api.minimum_compression_size {
        document.insert(MINIMUM_COMPRESSION_SIZE.into(), json!(size));
    }
    if let Some(policy) = &api.policy {
        let value = match serde_json::from_str::<Value>(policy) {
            Ok(parsed) => shorten_policy_arns(parsed, api.id.as_str()),
            Err(_) => json!(policy),
        };
        document.insert(POLICY.into(), value);
    }
    if !definition.gateway_responses.is_empty() {
        let responses: Map<String, Value> = definition
            .gateway_responses
            .values()
            .map(|response| {
                let mut entry = Map::new();
                if let Some(status) = &response.status_code {
                    entry.insert("statusCode".into(), json!(status));
                }
                if !response.response_parameters.is_empty() {
                    entry.insert(
                        "responseParameters".into(),
                        json!(response.response_parameters),
                    );
                }
                if !response.response_templates.is_empty() {
                    entry.insert(
                        "responseTemplates".into(),
                        json!(response.response_templates),
                    );
                }
                (
                    response.response_type.as_str().to_owned(),
                    Value::Object(entry),
                )
            })
            .collect();
        document.insert(GATEWAY_RESPONSES.into(), Value::Object(responses));
    }
    if options.format == super::ExportFormat::Swagger2 {
        endpoint_configuration(definition, document);
    }
    for (key, value) in &definition.extensions {
        document.insert(key.clone(), value.clone());
    }
}

/// `x-amazon-apigateway-endpoint-configuration` on `target` (the root of a Swagger 2
/// document, the server of an OpenAPI 3 one) when it says more than the defaults.
pub(super) fn endpoint_configuration(definition: &ApiDefinition, target: &mut Map<String, Value>) {
    let api = &definition.rest_api;
    let mut configuration = Map::new();
    if api.disable_execute_api_endpoint {
        configuration.insert("disableExecuteApiEndpoint".into(), json!(true));
    }
    if let Some(ids) = &api.endpoint_configuration.vpc_endpoint_ids {
        configuration.insert("vpcEndpointIds".into(), json!(ids));
    }
    if api.endpoint_configuration.ip_address_type == Some(IpAddressType::Dualstack) {
        configuration.insert(
            "ipAddressType".into(),
            json!(IpAddressType::Dualstack.as_str()),
        );
    }
    if !configuration.is_empty() {
        target.insert(ENDPOINT_CONFIGURATION.into(), Value::Object(configuration));
    }
}

/// The API's tags as root `tags` with `x-amazon-apigateway-tag-value`.
pub(super) fn tags(definition: &ApiDefinition) -> Option<Value> {
    let tags = definition
        .rest_api
        .tags
        .as_ref()
        .filter(|tags| !tags.is_empty())?;
    Some(Value::Array(
        tags.iter()
            .map(|(name, value)| json!({"name": name, TAG_VALUE: value}))
            .collect(),
    ))
}
