//! Usage plan operations: CreateUsagePlan, GetUsagePlans, GetUsagePlan, UpdateUsagePlan,
//! DeleteUsagePlan; and their keys: CreateUsagePlanKey, GetUsagePlanKeys, GetUsagePlanKey,
//! DeleteUsagePlanKey.
//!
//! AWS lets a key belong to at most one plan per API stage. The rule spans records, so the
//! writes that could break it serialise on versions: joining a plan bumps both the plan and
//! the key, and adding stages to a plan bumps every key in it. Of two such changes made from
//! the same reads, one fails its expectations, retries and sees the other.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::Stage;
use portico_model::patch::UpdateInput;
use portico_model::usage_plan::{
    API_KEY_TYPE, ApiKey, CreateUsagePlanInput, CreateUsagePlanKeyInput, StageRef, StoredUsagePlan,
    USAGE_PLAN_ID_LEN, UsagePlan, UsagePlanKey, UsagePlanKeyRecord, invalid_api_stage,
    key_already_in_plan, shared_stage_conflict, validate_key_type,
};
use portico_model::wire::{parse_input, required};
use portico_store::{Expect, Kind, Range, StoreError, Versioned, Write, typed};

use crate::api_keys::{all_keys, api_key_not_found, load_api_key, new_id};
use crate::client_limits;
use crate::definitions::{self, MAX_ATTEMPTS};
use crate::rest_apis::page_response;
use crate::wire::{QueryParams, empty_response, json_response, now};
use crate::{ApiError, ControlPlane};

/// Usage plans one API key may be in (AWS's quota).
const MAX_PLANS_PER_KEY: usize = 10;

/// `POST /usageplans`.
pub async fn create_usage_plan(
    State(control_plane): State<ControlPlane>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: CreateUsagePlanInput = parse_input("createUsagePlanInput", &body)?;
    let now = now();
    for _ in 0..MAX_ATTEMPTS {
        let plan = UsagePlan::create(input.clone(), new_id(USAGE_PLAN_ID_LEN))?;
        let stages: Vec<StageRef> = plan.stages().collect();
        let mut writes = check_stages_exist(&control_plane, &plan.id, &stages).await?;
        let stored = StoredUsagePlan::new(plan, now);
        writes.push(typed::put("", &stored.plan.id, &stored, Expect::Absent)?);
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                client_limits::republish(&control_plane).await?;
                return Ok(json_response(StatusCode::CREATED, &stored.plan));
            }
            // An id collision or a stage deleted meanwhile: look again.
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::Internal(
        "could not allocate a unique usage plan id".into(),
    ))
}

/// `GET /usageplans` (`keyId` keeps the plans that key belongs to).
pub async fn get_usage_plans(
    State(control_plane): State<ControlPlane>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let holding = match query.get("keyId") {
        Some(key_id) => Some(plans_of_key(&control_plane, key_id).await?),
        None => None,
    };
    let plans = all_plans(&control_plane).await?;
    let sorted = plans
        .into_values()
        .map(|record| record.value.plan)
        .filter(|plan| holding.as_ref().is_none_or(|ids| ids.contains(&plan.id)))
        .map(|plan| (plan.id.clone(), plan));
    page_response(&query, sorted)
}

/// `GET /usageplans/{usageplanId}`.
pub async fn get_usage_plan(
    State(control_plane): State<ControlPlane>,
    Path(plan_id): Path<String>,
) -> Result<Response, ApiError> {
    let plan = load_plan(&control_plane, &plan_id).await?;
    Ok(json_response(StatusCode::OK, &plan.value.plan))
}

/// `PATCH /usageplans/{usageplanId}`.
pub async fn update_usage_plan(
    State(control_plane): State<ControlPlane>,
    Path(plan_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateUsagePlanInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    for _ in 0..MAX_ATTEMPTS {
        let current = load_plan(&control_plane, &plan_id).await?;
        let plan = current.value.plan.patch(&operations)?;
        let added = plan.stages_added_since(&current.value.plan);
        let mut writes = check_stages_exist(&control_plane, &plan_id, &added).await?;
        if !added.is_empty() {
            writes.extend(guard_keys_of(&control_plane, &plan).await?);
        }
        let stored = current.value.with_plan(plan, now());
        writes.push(typed::put(
            "",
            &plan_id,
            &stored,
            Expect::Version(current.version),
        )?);
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                client_limits::republish(&control_plane).await?;
                return Ok(json_response(StatusCode::OK, &stored.plan));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<StoredUsagePlan>("", &plan_id)).into())
}

/// `DELETE /usageplans/{usageplanId}`: its keys' memberships and usage go with it.
pub async fn delete_usage_plan(
    State(control_plane): State<ControlPlane>,
    Path(plan_id): Path<String>,
) -> Result<Response, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = load_plan(&control_plane, &plan_id).await?;
        // As on AWS, a plan still bound to stages cannot be deleted: remove its stages first.
        if let Some(stage) = current.value.plan.api_stages.first() {
            return Err(ApiError::BadRequest(format!(
                "Cannot delete Usage Plan {plan_id} because there are API Stages associated with it, including {}:{}",
                stage.api_id.as_deref().unwrap_or_default(),
                stage.stage.as_deref().unwrap_or_default()
            )));
        }
        let writes = vec![
            Write::Delete {
                key: typed::key::<StoredUsagePlan>("", &plan_id),
                expect: Expect::Version(current.version),
            },
            Write::DeleteScope {
                kind: Kind::UsagePlanKey,
                scope: plan_id.clone(),
            },
            Write::DeleteScope {
                kind: Kind::Usage,
                scope: plan_id.clone(),
            },
        ];
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                client_limits::republish(&control_plane).await?;
                control_plane.limits().forget_plan_usage(&plan_id);
                return Ok(empty_response(StatusCode::ACCEPTED));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<StoredUsagePlan>("", &plan_id)).into())
}

/// `POST /usageplans/{usageplanId}/keys`.
pub async fn create_usage_plan_key(
    State(control_plane): State<ControlPlane>,
    Path(plan_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: CreateUsagePlanKeyInput = parse_input("createUsagePlanKeyInput", &body)?;
    let key_id = required("createUsagePlanKeyInput.keyId", input.key_id)?;
    let key_type = required("createUsagePlanKeyInput.keyType", input.key_type)?;
    validate_key_type(&key_type)?;
    for _ in 0..MAX_ATTEMPTS {
        // Plan and key versions first: any later change that matters bumps one of them.
        let plan = load_plan(&control_plane, &plan_id).await?;
        let key = load_api_key(&control_plane, &key_id).await?;
        if typed::get::<UsagePlanKeyRecord>(control_plane.store(), &plan_id, &key_id)
            .await?
            .is_some()
        {
            return Err(key_already_in_plan(&plan_id, &key_id).into());
        }
        let holding = plans_of_key(&control_plane, &key_id).await?;
        if holding.len() >= MAX_PLANS_PER_KEY {
            return Err(ApiError::LimitExceeded(format!(
                "An API key can be added to at most {MAX_PLANS_PER_KEY} usage plans"
            )));
        }
        let plans = all_plans(&control_plane).await?;
        let others = holding
            .iter()
            .filter_map(|id| plans.get(id))
            .map(|record| &record.value.plan);
        if let Some(stage) = plan.value.plan.shared_stage(others) {
            return Err(shared_stage_conflict(&plan_id, &key_id, &stage).into());
        }
        let record = UsagePlanKeyRecord {
            key_id: key_id.clone(),
        };
        let writes = vec![
            typed::put(&plan_id, &key_id, &record, Expect::Absent)?,
            Write::Touch {
                key: typed::key::<StoredUsagePlan>("", &plan_id),
                expect: Expect::Version(plan.version),
            },
            Write::Touch {
                key: typed::key::<ApiKey>("", &key_id),
                expect: Expect::Version(key.version),
            },
        ];
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                client_limits::republish(&control_plane).await?;
                return Ok(json_response(
                    StatusCode::CREATED,
                    &usage_plan_key(&key.value),
                ));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<UsagePlanKeyRecord>(&plan_id, &key_id)).into())
}

/// `GET /usageplans/{usageplanId}/keys` (`name` is a prefix filter on key names).
pub async fn get_usage_plan_keys(
    State(control_plane): State<ControlPlane>,
    Path(plan_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    load_plan(&control_plane, &plan_id).await?;
    let members =
        typed::list::<UsagePlanKeyRecord>(control_plane.store(), &plan_id, Range::default())
            .await?;
    let keys: BTreeMap<String, ApiKey> = all_keys(&control_plane)
        .await?
        .into_iter()
        .map(|record| (record.value.id.clone(), record.value))
        .collect();
    let sorted = members
        .iter()
        .filter_map(|member| keys.get(&member.value.key_id))
        .filter(|key| key.matches(query.get("name"), None))
        .map(|key| (key.id.clone(), usage_plan_key(key)));
    page_response(&query, sorted)
}

/// `GET /usageplans/{usageplanId}/keys/{keyId}`.
pub async fn get_usage_plan_key(
    State(control_plane): State<ControlPlane>,
    Path((plan_id, key_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    load_plan(&control_plane, &plan_id).await?;
    let key = load_api_key(&control_plane, &key_id).await?;
    load_membership(&control_plane, &plan_id, &key_id).await?;
    Ok(json_response(StatusCode::OK, &usage_plan_key(&key.value)))
}

/// `DELETE /usageplans/{usageplanId}/keys/{keyId}`.
pub async fn delete_usage_plan_key(
    State(control_plane): State<ControlPlane>,
    Path((plan_id, key_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        load_plan(&control_plane, &plan_id).await?;
        let membership = load_membership(&control_plane, &plan_id, &key_id).await?;
        let write = Write::Delete {
            key: typed::key::<UsagePlanKeyRecord>(&plan_id, &key_id),
            expect: Expect::Version(membership.version),
        };
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => {
                client_limits::republish(&control_plane).await?;
                control_plane.limits().forget_usage(&plan_id, &key_id);
                return Ok(empty_response(StatusCode::ACCEPTED));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<UsagePlanKeyRecord>(&plan_id, &key_id)).into())
}

/// The plan `plan_id`, or AWS's NotFound.
async fn load_plan(
    control_plane: &ControlPlane,
    plan_id: &str,
) -> Result<Versioned<StoredUsagePlan>, ApiError> {
    typed::get::<StoredUsagePlan>(control_plane.store(), "", plan_id)
        .await?
        .ok_or_else(|| ApiError::NotFound("Invalid Usage Plan ID specified".into()))
}

/// The membership of `key_id` in `plan_id`, or AWS's NotFound.
async fn load_membership(
    control_plane: &ControlPlane,
    plan_id: &str,
    key_id: &str,
) -> Result<Versioned<UsagePlanKeyRecord>, ApiError> {
    match typed::get::<UsagePlanKeyRecord>(control_plane.store(), plan_id, key_id).await? {
        Some(membership) => Ok(membership),
        None if typed::get::<ApiKey>(control_plane.store(), "", key_id)
            .await?
            .is_none() =>
        {
            Err(api_key_not_found())
        }
        None => Err(ApiError::NotFound(
            "Invalid Usage Plan Key identifier specified".into(),
        )),
    }
}

/// Every plan by id.
async fn all_plans(
    control_plane: &ControlPlane,
) -> Result<BTreeMap<String, Versioned<StoredUsagePlan>>, ApiError> {
    Ok(
        typed::list::<StoredUsagePlan>(control_plane.store(), "", Range::default())
            .await?
            .into_iter()
            .map(|record| (record.value.plan.id.clone(), record))
            .collect(),
    )
}

/// The ids of the plans `key_id` belongs to.
async fn plans_of_key(
    control_plane: &ControlPlane,
    key_id: &str,
) -> Result<BTreeSet<String>, ApiError> {
    Ok(control_plane
        .store()
        .list_all(Kind::UsagePlanKey)
        .await?
        .into_iter()
        .filter(|record| record.key.id == key_id)
        .map(|record| record.key.scope)
        .collect())
}

/// Checks that each API stage exists (an unknown API is NotFound, an unknown stage
/// BadRequest, as AWS answers) and returns writes that keep them present until commit.
async fn check_stages_exist(
    control_plane: &ControlPlane,
    plan_id: &str,
    stages: &[StageRef],
) -> Result<Vec<Write>, ApiError> {
    let mut writes = Vec::with_capacity(stages.len());
    for stage in stages {
        definitions::load(control_plane, &stage.api_id).await?;
        if typed::get::<Stage>(control_plane.store(), &stage.api_id, &stage.stage)
            .await?
            .is_none()
        {
            return Err(invalid_api_stage(stage, plan_id).into());
        }
        writes.push(Write::Check {
            key: typed::key::<Stage>(&stage.api_id, &stage.stage),
            expect: Expect::Present,
        });
    }
    Ok(writes)
}

/// Before `plan` (with new stages) is stored: fails if one of its keys is in another plan
/// covering one of its stages, and returns writes that bump each of its keys, so that a
/// concurrent membership change of those keys conflicts with this update.
async fn guard_keys_of(
    control_plane: &ControlPlane,
    plan: &UsagePlan,
) -> Result<Vec<Write>, ApiError> {
    // Key versions before memberships: a key that joins a plan after this read is bumped,
    // and the touch below fails.
    let key_versions: BTreeMap<String, u64> = control_plane
        .store()
        .list(Kind::ApiKey, "", Range::default())
        .await?
        .into_iter()
        .map(|record| (record.key.id, record.version))
        .collect();
    let mut plans_by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for record in control_plane.store().list_all(Kind::UsagePlanKey).await? {
        plans_by_key
            .entry(record.key.id)
            .or_default()
            .push(record.key.scope);
    }
    let plans = all_plans(control_plane).await?;
    let mut writes = Vec::new();
    for (key_id, plan_ids) in &plans_by_key {
        if !plan_ids.contains(&plan.id) {
            continue;
        }
        let others = plan_ids
            .iter()
            .filter_map(|id| plans.get(id))
            .map(|record| &record.value.plan);
        if let Some(stage) = plan.shared_stage(others) {
            return Err(shared_stage_conflict(&plan.id, key_id, &stage).into());
        }
        if let Some(version) = key_versions.get(key_id) {
            writes.push(Write::Touch {
                key: typed::key::<ApiKey>("", key_id),
                expect: Expect::Version(*version),
            });
        }
    }
    Ok(writes)
}

/// The `UsagePlanKey` view of a key.
fn usage_plan_key(key: &ApiKey) -> UsagePlanKey {
    UsagePlanKey {
        id: key.id.clone(),
        kind: API_KEY_TYPE.into(),
        value: key.value.clone(),
        name: key.name.clone(),
    }
}
