//! Compiling stages and publishing them to the data plane.
//!
//! A change is compiled before it is committed, so a deployment or stage update that cannot
//! be served is rejected and changes nothing; it is published after the commit, so traffic
//! never runs on configuration that is not durable.

use std::sync::Arc;

use portico_limits::Limits;
use portico_model::{ApiDefinition, DeploymentRecord, Stage};
use portico_snapshot::{CompileInput, Live, Snapshot, StageSnapshot};
use portico_store::{Store, StoreError, typed};

use crate::{ApiError, ControlPlane};

/// A stage change that compiles: what [`publish`] compiles again, with live limiter state,
/// once the change is committed.
pub(crate) struct Checked {
    stage: Stage,
    main: DeploymentRecord,
    canary: Option<DeploymentRecord>,
}

/// Checks that `stage` compiles against its deployment and, if it has one, its canary
/// deployment. Touches no live state: buckets and caches change only in [`publish`], after
/// the commit, so a change that fails to commit changes nothing.
pub(crate) fn compile(
    stage: &Stage,
    deployment: &DeploymentRecord,
    canary: Option<&DeploymentRecord>,
) -> Result<Checked, ApiError> {
    compile_definitions(
        stage,
        deployment,
        canary.map(|record| &record.definition),
        None,
    )
    .map(|_| Checked {
        stage: stage.clone(),
        main: deployment.clone(),
        canary: canary.cloned(),
    })
    .map_err(|errors| {
        let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
        ApiError::BadRequest(format!(
            "The deployment cannot be served: {}",
            problems.join("; ")
        ))
    })
}

fn compile_definitions(
    stage: &Stage,
    deployment: &DeploymentRecord,
    canary: Option<&ApiDefinition>,
    limits: Option<&Limits>,
) -> Result<StageSnapshot, Vec<portico_snapshot::CompileError>> {
    portico_snapshot::compile(&CompileInput {
        definition: &deployment.definition,
        deployment_id: deployment.deployment.id.as_str(),
        stage,
        canary_definition: canary,
        limits,
    })
}

/// Loads the deployment a stage points at.
pub(crate) async fn deployment(
    control_plane: &ControlPlane,
    api_id: &str,
    deployment_id: &str,
) -> Result<DeploymentRecord, ApiError> {
    typed::get::<DeploymentRecord>(control_plane.store(), api_id, deployment_id)
        .await?
        .map(|record| record.value)
        .ok_or_else(|| ApiError::NotFound("Invalid Deployment identifier specified".into()))
}

/// Loads a stage's canary deployment, if the stage has a canary.
pub(crate) async fn canary_deployment(
    control_plane: &ControlPlane,
    api_id: &str,
    stage: &Stage,
) -> Result<Option<DeploymentRecord>, ApiError> {
    match stage
        .canary_settings
        .as_ref()
        .and_then(|c| c.deployment_id.as_ref())
    {
        Some(id) => Ok(Some(deployment(control_plane, api_id, id.as_str()).await?)),
        None => Ok(None),
    }
}

/// Checks a stage against the store's current deployments.
pub(crate) async fn compile_stored(
    control_plane: &ControlPlane,
    api_id: &str,
    stage: &Stage,
) -> Result<Checked, ApiError> {
    let main = deployment(control_plane, api_id, stage.deployment_id.as_str()).await?;
    let canary = canary_deployment(control_plane, api_id, stage).await?;
    compile(stage, &main, canary.as_ref())
}

/// Compiles a committed stage change with live buckets and caches and swaps it in.
pub(crate) fn publish(control_plane: &ControlPlane, checked: Checked) {
    let Checked {
        stage,
        main,
        canary,
    } = checked;
    let api_id = main.definition.rest_api.id.as_str().to_owned();
    if !stage.cache_cluster_enabled {
        // Turning the cache off frees its memory; turning it on again starts empty, as on AWS.
        control_plane
            .limits()
            .drop_cache(&api_id, &stage.stage_name);
    }
    match compile_definitions(
        &stage,
        &main,
        canary.as_ref().map(|record| &record.definition),
        Some(control_plane.limits()),
    ) {
        Ok(snapshot) => control_plane.live().publish_stage(Arc::new(snapshot)),
        // The same input compiled a moment ago; only a bug gets here.
        Err(errors) => tracing::error!(
            api_id,
            stage = stage.stage_name,
            ?errors,
            "a checked stage failed to compile"
        ),
    }
}

/// What start-up loading found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// Stages compiled and published.
    pub stages: usize,
    /// Stages that could not be served, with the reason.
    pub failed: Vec<(String, String)>,
}

/// Compiles every stored stage into a fresh snapshot and installs it (start-up, resync).
pub async fn load_all(
    store: &dyn Store,
    live: &Live,
    limits: &Limits,
) -> Result<LoadReport, StoreError> {
    let deployments = typed::list_all::<DeploymentRecord>(store).await?;
    let find = |api_id: &str, id: &str| {
        deployments
            .iter()
            .find(|(scope, record)| scope == api_id && record.value.deployment.id.as_str() == id)
            .map(|(_, record)| &record.value)
    };
    let mut snapshot = Snapshot::default();
    let mut report = LoadReport::default();
    for (api_id, stage) in typed::list_all::<Stage>(store).await? {
        let stage = stage.value;
        let name = format!("{api_id}/{}", stage.stage_name);
        let Some(main) = find(&api_id, stage.deployment_id.as_str()) else {
            report.failed.push((name, "deployment not found".into()));
            continue;
        };
        let canary = stage
            .canary_settings
            .as_ref()
            .and_then(|c| c.deployment_id.as_ref())
            .and_then(|id| find(&api_id, id.as_str()));
        match compile_definitions(
            &stage,
            main,
            canary.map(|record| &record.definition),
            Some(limits),
        ) {
            Ok(compiled) => {
                snapshot.insert(Arc::new(compiled));
                report.stages += 1;
            }
            Err(errors) => {
                let reason = errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ");
                report.failed.push((name, reason));
            }
        }
    }
    live.replace(snapshot);
    crate::client_limits::load(store, live, limits).await?;
    Ok(report)
}
