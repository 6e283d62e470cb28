//! OpenAPI operations: ImportRestApi (`POST /restapis?mode=import`), PutRestApi
//! (`PUT /restapis/{id}?mode=merge|overwrite`) and GetExport, plus the import-and-deploy that
//! `portico serve --import` runs at start. Documents become definitions in
//! `portico-openapi` (pure); this module reads the store, commits atomically (a document that
//! fails leaves nothing behind) and answers in AWS's shapes.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use portico_model::deployment::CreateDeploymentInput;
use portico_model::{ApiDefinition, DeploymentRecord, Stage};
use portico_openapi::{
    ExportExtensions, ExportFormat, ExportOptions, IdKind, ImportError, ImportOptions, Imported,
    PutMode,
};
use portico_store::{Expect, StoreError, typed};

use crate::definitions::{self, MAX_ATTEMPTS};
use crate::wire::{QueryParams, json_response, new_child_id, new_rest_api_id, now};
use crate::{ApiError, ControlPlane, deployments};

/// What `serve --import` did with one document.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub api_id: String,
    pub name: String,
    /// True if an API of that name existed and was updated in place.
    pub updated: bool,
    pub stage: String,
    /// `(METHOD, resource path)` of every method, for printing invoke URLs.
    pub methods: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

/// `POST /restapis?mode=import` (dispatched from CreateRestApi).
pub(crate) async fn import_rest_api(
    control_plane: &ControlPlane,
    query: &QueryParams,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let document = portico_openapi::parse(body)?;
    let options = ImportOptions::from_parameters(query.pairs())?;
    let imported = import_new(control_plane, &document, &options).await?;
    Ok(json_response(
        StatusCode::CREATED,
        &imported.definition.rest_api,
    ))
}

/// `PUT /restapis/{restapi_id}?mode=merge|overwrite`.
pub async fn put_rest_api(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let mode = match query.get("mode").unwrap_or("merge") {
        "merge" => PutMode::Merge,
        "overwrite" => PutMode::Overwrite,
        other => {
            return Err(ApiError::BadRequest(format!(
                "Invalid mode '{other}' specified. Valid values are merge, overwrite"
            )));
        }
    };
    let document = portico_openapi::parse(&body)?;
    let options = ImportOptions::from_parameters(query.pairs())?;
    let definition = put_existing(&control_plane, &api_id, &document, mode, &options).await?;
    Ok(json_response(StatusCode::OK, &definition.rest_api))
}

/// `GET /restapis/{restapi_id}/stages/{stage_name}/exports/{export_type}`: the stage's
/// deployed definition as a document, JSON or YAML after `Accept`.
pub async fn get_export(
    State(control_plane): State<ControlPlane>,
    Path((api_id, stage_name, export_type)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let format = match export_type.as_str() {
        "oas30" => ExportFormat::Oas30,
        "swagger" => ExportFormat::Swagger2,
        other => {
            return Err(ApiError::BadRequest(format!(
                "Invalid export type specified: {other}. Valid values are oas30, swagger"
            )));
        }
    };
    definitions::load(&control_plane, &api_id).await?;
    let stage = typed::get::<Stage>(control_plane.store(), &api_id, &stage_name)
        .await?
        .ok_or_else(|| ApiError::NotFound("Invalid Stage identifier specified".into()))?
        .value;
    let deployment = typed::get::<DeploymentRecord>(
        control_plane.store(),
        &api_id,
        stage.deployment_id.as_str(),
    )
    .await?
    .ok_or_else(|| ApiError::NotFound("Invalid Deployment identifier specified".into()))?
    .value;
    let mut extensions = ExportExtensions::default();
    for value in query.all("extensions") {
        let parsed = ExportExtensions::parse(value);
        extensions = ExportExtensions {
            integrations: extensions.integrations || parsed.integrations,
            authorizers: extensions.authorizers || parsed.authorizers,
            validators: extensions.validators || parsed.validators,
            apigateway: extensions.apigateway || parsed.apigateway,
        };
    }
    let document = portico_openapi::export(
        &deployment.definition,
        &ExportOptions {
            format,
            extensions,
            stage_name: Some(stage_name.clone()),
            base_url: None,
            deployed_at: Some(deployment.deployment.created_date),
        },
    );
    let yaml = headers
        .get(ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("yaml"));
    let (body, content_type, extension) = if yaml {
        (
            portico_openapi::to_yaml(&document),
            "application/yaml",
            "yaml",
        )
    } else {
        (
            serde_json::to_string_pretty(&document).unwrap_or_default(),
            "application/json",
            "json",
        )
    };
    let disposition = format!(
        "attachment; filename=\"{}-{stage_name}-{export_type}.{extension}\"",
        deployment.definition.rest_api.name
    );
    Ok((
        StatusCode::OK,
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// `portico serve --import FILE[:STAGE]`: imports the document, or updates the API of the same
/// name in place (so re-running does not duplicate it), and deploys it to `stage`.
pub async fn import_and_deploy(
    control_plane: &ControlPlane,
    bytes: &[u8],
    stage: &str,
) -> Result<ImportReport, ApiError> {
    let document = portico_openapi::parse(bytes)?;
    let options = ImportOptions::default();
    let name = document_title(&document);
    let existing = match &name {
        Some(name) => find_by_name(control_plane, name).await?,
        None => None,
    };
    let (definition, updated, warnings) = match existing {
        Some(api_id) => {
            let definition = put_existing(
                control_plane,
                &api_id,
                &document,
                PutMode::Overwrite,
                &options,
            )
            .await?;
            let warnings = definition.rest_api.warnings.clone().unwrap_or_default();
            (definition, true, warnings)
        }
        None => {
            let imported = import_new(control_plane, &document, &options).await?;
            (imported.definition, false, imported.warnings)
        }
    };
    let api_id = definition.rest_api.id.as_str().to_owned();
    deployments::deploy(
        control_plane,
        &api_id,
        &CreateDeploymentInput {
            stage_name: Some(stage.to_owned()),
            ..Default::default()
        },
    )
    .await?;
    let mut methods: Vec<(String, String)> = definition
        .resources
        .values()
        .flat_map(|resource| {
            resource
                .resource_methods
                .keys()
                .map(move |method| (method.clone(), resource.path.clone()))
        })
        .collect();
    methods.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    Ok(ImportReport {
        api_id,
        name: definition.rest_api.name.clone(),
        updated,
        stage: stage.to_owned(),
        methods,
        warnings,
    })
}

/// Imports a new API and stores it.
async fn import_new(
    control_plane: &ControlPlane,
    document: &serde_json::Value,
    options: &ImportOptions,
) -> Result<Imported, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let mut imported = portico_openapi::import(document, options, &mut new_id, now())?;
        refuse_warnings(options, &imported.warnings)?;
        let definition = &mut imported.definition;
        definition.rest_api.warnings =
            (!imported.warnings.is_empty()).then(|| imported.warnings.clone());
        let api_id = definition.rest_api.id.as_str().to_owned();
        let write = typed::put("", &api_id, &*definition, Expect::Absent)?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => return Ok(imported),
            // An id collision: draw again.
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::Internal(
        "could not allocate a unique RestApi id".into(),
    ))
}

/// Applies a document to an existing API (PutRestApi).
async fn put_existing(
    control_plane: &ControlPlane,
    api_id: &str,
    document: &serde_json::Value,
    mode: PutMode,
    options: &ImportOptions,
) -> Result<ApiDefinition, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = definitions::load(control_plane, api_id).await?;
        let imported = portico_openapi::put(&current.value, document, mode, options, &mut new_id)?;
        refuse_warnings(options, &imported.warnings)?;
        let mut definition = imported.definition;
        definition.rest_api.warnings = (!imported.warnings.is_empty()).then_some(imported.warnings);
        let write = typed::put("", api_id, &definition, Expect::Version(current.version))?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => return Ok(definition),
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<ApiDefinition>("", api_id)).into())
}

fn refuse_warnings(options: &ImportOptions, warnings: &[String]) -> Result<(), ApiError> {
    if options.fail_on_warnings && !warnings.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "Warnings found during import:\n\t{}",
            warnings.join("\n\t")
        )));
    }
    Ok(())
}

fn new_id(kind: IdKind) -> String {
    match kind {
        IdKind::RestApi | IdKind::RootResource => new_rest_api_id(),
        _ => new_child_id(),
    }
}

impl From<ImportError> for ApiError {
    fn from(err: ImportError) -> ApiError {
        ApiError::BadRequest(err.to_string())
    }
}

fn document_title(document: &serde_json::Value) -> Option<String> {
    document
        .get("info")?
        .get("title")?
        .as_str()
        .map(str::to_owned)
}

/// The id of the API named `name`, if one exists.
async fn find_by_name(
    control_plane: &ControlPlane,
    name: &str,
) -> Result<Option<String>, ApiError> {
    let all = typed::list_all::<ApiDefinition>(control_plane.store()).await?;
    Ok(all
        .into_iter()
        .map(|(_, record)| record.value.rest_api)
        .find(|api| api.name == name)
        .map(|api| api.id.as_str().to_owned()))
}
