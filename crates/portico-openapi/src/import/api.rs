//! API-wide settings from the document: `info`, tags with `x-amazon-apigateway-tag-value`,
//! and the root extensions that are RestApi fields (api-key-source, binary-media-types,
//! minimum-compression-size, policy, endpoint-configuration).

use std::collections::BTreeMap;

use portico_model::RestApi;
use portico_model::rest_api::expand_policy_arns;
use portico_model::rest_api::{ApiKeySource, EndpointType, IpAddressType};
use serde_json::Value;

use super::{Flavor, ImportOptions};
use crate::error::{ImportError, Warning};
use crate::node::Node;

pub(crate) const API_KEY_SOURCE: &str = "x-amazon-apigateway-api-key-source";
pub(crate) const BINARY_MEDIA_TYPES: &str = "x-amazon-apigateway-binary-media-types";
pub(crate) const MINIMUM_COMPRESSION_SIZE: &str = "x-amazon-apigateway-minimum-compression-size";
pub(crate) const POLICY: &str = "x-amazon-apigateway-policy";
pub(crate) const ENDPOINT_CONFIGURATION: &str = "x-amazon-apigateway-endpoint-configuration";
pub(crate) const TAG_VALUE: &str = "x-amazon-apigateway-tag-value";

/// What the document says about the RestApi itself; `None` means "not stated".
#[derive(Debug, Default)]
pub(super) struct ApiSettings {
    pub name: Option<String>,
    description: Option<String>,
    version: Option<String>,
    binary_media_types: Option<Vec<String>>,
    minimum_compression_size: Option<i64>,
    api_key_source: Option<ApiKeySource>,
    policy: Option<Value>,
    endpoint: Option<EndpointSettings>,
    tags: Option<BTreeMap<String, String>>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Default)]
struct EndpointSettings {
    disable_execute_api_endpoint: Option<bool>,
    vpc_endpoint_ids: Option<Vec<String>>,
    ip_address_type: Option<IpAddressType>,
}

/// Reads the API-wide settings.
pub(super) fn read(document: &Value, flavor: Flavor) -> Result<ApiSettings, ImportError> {
    let root = Node::root(document);
    root.object()?;
    let mut settings = ApiSettings::default();
    if let Some(info) = root.get("info") {
        info.object()?;
        settings.name = info
            .str_field("title")?
            .map(str::trim)
            .filter(|title| !title.is_empty())
            .map(str::to_owned);
        settings.description = info.str_field("description")?.map(str::to_owned);
        settings.version = info.get("version").map(|node| node.as_text()).transpose()?;
    }
    if let Some(node) = root.get(API_KEY_SOURCE) {
        let value = node.as_str()?;
        let source = ApiKeySource::parse(&value.to_ascii_uppercase()).ok_or_else(|| {
            node.error(format!(
                "Invalid API key source '{value}'. Valid values are HEADER, AUTHORIZER"
            ))
        })?;
        settings.api_key_source = Some(source);
    }
    if let Some(node) = root.get(BINARY_MEDIA_TYPES) {
        settings.binary_media_types = Some(node.string_list()?);
    }
    if let Some(node) = root.get(MINIMUM_COMPRESSION_SIZE) {
        settings.minimum_compression_size = Some(node.as_i64()?);
    }
    if let Some(node) = root.get(POLICY) {
        settings.policy = Some(match node.value {
            Value::Object(_) => node.value.clone(),
            Value::String(text) => serde_json::from_str::<Value>(text)
                .ok()
                .filter(Value::is_object)
                .ok_or_else(|| node.error("Invalid policy document: it is not a JSON object"))?,
            _ => return Err(node.error("Invalid policy document: expected an object")),
        });
    }
    settings.endpoint = endpoint_configuration(&root, flavor, &mut settings.warnings)?;
    settings.tags = tags(&root)?;
    Ok(settings)
}

/// `x-amazon-apigateway-endpoint-configuration`: on the root (Swagger 2) or on a server
/// (OpenAPI 3); both places are accepted for either flavour.
fn endpoint_configuration(
    root: &Node<'_>,
    flavor: Flavor,
    warnings: &mut Vec<Warning>,
) -> Result<Option<EndpointSettings>, ImportError> {
    let mut node = root.get(ENDPOINT_CONFIGURATION);
    if flavor == Flavor::OpenApi3
        && node.is_none()
        && let Some(servers) = root.get("servers")
    {
        node = servers
            .items()?
            .into_iter()
            .find_map(|server| server.get(ENDPOINT_CONFIGURATION));
    }
    let Some(node) = node else {
        return Ok(None);
    };
    let mut endpoint = EndpointSettings::default();
    for (key, field) in node.entries()? {
        match key {
            "disableExecuteApiEndpoint" => {
                endpoint.disable_execute_api_endpoint = Some(field.as_bool()?);
            }
            "vpcEndpointIds" => endpoint.vpc_endpoint_ids = Some(field.string_list()?),
            "ipAddressType" => {
                let value = field.as_str()?;
                let parsed =
                    IpAddressType::parse(&value.to_ascii_lowercase()).ok_or_else(|| {
                        field.error(format!(
                            "Invalid ipAddressType '{value}'. Valid values are ipv4, dualstack"
                        ))
                    })?;
                endpoint.ip_address_type = Some(parsed);
            }
            _ => warnings.push(Warning::new(
                field.location.clone(),
                format!("Ignoring unsupported endpoint configuration property '{key}'"),
            )),
        }
    }
    Ok(Some(endpoint))
}

/// Root `tags` entries carrying `x-amazon-apigateway-tag-value` are the API's tags; other
/// tags only group operations for documentation.
fn tags(root: &Node<'_>) -> Result<Option<BTreeMap<String, String>>, ImportError> {
    let Some(node) = root.get("tags") else {
        return Ok(None);
    };
    let mut tags = BTreeMap::new();
    for tag in node.items()? {
        if let Some(value) = tag.get(TAG_VALUE) {
            let name = tag.get("name").ok_or_else(|| {
                tag.error("A tag with x-amazon-apigateway-tag-value needs a name")
            })?;
            tags.insert(name.as_str()?.to_owned(), value.as_text()?);
        }
    }
    Ok((!tags.is_empty()).then_some(tags))
}

/// The RestApi PutRestApi's overwrite mode starts from: identity, creation date, tags and
/// endpoint type kept, everything the document may state cleared.
pub(super) fn reset(existing: &RestApi) -> RestApi {
    let mut api = existing.clone();
    api.description = None;
    api.version = None;
    api.warnings = None;
    api.binary_media_types = None;
    api.minimum_compression_size = None;
    api.api_key_source = ApiKeySource::Header;
    api.policy = None;
    api.disable_execute_api_endpoint = false;
    api.endpoint_configuration.vpc_endpoint_ids = None;
    api
}

// === impl ApiSettings ===

impl ApiSettings {
    /// Writes what the document states onto `api` and checks the result.
    pub fn apply(&self, api: &mut RestApi, options: &ImportOptions) -> Result<(), ImportError> {
        if let Some(name) = &self.name {
            api.name.clone_from(name);
        }
        if self.description.is_some() {
            api.description.clone_from(&self.description);
        }
        if self.version.is_some() {
            api.version.clone_from(&self.version);
        }
        if let Some(types) = &self.binary_media_types {
            api.binary_media_types = (!types.is_empty()).then(|| types.clone());
        }
        if self.minimum_compression_size.is_some() {
            api.minimum_compression_size = self.minimum_compression_size;
        }
        if let Some(source) = self.api_key_source {
            api.api_key_source = source;
        }
        if let Some(policy) = &self.policy {
            let expanded = expand_policy_arns(policy.clone(), api.id.as_str());
            api.policy = Some(expanded.to_string());
        }
        if let Some(endpoint_type) = options.endpoint_type {
            api.endpoint_configuration.types = vec![endpoint_type];
        }
        if let Some(endpoint) = &self.endpoint {
            if let Some(disable) = endpoint.disable_execute_api_endpoint {
                api.disable_execute_api_endpoint = disable;
            }
            if let Some(ids) = &endpoint.vpc_endpoint_ids {
                api.endpoint_configuration.vpc_endpoint_ids =
                    (!ids.is_empty()).then(|| ids.clone());
            }
            if endpoint.ip_address_type.is_some() {
                api.endpoint_configuration.ip_address_type = endpoint.ip_address_type;
            }
        }
        if api.endpoint_configuration.vpc_endpoint_ids.is_some()
            && api.endpoint_configuration.types != [EndpointType::Private]
        {
            return Err(ImportError::new(
                ENDPOINT_CONFIGURATION,
                "VPC endpoint ids can only be set on PRIVATE APIs (use endpointConfigurationTypes=PRIVATE)",
            ));
        }
        if let Some(tags) = &self.tags {
            api.tags = Some(tags.clone());
        }
        api.validate().map_err(|err| {
            let message = err.to_string();
            let location = if message.contains("policy") {
                POLICY
            } else if message.contains("compression") {
                MINIMUM_COMPRESSION_SIZE
            } else if message.contains("binary media type") {
                BINARY_MEDIA_TYPES
            } else if message.contains("name") {
                "info.title"
            } else if message.to_ascii_lowercase().contains("tag") {
                "tags"
            } else {
                ""
            };
            ImportError::new(location, message)
        })
    }
}

/// `execute-api:/stage/GET/path` short ARNs in a resource policy become full ARNs of this
/// API, as AWS stores them.
#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use portico_model::rest_api::shorten_policy_arns;

    #[test]
    fn short_policy_arns_expand_and_shorten_again() {
        let policy = json!({"Statement": [{"Resource": ["execute-api:/*", "arn:aws:s3:::b"]}]});
        let expanded = expand_policy_arns(policy.clone(), "abc");
        assert_eq!(
            expanded["Statement"][0]["Resource"][0],
            "arn:aws:execute-api:us-east-1:000000000000:abc/*"
        );
        assert_eq!(shorten_policy_arns(expanded, "abc"), policy);
    }

    #[test]
    fn settings_come_from_info_and_root_extensions() {
        let document = json!({
            "swagger": "2.0",
            "info": {"title": " shop ", "version": 2, "description": "d"},
            API_KEY_SOURCE: "authorizer",
            BINARY_MEDIA_TYPES: ["image/png"],
            MINIMUM_COMPRESSION_SIZE: 1024,
            ENDPOINT_CONFIGURATION: {"disableExecuteApiEndpoint": true, "other": 1},
            "tags": [{"name": "team", TAG_VALUE: "core"}, {"name": "pets"}]
        });
        let settings = read(&document, Flavor::Swagger2).unwrap();
        assert_eq!(settings.name.as_deref(), Some("shop"));
        assert_eq!(settings.version.as_deref(), Some("2"));
        assert_eq!(settings.api_key_source, Some(ApiKeySource::Authorizer));
        assert_eq!(settings.minimum_compression_size, Some(1024));
        assert_eq!(settings.tags.unwrap()["team"], "core");
        assert_eq!(settings.warnings.len(), 1);
    }

    #[test]
    fn unknown_api_key_source_is_an_error_at_its_location() {
        let document = json!({"openapi": "3.0.1", API_KEY_SOURCE: "COOKIE"});
        let err = read(&document, Flavor::OpenApi3).unwrap_err();
        assert_eq!(err.location, API_KEY_SOURCE);
    }
}
