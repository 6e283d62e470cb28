//! Custom domain names and their base path mappings: `https://{domainName}/{basePath}/{path}`
//! reaches the mapped API and stage (reference §3, "Custom domains").
//!
//! Portico serves every domain on its own listeners, so certificates are recorded as given and
//! never fetched; the generated target names (`d-….execute-api…`, `d….cloudfront.net`) are
//! what AWS would hand out for DNS records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::ModelError;
use crate::patch::{self, PatchOperation, PatchRule, REPLACE, ValueKind};
use crate::rest_api::{EndpointConfiguration, EndpointType};
use crate::wire::{Timestamp, required};
use crate::wire_enum;

/// How a mapping with an empty base path is shown and addressed.
pub const NO_BASE_PATH: &str = "(none)";
/// A mapping's stage that lets callers name the stage in the path (as no stage at all).
pub const NO_STAGE: &str = "(none)";
/// Longest domain name AWS accepts.
const MAX_DOMAIN_NAME_LEN: usize = 253;

wire_enum!(
    /// The TLS versions a domain name accepts.
    SecurityPolicy {
        Tls10 => "TLS_1_0",
        Tls12 => "TLS_1_2",
    }
);

/// A custom domain name as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainName {
    pub domain_name: String,
    pub domain_name_arn: String,
    pub certificate_name: Option<String>,
    pub certificate_arn: Option<String>,
    pub certificate_upload_date: Option<Timestamp>,
    pub regional_domain_name: Option<String>,
    pub regional_hosted_zone_id: Option<String>,
    pub regional_certificate_name: Option<String>,
    pub regional_certificate_arn: Option<String>,
    pub distribution_domain_name: Option<String>,
    pub distribution_hosted_zone_id: Option<String>,
    pub endpoint_configuration: EndpointConfiguration,
    pub domain_name_status: String,
    pub security_policy: SecurityPolicy,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A base path mapping as AWS returns it (`basePath` is `(none)` for the domain's root).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BasePathMapping {
    pub base_path: String,
    pub rest_api_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

/// A domain name with its mappings: one store record, so a mapping change commits atomically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredDomainName {
    pub domain: DomainName,
    #[serde(default)]
    pub mappings: Vec<BasePathMapping>,
}

/// The members of `CreateDomainName` Portico keeps.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDomainNameInput {
    pub domain_name: Option<String>,
    pub certificate_name: Option<String>,
    pub certificate_arn: Option<String>,
    pub certificate_body: Option<String>,
    pub regional_certificate_name: Option<String>,
    pub regional_certificate_arn: Option<String>,
    pub endpoint_configuration: Option<EndpointConfiguration>,
    pub security_policy: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// The members of `CreateBasePathMapping`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBasePathMappingInput {
    pub base_path: Option<String>,
    pub rest_api_id: Option<String>,
    pub stage: Option<String>,
}

/// Names Portico generates for a new domain: the regional target's id (10 characters) and the
/// distribution's (13), both lowercase alphanumerics.
#[derive(Debug, Clone)]
pub struct GeneratedNames {
    pub regional_id: String,
    pub distribution_id: String,
}

/// Patch paths `UpdateDomainName` accepts.
const DOMAIN_PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/certificateName",
        ops: REPLACE,
        kind: ValueKind::NullableString,
    },
    PatchRule {
        path: "/certificateArn",
        ops: REPLACE,
        kind: ValueKind::NullableString,
    },
    PatchRule {
        path: "/regionalCertificateName",
        ops: REPLACE,
        kind: ValueKind::NullableString,
    },
    PatchRule {
        path: "/regionalCertificateArn",
        ops: REPLACE,
        kind: ValueKind::NullableString,
    },
    PatchRule {
        path: "/securityPolicy",
        ops: REPLACE,
        kind: ValueKind::String,
    },
];

// === impl DomainName ===

impl DomainName {
    /// A domain from `CreateDomainName` input, in `region`, created at `now`.
    pub fn create(
        input: CreateDomainNameInput,
        region: &str,
        names: &GeneratedNames,
        now: Timestamp,
    ) -> Result<DomainName, ModelError> {
        let domain_name = required("domainName", input.domain_name)?.to_ascii_lowercase();
        validate_domain_name(&domain_name)?;
        let endpoint_configuration = input.endpoint_configuration.unwrap_or_default();
        let endpoint_type = match endpoint_configuration.types.as_slice() {
            [EndpointType::Edge] => EndpointType::Edge,
            [EndpointType::Regional] => EndpointType::Regional,
            [EndpointType::Private] => {
                return Err(ModelError::bad_request(
                    "Private custom domain names are not supported by this gateway",
                ));
            }
            _ => {
                return Err(ModelError::bad_request(
                    "Invalid endpoint configuration: exactly one endpoint type is required",
                ));
            }
        };
        let security_policy = match input.security_policy.as_deref() {
            Some(value) => SecurityPolicy::parse_field("securityPolicy", value)?,
            None => SecurityPolicy::Tls12,
        };
        let tags = input.tags.unwrap_or_default();
        crate::tags::validate(&tags)?;
        let edge = endpoint_type == EndpointType::Edge;
        let has_certificate = input.certificate_arn.is_some() || input.certificate_body.is_some();
        let domain = DomainName {
            domain_name_arn: format!("arn:aws:apigateway:{region}::/domainnames/{domain_name}"),
            certificate_name: input.certificate_name.filter(|_| edge),
            certificate_arn: input.certificate_arn.filter(|_| edge),
            certificate_upload_date: (edge && has_certificate).then_some(now),
            regional_domain_name: (!edge)
                .then(|| format!("d-{}.execute-api.{region}.amazonaws.com", names.regional_id)),
            regional_hosted_zone_id: (!edge)
                .then(|| regional_hosted_zone(region))
                .flatten()
                .map(str::to_owned),
            regional_certificate_name: input.regional_certificate_name.filter(|_| !edge),
            regional_certificate_arn: input.regional_certificate_arn.filter(|_| !edge),
            distribution_domain_name: edge
                .then(|| format!("d{}.cloudfront.net", names.distribution_id)),
            // CloudFront's one hosted zone, the alias target of every edge domain.
            distribution_hosted_zone_id: edge.then(|| "Z2FDTNDATAQYW2".to_owned()),
            endpoint_configuration,
            domain_name_status: "AVAILABLE".into(),
            security_policy,
            tags,
            domain_name,
        };
        Ok(domain)
    }

    /// `UpdateDomainName`.
    pub fn patch(&self, operations: &[PatchOperation]) -> Result<DomainName, ModelError> {
        let patched: DomainName = patch::apply(self, operations, DOMAIN_PATCH_RULES)?;
        Ok(patched)
    }

    fn is_regional(&self) -> bool {
        self.endpoint_configuration.types == [EndpointType::Regional]
    }
}

// === impl StoredDomainName ===

impl StoredDomainName {
    /// The mapping shown as `base_path` (`(none)` for the root).
    pub fn mapping(&self, base_path: &str) -> Result<&BasePathMapping, ModelError> {
        self.mappings
            .iter()
            .find(|mapping| mapping.base_path == base_path)
            .ok_or_else(|| ModelError::invalid_identifier("base path mapping"))
    }

    /// `CreateBasePathMapping`: the caller has checked that the API (and stage) exist.
    pub fn add_mapping(
        &mut self,
        input: CreateBasePathMappingInput,
    ) -> Result<BasePathMapping, ModelError> {
        let mapping = BasePathMapping {
            base_path: normalise_base_path(input.base_path.as_deref(), &self.domain)?,
            rest_api_id: required("restApiId", input.rest_api_id)?,
            stage: input
                .stage
                .filter(|stage| !stage.is_empty() && stage != NO_STAGE),
        };
        if self
            .mappings
            .iter()
            .any(|other| other.base_path == mapping.base_path)
        {
            return Err(ModelError::Conflict(
                "Base path already exists for this domain name".into(),
            ));
        }
        self.mappings.push(mapping.clone());
        self.mappings.sort_by(|a, b| a.base_path.cmp(&b.base_path));
        Ok(mapping)
    }

    /// `UpdateBasePathMapping`: `/basePath`, `/restapiId` and `/stage` (replace). Returns the
    /// mapping as changed; the caller checks its API and stage.
    pub fn patch_mapping(
        &mut self,
        base_path: &str,
        operations: &[PatchOperation],
    ) -> Result<BasePathMapping, ModelError> {
        let mut mapping = self.mapping(base_path)?.clone();
        for operation in operations {
            let parsed = patch::parse_operation(operation)?;
            if parsed.op != patch::PatchOp::Replace {
                return Err(patch::invalid_path(parsed.path, parsed.op));
            }
            let value = parsed.value.filter(|value| !value.is_empty());
            match parsed.path {
                // The reference spells it `/basepath`; SDK users write `/basePath`.
                "/basePath" | "/basepath" => {
                    mapping.base_path = normalise_base_path(value, &self.domain)?
                }
                "/restapiId" => {
                    mapping.rest_api_id = value
                        .ok_or_else(|| {
                            ModelError::bad_request("Invalid REST API identifier specified")
                        })?
                        .to_owned();
                }
                "/stage" => {
                    mapping.stage = value.filter(|stage| *stage != NO_STAGE).map(str::to_owned);
                }
                _ => return Err(patch::invalid_path(parsed.path, parsed.op)),
            }
        }
        if mapping.base_path != base_path
            && self
                .mappings
                .iter()
                .any(|other| other.base_path == mapping.base_path)
        {
            return Err(ModelError::Conflict(
                "Base path already exists for this domain name".into(),
            ));
        }
        self.mappings.retain(|other| other.base_path != base_path);
        self.mappings.push(mapping.clone());
        self.mappings.sort_by(|a, b| a.base_path.cmp(&b.base_path));
        Ok(mapping)
    }

    /// `DeleteBasePathMapping`.
    pub fn remove_mapping(&mut self, base_path: &str) -> Result<(), ModelError> {
        self.mapping(base_path)?;
        self.mappings
            .retain(|mapping| mapping.base_path != base_path);
        Ok(())
    }
}

/// A base path as given (`None`, empty or `(none)` for the root) → as stored and shown.
/// Segments are non-empty and use AWS's characters; more than one segment only on regional
/// domains.
fn normalise_base_path(value: Option<&str>, domain: &DomainName) -> Result<String, ModelError> {
    let path = match value {
        None | Some("") | Some(NO_BASE_PATH) => return Ok(NO_BASE_PATH.to_owned()),
        Some(path) => path,
    };
    let valid_segment = |segment: &str| {
        !segment.is_empty()
            && segment
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"$-_.+!*'()".contains(&byte))
    };
    if !path.split('/').all(valid_segment) {
        return Err(ModelError::bad_request(format!(
            "Invalid base path '{path}': use letters, digits and $-_.+!*'() in segments separated \
             by single slashes, without a leading or trailing slash"
        )));
    }
    if path.contains('/') && !domain.is_regional() {
        return Err(ModelError::bad_request(
            "Multi-level base path mapping is only supported for REGIONAL domain names",
        ));
    }
    Ok(path.to_owned())
}

/// A host name: dot-separated labels of letters, digits and hyphens, optionally starting
/// with a `*` label (wildcard domain names).
fn validate_domain_name(name: &str) -> Result<(), ModelError> {
    let labels: Vec<&str> = name.split('.').collect();
    let valid_label = |(index, label): (usize, &&str)| {
        (index == 0 && *label == "*")
            || (!label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-'))
    };
    if name.len() > MAX_DOMAIN_NAME_LEN
        || labels.len() < 2
        || !labels.iter().enumerate().all(valid_label)
    {
        return Err(ModelError::bad_request(format!(
            "Invalid domain name identifier specified: {name}"
        )));
    }
    Ok(())
}

/// The Route 53 hosted zone of regional API endpoints in `region`, where Portico knows it.
fn regional_hosted_zone(region: &str) -> Option<&'static str> {
    match region {
        "us-east-1" => Some("Z1UJRXOUMOOFQ8"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> GeneratedNames {
        GeneratedNames {
            regional_id: "abcdefghij".into(),
            distribution_id: "abcdefghijklm".into(),
        }
    }

    fn domain(kind: EndpointType) -> DomainName {
        DomainName::create(
            CreateDomainNameInput {
                domain_name: Some("API.Example.com".into()),
                certificate_arn: Some("arn:aws:acm:us-east-1:000000000000:certificate/x".into()),
                regional_certificate_arn: Some(
                    "arn:aws:acm:us-east-1:000000000000:certificate/y".into(),
                ),
                endpoint_configuration: Some(EndpointConfiguration {
                    types: vec![kind],
                    ..Default::default()
                }),
                ..Default::default()
            },
            "us-east-1",
            &names(),
            1_700_000_000,
        )
        .unwrap()
    }

    #[test]
    fn edge_and_regional_domains_get_their_targets() {
        let edge = domain(EndpointType::Edge);
        assert_eq!(edge.domain_name, "api.example.com");
        assert_eq!(
            edge.distribution_domain_name.as_deref(),
            Some("dabcdefghijklm.cloudfront.net")
        );
        assert_eq!(edge.regional_domain_name, None);
        assert_eq!(edge.regional_certificate_arn, None);
        assert_eq!(edge.security_policy, SecurityPolicy::Tls12);
        let regional = domain(EndpointType::Regional);
        assert_eq!(
            regional.regional_domain_name.as_deref(),
            Some("d-abcdefghij.execute-api.us-east-1.amazonaws.com")
        );
        assert_eq!(regional.certificate_arn, None);
        assert_eq!(regional.domain_name_status, "AVAILABLE");
    }

    #[test]
    fn bad_domain_names_are_refused() {
        for name in [
            "localhost",
            "bad_name.example.com",
            "-a.example.com",
            "a..b",
            "",
        ] {
            let input = CreateDomainNameInput {
                domain_name: Some(name.into()),
                ..Default::default()
            };
            assert!(
                DomainName::create(input, "us-east-1", &names(), 0).is_err(),
                "{name}"
            );
        }
        let wildcard = CreateDomainNameInput {
            domain_name: Some("*.example.com".into()),
            ..Default::default()
        };
        assert!(DomainName::create(wildcard, "us-east-1", &names(), 0).is_ok());
    }

    #[test]
    fn mappings_are_unique_per_base_path_and_multi_level_only_on_regional_domains() {
        let mut stored = StoredDomainName {
            domain: domain(EndpointType::Edge),
            mappings: Vec::new(),
        };
        let add = |stored: &mut StoredDomainName, base_path: Option<&str>| {
            stored.add_mapping(CreateBasePathMappingInput {
                base_path: base_path.map(str::to_owned),
                rest_api_id: Some("api1".into()),
                stage: Some("prod".into()),
            })
        };
        assert_eq!(add(&mut stored, None).unwrap().base_path, NO_BASE_PATH);
        assert!(matches!(
            add(&mut stored, Some("")),
            Err(ModelError::Conflict(_))
        ));
        add(&mut stored, Some("v1")).unwrap();
        assert!(add(&mut stored, Some("v1/orders")).is_err());
        assert!(add(&mut stored, Some("/v2")).is_err());
        stored.domain.endpoint_configuration.types = vec![EndpointType::Regional];
        add(&mut stored, Some("v1/orders")).unwrap();

        let renamed = stored
            .patch_mapping(
                "v1",
                &[PatchOperation {
                    op: Some(patch::PatchOp::Replace),
                    path: Some("/basePath".into()),
                    value: Some("v2".into()),
                    from: None,
                }],
            )
            .unwrap();
        assert_eq!(renamed.base_path, "v2");
        assert!(stored.mapping("v1").is_err());
        stored.remove_mapping("v2").unwrap();
        assert!(matches!(
            stored.remove_mapping("v2"),
            Err(ModelError::NotFound(_))
        ));
    }
}
