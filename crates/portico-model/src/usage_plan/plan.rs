//! Usage plans: `CreateUsagePlan` input, AWS's rules for API stages, throttles and quotas,
//! `UpdateUsagePlan`'s patch paths, and the "one plan per key and stage" rule.
//!
//! `UpdateUsagePlan`'s paths name API stages (`/apiStages/{apiId}:{stage}/...`) and methods
//! (`.../throttle/{resourcePath}/{METHOD}/rateLimit`), so they are matched by hand rather
//! than through the generic [`crate::patch`] table.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;

use super::{ApiStage, QuotaPeriod, QuotaSettings, StoredUsagePlan, ThrottleSettings, UsagePlan};
use crate::patch::{self, ParsedOperation, PatchOp, PatchOperation};
use crate::wire::Timestamp;
use crate::{HttpMethod, ModelError};

/// Length of usage plan ids (lowercase alphanumerics).
pub const USAGE_PLAN_ID_LEN: usize = 6;
/// Most per-method throttle entries one API stage of a plan may carry.
pub const MAX_METHOD_THROTTLES: usize = 20;
/// The only `keyType` of `CreateUsagePlanKey`.
pub const API_KEY_TYPE: &str = "API_KEY";

/// The members of `CreateUsagePlan`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUsagePlanInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub api_stages: Option<Vec<ApiStage>>,
    pub throttle: Option<ThrottleSettings>,
    pub quota: Option<QuotaSettings>,
    pub product_code: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// The members of `CreateUsagePlanKey`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUsagePlanKeyInput {
    pub key_id: Option<String>,
    pub key_type: Option<String>,
}

/// One `{apiId, stage}` a plan covers; written `apiId:stage` in patch paths and values.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StageRef {
    pub api_id: String,
    pub stage: String,
}

// === impl StageRef ===

impl StageRef {
    /// Parses `apiId:stage`; both parts must be present.
    pub fn parse(value: &str) -> Option<StageRef> {
        let (api_id, stage) = value.split_once(':')?;
        (!api_id.is_empty() && !stage.is_empty() && !stage.contains(':')).then(|| StageRef {
            api_id: api_id.to_owned(),
            stage: stage.to_owned(),
        })
    }

    /// The stage an `ApiStage` member names (absent parts are empty).
    pub fn of(api_stage: &ApiStage) -> StageRef {
        StageRef {
            api_id: api_stage.api_id.clone().unwrap_or_default(),
            stage: api_stage.stage.clone().unwrap_or_default(),
        }
    }

    fn is_complete(&self) -> bool {
        !self.api_id.is_empty() && !self.stage.is_empty()
    }
}

impl fmt::Display for StageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.api_id, self.stage)
    }
}

// === impl UsagePlan ===

impl UsagePlan {
    /// A plan from `CreateUsagePlan` input. The caller checks that the API stages exist.
    pub fn create(input: CreateUsagePlanInput, id: String) -> Result<UsagePlan, ModelError> {
        let name = crate::wire::required("createUsagePlanInput.name", input.name)?;
        let api_stages = input
            .api_stages
            .unwrap_or_default()
            .into_iter()
            .map(|stage| ApiStage {
                throttle: stage.throttle.filter(|throttle| !throttle.is_empty()),
                ..stage
            })
            .collect();
        let plan = UsagePlan {
            id,
            name,
            description: input.description,
            api_stages,
            throttle: input.throttle,
            quota: input.quota,
            product_code: input.product_code,
            tags: input.tags.unwrap_or_default(),
        };
        plan.validate()?;
        Ok(plan)
    }

    /// AWS's rules: a name, complete and distinct API stages, well-formed per-method throttle
    /// keys (at most [`MAX_METHOD_THROTTLES`] per stage), non-negative throttles, and a quota
    /// with a positive limit, a period and an offset below the limit.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.name.trim().is_empty() {
            return Err(ModelError::bad_request("Usage Plan name must not be empty"));
        }
        let mut seen = BTreeSet::new();
        for api_stage in &self.api_stages {
            let stage = StageRef::of(api_stage);
            if !stage.is_complete() {
                return Err(invalid_api_stage(&stage, &self.id));
            }
            if !seen.insert(stage.clone()) {
                return Err(ModelError::bad_request(format!(
                    "Duplicate API Stage {stage} specified for usageplan {}",
                    self.id
                )));
            }
            let Some(throttles) = &api_stage.throttle else {
                continue;
            };
            if throttles.len() > MAX_METHOD_THROTTLES {
                return Err(ModelError::bad_request(format!(
                    "Too many method throttle settings for API Stage {stage}: at most \
                     {MAX_METHOD_THROTTLES} are allowed"
                )));
            }
            for (key, throttle) in throttles {
                validate_method_key(key)?;
                validate_throttle(throttle)?;
            }
        }
        if let Some(throttle) = &self.throttle {
            validate_throttle(throttle)?;
        }
        if let Some(quota) = &self.quota {
            validate_quota(quota)?;
        }
        crate::tags::validate(&self.tags)
    }

    /// Applies `UpdateUsagePlan` patch operations, all or nothing. The caller checks that
    /// added API stages exist ([`UsagePlan::stages_added_since`]).
    pub fn patch(&self, operations: &[PatchOperation]) -> Result<UsagePlan, ModelError> {
        let mut plan = self.clone();
        for operation in operations {
            let parsed = patch::parse_operation(operation)?;
            plan.apply(&parsed)?;
        }
        plan.validate()?;
        Ok(plan)
    }

    /// The API stages the plan covers.
    pub fn stages(&self) -> impl Iterator<Item = StageRef> + '_ {
        self.api_stages.iter().map(StageRef::of)
    }

    /// True if the plan covers `stage`.
    pub fn covers(&self, stage: &StageRef) -> bool {
        self.stages().any(|covered| covered == *stage)
    }

    /// Stages this plan covers that `before` did not.
    pub fn stages_added_since(&self, before: &UsagePlan) -> Vec<StageRef> {
        self.stages()
            .filter(|stage| !before.covers(stage))
            .collect()
    }

    /// The first API stage that this plan and another plan (not itself) both cover: a key
    /// may not belong to both.
    pub fn shared_stage<'a>(
        &self,
        others: impl IntoIterator<Item = &'a UsagePlan>,
    ) -> Option<StageRef> {
        others
            .into_iter()
            .filter(|other| other.id != self.id)
            .find_map(|other| self.stages().find(|stage| other.covers(stage)))
    }

    fn apply(&mut self, operation: &ParsedOperation<'_>) -> Result<(), ModelError> {
        use PatchOp::{Add, Remove, Replace};
        let segments: Vec<&str> = operation.segments.iter().map(String::as_str).collect();
        match (operation.op, segments.as_slice()) {
            (Replace, ["name"]) => self.name = required_value(operation)?.to_owned(),
            (Replace, ["description"]) => self.description = operation.value.map(str::to_owned),
            (Add | Replace, ["productCode"]) => {
                self.product_code = Some(required_value(operation)?.to_owned());
            }
            (Remove, ["productCode"]) => self.product_code = None,
            (Add, ["apiStages"]) => {
                let stage = self.parse_stage(required_value(operation)?)?;
                if !self.covers(&stage) {
                    self.api_stages.push(ApiStage {
                        api_id: Some(stage.api_id),
                        stage: Some(stage.stage),
                        throttle: None,
                    });
                }
            }
            (Remove, ["apiStages"]) => {
                let stage = self.parse_stage(required_value(operation)?)?;
                let index = self.stage_index(&stage)?;
                self.api_stages.remove(index);
            }
            (Add | Replace, ["apiStages", stage, "throttle"]) => {
                let value = required_value(operation)?;
                let throttles: BTreeMap<String, ThrottleSettings> = serde_json::from_str(value)
                    .map_err(|err| {
                        ModelError::bad_request(format!(
                            "Invalid throttle value for '{}': {err}",
                            operation.path
                        ))
                    })?;
                self.api_stage_mut(stage)?.throttle =
                    Some(throttles).filter(|throttles| !throttles.is_empty());
            }
            (Remove, ["apiStages", stage, "throttle"]) => {
                self.api_stage_mut(stage)?.throttle = None;
            }
            (Add | Replace, ["apiStages", stage, "throttle", method_path @ ..])
                if method_path.len() >= 3 =>
            {
                let (member, method_path) = split_last(method_path);
                let key = method_key(method_path, operation.path)?;
                let api_stage = self.api_stage_mut(stage)?;
                let throttle = api_stage
                    .throttle
                    .get_or_insert_with(BTreeMap::new)
                    .entry(key)
                    .or_default();
                set_throttle_member(throttle, member, operation)?;
            }
            (Remove, ["apiStages", stage, "throttle", method_path @ ..])
                if method_path.len() >= 2 =>
            {
                let key = method_key(method_path, operation.path)?;
                let api_stage = self.api_stage_mut(stage)?;
                if let Some(throttles) = &mut api_stage.throttle {
                    throttles.remove(&key);
                    if throttles.is_empty() {
                        api_stage.throttle = None;
                    }
                }
            }
            (Add | Replace, ["throttle", member]) => {
                let throttle = self.throttle.get_or_insert_with(ThrottleSettings::default);
                set_throttle_member(throttle, member, operation)?;
            }
            (Remove, ["throttle"]) => self.throttle = None,
            (Add | Replace, ["quota", member]) => {
                let quota = self.quota.get_or_insert(QuotaSettings {
                    limit: None,
                    offset: None,
                    period: None,
                });
                let value = required_value(operation)?;
                match *member {
                    "limit" => quota.limit = Some(integer(value, operation.path)?),
                    "offset" => quota.offset = Some(integer(value, operation.path)?),
                    "period" => {
                        quota.period = Some(QuotaPeriod::parse_field(operation.path, value)?);
                    }
                    _ => return Err(patch::invalid_path(operation.path, operation.op)),
                }
            }
            (Remove, ["quota"]) => self.quota = None,
            (op, _) => return Err(patch::invalid_path(operation.path, op)),
        }
        Ok(())
    }

    fn parse_stage(&self, value: &str) -> Result<StageRef, ModelError> {
        StageRef::parse(value).ok_or_else(|| {
            let (api_id, stage) = value.split_once(':').unwrap_or((value, ""));
            let stage = StageRef {
                api_id: api_id.to_owned(),
                stage: stage.to_owned(),
            };
            invalid_api_stage(&stage, &self.id)
        })
    }

    fn stage_index(&self, stage: &StageRef) -> Result<usize, ModelError> {
        self.api_stages
            .iter()
            .position(|api_stage| StageRef::of(api_stage) == *stage)
            .ok_or_else(|| api_stage_not_in_plan(stage, &self.id))
    }

    fn api_stage_mut(&mut self, segment: &str) -> Result<&mut ApiStage, ModelError> {
        let stage = self.parse_stage(segment)?;
        let index = self.stage_index(&stage)?;
        Ok(&mut self.api_stages[index])
    }
}

// === impl StoredUsagePlan ===

impl StoredUsagePlan {
    /// A new plan as stored; a quota counts as set `now`.
    pub fn new(plan: UsagePlan, now: Timestamp) -> StoredUsagePlan {
        let quota_set_at = if plan.quota.is_some() { now } else { 0 };
        StoredUsagePlan { plan, quota_set_at }
    }

    /// The stored form after an update to `plan`: `quota_set_at` moves to `now` only if the
    /// quota changed (created, edited or removed).
    pub fn with_plan(&self, plan: UsagePlan, now: Timestamp) -> StoredUsagePlan {
        let quota_set_at = if plan.quota == self.plan.quota {
            self.quota_set_at
        } else {
            now
        };
        StoredUsagePlan { plan, quota_set_at }
    }
}

/// AWS's message for an API stage that does not exist (BadRequestException).
pub fn invalid_api_stage(stage: &StageRef, plan_id: &str) -> ModelError {
    ModelError::BadRequest(api_stage_message(stage, plan_id))
}

/// The same message as NotFoundException, for a stage the plan does not cover.
pub fn api_stage_not_in_plan(stage: &StageRef, plan_id: &str) -> ModelError {
    ModelError::NotFound(api_stage_message(stage, plan_id))
}

/// ConflictException for a key that would be in two plans covering the same API stage.
pub fn shared_stage_conflict(plan_id: &str, key_id: &str, stage: &StageRef) -> ModelError {
    ModelError::Conflict(format!(
        "Usage Plan {plan_id} cannot be added because API Key {key_id} cannot reference \
         multiple Usage Plans with the same API Stage: {stage}"
    ))
}

/// ConflictException for a key that is already in the plan.
pub fn key_already_in_plan(plan_id: &str, key_id: &str) -> ModelError {
    ModelError::Conflict(format!(
        "Usage Plan {plan_id} cannot be added because API Key {key_id} already exists in \
         this Usage Plan"
    ))
}

/// Checks `keyType` of `CreateUsagePlanKey`.
pub fn validate_key_type(key_type: &str) -> Result<(), ModelError> {
    if key_type == API_KEY_TYPE {
        Ok(())
    } else {
        Err(ModelError::bad_request(format!(
            "Invalid key type specified: {key_type}. Valid options are {API_KEY_TYPE}"
        )))
    }
}

fn api_stage_message(stage: &StageRef, plan_id: &str) -> String {
    format!(
        "Invalid API Stage {{api: {}, stage: {}}} specified for usageplan {plan_id}",
        stage.api_id, stage.stage
    )
}

/// A per-method throttle key: `/{resourcePath}/{METHOD}` (the root resource is `//GET`).
fn validate_method_key(key: &str) -> Result<(), ModelError> {
    let invalid = || {
        ModelError::bad_request(format!(
            "Invalid method throttle key '{key}': expected /{{resourcePath}}/{{httpMethod}}, \
             for example /pets/GET"
        ))
    };
    let (resource, method) = key.rsplit_once('/').ok_or_else(invalid)?;
    let resource_ok = resource == "/"
        || (resource.starts_with('/') && !resource[1..].split('/').any(str::is_empty));
    if !resource_ok || HttpMethod::parse(method).is_none() {
        return Err(invalid());
    }
    Ok(())
}

/// The throttle key named by the segments after `throttle/` (and before the member): the
/// resource path is usually one `~1`-escaped segment, but unescaped slashes work too.
fn method_key(method_path: &[&str], path: &str) -> Result<String, ModelError> {
    let (method, resource) = split_last(method_path);
    let resource = resource.join("/");
    let resource = if resource.starts_with('/') {
        resource
    } else {
        format!("/{resource}")
    };
    let key = format!("{resource}/{method}");
    validate_method_key(&key).map_err(|_| {
        ModelError::bad_request(format!(
            "Invalid patch path '{path}': the method must be /{{resourcePath}}/{{httpMethod}}"
        ))
    })?;
    Ok(key)
}

fn validate_throttle(throttle: &ThrottleSettings) -> Result<(), ModelError> {
    if let Some(rate) = throttle.rate_limit
        && !(rate.is_finite() && rate >= 0.0)
    {
        return Err(ModelError::bad_request(format!(
            "Invalid throttle rate limit {rate}: it must be at least 0"
        )));
    }
    if let Some(burst) = throttle.burst_limit
        && burst < 0
    {
        return Err(ModelError::bad_request(format!(
            "Invalid throttle burst limit {burst}: it must be at least 0"
        )));
    }
    Ok(())
}

fn validate_quota(quota: &QuotaSettings) -> Result<(), ModelError> {
    let limit = quota.limit.unwrap_or(0);
    if limit <= 0 {
        return Err(ModelError::bad_request(
            "Quota limit must be greater than 0",
        ));
    }
    if quota.period.is_none() {
        return Err(ModelError::bad_request(
            "Quota period must be specified: DAY, WEEK or MONTH",
        ));
    }
    if let Some(offset) = quota.offset
        && !(0..limit).contains(&offset)
    {
        return Err(ModelError::bad_request(format!(
            "Quota offset {offset} must be at least 0 and less than the quota limit {limit}"
        )));
    }
    Ok(())
}

fn set_throttle_member(
    throttle: &mut ThrottleSettings,
    member: &str,
    operation: &ParsedOperation<'_>,
) -> Result<(), ModelError> {
    let value = required_value(operation)?;
    match member {
        "rateLimit" => {
            let rate: f64 = value.trim().parse().map_err(|_| {
                ModelError::bad_request(format!(
                    "Invalid value '{value}' for '{}': expected a number",
                    operation.path
                ))
            })?;
            throttle.rate_limit = Some(rate);
        }
        "burstLimit" => throttle.burst_limit = Some(integer(value, operation.path)?),
        _ => return Err(patch::invalid_path(operation.path, operation.op)),
    }
    Ok(())
}

fn integer(value: &str, path: &str) -> Result<i64, ModelError> {
    value.trim().parse().map_err(|_| {
        ModelError::bad_request(format!(
            "Invalid value '{value}' for '{path}': expected an integer"
        ))
    })
}

fn required_value<'a>(operation: &ParsedOperation<'a>) -> Result<&'a str, ModelError> {
    operation.value.ok_or_else(|| {
        ModelError::bad_request(format!(
            "Invalid patch operation specified: a value is required for op '{}' on '{}'",
            operation.op, operation.path
        ))
    })
}

fn split_last<'a, 'b>(segments: &'b [&'a str]) -> (&'a str, &'b [&'a str]) {
    match segments.split_last() {
        Some((last, rest)) => (last, rest),
        None => ("", segments),
    }
}

#[cfg(test)]
mod tests;
