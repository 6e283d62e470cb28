//! The RestApi resource: the top-level API and its API-wide settings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::wire::Timestamp;
use crate::{ACCOUNT_ID, ModelError, ResourceId, RestApiId, region, wire_enum};

wire_enum!(
    /// Where the data plane reads the API key from.
    ApiKeySource {
        Header => "HEADER",
        Authorizer => "AUTHORIZER",
    }
);

wire_enum!(
    /// The endpoint type of an API or domain name.
    EndpointType {
        Regional => "REGIONAL",
        Edge => "EDGE",
        Private => "PRIVATE",
    }
);

wire_enum!(
    /// The IP address types an endpoint answers on.
    IpAddressType {
        Ipv4 => "ipv4",
        Dualstack => "dualstack",
    }
);

/// `endpointConfiguration` of a RestApi.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    /// Exactly one endpoint type.
    pub types: Vec<EndpointType>,
    /// IP address type.
    pub ip_address_type: Option<IpAddressType>,
    /// VPC endpoints associated with a PRIVATE API.
    pub vpc_endpoint_ids: Option<Vec<String>>,
}

impl Default for EndpointConfiguration {
    fn default() -> Self {
        Self {
            types: vec![EndpointType::Edge],
            ip_address_type: Some(IpAddressType::Ipv4),
            vpc_endpoint_ids: None,
        }
    }
}

/// A RestApi as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApi {
    pub id: RestApiId,
    pub name: String,
    pub description: Option<String>,
    pub created_date: Timestamp,
    pub version: Option<String>,
    pub warnings: Option<Vec<String>>,
    pub binary_media_types: Option<Vec<String>>,
    pub minimum_compression_size: Option<i64>,
    pub api_key_source: ApiKeySource,
    pub endpoint_configuration: EndpointConfiguration,
    pub policy: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub disable_execute_api_endpoint: bool,
    pub root_resource_id: ResourceId,
}

/// The members of `CreateRestApi`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRestApiInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    pub clone_from: Option<String>,
    pub binary_media_types: Option<Vec<String>>,
    pub minimum_compression_size: Option<i64>,
    pub api_key_source: Option<ApiKeySource>,
    pub endpoint_configuration: Option<EndpointConfiguration>,
    pub policy: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub disable_execute_api_endpoint: Option<bool>,
}

/// Largest `minimumCompressionSize` AWS accepts (10 MiB).
pub const MAX_MINIMUM_COMPRESSION_SIZE: i64 = 10_485_760;

/// Longest resource policy AWS accepts.
pub const MAX_POLICY_LEN: usize = 8192;

// === impl RestApi ===

impl RestApi {
    /// Builds a new RestApi from `CreateRestApi` input, with AWS's defaults.
    pub fn create(
        input: CreateRestApiInput,
        id: RestApiId,
        root_resource_id: ResourceId,
        now: Timestamp,
    ) -> Result<RestApi, ModelError> {
        let name = crate::wire::required("createRestApiInput.name", input.name)?;
        let api = RestApi {
            id,
            name,
            description: input.description,
            created_date: now,
            version: input.version,
            warnings: None,
            binary_media_types: input.binary_media_types.filter(|types| !types.is_empty()),
            minimum_compression_size: input.minimum_compression_size,
            api_key_source: input.api_key_source.unwrap_or(ApiKeySource::Header),
            endpoint_configuration: input.endpoint_configuration.unwrap_or_default(),
            policy: input.policy.filter(|policy| !policy.is_empty()),
            tags: input.tags.filter(|tags| !tags.is_empty()),
            disable_execute_api_endpoint: input.disable_execute_api_endpoint.unwrap_or(false),
            root_resource_id,
        };
        let mut api = api;
        api.expand_policy()?;
        api.validate()?;
        Ok(api)
    }

    /// Rewrites the short resource form `execute-api:/STAGE/VERB/PATH` of the resource
    /// policy to this API's full ARN, as AWS does when a policy is saved.
    pub fn expand_policy(&mut self) -> Result<(), ModelError> {
        let Some(policy) = &self.policy else {
            return Ok(());
        };
        if policy.chars().count() > MAX_POLICY_LEN {
            return Err(ModelError::bad_request(
                "Invalid policy document: length exceeds 8192 characters",
            ));
        }
        if !policy.contains("execute-api:/") {
            return Ok(());
        }
        let document: serde_json::Value = serde_json::from_str(policy).map_err(|_| {
            ModelError::bad_request(
                "Invalid policy document. Please check the policy syntax and try again.",
            )
        })?;
        self.policy = Some(expand_policy_arns(document, self.id.as_str()).to_string());
        Ok(())
    }

    /// Checks the invariants AWS enforces on every create and update.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.name.trim().is_empty() {
            return Err(ModelError::bad_request("Invalid REST API name specified"));
        }
        if let Some(size) = self.minimum_compression_size
            && !(0..=MAX_MINIMUM_COMPRESSION_SIZE).contains(&size)
        {
            return Err(ModelError::bad_request(
                "Invalid minimum compression size, must be between 0 and 10485760",
            ));
        }
        if self.endpoint_configuration.types.len() != 1 {
            return Err(ModelError::bad_request(
                "Invalid endpoint configuration: exactly one endpoint type must be specified",
            ));
        }
        if let Some(types) = &self.binary_media_types
            && let Some(bad) = types.iter().find(|t| !is_media_type(t))
        {
            return Err(ModelError::bad_request(format!(
                "Invalid binary media type specified: {bad}"
            )));
        }
        if let Some(policy) = &self.policy {
            // Stored policies have their short ARNs expanded, which may lengthen them.
            let options = portico_policy::ParseOptions {
                kind: portico_policy::PolicyKind::Resource,
                max_chars: 4 * MAX_POLICY_LEN,
            };
            portico_policy::Policy::parse_with(policy, options)
                .map_err(|err| invalid_policy(&err))?;
        }
        if let Some(tags) = &self.tags {
            crate::tags::validate(tags)?;
        }
        Ok(())
    }
}

fn invalid_policy(err: &portico_policy::PolicyError) -> ModelError {
    ModelError::bad_request(format!(
        "Invalid policy document. Please check the policy syntax and try again. ({err})"
    ))
}

/// A resource policy with every `execute-api:/…` short ARN replaced by API `api_id`'s full
/// ARN (`arn:aws:execute-api:REGION:ACCOUNT:API/…`).
pub fn expand_policy_arns(policy: serde_json::Value, api_id: &str) -> serde_json::Value {
    map_strings(policy, &|text| match text.strip_prefix("execute-api:/") {
        Some(rest) => format!(
            "arn:aws:execute-api:{}:{ACCOUNT_ID}:{api_id}/{rest}",
            region()
        ),
        None => text.to_owned(),
    })
}

/// Full ARNs of API `api_id` in a policy become `execute-api:/…` again, so exported
/// documents import into any API.
pub fn shorten_policy_arns(policy: serde_json::Value, api_id: &str) -> serde_json::Value {
    let prefix = format!("arn:aws:execute-api:{}:{ACCOUNT_ID}:{api_id}/", region());
    map_strings(policy, &|text| match text.strip_prefix(prefix.as_str()) {
        Some(rest) => format!("execute-api:/{rest}"),
        None => text.to_owned(),
    })
}

fn map_strings(value: serde_json::Value, f: &dyn Fn(&str) -> String) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(f(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| map_strings(v, f)).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, v)| (key, map_strings(v, f)))
                .collect(),
        ),
        other => other,
    }
}

/// `type/subtype` with wildcards, as `binaryMediaTypes` entries are.
fn is_media_type(value: &str) -> bool {
    match value.split_once('/') {
        Some((kind, subtype)) => {
            let ok = |part: &str| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"*+-.!#$&^_".contains(&b))
            };
            ok(kind) && ok(subtype)
        }
        None => false,
    }
}

use crate::patch::{ADD_REMOVE, ADD_REPLACE_REMOVE, PatchRule, REPLACE, REPLACE_REMOVE, ValueKind};

/// Patch paths `UpdateRestApi` accepts.
pub const PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/name",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/description",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/version",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/apiKeySource",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/policy",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/disableExecuteApiEndpoint",
        ops: REPLACE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/minimumCompressionSize",
        ops: REPLACE_REMOVE,
        kind: ValueKind::NullableInt,
    },
    PatchRule {
        path: "/binaryMediaTypes/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::PathMember,
    },
    PatchRule {
        path: "/endpointConfiguration/types/*",
        ops: REPLACE,
        kind: ValueKind::PathMember,
    },
    PatchRule {
        path: "/endpointConfiguration/vpcEndpointIds",
        ops: ADD_REMOVE,
        kind: ValueKind::ValueMember,
    },
    PatchRule {
        path: "/endpointConfiguration/ipAddressType",
        ops: REPLACE,
        kind: ValueKind::String,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn create(input: CreateRestApiInput) -> Result<RestApi, ModelError> {
        RestApi::create(
            input,
            RestApiId::new("a1b2c3d4e5"),
            ResourceId::new("r00t000000"),
            7,
        )
    }

    #[test]
    fn new_api_gets_aws_defaults() {
        let api = create(CreateRestApiInput {
            name: Some("shop".into()),
            ..Default::default()
        })
        .unwrap();
        let json = serde_json::to_value(&api).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": "a1b2c3d4e5",
                "name": "shop",
                "createdDate": 7,
                "apiKeySource": "HEADER",
                "endpointConfiguration": {"types": ["EDGE"], "ipAddressType": "ipv4"},
                "disableExecuteApiEndpoint": false,
                "rootResourceId": "r00t000000"
            })
        );
    }

    #[test]
    fn missing_name_is_rejected_like_aws() {
        let err = create(CreateRestApiInput::default()).unwrap_err();
        assert!(err.to_string().contains("'createRestApiInput.name'"));
    }

    #[test]
    fn bad_binary_media_type_is_rejected() {
        let err = create(CreateRestApiInput {
            name: Some("x".into()),
            binary_media_types: Some(vec!["png".into()]),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            err,
            ModelError::bad_request("Invalid binary media type specified: png")
        );
    }

    #[test]
    fn wildcard_media_types_are_accepted() {
        assert!(is_media_type("*/*"));
        assert!(is_media_type("image/*"));
        assert!(is_media_type("application/vnd.api+json"));
        assert!(!is_media_type("image/"));
    }
}
