//! API key operations: CreateApiKey, ImportApiKeys (`POST /apikeys?mode=import`),
//! GetApiKeys, GetApiKey, UpdateApiKey, DeleteApiKey.
//!
//! Key values are unique in the account. Every commit that creates keys also bumps the
//! account record ([`account_guard`]), so of two concurrent creates that each found their
//! value unused, one fails its expectation, retries and sees the other's key.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::api_key_import::{self, ImportedKey};
use portico_model::patch::UpdateInput;
use portico_model::usage_plan::{
    API_KEY_ID_LEN, AccountSettings, ApiKey, CreateApiKeyInput, GENERATED_VALUE_LEN,
    StoredUsagePlan, UsagePlan, UsagePlanKeyRecord,
};
use portico_model::wire::{parse_input, required};
use portico_model::{ModelError, ids};
use portico_store::{Expect, Kind, Range, StoreError, Versioned, Write, typed};
use rand::distr::Alphanumeric;
use rand::{Rng, RngCore};
use serde_json::json;

use crate::account::ACCOUNT_RECORD_ID;
use crate::client_limits;
use crate::definitions::MAX_ATTEMPTS;
use crate::rest_apis::page_response;
use crate::wire::{QueryParams, empty_response, json_response, now};
use crate::{ApiError, ControlPlane};

/// `POST /apikeys` (CreateApiKey), or ImportApiKeys with `?mode=import`.
pub async fn create_api_key(
    State(control_plane): State<ControlPlane>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    if query.get("mode") == Some("import") {
        return import_api_keys(&control_plane, &query, &body).await;
    }
    let input: CreateApiKeyInput = parse_input("createApiKeyInput", &body)?;
    let now = now();
    for _ in 0..MAX_ATTEMPTS {
        let guard = account_guard(&control_plane).await?;
        let existing = all_keys(&control_plane).await?;
        let key = ApiKey::create(input.clone(), new_id(API_KEY_ID_LEN), new_value(), now)?;
        if existing.iter().any(|other| other.value.value == key.value) {
            return Err(ApiError::Conflict("API Key already exists".into()));
        }
        let writes = vec![guard, typed::put("", &key.id, &key, Expect::Absent)?];
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                client_limits::republish(&control_plane).await?;
                return Ok(json_response(StatusCode::CREATED, &key));
            }
            // A concurrent key creation or an id collision: look again.
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<AccountSettings>("", ACCOUNT_RECORD_ID)).into())
}

/// `GET /apikeys`: `name` is a prefix filter, `customerId` exact; values only with
/// `includeValues=true`.
pub async fn get_api_keys(
    State(control_plane): State<ControlPlane>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let include_values = query.flag("includeValues");
    let keys = all_keys(&control_plane).await?;
    let sorted = keys
        .into_iter()
        .map(|record| record.value)
        .filter(|key| key.matches(query.get("name"), query.get("customerId")))
        .map(|key| {
            let shown = if include_values {
                key
            } else {
                key.without_value()
            };
            (shown.id.clone(), shown)
        });
    page_response(&query, sorted)
}

/// `GET /apikeys/{api_Key}`: the value only with `includeValue=true`.
pub async fn get_api_key(
    State(control_plane): State<ControlPlane>,
    Path(key_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let key = load_api_key(&control_plane, &key_id).await?.value;
    let shown = if query.flag("includeValue") {
        key
    } else {
        key.without_value()
    };
    Ok(json_response(StatusCode::OK, &shown))
}

/// `PATCH /apikeys/{api_Key}`.
pub async fn update_api_key(
    State(control_plane): State<ControlPlane>,
    Path(key_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateApiKeyInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    for _ in 0..MAX_ATTEMPTS {
        let current = load_api_key(&control_plane, &key_id).await?;
        let key = current.value.patch(&operations, now())?;
        let write = typed::put("", &key_id, &key, Expect::Version(current.version))?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => {
                client_limits::republish(&control_plane).await?;
                return Ok(json_response(StatusCode::OK, &key.without_value()));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<ApiKey>("", &key_id)).into())
}

/// `DELETE /apikeys/{api_Key}`: the key leaves every usage plan and its usage goes with it.
pub async fn delete_api_key(
    State(control_plane): State<ControlPlane>,
    Path(key_id): Path<String>,
) -> Result<Response, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = load_api_key(&control_plane, &key_id).await?;
        let mut writes = vec![Write::Delete {
            key: typed::key::<ApiKey>("", &key_id),
            expect: Expect::Version(current.version),
        }];
        // Joining a plan bumps the key's version, so a membership added after these reads
        // fails the expectation above and this delete runs again.
        for kind in [Kind::UsagePlanKey, Kind::Usage] {
            for record in control_plane.store().list_all(kind).await? {
                if record.key.id == key_id {
                    writes.push(Write::Delete {
                        key: record.key,
                        expect: Expect::Any,
                    });
                }
            }
        }
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                client_limits::republish(&control_plane).await?;
                control_plane.limits().forget_key_usage(&key_id);
                return Ok(empty_response(StatusCode::ACCEPTED));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<ApiKey>("", &key_id)).into())
}

/// ImportApiKeys: every accepted row becomes a key (and joins its usage plans) in one
/// commit; rejected rows become warnings, or fail the import with `failonwarnings=true`.
async fn import_api_keys(
    control_plane: &ControlPlane,
    query: &QueryParams,
    body: &[u8],
) -> Result<Response, ApiError> {
    let format = required("format", query.get("format"))?;
    if format != "csv" {
        return Err(ModelError::enum_violation("format", format, &["csv"]).into());
    }
    let parsed = api_key_import::parse(body)?;
    let now = now();
    for _ in 0..MAX_ATTEMPTS {
        let guard = account_guard(control_plane).await?;
        let existing = all_keys(control_plane).await?;
        let plans: BTreeMap<String, Versioned<StoredUsagePlan>> =
            typed::list::<StoredUsagePlan>(control_plane.store(), "", Range::default())
                .await?
                .into_iter()
                .map(|record| (record.value.plan.id.clone(), record))
                .collect();
        let values: BTreeSet<&str> = existing
            .iter()
            .filter_map(|record| record.value.value.as_deref())
            .collect();
        let mut warnings = parsed.warnings.clone();
        let accepted: Vec<&ImportedKey> = parsed
            .keys
            .iter()
            .filter(|row| match import_problem(row, &values, &plans) {
                Some(problem) => {
                    warnings.push(format!("Line {}: {problem}; the row is skipped", row.line));
                    false
                }
                None => true,
            })
            .collect();
        if query.flag("failonwarnings") && !warnings.is_empty() {
            return Err(ApiError::BadRequest(format!(
                "API Keys were not imported because of warnings: {}",
                warnings.join(" ")
            )));
        }
        let mut taken: BTreeSet<String> = existing
            .iter()
            .map(|record| record.value.id.clone())
            .collect();
        let mut writes = vec![guard];
        let mut ids = Vec::new();
        let mut joined_plans = BTreeSet::new();
        for row in accepted {
            let mut id = new_id(API_KEY_ID_LEN);
            while taken.contains(&id) {
                id = new_id(API_KEY_ID_LEN);
            }
            taken.insert(id.clone());
            let input = CreateApiKeyInput {
                name: row.name.clone(),
                description: row.description.clone(),
                enabled: Some(row.enabled),
                value: Some(row.value.clone()),
                ..Default::default()
            };
            let key = ApiKey::create(input, id.clone(), String::new(), now)?;
            writes.push(typed::put("", &id, &key, Expect::Absent)?);
            for plan_id in &row.usage_plan_ids {
                let record = UsagePlanKeyRecord { key_id: id.clone() };
                writes.push(typed::put(plan_id, &id, &record, Expect::Absent)?);
                joined_plans.insert(plan_id.clone());
            }
            ids.push(id);
        }
        // Joining a plan bumps it, so a concurrent UpdateUsagePlan that adds a stage cannot
        // slip in a "one plan per key and stage" violation.
        for plan_id in joined_plans {
            if let Some(plan) = plans.get(&plan_id) {
                writes.push(Write::Touch {
                    key: typed::key::<StoredUsagePlan>("", &plan_id),
                    expect: Expect::Version(plan.version),
                });
            }
        }
        let body = json!({ "ids": ids, "warnings": warnings });
        if ids.is_empty() {
            return Ok(json_response(StatusCode::CREATED, &body));
        }
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                client_limits::republish(control_plane).await?;
                return Ok(json_response(StatusCode::CREATED, &body));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<AccountSettings>("", ACCOUNT_RECORD_ID)).into())
}

/// Why an import row cannot become a key, given the store's keys and plans.
fn import_problem(
    row: &ImportedKey,
    values: &BTreeSet<&str>,
    plans: &BTreeMap<String, Versioned<StoredUsagePlan>>,
) -> Option<String> {
    if values.contains(row.value.as_str()) {
        return Some("API Key already exists".into());
    }
    let mut listed: Vec<&UsagePlan> = Vec::new();
    for plan_id in &row.usage_plan_ids {
        match plans.get(plan_id) {
            Some(plan) => listed.push(&plan.value.plan),
            None => return Some(format!("Invalid Usage Plan ID specified: {plan_id}")),
        }
    }
    listed.iter().find_map(|plan| {
        plan.shared_stage(listed.iter().copied()).map(|stage| {
            format!(
                "API Key cannot reference multiple Usage Plans with the same API Stage: {stage}"
            )
        })
    })
}

/// The key `key_id`, or AWS's NotFound.
pub(crate) async fn load_api_key(
    control_plane: &ControlPlane,
    key_id: &str,
) -> Result<Versioned<ApiKey>, ApiError> {
    typed::get::<ApiKey>(control_plane.store(), "", key_id)
        .await?
        .ok_or_else(api_key_not_found)
}

/// AWS's NotFound for an unknown API key.
pub(crate) fn api_key_not_found() -> ApiError {
    ApiError::NotFound("Invalid API Key identifier specified".into())
}

/// Every API key, ordered by id.
pub(crate) async fn all_keys(
    control_plane: &ControlPlane,
) -> Result<Vec<Versioned<ApiKey>>, ApiError> {
    Ok(typed::list::<ApiKey>(control_plane.store(), "", Range::default()).await?)
}

/// A new id of `len` lowercase alphanumerics.
pub(crate) fn new_id(len: usize) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    ids::id_from_random(&bytes, len)
}

/// A new key value: 40 random alphanumerics, as AWS generates.
fn new_value() -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(GENERATED_VALUE_LEN)
        .map(char::from)
        .collect()
}

/// A write that bumps the account record, creating it with defaults if absent. Read it
/// before checking value uniqueness: any key created after that read bumped it too.
async fn account_guard(control_plane: &ControlPlane) -> Result<Write, ApiError> {
    let current =
        typed::get::<AccountSettings>(control_plane.store(), "", ACCOUNT_RECORD_ID).await?;
    Ok(match current {
        Some(current) => Write::Touch {
            key: typed::key::<AccountSettings>("", ACCOUNT_RECORD_ID),
            expect: Expect::Version(current.version),
        },
        None => typed::put(
            "",
            ACCOUNT_RECORD_ID,
            &AccountSettings::default(),
            Expect::Absent,
        )?,
    })
}
