//! Method, MethodResponse, Integration and IntegrationResponse operations.

use axum::extract::{Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::integration::{PutIntegrationInput, PutIntegrationResponseInput};
use portico_model::method::{PutMethodInput, PutMethodResponseInput};
use portico_model::patch::{PatchOperation, UpdateInput};
use portico_model::wire::parse_input;
use portico_model::{HttpMethod, ResourceId};

use crate::definitions;
use crate::wire::{empty_response, json_response};
use crate::{ApiError, ControlPlane};

type MethodPath = Path<(String, String, String)>;
type ResponsePath = Path<(String, String, String, String)>;

fn labels(resource_id: String, http_method: &str) -> Result<(ResourceId, HttpMethod), ApiError> {
    Ok((
        ResourceId::new(resource_id),
        HttpMethod::parse_label(http_method)?,
    ))
}

fn patch_operations(input_name: &str, body: &[u8]) -> Result<Vec<PatchOperation>, ApiError> {
    let input: UpdateInput = parse_input(input_name, body)?;
    Ok(input.patch_operations.unwrap_or_default())
}

/// `PUT .../methods/{http_method}`.
pub async fn put_method(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method)): MethodPath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let method = definitions::update(&control_plane, &api_id, |definition| {
        let input: PutMethodInput = parse_input("putMethodInput", &body)?;
        Ok(definition
            .put_method(&resource_id, http_method, input)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &method))
}

/// `GET .../methods/{http_method}`.
pub async fn get_method(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method)): MethodPath,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    Ok(json_response(
        StatusCode::OK,
        definition.method(&resource_id, http_method)?,
    ))
}

/// `PATCH .../methods/{http_method}`.
pub async fn update_method(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method)): MethodPath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let operations = patch_operations("updateMethodInput", &body)?;
    let method = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition
            .patch_method(&resource_id, http_method, &operations)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &method))
}

/// `DELETE .../methods/{http_method}`.
pub async fn delete_method(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method)): MethodPath,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.delete_method(&resource_id, http_method)?)
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `PUT .../methods/{http_method}/responses/{status_code}`.
pub async fn put_method_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method, status_code)): ResponsePath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let response = definitions::update(&control_plane, &api_id, |definition| {
        let input: PutMethodResponseInput = parse_input("putMethodResponseInput", &body)?;
        Ok(definition
            .put_method_response(&resource_id, http_method, &status_code, input)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &response))
}

/// `GET .../methods/{http_method}/responses/{status_code}`.
pub async fn get_method_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method, status_code)): ResponsePath,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let method = definition.method(&resource_id, http_method)?;
    Ok(json_response(
        StatusCode::OK,
        method.method_response(&status_code)?,
    ))
}

/// `PATCH .../methods/{http_method}/responses/{status_code}` (AWS answers 201).
pub async fn update_method_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method, status_code)): ResponsePath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let operations = patch_operations("updateMethodResponseInput", &body)?;
    let response = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition
            .patch_method_response(&resource_id, http_method, &status_code, &operations)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &response))
}

/// `DELETE .../methods/{http_method}/responses/{status_code}`.
pub async fn delete_method_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method, status_code)): ResponsePath,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.delete_method_response(&resource_id, http_method, &status_code)?)
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `PUT .../methods/{http_method}/integration`.
pub async fn put_integration(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method)): MethodPath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let integration = definitions::update(&control_plane, &api_id, |definition| {
        let input: PutIntegrationInput = parse_input("putIntegrationInput", &body)?;
        Ok(definition
            .put_integration(&resource_id, http_method, input)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &integration))
}

/// `GET .../methods/{http_method}/integration`.
pub async fn get_integration(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method)): MethodPath,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let method = definition.method(&resource_id, http_method)?;
    Ok(json_response(StatusCode::OK, method.integration()?))
}

/// `PATCH .../methods/{http_method}/integration`.
pub async fn update_integration(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method)): MethodPath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let operations = patch_operations("updateIntegrationInput", &body)?;
    let integration = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition
            .patch_integration(&resource_id, http_method, &operations)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &integration))
}

/// `DELETE .../methods/{http_method}/integration`.
pub async fn delete_integration(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method)): MethodPath,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.delete_integration(&resource_id, http_method)?)
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `PUT .../integration/responses/{status_code}`.
pub async fn put_integration_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method, status_code)): ResponsePath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let response = definitions::update(&control_plane, &api_id, |definition| {
        let input: PutIntegrationResponseInput = parse_input("putIntegrationResponseInput", &body)?;
        Ok(definition
            .put_integration_response(&resource_id, http_method, &status_code, input)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &response))
}

/// `GET .../integration/responses/{status_code}`.
pub async fn get_integration_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method, status_code)): ResponsePath,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let integration = definition
        .method(&resource_id, http_method)?
        .integration()?;
    Ok(json_response(
        StatusCode::OK,
        integration.integration_response(&status_code)?,
    ))
}

/// `PATCH .../integration/responses/{status_code}`.
pub async fn update_integration_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method, status_code)): ResponsePath,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    let operations = patch_operations("updateIntegrationResponseInput", &body)?;
    let response = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition
            .patch_integration_response(&resource_id, http_method, &status_code, &operations)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &response))
}

/// `DELETE .../integration/responses/{status_code}`.
pub async fn delete_integration_response(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method, status_code)): ResponsePath,
) -> Result<Response, ApiError> {
    let (resource_id, http_method) = labels(resource_id, &http_method)?;
    definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.delete_integration_response(&resource_id, http_method, &status_code)?)
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}
