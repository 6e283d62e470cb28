//! Stages: named pointers to a deployment, with the runtime settings of that stage.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::patch::{
    self, ADD_REPLACE_REMOVE, PatchOp, PatchOperation, PatchRule, REPLACE, REPLACE_REMOVE,
    ValueKind,
};
use crate::wire::Timestamp;
use crate::{DeploymentId, HttpMethod, ModelError, wire_enum};

wire_enum!(
    /// Cache capacity in GB; Portico turns it into the stage cache's memory budget.
    CacheClusterSize {
        Half => "0.5",
        OnePointSix => "1.6",
        SixPointOne => "6.1",
        ThirteenPointFive => "13.5",
        TwentyEightPointFour => "28.4",
        FiftyEightPointTwo => "58.2",
        OneEighteen => "118",
        TwoThirtySeven => "237",
    }
);

wire_enum!(
    /// State of a stage's cache.
    CacheClusterStatus {
        CreateInProgress => "CREATE_IN_PROGRESS",
        Available => "AVAILABLE",
        DeleteInProgress => "DELETE_IN_PROGRESS",
        NotAvailable => "NOT_AVAILABLE",
        FlushInProgress => "FLUSH_IN_PROGRESS",
    }
);

wire_enum!(
    /// What happens when a caller without permission sends `Cache-Control: max-age=0`.
    UnauthorizedCacheControlHeaderStrategy {
        FailWith403 => "FAIL_WITH_403",
        SucceedWithResponseHeader => "SUCCEED_WITH_RESPONSE_HEADER",
        SucceedWithoutResponseHeader => "SUCCEED_WITHOUT_RESPONSE_HEADER",
    }
);

/// Per-method runtime settings (`*/*` for the whole stage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSetting {
    pub metrics_enabled: bool,
    pub logging_level: String,
    pub data_trace_enabled: bool,
    pub throttling_burst_limit: i64,
    pub throttling_rate_limit: f64,
    pub caching_enabled: bool,
    pub cache_ttl_in_seconds: i64,
    pub cache_data_encrypted: bool,
    pub require_authorization_for_cache_control: bool,
    pub unauthorized_cache_control_header_strategy: UnauthorizedCacheControlHeaderStrategy,
}

/// Access logging of a stage.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSettings {
    pub format: Option<String>,
    pub destination_arn: Option<String>,
}

/// Canary release settings of a stage.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct CanarySettings {
    pub percent_traffic: Option<f64>,
    pub deployment_id: Option<DeploymentId>,
    pub stage_variable_overrides: Option<BTreeMap<String, String>>,
    pub use_stage_cache: Option<bool>,
}

/// `canarySettings` as given to `CreateStage` and `CreateDeployment`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanarySettingsInput {
    pub percent_traffic: Option<f64>,
    pub deployment_id: Option<DeploymentId>,
    pub stage_variable_overrides: Option<BTreeMap<String, String>>,
    pub use_stage_cache: Option<bool>,
}

/// A Stage as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub deployment_id: DeploymentId,
    pub client_certificate_id: Option<String>,
    pub stage_name: String,
    pub description: Option<String>,
    pub cache_cluster_enabled: bool,
    pub cache_cluster_size: Option<CacheClusterSize>,
    pub cache_cluster_status: CacheClusterStatus,
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    pub variables: Option<BTreeMap<String, String>>,
    pub documentation_version: Option<String>,
    pub access_log_settings: Option<AccessLogSettings>,
    pub canary_settings: Option<CanarySettings>,
    pub tracing_enabled: bool,
    pub web_acl_arn: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub created_date: Timestamp,
    pub last_updated_date: Timestamp,
}

/// The members of `CreateStage`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStageInput {
    pub stage_name: Option<String>,
    pub deployment_id: Option<DeploymentId>,
    pub description: Option<String>,
    pub cache_cluster_enabled: Option<bool>,
    pub cache_cluster_size: Option<CacheClusterSize>,
    pub variables: Option<BTreeMap<String, String>>,
    pub documentation_version: Option<String>,
    pub canary_settings: Option<CanarySettingsInput>,
    pub tracing_enabled: Option<bool>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// Most stage variables a stage may have.
pub const MAX_STAGE_VARIABLES: usize = 100;
/// Stages per API (AWS's default quota).
pub const MAX_STAGES: usize = 10;

/// AWS's answer to an 11th stage.
pub fn too_many_stages() -> crate::ModelError {
    crate::ModelError::LimitExceeded(format!(
        "Maximum number of Stages for this API has been reached ({MAX_STAGES})"
    ))
}
/// Longest cache TTL AWS accepts.
pub const MAX_CACHE_TTL_SECONDS: i64 = 3600;

const STAGE_PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/deploymentId",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/description",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/cacheClusterEnabled",
        ops: REPLACE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/cacheClusterSize",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/clientCertificateId",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/documentationVersion",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/tracingEnabled",
        ops: REPLACE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/webAclArn",
        ops: REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/variables/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/accessLogSettings/format",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/accessLogSettings/destinationArn",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/accessLogSettings",
        ops: &[PatchOp::Remove],
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/canarySettings/percentTraffic",
        ops: REPLACE,
        kind: ValueKind::Float,
    },
    PatchRule {
        path: "/canarySettings/deploymentId",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/canarySettings/useStageCache",
        ops: REPLACE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/canarySettings/stageVariableOverrides/*",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/canarySettings",
        ops: &[PatchOp::Remove],
        kind: ValueKind::String,
    },
];

// === impl MethodSetting ===

impl Default for MethodSetting {
    /// The values AWS materialises when a method-setting entry is created.
    fn default() -> Self {
        Self {
            metrics_enabled: false,
            logging_level: "OFF".into(),
            data_trace_enabled: false,
            throttling_burst_limit: 5000,
            throttling_rate_limit: 10000.0,
            caching_enabled: false,
            cache_ttl_in_seconds: 300,
            cache_data_encrypted: false,
            require_authorization_for_cache_control: true,
            unauthorized_cache_control_header_strategy:
                UnauthorizedCacheControlHeaderStrategy::SucceedWithResponseHeader,
        }
    }
}

impl MethodSetting {
    /// Sets one `{category}/{setting}` from its patch string value.
    fn set(
        &mut self,
        category: &str,
        setting: &str,
        value: &str,
        path: &str,
    ) -> Result<(), ModelError> {
        let invalid = |expected: &str| {
            ModelError::bad_request(format!(
                "Invalid value '{value}' for '{path}': expected {expected}"
            ))
        };
        let boolean = || match value.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(invalid("a boolean")),
        };
        match (category, setting) {
            ("metrics", "enabled") => self.metrics_enabled = boolean()?,
            ("logging", "loglevel") => {
                if !["OFF", "ERROR", "INFO"].contains(&value) {
                    return Err(invalid("one of OFF, ERROR, INFO"));
                }
                self.logging_level = value.to_owned();
            }
            ("logging", "dataTrace") => self.data_trace_enabled = boolean()?,
            ("throttling", "burstLimit") => {
                let burst: i64 = value.trim().parse().map_err(|_| invalid("an integer"))?;
                if burst < 0 {
                    return Err(invalid("a non-negative integer"));
                }
                self.throttling_burst_limit = burst;
            }
            ("throttling", "rateLimit") => {
                let rate: f64 = value.trim().parse().map_err(|_| invalid("a number"))?;
                if !rate.is_finite() || rate < 0.0 {
                    return Err(invalid("a non-negative number"));
                }
                self.throttling_rate_limit = rate;
            }
            ("caching", "enabled") => self.caching_enabled = boolean()?,
            ("caching", "ttlInSeconds") => {
                let ttl: i64 = value.trim().parse().map_err(|_| invalid("an integer"))?;
                if !(0..=MAX_CACHE_TTL_SECONDS).contains(&ttl) {
                    return Err(ModelError::bad_request(
                        "Cache TTL must be between 0 and 3600 seconds",
                    ));
                }
                self.cache_ttl_in_seconds = ttl;
            }
            ("caching", "dataEncrypted") => self.cache_data_encrypted = boolean()?,
            ("caching", "requireAuthorizationForCacheControl") => {
                self.require_authorization_for_cache_control = boolean()?;
            }
            ("caching", "unauthorizedCacheControlHeaderStrategy") => {
                self.unauthorized_cache_control_header_strategy =
                    UnauthorizedCacheControlHeaderStrategy::parse_field(path, value)?;
            }
            _ => return Err(patch::invalid_path(path, PatchOp::Replace)),
        }
        Ok(())
    }
}

// === impl Stage ===

impl Stage {
    /// Builds a stage from `CreateStage` input.
    pub fn create(input: CreateStageInput, now: Timestamp) -> Result<Stage, ModelError> {
        let stage_name = crate::wire::required("createStageInput.stageName", input.stage_name)?;
        let deployment_id =
            crate::wire::required("createStageInput.deploymentId", input.deployment_id)?;
        let cache_cluster_enabled = input.cache_cluster_enabled.unwrap_or(false);
        let stage = Stage {
            deployment_id,
            client_certificate_id: None,
            stage_name,
            description: input.description,
            cache_cluster_enabled,
            cache_cluster_size: cache_size(cache_cluster_enabled, input.cache_cluster_size),
            cache_cluster_status: cache_status(cache_cluster_enabled),
            method_settings: BTreeMap::new(),
            variables: input.variables.filter(|v| !v.is_empty()),
            documentation_version: input.documentation_version,
            access_log_settings: None,
            canary_settings: input.canary_settings.map(CanarySettings::from),
            tracing_enabled: input.tracing_enabled.unwrap_or(false),
            web_acl_arn: None,
            tags: input.tags.filter(|t| !t.is_empty()),
            created_date: now,
            last_updated_date: now,
        };
        stage.validate()?;
        Ok(stage)
    }

    /// Checks names, variables, cache and canary settings.
    pub fn validate(&self) -> Result<(), ModelError> {
        validate_stage_name(&self.stage_name)?;
        if let Some(variables) = &self.variables {
            validate_variables(variables)?;
        }
        if let Some(canary) = &self.canary_settings {
            if let Some(percent) = canary.percent_traffic
                && !(0.0..=100.0).contains(&percent)
            {
                return Err(ModelError::bad_request(
                    "Canary traffic percentage must be between 0.0 and 100.0",
                ));
            }
            if let Some(overrides) = &canary.stage_variable_overrides {
                validate_variables(overrides)?;
            }
        }
        for key in self.method_settings.keys() {
            validate_method_settings_key(key)?;
        }
        if let Some(tags) = &self.tags {
            crate::tags::validate(tags)?;
        }
        if let Some(format) = self
            .access_log_settings
            .as_ref()
            .and_then(|s| s.format.as_deref())
            && !format.contains("$context.requestId")
            && !format.contains("$context.extendedRequestId")
        {
            return Err(ModelError::bad_request(
                "Access Log format must contain at least one of $context.requestId or $context.extendedRequestId",
            ));
        }
        Ok(())
    }

    /// Applies `UpdateStage` patch operations; the caller checks that referenced
    /// deployments exist.
    pub fn patch(
        &self,
        operations: &[PatchOperation],
        now: Timestamp,
    ) -> Result<Stage, ModelError> {
        let mut stage = self.clone();
        for operation in operations {
            let parsed = patch::parse_operation(operation)?;
            if stage.patch_method_setting(&parsed)? || stage.patch_copy(&parsed)? {
                continue;
            }
            let mut json = serde_json::to_value(&stage).map_err(|err| {
                ModelError::bad_request(format!("internal serialisation failure: {err}"))
            })?;
            patch::apply_one(&mut json, &parsed, STAGE_PATCH_RULES)?;
            stage = patch::from_json(json)?;
        }
        stage.cache_cluster_size =
            cache_size(stage.cache_cluster_enabled, stage.cache_cluster_size);
        stage.cache_cluster_status = cache_status(stage.cache_cluster_enabled);
        stage.last_updated_date = now;
        stage.validate()?;
        Ok(stage)
    }

    /// Method settings: `/{resourcePath~1escaped}/{METHOD}/{category}/{setting}` and removal
    /// of a whole entry with `/{key}/{METHOD}`. Returns false if the path is not one.
    fn patch_method_setting(
        &mut self,
        operation: &patch::ParsedOperation<'_>,
    ) -> Result<bool, ModelError> {
        let raw = &operation.raw_segments;
        let is_category = |s: &str| matches!(s, "metrics" | "logging" | "throttling" | "caching");
        match (operation.op, raw.len()) {
            (PatchOp::Replace | PatchOp::Add, 4) if is_category(raw[2]) => {
                let key = format!("{}/{}", raw[0], raw[1]);
                validate_method_settings_key(&key)?;
                let value = operation.value.ok_or_else(|| {
                    ModelError::bad_request(format!(
                        "Invalid patch operation specified: a value is required for '{}'",
                        operation.path
                    ))
                })?;
                let seed = self.method_settings.get("*/*").cloned().unwrap_or_else(|| {
                    // With the stage cache on, GET is cached by default: a new entry for the
                    // stage or for a GET method keeps it so unless caching is set explicitly.
                    let method = key.rsplit('/').next().unwrap_or_default();
                    MethodSetting {
                        caching_enabled: self.cache_cluster_enabled
                            && (key == "*/*" || method == "GET"),
                        ..MethodSetting::default()
                    }
                });
                let setting = self.method_settings.entry(key).or_insert(seed);
                setting.set(raw[2], raw[3], value, operation.path)?;
                Ok(true)
            }
            (PatchOp::Remove, 2)
                if raw[0] != "variables"
                    && raw[0] != "canarySettings"
                    && raw[0] != "accessLogSettings" =>
            {
                let key = format!("{}/{}", raw[0], raw[1]);
                validate_method_settings_key(&key)?;
                self.method_settings.remove(&key);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Canary promotion: `copy` from `/canarySettings/deploymentId` to `/deploymentId` and
    /// from `/canarySettings/stageVariableOverrides` to `/variables`.
    fn patch_copy(&mut self, operation: &patch::ParsedOperation<'_>) -> Result<bool, ModelError> {
        if operation.op != PatchOp::Copy {
            return Ok(false);
        }
        let canary = self.canary_settings.clone().unwrap_or_default();
        match (operation.from, operation.path) {
            (Some("/canarySettings/deploymentId"), "/deploymentId") => {
                let deployment_id = canary.deployment_id.ok_or_else(|| {
                    ModelError::bad_request("Canary settings have no deploymentId to promote")
                })?;
                self.deployment_id = deployment_id;
            }
            (Some("/canarySettings/stageVariableOverrides"), "/variables") => {
                let variables = self.variables.get_or_insert_with(BTreeMap::new);
                variables.extend(canary.stage_variable_overrides.unwrap_or_default());
            }
            _ => return Err(patch::invalid_path(operation.path, PatchOp::Copy)),
        }
        Ok(true)
    }

    /// The effective stage variables for canary requests: stage variables with the canary's
    /// overrides applied.
    pub fn canary_variables(&self) -> BTreeMap<String, String> {
        let mut variables = self.variables.clone().unwrap_or_default();
        if let Some(overrides) = self
            .canary_settings
            .as_ref()
            .and_then(|c| c.stage_variable_overrides.as_ref())
        {
            variables.extend(overrides.clone());
        }
        variables
    }
}

// === impl CanarySettings ===

impl From<CanarySettingsInput> for CanarySettings {
    fn from(input: CanarySettingsInput) -> Self {
        Self {
            percent_traffic: Some(input.percent_traffic.unwrap_or(0.0)),
            deployment_id: input.deployment_id,
            stage_variable_overrides: input.stage_variable_overrides.filter(|v| !v.is_empty()),
            use_stage_cache: Some(input.use_stage_cache.unwrap_or(false)),
        }
    }
}

fn cache_size(enabled: bool, size: Option<CacheClusterSize>) -> Option<CacheClusterSize> {
    if enabled {
        Some(size.unwrap_or(CacheClusterSize::Half))
    } else {
        size
    }
}

fn cache_status(enabled: bool) -> CacheClusterStatus {
    if enabled {
        CacheClusterStatus::Available
    } else {
        CacheClusterStatus::NotAvailable
    }
}

/// Stage names: `[A-Za-z0-9_-]{1,128}`.
pub fn validate_stage_name(name: &str) -> Result<(), ModelError> {
    let valid = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(ModelError::bad_request(
            "Stage name only allows a-zA-Z0-9_- and must be between 1 and 128 characters",
        ))
    }
}

/// Stage variables: names `[A-Za-z0-9_]{1,64}`, values `[A-Za-z0-9-._~:/?#&=,]{1,512}`, ≤ 100.
pub fn validate_variables(variables: &BTreeMap<String, String>) -> Result<(), ModelError> {
    if variables.len() > MAX_STAGE_VARIABLES {
        return Err(ModelError::bad_request(
            "A stage can have at most 100 stage variables",
        ));
    }
    for (name, value) in variables {
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !name_ok {
            return Err(ModelError::bad_request(format!(
                "Stage variable name '{name}' must match [A-Za-z0-9_]+ and be at most 64 characters"
            )));
        }
        let value_ok = !value.is_empty()
            && value.len() <= 512
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#&=,".contains(&b));
        if !value_ok {
            return Err(ModelError::bad_request(format!(
                "Stage variable value '{value}' for '{name}' must match [A-Za-z0-9-._~:/?#&=,]+ \
                 and be at most 512 characters"
            )));
        }
    }
    Ok(())
}

/// Method-settings keys: `*/*`, or `{resource path with / as ~1}/{METHOD or *}`.
fn validate_method_settings_key(key: &str) -> Result<(), ModelError> {
    let invalid = || ModelError::bad_request(format!("Invalid method setting path: {key}"));
    let (resource, method) = key.rsplit_once('/').ok_or_else(invalid)?;
    if resource == "*" {
        return if method == "*" {
            Ok(())
        } else {
            Err(invalid())
        };
    }
    if !resource.starts_with("~1") || resource.contains('/') {
        return Err(invalid());
    }
    if method != "*" && HttpMethod::parse(method).is_none() {
        return Err(invalid());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
