//! API keys, usage plans and their keys, account settings and stored usage: the resources
//! behind "track and control usage by API key". These are account-wide, not part of any API
//! definition, and take effect without a redeployment.

mod account;
mod api_key;
mod plan;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::wire::Timestamp;
use crate::wire_enum;

pub use account::ACCOUNT_FEATURES;
pub use api_key::{
    API_KEY_ID_LEN, CreateApiKeyInput, GENERATED_VALUE_LEN, MAX_NAME_LEN, MAX_VALUE_LEN,
    MIN_VALUE_LEN, StageKey, validate_value,
};
pub use plan::{
    API_KEY_TYPE, CreateUsagePlanInput, CreateUsagePlanKeyInput, MAX_METHOD_THROTTLES, StageRef,
    USAGE_PLAN_ID_LEN, api_stage_not_in_plan, invalid_api_stage, key_already_in_plan,
    shared_stage_conflict, validate_key_type,
};

/// Account-level throttle defaults (requests per second, burst), as AWS's `GetAccount`.
pub const ACCOUNT_RATE_LIMIT: f64 = 10_000.0;
/// Account-level burst default.
pub const ACCOUNT_BURST_LIMIT: i64 = 5_000;

/// An API key as AWS returns it (`value` only when asked for).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub value: Option<String>,
    pub name: Option<String>,
    pub customer_id: Option<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub created_date: Timestamp,
    pub last_updated_date: Timestamp,
    #[serde(default)]
    pub stage_keys: Vec<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `ThrottleSettings`: steady rate and burst capacity.
#[skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleSettings {
    pub burst_limit: Option<i64>,
    pub rate_limit: Option<f64>,
}

wire_enum!(
    /// The period of a usage plan quota.
    QuotaPeriod {
        Day => "DAY",
        Week => "WEEK",
        Month => "MONTH",
    }
);

/// `QuotaSettings`.
#[skip_serializing_none]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaSettings {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub period: Option<QuotaPeriod>,
}

/// One API stage a usage plan covers, with per-method throttles keyed `/{resourcePath}/{METHOD}`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ApiStage {
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub throttle: Option<BTreeMap<String, ThrottleSettings>>,
}

/// A usage plan as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub api_stages: Vec<ApiStage>,
    pub throttle: Option<ThrottleSettings>,
    pub quota: Option<QuotaSettings>,
    pub product_code: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A usage plan as stored: the plan plus when its quota was last set, which decides the
/// "initial period" that the quota's `offset` applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredUsagePlan {
    #[serde(flatten)]
    pub plan: UsagePlan,
    /// Unix seconds at which `quota` was last created or changed.
    #[serde(default)]
    pub quota_set_at: Timestamp,
}

/// The stored link of an API key to a usage plan (scope: plan id, id: key id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlanKeyRecord {
    pub key_id: String,
}

/// A `UsagePlanKey` as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlanKey {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: Option<String>,
    pub name: Option<String>,
}

/// The account's settings as stored (one record).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AccountSettings {
    pub cloudwatch_role_arn: Option<String>,
    /// Account-wide throttle; absent members take AWS's defaults.
    pub throttle_settings: Option<ThrottleSettings>,
    #[serde(default)]
    pub features: Vec<String>,
}

/// `GetAccount`'s answer.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub cloudwatch_role_arn: Option<String>,
    pub throttle_settings: ThrottleSettings,
    pub features: Vec<String>,
    pub api_key_version: String,
}

/// Usage of one key under one plan, as stored (scope: plan id, id: key id). The flusher
/// rewrites it at least once a second while the key is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct UsageRecord {
    /// Requests per UTC day, `YYYY-MM-DD` → count.
    #[serde(default)]
    pub days: BTreeMap<String, u64>,
    /// Start (Unix seconds) of the quota period `quota_used` counts.
    #[serde(default)]
    pub quota_period_start: Timestamp,
    /// Requests used of the quota in that period (after `UpdateUsage` adjustments).
    #[serde(default)]
    pub quota_used: i64,
}

// === impl AccountSettings ===

impl AccountSettings {
    /// The effective account throttle: `(rate, burst)`.
    pub fn throttle(&self) -> (f64, i64) {
        let settings = self.throttle_settings.unwrap_or_default();
        (
            settings.rate_limit.unwrap_or(ACCOUNT_RATE_LIMIT),
            settings.burst_limit.unwrap_or(ACCOUNT_BURST_LIMIT),
        )
    }

    /// The `GetAccount` view.
    pub fn to_account(&self) -> Account {
        let (rate, burst) = self.throttle();
        let mut features = self.features.clone();
        if !features.iter().any(|f| f == "UsagePlans") {
            features.push("UsagePlans".into());
        }
        Account {
            cloudwatch_role_arn: self.cloudwatch_role_arn.clone(),
            throttle_settings: ThrottleSettings {
                burst_limit: Some(burst),
                rate_limit: Some(rate),
            },
            features,
            api_key_version: "4".into(),
        }
    }
}
