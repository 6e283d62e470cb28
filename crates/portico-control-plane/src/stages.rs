//! Stage operations: CreateStage, GetStages, GetStage, UpdateStage, DeleteStage.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::patch::UpdateInput;
use portico_model::stage::CreateStageInput;
use portico_model::wire::parse_input;
use portico_model::{ApiDefinition, DeploymentRecord, Stage};
use portico_store::{Expect, Range, StoreError, Write, typed};
use serde_json::json;

use crate::definitions::{self, MAX_ATTEMPTS};
use crate::publish;
use crate::wire::{QueryParams, empty_response, json_response, now};
use crate::{ApiError, ControlPlane};

fn stage_not_found() -> ApiError {
    ApiError::NotFound("Invalid Stage identifier specified".into())
}

fn touch_api(api_id: &str, version: u64) -> Write {
    Write::Touch {
        key: typed::key::<ApiDefinition>("", api_id),
        expect: Expect::Version(version),
    }
}

/// `POST /restapis/{restapi_id}/stages`.
pub async fn create_stage(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    // Stage publishes happen in commit order (see `ControlPlane::stage_lock`).
    let _in_order = control_plane.stage_lock().lock().await;
    for _ in 0..MAX_ATTEMPTS {
        let input: CreateStageInput = parse_input("createStageInput", &body)?;
        let api = definitions::load(&control_plane, &api_id).await?;
        let stage = Stage::create(input, now())?;
        if typed::get::<Stage>(control_plane.store(), &api_id, &stage.stage_name)
            .await?
            .is_some()
        {
            return Err(ApiError::Conflict("Stage already exists".into()));
        }
        // Counted under the API's version (touched below), so racing creates cannot both
        // take the last place.
        let stages = typed::list::<Stage>(control_plane.store(), &api_id, Range::default()).await?;
        if stages.len() >= portico_model::stage::MAX_STAGES {
            return Err(portico_model::stage::too_many_stages().into());
        }
        let snapshot = publish::compile_stored(&control_plane, &api_id, &stage).await?;
        let writes = vec![
            touch_api(&api_id, api.version),
            Write::Check {
                key: typed::key::<DeploymentRecord>(&api_id, stage.deployment_id.as_str()),
                expect: Expect::Present,
            },
            typed::put(&api_id, &stage.stage_name, &stage, Expect::Absent)?,
        ];
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                publish::publish(&control_plane, snapshot);
                return Ok(json_response(StatusCode::CREATED, &stage));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<ApiDefinition>("", &api_id)).into())
}

/// `GET /restapis/{restapi_id}/stages` (optionally `?deploymentId=`); not paginated.
pub async fn get_stages(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    definitions::load(&control_plane, &api_id).await?;
    let stages = typed::list::<Stage>(control_plane.store(), &api_id, Range::default()).await?;
    let items: Vec<Stage> = stages
        .into_iter()
        .map(|stage| stage.value)
        .filter(|stage| {
            query
                .get("deploymentId")
                .is_none_or(|id| stage.deployment_id.as_str() == id)
        })
        .collect();
    Ok(json_response(StatusCode::OK, &json!({ "item": items })))
}

/// `GET /restapis/{restapi_id}/stages/{stage_name}`.
pub async fn get_stage(
    State(control_plane): State<ControlPlane>,
    Path((api_id, stage_name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    definitions::load(&control_plane, &api_id).await?;
    let stage = typed::get::<Stage>(control_plane.store(), &api_id, &stage_name)
        .await?
        .ok_or_else(stage_not_found)?;
    Ok(json_response(StatusCode::OK, &stage.value))
}

/// `PATCH /restapis/{restapi_id}/stages/{stage_name}`: recompiles and republishes, so a new
/// `deploymentId` or changed variables switch traffic atomically.
pub async fn update_stage(
    State(control_plane): State<ControlPlane>,
    Path((api_id, stage_name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    // Stage publishes happen in commit order (see `ControlPlane::stage_lock`).
    let _in_order = control_plane.stage_lock().lock().await;
    let input: UpdateInput = parse_input("updateStageInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    for _ in 0..MAX_ATTEMPTS {
        let api = definitions::load(&control_plane, &api_id).await?;
        let current = typed::get::<Stage>(control_plane.store(), &api_id, &stage_name)
            .await?
            .ok_or_else(stage_not_found)?;
        let stage = current.value.patch(&operations, now())?;
        let snapshot = publish::compile_stored(&control_plane, &api_id, &stage).await?;
        let writes = vec![
            touch_api(&api_id, api.version),
            typed::put(
                &api_id,
                &stage_name,
                &stage,
                Expect::Version(current.version),
            )?,
        ];
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                publish::publish(&control_plane, snapshot);
                return Ok(json_response(StatusCode::OK, &stage));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<Stage>(&api_id, &stage_name)).into())
}

/// `DELETE /restapis/{restapi_id}/stages/{stage_name}`.
pub async fn delete_stage(
    State(control_plane): State<ControlPlane>,
    Path((api_id, stage_name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    // Stage publishes happen in commit order (see `ControlPlane::stage_lock`).
    let _in_order = control_plane.stage_lock().lock().await;
    for _ in 0..MAX_ATTEMPTS {
        let api = definitions::load(&control_plane, &api_id).await?;
        let current = typed::get::<Stage>(control_plane.store(), &api_id, &stage_name)
            .await?
            .ok_or_else(stage_not_found)?;
        let writes = vec![
            touch_api(&api_id, api.version),
            Write::Delete {
                key: typed::key::<Stage>(&api_id, &stage_name),
                expect: Expect::Version(current.version),
            },
        ];
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                control_plane.live().remove_stage(&api_id, &stage_name);
                control_plane.limits().drop_cache(&api_id, &stage_name);
                return Ok(empty_response(StatusCode::ACCEPTED));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<Stage>(&api_id, &stage_name)).into())
}

/// `DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/data` (FlushStageCache).
pub async fn flush_stage_cache(
    State(control_plane): State<ControlPlane>,
    Path((api_id, stage_name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    ensure_stage(&control_plane, &api_id, &stage_name).await?;
    control_plane.limits().flush_cache(&api_id, &stage_name);
    Ok(empty_response(StatusCode::ACCEPTED))
}

/// `DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/authorizers`
/// (FlushStageAuthorizersCache). Authorizer results are not cached by this version, so
/// there is nothing to empty beyond checking the stage exists.
pub async fn flush_stage_authorizers_cache(
    State(control_plane): State<ControlPlane>,
    Path((api_id, stage_name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    ensure_stage(&control_plane, &api_id, &stage_name).await?;
    control_plane
        .limits()
        .flush_authorizer_cache(&api_id, &stage_name);
    Ok(empty_response(StatusCode::ACCEPTED))
}

/// AWS's NotFound answers for an unknown API or stage.
async fn ensure_stage(
    control_plane: &ControlPlane,
    api_id: &str,
    stage_name: &str,
) -> Result<(), ApiError> {
    definitions::load(control_plane, api_id).await?;
    typed::get::<Stage>(control_plane.store(), api_id, stage_name)
        .await?
        .ok_or_else(stage_not_found)?;
    Ok(())
}
