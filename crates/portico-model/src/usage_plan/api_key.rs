//! API keys: `CreateApiKey` input and defaults, AWS's rules for key values, and
//! `UpdateApiKey`'s patch paths.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ApiKey;
use crate::ModelError;
use crate::patch::{self, PatchOp, PatchOperation, PatchRule, REPLACE, ValueKind};
use crate::wire::Timestamp;

/// Length of API key ids (lowercase alphanumerics).
pub const API_KEY_ID_LEN: usize = 10;
/// Length of the values Portico generates when `CreateApiKey` gives none.
pub const GENERATED_VALUE_LEN: usize = 40;
/// Shortest key value AWS accepts.
pub const MIN_VALUE_LEN: usize = 20;
/// Longest key value AWS accepts.
pub const MAX_VALUE_LEN: usize = 128;
/// Longest key name AWS accepts.
pub const MAX_NAME_LEN: usize = 1024;

/// The members of `CreateApiKey`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateApiKeyInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    /// Deprecated by AWS; ids are always distinct from values, so it changes nothing.
    pub generate_distinct_id: Option<bool>,
    pub value: Option<String>,
    pub stage_keys: Option<Vec<StageKey>>,
    pub customer_id: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// One `stageKeys` member of `CreateApiKey` (legacy: keys bound directly to stages).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageKey {
    pub rest_api_id: Option<String>,
    pub stage_name: Option<String>,
}

/// Patch paths `UpdateApiKey` accepts besides `/stages`, which [`ApiKey::patch`] maps onto
/// `stageKeys` itself.
pub const PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/name",
        ops: REPLACE,
        kind: ValueKind::NullableString,
    },
    PatchRule {
        path: "/description",
        ops: REPLACE,
        kind: ValueKind::NullableString,
    },
    PatchRule {
        path: "/enabled",
        ops: REPLACE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/customerId",
        ops: REPLACE,
        kind: ValueKind::NullableString,
    },
];

// === impl ApiKey ===

impl ApiKey {
    /// A key from `CreateApiKey` input. `generated_value` is used when the input has no
    /// `value`; a given value must satisfy [`validate_value`].
    pub fn create(
        input: CreateApiKeyInput,
        id: String,
        generated_value: String,
        now: Timestamp,
    ) -> Result<ApiKey, ModelError> {
        let value = match input.value {
            Some(value) => {
                validate_value(&value)?;
                value
            }
            None => generated_value,
        };
        let stage_keys = input
            .stage_keys
            .unwrap_or_default()
            .into_iter()
            .map(
                |stage_key| match (stage_key.rest_api_id, stage_key.stage_name) {
                    (Some(api_id), Some(stage)) => Ok(format!("{api_id}/{stage}")),
                    _ => Err(ModelError::bad_request(
                        "Invalid stage key specified: restApiId and stageName are both required",
                    )),
                },
            )
            .collect::<Result<Vec<_>, _>>()?;
        let key = ApiKey {
            id,
            value: Some(value),
            name: input.name,
            customer_id: input.customer_id,
            description: input.description,
            enabled: input.enabled.unwrap_or(false),
            created_date: now,
            last_updated_date: now,
            stage_keys,
            tags: input.tags.unwrap_or_default(),
        };
        key.validate()?;
        Ok(key)
    }

    /// AWS's rules: name length, stage key form, tags.
    pub fn validate(&self) -> Result<(), ModelError> {
        if let Some(name) = &self.name
            && name.chars().count() > MAX_NAME_LEN
        {
            return Err(ModelError::bad_request(format!(
                "API Key name should be at most {MAX_NAME_LEN} characters"
            )));
        }
        for stage_key in &self.stage_keys {
            validate_stage_key(stage_key)?;
        }
        crate::tags::validate(&self.tags)
    }

    /// Applies `UpdateApiKey` patch operations and stamps `lastUpdatedDate`.
    pub fn patch(
        &self,
        operations: &[PatchOperation],
        now: Timestamp,
    ) -> Result<ApiKey, ModelError> {
        let mut key = self.clone();
        for operation in operations {
            let parsed = patch::parse_operation(operation)?;
            if parsed.path == "/stages" {
                key.patch_stages(&parsed)?;
                continue;
            }
            let mut json = serde_json::to_value(&key).map_err(|err| {
                ModelError::bad_request(format!("internal serialisation failure: {err}"))
            })?;
            patch::apply_one(&mut json, &parsed, PATCH_RULES)?;
            key = patch::from_json(json)?;
        }
        key.last_updated_date = now;
        key.validate()?;
        Ok(key)
    }

    /// The key as list and get operations show it unless asked for values: without `value`.
    pub fn without_value(&self) -> ApiKey {
        ApiKey {
            value: None,
            ..self.clone()
        }
    }

    /// `GetApiKeys` filters: `name` is a prefix of the key's name, `customerId` is exact.
    pub fn matches(&self, name_prefix: Option<&str>, customer_id: Option<&str>) -> bool {
        let name_ok = name_prefix.is_none_or(|prefix| {
            self.name
                .as_deref()
                .is_some_and(|name| name.starts_with(prefix))
        });
        let customer_ok =
            customer_id.is_none_or(|wanted| self.customer_id.as_deref() == Some(wanted));
        name_ok && customer_ok
    }

    /// `/stages` add/remove with value `{restApiId}/{stageName}`.
    fn patch_stages(&mut self, operation: &patch::ParsedOperation<'_>) -> Result<(), ModelError> {
        let value = operation.value.ok_or_else(|| {
            ModelError::bad_request(format!(
                "Invalid patch operation specified: a value is required for op '{}' on '{}'",
                operation.op, operation.path
            ))
        })?;
        match operation.op {
            PatchOp::Add => {
                validate_stage_key(value)?;
                if !self.stage_keys.iter().any(|key| key == value) {
                    self.stage_keys.push(value.to_owned());
                }
            }
            PatchOp::Remove => self.stage_keys.retain(|key| key != value),
            op => return Err(patch::invalid_path(operation.path, op)),
        }
        Ok(())
    }
}

/// AWS's rules for key values: 20 to 128 alphanumeric characters.
pub fn validate_value(value: &str) -> Result<(), ModelError> {
    let length = value.chars().count();
    if length < MIN_VALUE_LEN {
        return Err(ModelError::bad_request(format!(
            "API Key value should be at least {MIN_VALUE_LEN} characters"
        )));
    }
    if length > MAX_VALUE_LEN {
        return Err(ModelError::bad_request(format!(
            "API Key value should be at most {MAX_VALUE_LEN} characters"
        )));
    }
    if !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ModelError::bad_request(
            "API Key value should contain only alphanumeric characters",
        ));
    }
    Ok(())
}

/// A legacy stage key: `{restApiId}/{stageName}`, both parts present.
fn validate_stage_key(stage_key: &str) -> Result<(), ModelError> {
    let well_formed = stage_key.split_once('/').is_some_and(|(api_id, stage)| {
        !api_id.is_empty() && !stage.is_empty() && !stage.contains('/')
    });
    if well_formed {
        Ok(())
    } else {
        Err(ModelError::bad_request(format!(
            "Invalid stage key specified: {stage_key}"
        )))
    }
}

#[cfg(test)]
mod tests;
