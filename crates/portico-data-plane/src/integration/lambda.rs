//! `AWS` (non-proxy) Lambda integrations: the integration request (request template or
//! passthrough body) is the event; the function's result goes through integration response
//! selection, where `selectionPattern` is matched against the `errorMessage` of a failed
//! invocation (reference §4). Also the one place that calls the function host, shared with
//! `AWS_PROXY` and Lambda authorizers.

use bytes::Bytes;
use http::{HeaderMap, Response};
use portico_functions::{InvokeError, InvokeRequest, InvokeResult};
use portico_snapshot::integration::{IntegrationResponses, LambdaTarget, RequestMapping};

use super::http::integration_request_body;
use super::mapping;
use super::response::{self, IntegrationOutput};
use crate::gateway_response::{GatewayResponseType, Reject};
use crate::invocation::Invocation;
use crate::pipeline::Client;
use crate::upstream::Backends;

/// The service principal the gateway invokes functions as.
const APIGATEWAY_PRINCIPAL: &str = "apigateway.amazonaws.com";

/// The integration request header that makes a non-proxy invocation asynchronous.
const INVOCATION_TYPE: &str = "x-amz-invocation-type";

/// How a Lambda integration runs the function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the result (`RequestResponse`).
    Sync,
    /// Queue it and answer at once (`Event`).
    Event,
}

/// Invokes the function and maps its result through the integration responses.
pub async fn invoke(
    invocation: &Invocation<'_>,
    backends: &Backends,
    target: &LambdaTarget,
    request_mapping: &RequestMapping,
    responses: &IntegrationResponses,
    mut client: Client<'_>,
) -> Result<Response<Bytes>, Reject> {
    let body = client
        .mapped_body(invocation.head.header_str("content-encoding"))
        .await?;
    let integration_request = integration_request_body(invocation, request_mapping, body.clone())?;
    let mapped = mapping::evaluate(invocation, &target.parameters, Some(&body));
    let invocation_type = match mapped
        .headers
        .iter()
        .find(|(name, _)| name.as_str().eq_ignore_ascii_case(INVOCATION_TYPE))
    {
        Some((_, value)) if value.as_bytes().eq_ignore_ascii_case(b"Event") => {
            InvocationType::Event
        }
        _ => InvocationType::Sync,
    };
    let headers = HeaderMap::new();
    let source_arn = invocation
        .stage
        .access
        .method_arn(invocation.head.method.as_str(), invocation.path);
    let Some(result) = call(
        backends,
        target,
        integration_request.body,
        invocation_type,
        &source_arn,
    )
    .await?
    else {
        let output = IntegrationOutput {
            headers: &headers,
            body: Bytes::new(),
        };
        return response::map_default(invocation, responses, &output);
    };
    let output = IntegrationOutput {
        headers: &headers,
        body: result.payload.clone(),
    };
    match result.function_error {
        // A failed invocation selects by its `errorMessage`; without a match the default
        // response answers (with the error document as its body), as on AWS.
        Some(_) => {
            let message = error_message(&result.payload);
            response::map(invocation, responses, &message, &output)
        }
        None => response::map_default(invocation, responses, &output),
    }
}

/// Invokes `target` with `payload` within the integration timeout, on behalf of
/// `source_arn` (the method, or the authorizer): `Ok(None)` for an accepted `Event`
/// invocation. Without credentials of its own the gateway needs the function's permission
/// (`AddPermission` for `apigateway.amazonaws.com`). Failures of the call itself (not of the
/// function) are rejections: timeout → 504, anything else → 500, as API Gateway answers them.
pub async fn call(
    backends: &Backends,
    target: &LambdaTarget,
    payload: Bytes,
    invocation_type: InvocationType,
    source_arn: &str,
) -> Result<Option<InvokeResult>, Reject> {
    let host = backends.functions().ok_or_else(|| {
        Reject::with_cause(
            GatewayResponseType::ApiConfigurationError,
            "Execution failed due to configuration error: this gateway hosts no functions",
        )
    })?;
    if !target.with_credentials {
        host.authorize_service(&target.function, APIGATEWAY_PRINCIPAL, source_arn)
            .map_err(|err| invoke_failure(&err))?;
    }
    let request = InvokeRequest {
        function: target.function.to_string(),
        payload,
        ..InvokeRequest::default()
    };
    if invocation_type == InvocationType::Event {
        host.enqueue(request).map_err(|err| invoke_failure(&err))?;
        return Ok(None);
    }
    match tokio::time::timeout(target.timeout, host.invoke(request)).await {
        Ok(Ok(result)) => Ok(Some(result)),
        Ok(Err(err)) => Err(invoke_failure(&err)),
        Err(_) => Err(Reject::new(GatewayResponseType::IntegrationTimeout)),
    }
}

/// API Gateway's answer when Lambda refuses the call: a 500, the reason in the log only.
fn invoke_failure(err: &InvokeError) -> Reject {
    let cause = match err {
        InvokeError::NotFound { .. } | InvokeError::AccessDenied { .. } => format!(
            "Execution failed due to configuration error: Invalid permissions on Lambda \
             function ({err})"
        ),
        other => format!(
            "Lambda invocation failed with status: {}: {other}",
            other.status()
        ),
    };
    Reject::with_cause(GatewayResponseType::ApiConfigurationError, cause)
}

/// The `errorMessage` of a function error document (the whole payload if it has none).
fn error_message(payload: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(payload) {
        Ok(serde_json::Value::Object(document)) => match document.get("errorMessage") {
            Some(serde_json::Value::String(message)) => message.clone(),
            Some(other) => other.to_string(),
            None => String::from_utf8_lossy(payload).into_owned(),
        },
        _ => String::from_utf8_lossy(payload).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_is_read_from_the_error_document() {
        assert_eq!(
            error_message(br#"{"errorMessage":"Not found: 7","errorType":"KeyError"}"#),
            "Not found: 7"
        );
        assert_eq!(error_message(b"plain failure"), "plain failure");
    }
}
