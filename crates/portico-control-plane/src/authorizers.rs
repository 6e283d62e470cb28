//! Authorizer operations: CreateAuthorizer, GetAuthorizers, GetAuthorizer,
//! UpdateAuthorizer, DeleteAuthorizer, and TestInvokeAuthorizer (in `test_invoke`).

mod test_invoke;

pub use test_invoke::test_invoke_authorizer;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::authorizer::CreateAuthorizerInput;
use portico_model::patch::UpdateInput;
use portico_model::wire::parse_input;

use crate::definitions;
use crate::rest_apis::page_response;
use crate::wire::{QueryParams, empty_response, json_response, unused_child_id};
use crate::{ApiError, ControlPlane};

/// `POST /restapis/{restapi_id}/authorizers`.
pub async fn create_authorizer(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let authorizer = definitions::update(&control_plane, &api_id, |definition| {
        let input: CreateAuthorizerInput = parse_input("createAuthorizerInput", &body)?;
        let id = unused_child_id(|id| definition.authorizers.contains_key(id));
        Ok(definition.create_authorizer(input, id)?.clone())
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &authorizer))
}

/// `GET /restapis/{restapi_id}/authorizers`.
pub async fn get_authorizers(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let sorted = definition
        .authorizers
        .values()
        .map(|authorizer| (authorizer.id.clone(), authorizer));
    page_response(&query, sorted)
}

/// `GET /restapis/{restapi_id}/authorizers/{authorizer_id}`.
pub async fn get_authorizer(
    State(control_plane): State<ControlPlane>,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    Ok(json_response(StatusCode::OK, definition.authorizer(&id)?))
}

/// `PATCH /restapis/{restapi_id}/authorizers/{authorizer_id}`.
pub async fn update_authorizer(
    State(control_plane): State<ControlPlane>,
    Path((api_id, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateAuthorizerInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    let authorizer = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.patch_authorizer(&id, &operations)?.clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &authorizer))
}

/// `DELETE /restapis/{restapi_id}/authorizers/{authorizer_id}`.
pub async fn delete_authorizer(
    State(control_plane): State<ControlPlane>,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.delete_authorizer(&id)?)
    })
    .await?;
    Ok(empty_response(StatusCode::ACCEPTED))
}
