//! Who may invoke a stage, compiled from the deployed API: its resource policy, its endpoint
//! type (PRIVATE APIs are served only on private listeners) and the tags policies may test,
//! and the prefix of its method ARNs.
//!
//! The resource policy is parsed once here; the data plane only evaluates it, building just
//! the condition keys the policy reads ([`KeyNeeds`]).

use std::collections::BTreeMap;

use portico_model::rest_api::EndpointType;
use portico_model::{ACCOUNT_ID, ApiDefinition, Stage, region};
use portico_policy::{ParseOptions, Policy, PolicyKind};

use crate::CompileError;

/// The access settings of one stage.
#[derive(Debug)]
pub struct StageAccess {
    /// `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/`; a method ARN appends `VERB/path`.
    pub method_arn_prefix: Box<str>,
    /// The API's resource policy as deployed, if it has one.
    pub resource_policy: Option<Policy>,
    /// The condition keys the resource policy reads.
    pub needs: KeyNeeds,
    /// Endpoint type `PRIVATE`: reachable only through a private listener.
    pub private: bool,
    /// `aws:ResourceTag/KEY` values: the API's tags, overridden by the stage's.
    pub resource_tags: Vec<(Box<str>, Box<str>)>,
}

/// Which request-dependent condition keys a set of policies reads, so that a request builds
/// only those.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // one flag per condition key
pub struct KeyNeeds {
    pub source_ip: bool,
    pub current_time: bool,
    pub epoch_time: bool,
    pub user_agent: bool,
    pub referer: bool,
    pub secure_transport: bool,
    pub source_vpce: bool,
    pub principal: bool,
    pub resource_tags: bool,
}

// === impl StageAccess ===

impl StageAccess {
    /// Compiles the access settings of `stage` of the deployed `definition`. A resource
    /// policy that does not parse (it was validated on save, so only an old record could
    /// carry one) is a compile error, never an open door.
    pub fn compile(
        definition: &ApiDefinition,
        stage: &Stage,
        errors: &mut Vec<CompileError>,
    ) -> StageAccess {
        let api = &definition.rest_api;
        let resource_policy = api.policy.as_deref().and_then(|document| {
            let options = ParseOptions {
                kind: PolicyKind::Resource,
                max_chars: usize::MAX,
            };
            Policy::parse_with(document, options)
                .map_err(|err| {
                    errors.push(CompileError {
                        location: "policy".into(),
                        message: format!("Invalid policy document: {err}"),
                    });
                })
                .ok()
        });
        let private = api
            .endpoint_configuration
            .types
            .contains(&EndpointType::Private);
        if private && api.policy.is_none() {
            errors.push(CompileError {
                location: "policy".into(),
                message: "Private REST API doesn't have a resource policy attached to it".into(),
            });
        }
        let needs = resource_policy
            .as_ref()
            .map(KeyNeeds::of)
            .unwrap_or_default();
        let mut tags: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, value) in api.tags.iter().flatten().chain(stage.tags.iter().flatten()) {
            tags.insert(key, value);
        }
        StageAccess {
            method_arn_prefix: format!(
                "arn:aws:execute-api:{}:{ACCOUNT_ID}:{}/{}/",
                region(),
                api.id.as_str(),
                stage.stage_name
            )
            .into(),
            resource_policy,
            needs,
            private,
            resource_tags: tags
                .into_iter()
                .map(|(key, value)| (key.into(), value.into()))
                .collect(),
        }
    }

    /// The method ARN of a request: the prefix, the verb and the request path (without the
    /// stage), as AWS builds `methodArn`.
    pub fn method_arn(&self, verb: &str, path: &str) -> String {
        let mut arn = String::with_capacity(self.method_arn_len(verb, path));
        arn.push_str(&self.method_arn_prefix);
        arn.push_str(verb);
        arn.push('/');
        arn.push_str(arn_path(path));
        arn
    }

    /// The length in bytes of [`StageAccess::method_arn`], without building it.
    pub fn method_arn_len(&self, verb: &str, path: &str) -> usize {
        self.method_arn_prefix.len() + verb.len() + 1 + arn_path(path).len()
    }
}

/// The request path as a method ARN ends with it: without its leading `/`.
fn arn_path(path: &str) -> &str {
    path.strip_prefix('/').unwrap_or(path)
}

// === impl KeyNeeds ===

impl KeyNeeds {
    /// The keys `policy` reads.
    pub fn of(policy: &Policy) -> KeyNeeds {
        let mut needs = KeyNeeds::default();
        for key in policy.condition_keys() {
            match key.as_str() {
                "aws:sourceip" => needs.source_ip = true,
                "aws:currenttime" => needs.current_time = true,
                "aws:epochtime" => needs.epoch_time = true,
                "aws:useragent" => needs.user_agent = true,
                "aws:referer" => needs.referer = true,
                "aws:securetransport" => needs.secure_transport = true,
                "aws:sourcevpce" => needs.source_vpce = true,
                key if key.starts_with("aws:resourcetag/") => needs.resource_tags = true,
                key if key.starts_with("aws:principal")
                    || key == "aws:username"
                    || key == "aws:userid" =>
                {
                    needs.principal = true;
                }
                _ => {}
            }
        }
        needs
    }

    /// Keys needed by either.
    pub fn union(self, other: KeyNeeds) -> KeyNeeds {
        KeyNeeds {
            source_ip: self.source_ip || other.source_ip,
            current_time: self.current_time || other.current_time,
            epoch_time: self.epoch_time || other.epoch_time,
            user_agent: self.user_agent || other.user_agent,
            referer: self.referer || other.referer,
            secure_transport: self.secure_transport || other.secure_transport,
            source_vpce: self.source_vpce || other.source_vpce,
            principal: self.principal || other.principal,
            resource_tags: self.resource_tags || other.resource_tags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_method_arn_length_is_the_length_of_the_arn() {
        let access = StageAccess {
            method_arn_prefix: "arn:aws:execute-api:us-east-1:000000000000:a1b2c3/prod/".into(),
            resource_policy: None,
            needs: KeyNeeds::default(),
            private: false,
            resource_tags: Vec::new(),
        };
        for path in ["/pets/1", "/", "", "//x", "/a%2Fb"] {
            let arn = access.method_arn("GET", path);
            assert_eq!(access.method_arn_len("GET", path), arn.len(), "{arn}");
        }
        assert!(access.method_arn("GET", "//x").ends_with("/prod/GET//x"));
    }

    #[test]
    fn needs_follow_the_keys_a_policy_reads() {
        let policy = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*",
                "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:ResourceTag/env":"prod","aws:PrincipalTag/team":"a"}}}}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let needs = KeyNeeds::of(&policy);
        assert_eq!(
            needs,
            KeyNeeds {
                source_ip: true,
                resource_tags: true,
                principal: true,
                ..KeyNeeds::default()
            }
        );
    }
}
