//! `TestInvokeAuthorizer`: runs an authorizer on a simulated request and reports what it
//! decided. `clientStatus` is the status the client would have got, and 0 when the authorizer
//! succeeded (AWS's documented value). Lambda authorizers report the function's
//! `principalId`, policy, context (as `authorization`) and log; Cognito authorizers validate
//! the token against the user pool's keys and report its claims.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_snapshot::authorizer::{AuthorizerKind, CompiledAuthorizer, IdentitySource};
use serde_json::{Map, Value, json};

use crate::definitions;
use crate::wire::{QueryParams, json_response};
use crate::{ApiError, ControlPlane};

/// The stage name AWS puts in the method ARN of a test invocation.
const TEST_STAGE: &str = "test-invoke-stage";

/// `TestInvokeAuthorizer`'s input.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TestInvokeAuthorizerInput {
    headers: Option<BTreeMap<String, String>>,
    multi_value_headers: Option<BTreeMap<String, Vec<String>>>,
    path_with_query_string: Option<String>,
    body: Option<String>,
    stage_variables: Option<BTreeMap<String, String>>,
}

/// `TestInvokeAuthorizerResponse`.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    client_status: u16,
    log: String,
    latency: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    claims: Option<Map<String, Value>>,
}

// === impl TestInvokeAuthorizerInput ===

impl TestInvokeAuthorizerInput {
    /// The value of header `name` (any case): from `headers`, else the first of
    /// `multiValueHeaders`.
    fn header(&self, name: &str) -> Option<&str> {
        fn find<'a, V>(map: &'a Option<BTreeMap<String, V>>, name: &str) -> Option<&'a V> {
            map.as_ref()?
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value)
        }
        find(&self.headers, name).map(String::as_str).or_else(|| {
            find(&self.multi_value_headers, name)?
                .first()
                .map(String::as_str)
        })
    }

    /// The simulated path and query string (`/` and none when not given).
    fn target(&self) -> (&str, &str) {
        match self.path_with_query_string.as_deref() {
            Some(target) => target.split_once('?').unwrap_or((target, "")),
            None => ("/", ""),
        }
    }
}

// === impl Report ===

impl Report {
    fn failed(client_status: u16, log: String, latency: u64) -> Report {
        Report {
            client_status,
            log,
            latency,
            ..Report::default()
        }
    }
}

/// `POST /restapis/{restapi_id}/authorizers/{authorizer_id}` (TestInvokeAuthorizer).
pub async fn test_invoke_authorizer(
    State(control_plane): State<ControlPlane>,
    Path((api_id, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: TestInvokeAuthorizerInput = if body.is_empty() {
        TestInvokeAuthorizerInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|err| {
            ApiError::BadRequest(format!("Invalid TestInvokeAuthorizer request: {err}"))
        })?
    };
    let definition = definitions::load(&control_plane, &api_id).await?.value;
    let authorizer = definition.authorizer(&id)?;
    let variables = input.stage_variables.clone().unwrap_or_default();
    let compiled = portico_snapshot::authorizer::compile(authorizer, &variables, None)
        .map_err(ApiError::BadRequest)?;
    let started = Instant::now();
    let report = match &compiled.kind {
        AuthorizerKind::Cognito { providers } => {
            cognito(&control_plane, &compiled, providers, &input, started).await
        }
        AuthorizerKind::Token(target) | AuthorizerKind::Request(target) => {
            lambda(
                &control_plane,
                &api_id,
                &compiled,
                &target.function,
                &input,
                started,
            )
            .await?
        }
    };
    Ok(json_response(StatusCode::OK, &report))
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The token a TOKEN or Cognito authorizer reads: the value of its one header source.
fn token<'a>(
    compiled: &CompiledAuthorizer,
    input: &'a TestInvokeAuthorizerInput,
) -> Option<&'a str> {
    match compiled.sources.as_slice() {
        [IdentitySource::Header(name)] => input.header(name).filter(|token| !token.is_empty()),
        _ => None,
    }
}

/// A Cognito (or any OIDC) authorizer: the token's signature, issuer, times, kind and audience,
/// checked as the data plane checks them for a method without scopes.
async fn cognito(
    control_plane: &ControlPlane,
    compiled: &CompiledAuthorizer,
    provider_arns: &[Box<str>],
    input: &TestInvokeAuthorizerInput,
    started: Instant,
) -> Report {
    let Some(token) = token(compiled, input) else {
        return Report::failed(
            401,
            "Unauthorized request: the identity source is missing or empty".into(),
            0,
        );
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    let requirements = portico_jwt::Requirements {
        scopes: &[],
        audience_pattern: compiled.validation.as_ref(),
        now,
    };
    match control_plane
        .user_pools()
        .validate(token, provider_arns, &requirements)
        .await
    {
        Ok(validated) => Report {
            client_status: 0,
            log: format!("Token validated; issuer {}", validated.issuer),
            latency: elapsed_ms(started),
            claims: Some(portico_jwt::claims_as_strings(&validated.claims)),
            ..Report::default()
        },
        // The error's text never holds the token.
        Err(err) => Report::failed(
            401,
            format!("Unauthorized request: {err}"),
            elapsed_ms(started),
        ),
    }
}

/// A TOKEN or REQUEST Lambda authorizer: the function runs with the event the data plane
/// would send for a GET of the simulated path on stage `test-invoke-stage`.
async fn lambda(
    control_plane: &ControlPlane,
    api_id: &str,
    compiled: &CompiledAuthorizer,
    function: &str,
    input: &TestInvokeAuthorizerInput,
    started: Instant,
) -> Result<Report, ApiError> {
    let (path, query) = input.target();
    let method_arn = format!(
        "arn:aws:execute-api:{}:{}:{api_id}/{TEST_STAGE}/GET{path}",
        portico_model::region(),
        portico_model::ACCOUNT_ID
    );
    let event = if let AuthorizerKind::Token(_) = compiled.kind {
        // As in the data plane: no token, or one the validation expression refuses, is 401
        // without running the function.
        let Some(token) = token(compiled, input) else {
            return Ok(Report::failed(
                401,
                "Unauthorized request: the identity source is missing or empty".into(),
                0,
            ));
        };
        if let Some(pattern) = &compiled.validation
            && !pattern.is_match(token)
        {
            return Ok(Report::failed(
                401,
                "Unauthorized request: the token does not match identityValidationExpression"
                    .into(),
                0,
            ));
        }
        json!({ "type": "TOKEN", "authorizationToken": token, "methodArn": method_arn })
    } else {
        let query: Map<String, Value> = QueryParams::parse(Some(query))
            .pairs()
            .map(|(key, value)| (key.to_owned(), Value::String(value.to_owned())))
            .collect();
        json!({
            "type": "REQUEST",
            "methodArn": method_arn,
            "resource": path,
            "path": path,
            "httpMethod": "GET",
            "headers": input.headers,
            "multiValueHeaders": input.multi_value_headers,
            "queryStringParameters": if query.is_empty() { Value::Null } else { Value::Object(query) },
            "pathParameters": Value::Null,
            "stageVariables": input.stage_variables,
            "body": input.body,
            "requestContext": {
                "accountId": portico_model::ACCOUNT_ID,
                "apiId": api_id,
                "stage": TEST_STAGE,
                "httpMethod": "GET",
                "path": path,
                "resourcePath": path,
            },
        })
    };
    let host = control_plane
        .functions()
        .ok_or_else(|| ApiError::BadRequest("this gateway hosts no functions".into()))?;
    let outcome = host
        .host
        .invoke(portico_functions::InvokeRequest {
            function: function.to_owned(),
            payload: Bytes::from(event.to_string()),
            log_tail: true,
            ..Default::default()
        })
        .await;
    let latency = elapsed_ms(started);
    let result = match outcome {
        Ok(result) => result,
        Err(err) => {
            return Ok(Report::failed(
                500,
                format!("Execution failed: {err}"),
                latency,
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
        let unauthorized =
            output.get("errorMessage").and_then(Value::as_str) == Some("Unauthorized");
        return Ok(Report::failed(
            if unauthorized { 401 } else { 500 },
            log,
            latency,
        ));
    }
    let policy = output.get("policyDocument").map(|document| match document {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    });
    let authorization = output
        .get("context")
        .and_then(Value::as_object)
        .map(|context| {
            context
                .iter()
                .map(|(key, value)| {
                    let text = match value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    (key.clone(), json!([text]))
                })
                .collect()
        });
    Ok(Report {
        client_status: if policy.is_some() { 0 } else { 500 },
        log,
        latency,
        principal_id: output.get("principalId").cloned(),
        policy,
        authorization,
        claims: None,
    })
}
