//! Deployment operations: CreateDeployment, GetDeployments, GetDeployment,
//! UpdateDeployment, DeleteDeployment.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::deployment::{CreateDeploymentInput, PATCH_RULES};
use portico_model::patch::{self, UpdateInput};
use portico_model::stage::{CanarySettings, CreateStageInput, validate_stage_name};
use portico_model::wire::parse_input;
use portico_model::{ApiDefinition, Deployment, DeploymentId, DeploymentRecord, Stage};
use portico_store::{Expect, Range, StoreError, Write, typed};

use crate::definitions::{self, MAX_ATTEMPTS};
use crate::publish;
use crate::rest_apis::page_response;
use crate::wire::{QueryParams, empty_response, json_response, new_child_id, now};
use crate::{ApiError, ControlPlane};

/// `POST /restapis/{restapi_id}/deployments`: freezes the current definition; with
/// `stageName` it also creates or repoints that stage (or, with `canarySettings`, installs
/// the deployment as the stage's canary). Compiled before it is stored.
pub async fn create_deployment(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: CreateDeploymentInput = parse_input("createDeploymentInput", &body)?;
    let deployment = deploy(&control_plane, &api_id, &input).await?;
    Ok(json_response(StatusCode::CREATED, &deployment))
}

/// CreateDeployment's work, also used by `portico serve --import`.
pub async fn deploy(
    control_plane: &ControlPlane,
    api_id: &str,
    input: &CreateDeploymentInput,
) -> Result<Deployment, ApiError> {
    let control_plane = control_plane.clone();
    let api_id = api_id.to_owned();
    // Stage publishes happen in commit order (see `ControlPlane::stage_lock`).
    let _in_order = control_plane.stage_lock().lock().await;
    if let Some(stage_name) = &input.stage_name {
        validate_stage_name(stage_name)?;
    }
    if input.canary_settings.is_some() && input.stage_name.is_none() {
        return Err(ApiError::BadRequest(
            "A canary deployment requires the stage name of an existing stage".into(),
        ));
    }
    for _ in 0..MAX_ATTEMPTS {
        let api = definitions::load(&control_plane, &api_id).await?;
        api.value.check_deployable()?;
        let now = now();
        let record = DeploymentRecord {
            deployment: Deployment {
                id: DeploymentId::new(new_child_id()),
                description: input.description.clone(),
                created_date: now,
                api_summary: None,
            },
            definition: api.value.clone(),
        };
        let deployment_id = record.deployment.id.clone();
        let mut writes = vec![
            Write::Touch {
                key: typed::key::<ApiDefinition>("", &api_id),
                expect: Expect::Version(api.version),
            },
            typed::put(&api_id, deployment_id.as_str(), &record, Expect::Absent)?,
        ];
        let mut compiled = None;
        if let Some(stage_name) = &input.stage_name {
            let existing = typed::get::<Stage>(control_plane.store(), &api_id, stage_name).await?;
            let (stage, expect, snapshot) = match (&input.canary_settings, existing) {
                (Some(canary), Some(existing)) => {
                    let mut stage = existing.value;
                    stage.canary_settings = Some(CanarySettings {
                        percent_traffic: Some(canary.percent_traffic.unwrap_or(0.0)),
                        deployment_id: Some(deployment_id.clone()),
                        stage_variable_overrides: canary
                            .stage_variable_overrides
                            .clone()
                            .filter(|v| !v.is_empty()),
                        use_stage_cache: Some(canary.use_stage_cache.unwrap_or(false)),
                    });
                    stage.last_updated_date = now;
                    stage.validate()?;
                    let main =
                        publish::deployment(&control_plane, &api_id, stage.deployment_id.as_str())
                            .await?;
                    let snapshot = publish::compile(&stage, &main, Some(&record))?;
                    (stage, Expect::Version(existing.version), snapshot)
                }
                (Some(_), None) => {
                    return Err(ApiError::NotFound(
                        "Invalid Stage identifier specified".into(),
                    ));
                }
                (None, Some(existing)) => {
                    let mut stage = existing.value;
                    stage.deployment_id = deployment_id.clone();
                    if let Some(variables) = &input.variables {
                        stage
                            .variables
                            .get_or_insert_default()
                            .extend(variables.clone());
                    }
                    if let Some(enabled) = input.cache_cluster_enabled {
                        stage.cache_cluster_enabled = enabled;
                    }
                    if input.cache_cluster_size.is_some() {
                        stage.cache_cluster_size = input.cache_cluster_size;
                    }
                    if let Some(tracing) = input.tracing_enabled {
                        stage.tracing_enabled = tracing;
                    }
                    if let Some(description) = &input.stage_description {
                        stage.description = Some(description.clone());
                    }
                    let stage = stage.patch(&[], now)?;
                    let canary =
                        publish::canary_deployment(&control_plane, &api_id, &stage).await?;
                    let snapshot = publish::compile(&stage, &record, canary.as_ref())?;
                    (stage, Expect::Version(existing.version), snapshot)
                }
                (None, None) => {
                    let stages =
                        typed::list::<Stage>(control_plane.store(), &api_id, Range::default())
                            .await?;
                    if stages.len() >= portico_model::stage::MAX_STAGES {
                        return Err(portico_model::stage::too_many_stages().into());
                    }
                    let stage = Stage::create(
                        CreateStageInput {
                            stage_name: Some(stage_name.clone()),
                            deployment_id: Some(deployment_id.clone()),
                            description: input.stage_description.clone(),
                            cache_cluster_enabled: input.cache_cluster_enabled,
                            cache_cluster_size: input.cache_cluster_size,
                            variables: input.variables.clone(),
                            tracing_enabled: input.tracing_enabled,
                            ..Default::default()
                        },
                        now,
                    )?;
                    let snapshot = publish::compile(&stage, &record, None)?;
                    (stage, Expect::Absent, snapshot)
                }
            };
            writes.push(typed::put(&api_id, stage_name, &stage, expect)?);
            compiled = Some(snapshot);
        } else {
            // A deployment without a stage still has to be servable later.
            let probe = Stage::create(
                CreateStageInput {
                    stage_name: Some("probe".into()),
                    deployment_id: Some(deployment_id.clone()),
                    ..Default::default()
                },
                now,
            )?;
            publish::compile(&probe, &record, None)?;
        }
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                if let Some(snapshot) = compiled {
                    publish::publish(&control_plane, snapshot);
                }
                return Ok(record.deployment);
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<ApiDefinition>("", &api_id)).into())
}

/// `GET /restapis/{restapi_id}/deployments`, oldest first.
pub async fn get_deployments(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    definitions::load(&control_plane, &api_id).await?;
    let records =
        typed::list::<DeploymentRecord>(control_plane.store(), &api_id, Range::default()).await?;
    let mut deployments: Vec<Deployment> =
        records.into_iter().map(|r| r.value.deployment).collect();
    deployments.sort_by(|a, b| {
        a.created_date
            .cmp(&b.created_date)
            .then_with(|| a.id.cmp(&b.id))
    });
    let keyed = deployments
        .into_iter()
        .map(|d| (format!("{:020}\u{0}{}", d.created_date, d.id), d));
    page_response(&query, keyed)
}

/// `GET /restapis/{restapi_id}/deployments/{deployment_id}` (`embed=apisummary`).
pub async fn get_deployment(
    State(control_plane): State<ControlPlane>,
    Path((api_id, deployment_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    definitions::load(&control_plane, &api_id).await?;
    let record = publish::deployment(&control_plane, &api_id, &deployment_id).await?;
    let mut deployment = record.deployment;
    if query.all("embed").contains(&"apisummary") {
        deployment.api_summary = Some(record.definition.api_summary());
    }
    Ok(json_response(StatusCode::OK, &deployment))
}

/// `PATCH /restapis/{restapi_id}/deployments/{deployment_id}` (`/description`).
pub async fn update_deployment(
    State(control_plane): State<ControlPlane>,
    Path((api_id, deployment_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateDeploymentInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    for _ in 0..MAX_ATTEMPTS {
        let current =
            typed::get::<DeploymentRecord>(control_plane.store(), &api_id, &deployment_id)
                .await?
                .ok_or_else(|| {
                    ApiError::NotFound("Invalid Deployment identifier specified".into())
                })?;
        let mut record = current.value;
        record.deployment = patch::apply(&record.deployment, &operations, PATCH_RULES)?;
        let write = typed::put(
            &api_id,
            &deployment_id,
            &record,
            Expect::Version(current.version),
        )?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => return Ok(json_response(StatusCode::OK, &record.deployment)),
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<DeploymentRecord>(&api_id, &deployment_id)).into())
}

/// `DELETE /restapis/{restapi_id}/deployments/{deployment_id}`: refused while a stage uses it.
pub async fn delete_deployment(
    State(control_plane): State<ControlPlane>,
    Path((api_id, deployment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let api = definitions::load(&control_plane, &api_id).await?;
        publish::deployment(&control_plane, &api_id, &deployment_id).await?;
        let stages = typed::list::<Stage>(control_plane.store(), &api_id, Range::default()).await?;
        let in_use = stages.iter().any(|stage| {
            stage.value.deployment_id.as_str() == deployment_id
                || stage
                    .value
                    .canary_settings
                    .as_ref()
                    .and_then(|c| c.deployment_id.as_ref())
                    .is_some_and(|id| id.as_str() == deployment_id)
        });
        if in_use {
            return Err(ApiError::BadRequest(
                "Active stages pointing to this deployment must be moved or deleted".into(),
            ));
        }
        // Touching the API serialises this against stage writes that might start using it.
        let writes = vec![
            Write::Touch {
                key: typed::key::<ApiDefinition>("", &api_id),
                expect: Expect::Version(api.version),
            },
            Write::Delete {
                key: typed::key::<DeploymentRecord>(&api_id, &deployment_id),
                expect: Expect::Present,
            },
        ];
        match control_plane.store().commit(writes).await {
            Ok(()) => return Ok(empty_response(StatusCode::ACCEPTED)),
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<ApiDefinition>("", &api_id)).into())
}
