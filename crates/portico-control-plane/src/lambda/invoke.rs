//! Invoke: `RequestResponse` (wait for the result), `Event` (queued durably, answered 202)
//! and `DryRun` (checks only, 204).

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, Uri};
use portico_functions::InvokeRequest;
use portico_model::function::LambdaError;

use super::{Result, arn_of, authorize, function_ref, host, load};
use crate::ControlPlane;
use crate::auth::Caller;
use crate::wire::{QueryParams, X_AMZN_REQUESTID, empty_response};

const X_AMZ_INVOCATION_TYPE: &str = "x-amz-invocation-type";
const X_AMZ_LOG_TYPE: &str = "x-amz-log-type";
const X_AMZ_CLIENT_CONTEXT: &str = "x-amz-client-context";
const X_AMZ_FUNCTION_ERROR: &str = "x-amz-function-error";
const X_AMZ_LOG_RESULT: &str = "x-amz-log-result";
const X_AMZ_EXECUTED_VERSION: &str = "x-amz-executed-version";

/// `POST /2015-03-31/functions/{name}/invocations`.
pub(crate) async fn invoke(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    payload: Bytes,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let reference = function_ref(&name, query.get("Qualifier"))?;
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let invocation_type = header(X_AMZ_INVOCATION_TYPE).unwrap_or("RequestResponse");
    let log_tail = match header(X_AMZ_LOG_TYPE).unwrap_or("None") {
        "None" => false,
        "Tail" => true,
        other => {
            return Err(LambdaError::constraint(
                "logType",
                other,
                "Member must satisfy enum value set: [None, Tail]",
            )
            .into());
        }
    };
    authorize(
        &caller,
        "InvokeFunction",
        &arn_of(&reference.name, reference.qualifier.as_deref()),
    )?;
    let function = load(&control_plane, &reference.name).await?.value;
    if function.version(reference.qualifier.as_deref()).is_none() {
        return Err(
            LambdaError::function_not_found(&function.arn(reference.qualifier.as_deref())).into(),
        );
    }
    function.check_active()?;
    let request = InvokeRequest {
        function: reference.name.clone(),
        qualifier: reference.qualifier.clone(),
        payload,
        client_context: header(X_AMZ_CLIENT_CONTEXT).map(str::to_owned),
        cognito_identity: None,
        log_tail,
    };
    let functions = host(&control_plane)?;
    match invocation_type {
        "DryRun" => Ok(empty_response(StatusCode::NO_CONTENT)),
        "Event" => {
            let request_id = functions.host.enqueue(request)?;
            let mut response = empty_response(StatusCode::ACCEPTED);
            insert(&mut response, X_AMZN_REQUESTID, &request_id);
            Ok(response)
        }
        "RequestResponse" => {
            let result = functions.host.invoke(request).await?;
            let mut response = Response::new(axum::body::Body::from(result.payload));
            insert(&mut response, "content-type", "application/json");
            insert(&mut response, X_AMZN_REQUESTID, &result.request_id);
            insert(
                &mut response,
                X_AMZ_EXECUTED_VERSION,
                &result.executed_version,
            );
            if let Some(error) = result.function_error {
                insert(&mut response, X_AMZ_FUNCTION_ERROR, error.as_str());
            }
            if let Some(tail) = &result.log_tail {
                insert(&mut response, X_AMZ_LOG_RESULT, tail);
            }
            Ok(response)
        }
        other => Err(LambdaError::constraint(
            "invocationType",
            other,
            "Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
        )
        .into()),
    }
}

fn insert(response: &mut Response, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}
