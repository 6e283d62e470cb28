//! Alias operations: CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::{StatusCode, Uri};
use portico_model::function::{CreateAliasInput, LambdaError, UpdateAliasInput};
use serde_json::json;

use super::functions::page;
use super::{
    Result, arn_of, authorize, authorized_ref, function_ref, json_body, load, update, with_stamp,
};
use crate::ControlPlane;
use crate::auth::Caller;
use crate::wire::{QueryParams, empty_response, json_response};

/// `POST /2015-03-31/functions/{name}/aliases`.
pub(crate) async fn create_alias(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let input: CreateAliasInput = json_body(&body)?;
    let reference = function_ref(&name, None)?;
    let alias_name = input.name.clone().unwrap_or_default();
    authorize(
        &caller,
        "CreateAlias",
        &arn_of(&reference.name, Some(&alias_name)),
    )?;
    let alias = update(&control_plane, &reference.name, |function| {
        Ok(with_stamp(|stamp| {
            function.create_alias(input.clone(), stamp)
        })?)
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &alias))
}

/// `GET /2015-03-31/functions/{name}/aliases/{alias}`.
pub(crate) async fn get_alias(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path((name, alias)): Path<(String, String)>,
) -> Result<Response> {
    let reference = function_ref(&name, None)?;
    let arn = arn_of(&reference.name, Some(&alias));
    authorize(&caller, "GetAlias", &arn)?;
    let function = load(&control_plane, &reference.name).await?.value;
    let found = function
        .alias(&alias)
        .ok_or_else(|| LambdaError::ResourceNotFound(format!("Alias not found: {arn}")))?;
    Ok(json_response(StatusCode::OK, found))
}

/// `PUT /2015-03-31/functions/{name}/aliases/{alias}`.
pub(crate) async fn update_alias(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path((name, alias)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let input: UpdateAliasInput = json_body(&body)?;
    let reference = function_ref(&name, None)?;
    authorize(
        &caller,
        "UpdateAlias",
        &arn_of(&reference.name, Some(&alias)),
    )?;
    let updated = update(&control_plane, &reference.name, |function| {
        Ok(with_stamp(|stamp| {
            function.update_alias(&alias, input.clone(), stamp)
        })?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &updated))
}

/// `DELETE /2015-03-31/functions/{name}/aliases/{alias}`.
pub(crate) async fn delete_alias(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path((name, alias)): Path<(String, String)>,
) -> Result<Response> {
    let reference = function_ref(&name, None)?;
    authorize(
        &caller,
        "DeleteAlias",
        &arn_of(&reference.name, Some(&alias)),
    )?;
    update(&control_plane, &reference.name, |function| {
        Ok(function.delete_alias(&alias)?)
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `GET /2015-03-31/functions/{name}/aliases` (`FunctionVersion` filters).
pub(crate) async fn list_aliases(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let reference = authorized_ref(&caller, "ListAliases", &name, None)?;
    let function = load(&control_plane, &reference.name).await?.value;
    let aliases: Vec<_> = function
        .aliases
        .into_iter()
        .filter(|alias| {
            query
                .get("FunctionVersion")
                .is_none_or(|version| alias.function_version == version)
        })
        .collect();
    let (page, next_marker) = page(aliases, &query)?;
    let mut body = json!({ "Aliases": page });
    if let (Some(marker), Some(object)) = (next_marker, body.as_object_mut()) {
        object.insert("NextMarker".into(), marker.into());
    }
    Ok(json_response(StatusCode::OK, &body))
}
