//! Authorizer operations: CreateAuthorizer, GetAuthorizers, GetAuthorizer,
//! UpdateAuthorizer, DeleteAuthorizer.

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

/// `TestInvokeAuthorizer`'s input.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestInvokeAuthorizerInput {
    headers: Option<std::collections::BTreeMap<String, String>>,
    multi_value_headers: Option<std::collections::BTreeMap<String, Vec<String>>>,
    path_with_query_string: Option<String>,
    body: Option<String>,
    stage_variables: Option<std::collections::BTreeMap<String, String>>,
}

/// `POST /restapis/{restapi_id}/authorizers/{authorizer_id}` (TestInvokeAuthorizer): runs a
/// Lambda authorizer with a simulated request and reports what it returned.
pub async fn test_invoke_authorizer(
    State(control_plane): State<ControlPlane>,
    Path((api_id, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    use portico_model::authorizer::AuthorizerType;
    use serde_json::{Value, json};

    let input: TestInvokeAuthorizerInput = if body.is_empty() {
        TestInvokeAuthorizerInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|err| {
            ApiError::BadRequest(format!("Invalid TestInvokeAuthorizer request: {err}"))
        })?
    };
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let authorizer = definition.authorizer(&id)?.clone();
    if authorizer.kind == AuthorizerType::CognitoUserPools {
        return Err(ApiError::BadRequest(
            "TestInvokeAuthorizer is supported for Lambda (TOKEN and REQUEST) authorizers".into(),
        ));
    }
    let variables = input.stage_variables.clone().unwrap_or_default();
    let uri = authorizer.authorizer_uri.as_deref().unwrap_or_default();
    let function = portico_snapshot::compile::substitute_stage_variables(uri, &variables)
        .ok()
        .and_then(|uri| portico_snapshot::compile::lambda_function(&uri).map(str::to_owned))
        .ok_or_else(|| ApiError::BadRequest(format!("Invalid authorizer URI: {uri}")))?;
    let headers = input.headers.clone().unwrap_or_default();
    let (path, query) = match input.path_with_query_string.as_deref() {
        Some(target) => target.split_once('?').unwrap_or((target, "")),
        None => ("/", ""),
    };
    let method_arn = format!(
        "arn:aws:execute-api:{}:{}:{api_id}/test-invoke-stage/GET{path}",
        portico_model::region(),
        portico_model::ACCOUNT_ID
    );
    let header_named = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    };
    let event = if authorizer.kind == AuthorizerType::Token {
        let header = authorizer
            .identity_source
            .as_deref()
            .and_then(|source| source.strip_prefix("method.request.header."))
            .unwrap_or("Authorization");
        let Some(token) = header_named(header).filter(|token| !token.is_empty()) else {
            return Ok(json_response(
                StatusCode::OK,
                &json!({ "clientStatus": 401, "log": "Unauthorized request: missing identity source", "latency": 0 }),
            ));
        };
        json!({ "type": "TOKEN", "authorizationToken": token, "methodArn": method_arn })
    } else {
        let query: serde_json::Map<String, Value> = QueryParams::parse(Some(query))
            .pairs()
            .map(|(key, value)| (key.to_owned(), Value::String(value.to_owned())))
            .collect();
        json!({
            "type": "REQUEST",
            "methodArn": method_arn,
            "resource": path,
            "path": path,
            "httpMethod": "GET",
            "headers": headers,
            "multiValueHeaders": input.multi_value_headers,
            "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(query) },
            "pathParameters": Value::Null,
            "stageVariables": input.stage_variables,
            "body": input.body,
            "requestContext": {
                "accountId": portico_model::ACCOUNT_ID,
                "apiId": api_id,
                "stage": "test-invoke-stage",
                "httpMethod": "GET",
                "path": path,
                "resourcePath": path,
            },
        })
    };
    let host = control_plane
        .functions()
        .ok_or_else(|| ApiError::BadRequest("this gateway hosts no functions".into()))?;
    let started = std::time::Instant::now();
    let outcome = host
        .host
        .invoke(portico_functions::InvokeRequest {
            function,
            payload: Bytes::from(event.to_string()),
            log_tail: true,
            ..Default::default()
        })
        .await;
    let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let result = match outcome {
        Ok(result) => result,
        Err(err) => {
            return Ok(json_response(
                StatusCode::OK,
                &json!({ "clientStatus": 500, "log": format!("Execution failed: {err}"), "latency": latency }),
            ));
        }
    };
    let log = result
        .log_tail
        .as_deref()
        .and_then(|tail| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.decode(tail).ok()
        })
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let output: Value = serde_json::from_slice(&result.payload).unwrap_or(Value::Null);
    if result.function_error.is_some() {
        let status = if output.get("errorMessage").and_then(Value::as_str) == Some("Unauthorized") {
            401
        } else {
            500
        };
        return Ok(json_response(
            StatusCode::OK,
            &json!({ "clientStatus": status, "log": log, "latency": latency }),
        ));
    }
    let policy = output.get("policyDocument").map(|document| match document {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    });
    let mut answer = json!({
        "clientStatus": if policy.is_some() { 200 } else { 500 },
        "log": log,
        "latency": latency,
        "principalId": output.get("principalId"),
        "policy": policy,
    });
    if let (Some(Value::Object(context)), Some(object)) =
        (output.get("context"), answer.as_object_mut())
    {
        let authorization: serde_json::Map<String, Value> = context
            .iter()
            .map(|(key, value)| {
                (
                    key.clone(),
                    json!([match value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    }]),
                )
            })
            .collect();
        object.insert("authorization".into(), Value::Object(authorization));
    }
    Ok(json_response(StatusCode::OK, &answer))
}
