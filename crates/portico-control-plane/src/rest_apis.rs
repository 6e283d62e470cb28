//! RestApi operations: CreateRestApi, GetRestApis, GetRestApi, UpdateRestApi, DeleteRestApi.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::patch::UpdateInput;
use portico_model::rest_api::CreateRestApiInput;
use portico_model::wire::{parse_input, required};
use portico_model::{ApiDefinition, Resource, ResourceId, RestApi, RestApiId, page};
use portico_store::{Expect, Kind, Range, StoreError, Write, typed};
use serde_json::json;

use crate::auth::Caller;
use crate::definitions::{self, MAX_ATTEMPTS};
use crate::wire::{QueryParams, empty_response, json_response, new_child_id, new_rest_api_id, now};
use crate::{ApiError, ControlPlane};

/// `POST /restapis` (and `?mode=import`: ImportRestApi).
pub async fn create_rest_api(
    State(control_plane): State<ControlPlane>,
    Extension(_caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    if query.get("mode") == Some("import") {
        return crate::openapi::import_rest_api(&control_plane, &query, &body).await;
    }
    let mut input: CreateRestApiInput = parse_input("createRestApiInput", &body)?;
    required("createRestApiInput.name", input.name.as_ref())?;
    let source = match input.clone_from.take() {
        Some(source_id) => Some(definitions::load(&control_plane, &source_id).await?.value),
        None => None,
    };
    let now = now();
    for _ in 0..MAX_ATTEMPTS {
        let api_id = new_rest_api_id();
        let root_id = ResourceId::new(new_rest_api_id());
        let api = RestApi::create(input.clone(), RestApiId::new(api_id.clone()), root_id, now)?;
        let definition = match &source {
            Some(source) => clone_definition(source, api),
            None => ApiDefinition::new(api).with_default_models([new_child_id(), new_child_id()]),
        };
        let write = typed::put("", &api_id, &definition, Expect::Absent)?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => return Ok(json_response(StatusCode::CREATED, &definition.rest_api)),
            // An id collision: draw another.
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::Internal(
        "could not allocate a unique RestApi id".into(),
    ))
}

/// `cloneFrom`: the source's resources and methods under fresh resource ids.
fn clone_definition(source: &ApiDefinition, api: RestApi) -> ApiDefinition {
    let mut ids: BTreeMap<ResourceId, ResourceId> = BTreeMap::new();
    for id in source.resources.keys() {
        let new_id = if *id == source.rest_api.root_resource_id {
            api.root_resource_id.clone()
        } else {
            ResourceId::new(new_child_id())
        };
        ids.insert(id.clone(), new_id);
    }
    let resources = source
        .resources
        .values()
        .map(|resource| {
            let id = ids[&resource.id].clone();
            let cloned = Resource {
                id: id.clone(),
                parent_id: resource
                    .parent_id
                    .as_ref()
                    .map(|parent| ids[parent].clone()),
                path_part: resource.path_part.clone(),
                path: resource.path.clone(),
                resource_methods: resource.resource_methods.clone(),
            };
            (id, cloned)
        })
        .collect();
    let rest_api = RestApi {
        binary_media_types: api
            .binary_media_types
            .clone()
            .or_else(|| source.rest_api.binary_media_types.clone()),
        ..api
    };
    ApiDefinition {
        rest_api,
        resources,
        models: source.models.clone(),
        request_validators: source.request_validators.clone(),
        gateway_responses: source.gateway_responses.clone(),
        authorizers: source.authorizers.clone(),
        extensions: source.extensions.clone(),
    }
}

/// `GET /restapis`.
pub async fn get_rest_apis(
    State(control_plane): State<ControlPlane>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let limit = page::parse_limit(query.get("limit"))?;
    let after = page::decode_position(query.get("position"))?;
    let range = Range {
        after,
        limit: Some(limit + 1),
    };
    let mut records = typed::list::<ApiDefinition>(control_plane.store(), "", range).await?;
    let position = if records.len() > limit {
        records.truncate(limit);
        records
            .last()
            .map(|last| page::encode_position(last.value.rest_api.id.as_str()))
    } else {
        None
    };
    let items: Vec<&RestApi> = records
        .iter()
        .map(|record| &record.value.rest_api)
        .collect();
    Ok(json_response(StatusCode::OK, &list_body(&items, position)))
}

/// A collection response: the page after `?position=` of at most `?limit=` items, from items
/// sorted by their key.
pub(crate) fn page_response<T: serde::Serialize>(
    query: &QueryParams,
    sorted: impl IntoIterator<Item = (String, T)>,
) -> Result<Response, ApiError> {
    let limit = page::parse_limit(query.get("limit"))?;
    let page = page::paginate(sorted, query.get("position"), limit)?;
    Ok(json_response(
        StatusCode::OK,
        &list_body(&page.items, page.position),
    ))
}

/// A collection body: `{"item": [...], "position": "..."}`.
pub(crate) fn list_body<T: serde::Serialize>(
    items: &[T],
    position: Option<String>,
) -> serde_json::Value {
    let mut body = json!({ "item": items });
    if let Some(position) = position {
        body["position"] = json!(position);
    }
    body
}

/// `GET /restapis/{restapi_id}`.
pub async fn get_rest_api(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
) -> Result<Response, ApiError> {
    let definition = definitions::load(&control_plane, &api_id).await?;
    Ok(json_response(StatusCode::OK, &definition.value.rest_api))
}

/// `PATCH /restapis/{restapi_id}`.
pub async fn update_rest_api(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateRestApiInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    let api = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.patch_rest_api(&operations)?.clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &api))
}

/// `DELETE /restapis/{restapi_id}`: the API, its deployments and stages go together.
pub async fn delete_rest_api(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
) -> Result<Response, ApiError> {
    // Stage publishes happen in commit order (see `ControlPlane::stage_lock`).
    let _in_order = control_plane.stage_lock().lock().await;
    for _ in 0..MAX_ATTEMPTS {
        let current = definitions::load(&control_plane, &api_id).await?;
        let writes = vec![
            Write::Delete {
                key: typed::key::<ApiDefinition>("", &api_id),
                expect: Expect::Version(current.version),
            },
            Write::DeleteScope {
                kind: Kind::Deployment,
                scope: api_id.clone(),
            },
            Write::DeleteScope {
                kind: Kind::Stage,
                scope: api_id.clone(),
            },
        ];
        match control_plane.store().commit(writes).await {
            Ok(()) => {
                control_plane.live().remove_api(&api_id);
                control_plane.limits().drop_api_caches(&api_id);
                return Ok(empty_response(StatusCode::ACCEPTED));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<ApiDefinition>("", &api_id)).into())
}
