//! Resource operations: GetResources, GetResource, CreateResource, UpdateResource, DeleteResource.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::patch::UpdateInput;
use portico_model::wire::{parse_input, required};
use portico_model::{Resource, ResourceId};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::definitions;
use crate::rest_apis::page_response;
use crate::wire::{QueryParams, empty_response, json_response, unused_child_id};
use crate::{ApiError, ControlPlane};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateResourceInput {
    path_part: Option<String>,
}

/// A resource as the wire shows it: with `embed=methods` the methods are whole, otherwise
/// each method is an empty object, as AWS answers.
pub(crate) fn render(resource: &Resource, embed_methods: bool) -> Value {
    let mut value = serde_json::to_value(resource).unwrap_or(Value::Null);
    if !embed_methods
        && let Some(methods) = value
            .get_mut("resourceMethods")
            .and_then(Value::as_object_mut)
    {
        for method in methods.values_mut() {
            *method = json!({});
        }
    }
    value
}

fn embeds_methods(query: &QueryParams) -> bool {
    query.all("embed").contains(&"methods")
}

/// `GET /restapis/{restapi_id}/resources`.
pub async fn get_resources(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let embed = embeds_methods(&query);
    let sorted = definition.resources_by_path().into_iter().map(|resource| {
        (
            format!("{}\u{0}{}", resource.path, resource.id),
            render(resource, embed),
        )
    });
    page_response(&query, sorted)
}

/// `GET /restapis/{restapi_id}/resources/{resource_id}`.
pub async fn get_resource(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let resource = definition.resource(&ResourceId::new(resource_id))?;
    Ok(json_response(
        StatusCode::OK,
        &render(resource, embeds_methods(&query)),
    ))
}

/// `POST /restapis/{restapi_id}/resources/{parent_id}`.
pub async fn create_resource(
    State(control_plane): State<ControlPlane>,
    Path((api_id, parent_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: CreateResourceInput = parse_input("createResourceInput", &body)?;
    let path_part = required("createResourceInput.pathPart", input.path_part)?;
    let parent_id = ResourceId::new(parent_id);
    let resource = definitions::update(&control_plane, &api_id, |definition| {
        let id = ResourceId::new(unused_child_id(|id| {
            definition.resources.contains_key(&ResourceId::new(id))
        }));
        Ok(definition
            .create_resource(&parent_id, &path_part, id)?
            .clone())
    })
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &render(&resource, false),
    ))
}

/// `PATCH /restapis/{restapi_id}/resources/{resource_id}`.
pub async fn update_resource(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateResourceInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    let resource_id = ResourceId::new(resource_id);
    let resource = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition
            .patch_resource(&resource_id, &operations)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &render(&resource, false)))
}

/// `DELETE /restapis/{restapi_id}/resources/{resource_id}`.
pub async fn delete_resource(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let resource_id = ResourceId::new(resource_id);
    definitions::update(&control_plane, &api_id, |definition| {
        definition.delete_resource(&resource_id)?;
        Ok(())
    })
    .await?;
    Ok(empty_response(StatusCode::ACCEPTED))
}
