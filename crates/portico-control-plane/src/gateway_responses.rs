//! GatewayResponse operations: PutGatewayResponse, GetGatewayResponse,
//! GetGatewayResponses, UpdateGatewayResponse, DeleteGatewayResponse.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::gateway_response::{GatewayResponseType, PutGatewayResponseInput};
use portico_model::page;
use portico_model::patch::UpdateInput;
use portico_model::wire::parse_input;

use crate::definitions;
use crate::rest_apis::list_body;
use crate::wire::{QueryParams, empty_response, json_response};
use crate::{ApiError, ControlPlane};

fn response_type(value: &str) -> Result<GatewayResponseType, ApiError> {
    Ok(GatewayResponseType::parse_field("responseType", value)?)
}

/// `PUT /restapis/{restapi_id}/gatewayresponses/{response_type}`.
pub async fn put_gateway_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, kind)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = response_type(&kind)?;
    let response = definitions::update(&control_plane, &api_id, |definition| {
        let input: PutGatewayResponseInput = parse_input("putGatewayResponseInput", &body)?;
        Ok(definition.put_gateway_response(kind, input)?)
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &response))
}

/// `GET /restapis/{restapi_id}/gatewayresponses/{response_type}`.
pub async fn get_gateway_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, kind)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = response_type(&kind)?;
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    Ok(json_response(
        StatusCode::OK,
        &definition.gateway_response(kind),
    ))
}

/// `GET /restapis/{restapi_id}/gatewayresponses`: every type, customised or default.
pub async fn get_gateway_responses(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let limit = page::parse_limit(query.get("limit").or(Some("500")))?;
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let sorted = definition
        .all_gateway_responses()
        .into_iter()
        .map(|response| (response.response_type.as_str().to_owned(), response));
    let page = page::paginate(sorted, query.get("position"), limit)?;
    Ok(json_response(
        StatusCode::OK,
        &list_body(&page.items, page.position),
    ))
}

/// `PATCH /restapis/{restapi_id}/gatewayresponses/{response_type}`.
pub async fn update_gateway_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, kind)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = response_type(&kind)?;
    let input: UpdateInput = parse_input("updateGatewayResponseInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    let response = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.patch_gateway_response(kind, &operations)?)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &response))
}

/// `DELETE /restapis/{restapi_id}/gatewayresponses/{response_type}`: back to the default.
pub async fn delete_gateway_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, kind)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = response_type(&kind)?;
    definitions::update(&control_plane, &api_id, |definition| {
        definition.delete_gateway_response(kind);
        Ok(())
    })
    .await?;
    Ok(empty_response(StatusCode::ACCEPTED))
}
