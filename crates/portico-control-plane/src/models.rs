//! Model and RequestValidator operations: CreateModel, GetModels, GetModel (`flatten`),
//! UpdateModel, DeleteModel, GetModelTemplate; CreateRequestValidator, GetRequestValidators,
//! GetRequestValidator, UpdateRequestValidator, DeleteRequestValidator.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::models::{CreateModelInput, CreateRequestValidatorInput};
use portico_model::patch::UpdateInput;
use portico_model::wire::parse_input;
use serde_json::{Value, json};

use crate::definitions;
use crate::rest_apis::page_response;
use crate::wire::{QueryParams, empty_response, json_response, new_child_id, unused_child_id};
use crate::{ApiError, ControlPlane};

/// `POST /restapis/{restapi_id}/models`.
pub async fn create_model(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let model = definitions::update(&control_plane, &api_id, |definition| {
        let input: CreateModelInput = parse_input("createModelInput", &body)?;
        Ok(definition.create_model(input, new_child_id())?.clone())
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &model))
}

/// `GET /restapis/{restapi_id}/models`.
pub async fn get_models(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let sorted = definition
        .models
        .values()
        .map(|model| (model.name.clone(), model));
    page_response(&query, sorted)
}

/// `GET /restapis/{restapi_id}/models/{model_name}` (`flatten=true` inlines `$ref`s).
pub async fn get_model(
    State(control_plane): State<ControlPlane>,
    Path((api_id, name)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let mut model = definition.model(&name)?.clone();
    if query.flag("flatten")
        && let Some(schema) = model
            .schema
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
    {
        let flattened = portico_model::models::flatten(&definition.models, schema, 0);
        model.schema = Some(serde_json::to_string_pretty(&flattened).unwrap_or_default());
    }
    Ok(json_response(StatusCode::OK, &model))
}

/// `PATCH /restapis/{restapi_id}/models/{model_name}`.
pub async fn update_model(
    State(control_plane): State<ControlPlane>,
    Path((api_id, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateModelInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    let model = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.patch_model(&name, &operations)?.clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &model))
}

/// `DELETE /restapis/{restapi_id}/models/{model_name}`.
pub async fn delete_model(
    State(control_plane): State<ControlPlane>,
    Path((api_id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.delete_model(&name)?)
    })
    .await?;
    Ok(empty_response(StatusCode::ACCEPTED))
}

/// `GET /restapis/{restapi_id}/models/{model_name}/default_template`: a mapping template
/// skeleton that copies every property of the model, as the AWS console generates it.
pub async fn get_model_template(
    State(control_plane): State<ControlPlane>,
    Path((api_id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let model = definition.model(&name)?;
    let schema = model
        .schema
        .as_deref()
        .and_then(|schema| serde_json::from_str::<Value>(schema).ok())
        .map(|schema| portico_model::models::flatten(&definition.models, schema, 0))
        .unwrap_or(Value::Null);
    let mut template = String::from("#set($inputRoot = $input.path('$'))\n");
    write_template(&schema, "$inputRoot", 0, &mut template);
    Ok(json_response(StatusCode::OK, &json!({ "value": template })))
}

fn write_template(schema: &Value, reference: &str, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("object");
    match kind {
        "object" if depth < 8 => {
            out.push_str("{\n");
            let properties: Vec<(&String, &Value)> = schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|properties| properties.iter().collect())
                .unwrap_or_default();
            for (index, (name, property)) in properties.iter().enumerate() {
                out.push_str(&format!("{indent}  \"{name}\" : "));
                write_template(property, &format!("{reference}.{name}"), depth + 1, out);
                out.push_str(if index + 1 < properties.len() {
                    ",\n"
                } else {
                    "\n"
                });
            }
            out.push_str(&indent);
            out.push('}');
        }
        "array" if depth < 8 => {
            let element = format!("$elem{depth}");
            out.push_str(&format!(
                "[\n{indent}#foreach({element} in {reference})\n{indent}  "
            ));
            let items = schema.get("items").cloned().unwrap_or(Value::Null);
            write_template(&items, &element, depth + 1, out);
            out.push_str(&format!(
                "#if($foreach.hasNext),#end\n{indent}#end\n{indent}]"
            ));
        }
        "string" => out.push_str(&format!("\"{reference}\"")),
        _ => out.push_str(reference),
    }
}

/// `POST /restapis/{restapi_id}/requestvalidators`.
pub async fn create_request_validator(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let validator = definitions::update(&control_plane, &api_id, |definition| {
        let input: CreateRequestValidatorInput = parse_input("createRequestValidatorInput", &body)?;
        let id = unused_child_id(|id| definition.request_validators.contains_key(id));
        Ok(definition.create_request_validator(input, id)?.clone())
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &validator))
}

/// `GET /restapis/{restapi_id}/requestvalidators`.
pub async fn get_request_validators(
    State(control_plane): State<ControlPlane>,
    Path(api_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let sorted = definition
        .request_validators
        .values()
        .map(|validator| (validator.id.clone(), validator));
    page_response(&query, sorted)
}

/// `GET /restapis/{restapi_id}/requestvalidators/{requestvalidator_id}`.
pub async fn get_request_validator(
    State(control_plane): State<ControlPlane>,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    Ok(json_response(
        StatusCode::OK,
        definition.request_validator(&id)?,
    ))
}

/// `PATCH /restapis/{restapi_id}/requestvalidators/{requestvalidator_id}`.
pub async fn update_request_validator(
    State(control_plane): State<ControlPlane>,
    Path((api_id, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateRequestValidatorInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    let validator = definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition
            .patch_request_validator(&id, &operations)?
            .clone())
    })
    .await?;
    Ok(json_response(StatusCode::OK, &validator))
}

/// `DELETE /restapis/{restapi_id}/requestvalidators/{requestvalidator_id}`.
pub async fn delete_request_validator(
    State(control_plane): State<ControlPlane>,
    Path((api_id, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    definitions::update(&control_plane, &api_id, |definition| {
        Ok(definition.delete_request_validator(&id)?)
    })
    .await?;
    Ok(empty_response(StatusCode::ACCEPTED))
}
