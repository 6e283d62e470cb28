//! `TestInvokeMethod`: one request through the data plane against the API as it is now, not
//! as deployed (reference §2), with authorization, API keys and the cache bypassed as AWS
//! bypasses them. The control plane compiles the stage; a [`MethodTester`] that the binary
//! provides runs it, so the control plane never depends on the data plane.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::method::AuthorizationType;
use portico_model::rest_api::{EndpointConfiguration, EndpointType};
use portico_model::stage::CreateStageInput;
use portico_model::{ApiDefinition, DeploymentId, HttpMethod, ResourceId, Stage};
use portico_snapshot::{CompileInput, StageSnapshot};
use serde_json::{Map, Value, json};

use crate::definitions;
use crate::wire::{json_response, new_request_id, now};
use crate::{ApiError, ControlPlane};

/// The stage name AWS gives test invocations (`$context.stage`).
pub const TEST_STAGE: &str = "test-invoke-stage";
/// How much of the response body the execution log shows.
const LOGGED_BODY_CHARS: usize = 1000;

/// A request to run against a compiled stage.
#[derive(Debug, Clone)]
pub struct TestRequest {
    pub method: String,
    /// `/restapis/{id}/test-invoke-stage/_user_request_/{path}?{query}`: the path form, so no
    /// host needs to resolve.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// What the data plane answered.
#[derive(Debug, Clone)]
pub struct TestResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// Runs a [`TestRequest`] through the real data plane against `stage` alone.
pub trait MethodTester: Send + Sync {
    fn invoke(
        &self,
        stage: StageSnapshot,
        request: TestRequest,
    ) -> Pin<Box<dyn Future<Output = Result<TestResponse, String>> + Send>>;
}

/// `TestInvokeMethod`'s input.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestInvokeMethodInput {
    path_with_query_string: Option<String>,
    body: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    multi_value_headers: Option<BTreeMap<String, Vec<String>>>,
    stage_variables: Option<BTreeMap<String, String>>,
}

/// `POST /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}`.
pub async fn test_invoke_method(
    State(control_plane): State<ControlPlane>,
    Path((api_id, resource_id, http_method)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: TestInvokeMethodInput = if body.is_empty() {
        TestInvokeMethodInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|err| {
            ApiError::BadRequest(format!("Invalid TestInvokeMethod request: {err}"))
        })?
    };
    let resource_id = ResourceId::new(resource_id);
    let http_method = HttpMethod::parse_label(&http_method)?;
    let mut definition = definitions::load(&control_plane, &api_id).await?.value;
    definition.method(&resource_id, http_method)?;
    let resource_path = definition.resource(&resource_id)?.path.clone();
    let tester = control_plane
        .method_tester()
        .ok_or_else(|| ApiError::BadRequest("this gateway cannot run test invocations".into()))?;
    let stage = test_stage(
        &mut definition,
        &resource_id,
        http_method,
        input.stage_variables.clone(),
    )?;

    let path_and_query = input
        .path_with_query_string
        .clone()
        .unwrap_or_else(|| resource_path.clone());
    let path_and_query = if path_and_query.starts_with('/') {
        path_and_query
    } else {
        format!("/{path_and_query}")
    };
    if path_and_query.parse::<http::uri::PathAndQuery>().is_err() {
        return Err(ApiError::BadRequest(format!(
            "Invalid pathWithQueryString: {path_and_query}"
        )));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, values) in input.multi_value_headers.iter().flatten() {
        headers.extend(values.iter().map(|value| (name.clone(), value.clone())));
    }
    for (name, value) in input.headers.iter().flatten() {
        if !headers
            .iter()
            .any(|(seen, _)| seen.eq_ignore_ascii_case(name))
        {
            headers.push((name.clone(), value.clone()));
        }
    }
    for (name, value) in &headers {
        let valid = http::HeaderName::from_bytes(name.as_bytes()).is_ok()
            && http::HeaderValue::from_str(value).is_ok();
        if !valid {
            return Err(ApiError::BadRequest(format!("Invalid header: {name}")));
        }
    }
    let request = TestRequest {
        method: http_method.as_str().to_owned(),
        target: format!("/restapis/{api_id}/{TEST_STAGE}/_user_request_{path_and_query}"),
        headers,
        body: Bytes::from(input.body.unwrap_or_default()),
    };
    let request_id = new_request_id();
    let started = Instant::now();
    let outcome = tester.invoke(stage, request).await;
    let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let response = outcome
        .map_err(|err| ApiError::Internal(format!("test invocation failed: {err}").into()))?;
    Ok(json_response(
        StatusCode::OK,
        &report(
            &request_id,
            http_method,
            &path_and_query,
            &response,
            latency,
        ),
    ))
}

/// The tested method as it is now, alone in its API, compiled as stage
/// `test-invoke-stage` with no authorization, no API keys, no resource policy and no cache
/// (AWS's test invocations skip them all). Other methods are left out: the path may not
/// reach them, and one still being built cannot stop the test.
fn test_stage(
    definition: &mut ApiDefinition,
    resource_id: &ResourceId,
    http_method: HttpMethod,
    variables: Option<BTreeMap<String, String>>,
) -> Result<StageSnapshot, ApiError> {
    for (id, resource) in &mut definition.resources {
        resource
            .resource_methods
            .retain(|verb, _| id == resource_id && verb == http_method.as_str());
        for method in resource.resource_methods.values_mut() {
            method.authorization_type = AuthorizationType::None;
            method.authorizer_id = None;
            method.authorization_scopes = None;
            method.api_key_required = false;
        }
    }
    let api = &mut definition.rest_api;
    api.policy = None;
    api.disable_execute_api_endpoint = false;
    api.endpoint_configuration = EndpointConfiguration {
        types: vec![EndpointType::Regional],
        ..Default::default()
    };
    let stage = Stage::create(
        CreateStageInput {
            stage_name: Some(TEST_STAGE.to_owned()),
            deployment_id: Some(DeploymentId::new("testinvoke")),
            variables,
            ..Default::default()
        },
        now(),
    )?;
    portico_snapshot::compile(&CompileInput {
        definition,
        deployment_id: "testinvoke",
        stage: &stage,
        canary_definition: None,
        limits: None,
    })
    .map_err(|errors| {
        let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
        ApiError::BadRequest(format!(
            "The method cannot be tested: {}",
            problems.join("; ")
        ))
    })
}

/// `TestInvokeMethodResponse`: status, body, headers (single and multi-value), an execution
/// log in the spirit of AWS's, and the latency in milliseconds.
fn report(
    request_id: &str,
    method: HttpMethod,
    path: &str,
    response: &TestResponse,
    latency: u64,
) -> Value {
    let mut headers = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (name, value) in &response.headers {
        // Connection management is the test connection's, not the method's.
        if ["connection", "keep-alive", "transfer-encoding"].contains(&name.as_str()) {
            continue;
        }
        // HTTP/1.1 names arrive lower case; AWS shows them capitalised (`Content-Type`).
        let name = portico_model::wire::capitalised_header_name(name);
        headers.insert(name.clone(), Value::String(value.clone()));
        match multi.get_mut(&name) {
            Some(Value::Array(values)) => values.push(Value::String(value.clone())),
            _ => {
                multi.insert(name, json!([value]));
            }
        }
    }
    let body = String::from_utf8_lossy(&response.body).into_owned();
    // AWS truncates long bodies in its execution logs too.
    let logged: String = body.chars().take(LOGGED_BODY_CHARS).collect();
    let truncated = if logged.len() < body.len() {
        " [TRUNCATED]"
    } else {
        ""
    };
    let outcome = if response.status >= 500 {
        "Execution failed"
    } else {
        "Successfully completed execution"
    };
    let log = format!(
        "Execution log for request {request_id}\n\
         Starting execution for request: {request_id}\n\
         HTTP Method: {method}, Resource Path: {path}\n\
         Method response body after transformations: {logged}{truncated}\n\
         Method response headers: {headers}\n\
         {outcome}\n\
         Method completed with status: {status}\n",
        method = method.as_str(),
        headers = Value::Object(headers.clone()),
        status = response.status,
    );
    json!({
        "status": response.status,
        "body": body,
        "headers": headers,
        "multiValueHeaders": multi,
        "log": log,
        "latency": latency,
    })
}
