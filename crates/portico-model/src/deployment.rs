//! Deployments: immutable snapshots of an API definition.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::stage::CanarySettingsInput;
use crate::wire::Timestamp;
use crate::{ApiDefinition, DeploymentId};

/// `apiSummary` entry: what a method requires of callers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSnapshot {
    pub authorization_type: String,
    pub api_key_required: bool,
}

/// A Deployment as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: DeploymentId,
    pub description: Option<String>,
    pub created_date: Timestamp,
    pub api_summary: Option<BTreeMap<String, BTreeMap<String, MethodSnapshot>>>,
}

/// What the store keeps for a deployment: the public resource and the frozen definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentRecord {
    pub deployment: Deployment,
    pub definition: ApiDefinition,
}

/// The members of `CreateDeployment`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDeploymentInput {
    pub stage_name: Option<String>,
    pub stage_description: Option<String>,
    pub description: Option<String>,
    pub cache_cluster_enabled: Option<bool>,
    pub cache_cluster_size: Option<crate::stage::CacheClusterSize>,
    pub variables: Option<BTreeMap<String, String>>,
    pub canary_settings: Option<CanarySettingsInput>,
    pub tracing_enabled: Option<bool>,
}

/// Patch paths `UpdateDeployment` accepts.
pub const PATCH_RULES: &[crate::patch::PatchRule] = &[crate::patch::PatchRule {
    path: "/description",
    ops: crate::patch::ADD_REPLACE_REMOVE,
    kind: crate::patch::ValueKind::String,
}];
