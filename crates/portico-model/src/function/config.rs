//! The wire shapes of Lambda's answers: `FunctionConfiguration` and `AliasConfiguration`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A function's configuration as `GetFunctionConfiguration` reports it (one per version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionConfiguration {
    pub function_name: String,
    pub function_arn: String,
    pub runtime: String,
    pub role: String,
    pub handler: String,
    pub code_size: u64,
    pub description: String,
    pub timeout: u32,
    pub memory_size: u32,
    /// `2026-11-26T16:38:06.123+0000`.
    pub last_modified: String,
    /// Base64 of the SHA-256 of the zip.
    pub code_sha256: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    pub revision_id: String,
    pub state: FunctionState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason_code: Option<String>,
    pub last_update_status: LastUpdateStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason_code: Option<String>,
    pub package_type: String,
    pub architectures: Vec<String>,
    pub tracing_config: TracingConfig,
    pub ephemeral_storage: EphemeralStorage,
    pub logging_config: LoggingConfig,
}

/// `Environment` as returned: the variables (AWS omits the whole object when there are none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// The lifecycle state of a function version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FunctionState {
    Pending,
    Active,
    Inactive,
    Failed,
}

/// The state of the last update of `$LATEST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LastUpdateStatus {
    Successful,
    Failed,
    InProgress,
}

/// X-Ray tracing mode; Portico does not trace, so it is always `PassThrough`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfig {
    pub mode: String,
}

/// `/tmp` size in MB (reported as AWS's default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EphemeralStorage {
    pub size: u32,
}

/// Where a function's logs go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    pub log_format: String,
    pub log_group: String,
}

/// An alias as `GetAlias` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasConfiguration {
    pub alias_arn: String,
    pub name: String,
    pub function_version: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_config: Option<AliasRoutingConfiguration>,
    pub revision_id: String,
}

/// Weighted routing of an alias: a share of invocations go to one other version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AliasRoutingConfiguration {
    #[serde(default)]
    pub additional_version_weights: BTreeMap<String, f64>,
}

// === impl FunctionState ===

impl FunctionState {
    /// The name AWS uses in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionState::Pending => "Pending",
            FunctionState::Active => "Active",
            FunctionState::Inactive => "Inactive",
            FunctionState::Failed => "Failed",
        }
    }
}

// === impl TracingConfig, EphemeralStorage, LoggingConfig ===

impl Default for TracingConfig {
    fn default() -> Self {
        TracingConfig {
            mode: "PassThrough".into(),
        }
    }
}

impl Default for EphemeralStorage {
    fn default() -> Self {
        EphemeralStorage { size: 512 }
    }
}

impl LoggingConfig {
    /// Text logs in the function's log group `/aws/lambda/NAME`.
    pub fn for_function(name: &str) -> Self {
        LoggingConfig {
            log_format: "Text".into(),
            log_group: format!("/aws/lambda/{name}"),
        }
    }
}
