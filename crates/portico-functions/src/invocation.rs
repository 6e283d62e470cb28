//! What callers hand to `invoke`/`enqueue` and get back, with Lambda's limits and error shapes.

use std::time::Duration;

use bytes::Bytes;

use crate::BoxError;

/// Largest synchronous (`RequestResponse`) request payload: 6 MB.
pub const MAX_SYNC_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;
/// Largest asynchronous (`Event`) request payload: 256 KB.
pub const MAX_EVENT_PAYLOAD_BYTES: usize = 256 * 1024;
/// Largest response a runtime may post. AWS's limit (and its message) is 6 MB plus 100 bytes.
pub(crate) const MAX_RESPONSE_BYTES: usize = 6_291_556;

/// One invocation as the caller asks for it.
#[derive(Debug, Clone, Default)]
pub struct InvokeRequest {
    /// Function name, full ARN or partial ARN (`{account}:function:{name}`), each optionally
    /// with `:{qualifier}`.
    pub function: String,
    /// Version or alias (`Qualifier`); must agree with a qualifier inside `function`.
    pub qualifier: Option<String>,
    /// The event, JSON (Lambda refuses anything else with `InvalidRequestContentException`
    /// before invoking; that check is the caller's). An empty payload is delivered as `{}`.
    pub payload: Bytes,
    /// `X-Amz-Client-Context`: base64 of a JSON object as AWS receives it (plain JSON is
    /// accepted too); the runtime gets the JSON.
    pub client_context: Option<String>,
    /// Cognito identity JSON (`{"cognitoIdentityId":…,"cognitoIdentityPoolId":…}`).
    pub cognito_identity: Option<String>,
    /// `LogType: Tail`: return the end of this invocation's log.
    pub log_tail: bool,
}

/// What a finished invocation returns (HTTP 200 in AWS, also when the function failed).
#[derive(Debug, Clone)]
pub struct InvokeResult {
    /// `x-amzn-RequestId`, also the request id the function saw.
    pub request_id: String,
    /// `X-Amz-Executed-Version`: the version that ran (an alias resolves to one).
    pub executed_version: String,
    /// The function's response, or the error document when `function_error` is set.
    pub payload: Bytes,
    /// `X-Amz-Function-Error`.
    pub function_error: Option<FunctionError>,
    /// `X-Amz-Log-Result`: base64 of the last 4 KB of this invocation's log, when asked.
    pub log_tail: Option<String>,
}

/// `X-Amz-Function-Error` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionError {
    /// AWS reports every runtime-reported error, timeout and crash as `Unhandled`.
    Unhandled,
}

/// Why an invocation was refused; each variant is a Lambda exception.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    /// `ResourceNotFoundException` (404), message `Function not found: {arn}`.
    #[error("{message}")]
    NotFound { message: String },
    /// `TooManyRequestsException` (429) with `Reason`.
    #[error("Rate Exceeded.")]
    TooManyRequests {
        /// `ReservedFunctionConcurrentInvocationLimitExceeded` or
        /// `ConcurrentInvocationLimitExceeded`.
        reason: &'static str,
    },
    /// `RequestTooLargeException` (413): payload over 6 MB (sync) or 256 KB (`Event`).
    #[error("Request must be smaller than 6291456 bytes for the InvokeFunction operation")]
    RequestTooLarge,
    /// `InvalidParameterValueException` (400), e.g. a qualifier that disagrees with the ARN.
    #[error("{message}")]
    InvalidParameterValue { message: String },
    /// `AccessDeniedException` (403): a service invoked without a permission that allows it.
    #[error("{message}")]
    AccessDenied { message: String },
    /// `ServiceException` (500); details go to logs, never to the client.
    #[error("internal failure")]
    Internal(#[source] BoxError),
}

/// `Reason` when the function's reserved concurrency is used up.
pub(crate) const RESERVED_LIMIT_EXCEEDED: &str =
    "ReservedFunctionConcurrentInvocationLimitExceeded";
/// `Reason` when the account-wide limit is used up.
pub(crate) const ACCOUNT_LIMIT_EXCEEDED: &str = "ConcurrentInvocationLimitExceeded";

// === impl FunctionError ===

impl FunctionError {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionError::Unhandled => "Unhandled",
        }
    }
}

// === impl InvokeError ===

impl InvokeError {
    /// The HTTP status AWS answers with.
    pub fn status(&self) -> u16 {
        match self {
            InvokeError::NotFound { .. } => 404,
            InvokeError::TooManyRequests { .. } => 429,
            InvokeError::RequestTooLarge => 413,
            InvokeError::InvalidParameterValue { .. } => 400,
            InvokeError::AccessDenied { .. } => 403,
            InvokeError::Internal(_) => 500,
        }
    }

    /// The `x-amzn-ErrorType` AWS answers with.
    pub fn error_type(&self) -> &'static str {
        match self {
            InvokeError::NotFound { .. } => "ResourceNotFoundException",
            InvokeError::TooManyRequests { .. } => "TooManyRequestsException",
            InvokeError::RequestTooLarge => "RequestTooLargeException",
            InvokeError::InvalidParameterValue { .. } => "InvalidParameterValueException",
            InvokeError::AccessDenied { .. } => "AccessDeniedException",
            InvokeError::Internal(_) => "ServiceException",
        }
    }

    pub(crate) fn internal(message: &'static str) -> InvokeError {
        InvokeError::Internal(message.into())
    }
}

/// The error document Lambda returns for failures the runtime did not report itself.
pub(crate) fn platform_error(error_type: &str, request_id: &str, detail: &str) -> Bytes {
    let document = serde_json::json!({
        "errorType": error_type,
        "errorMessage": format!("RequestId: {request_id} Error: {detail}"),
    });
    Bytes::from(document.to_string())
}

/// `Task timed out after 3.00 seconds`.
pub(crate) fn timed_out_detail(timeout: Duration) -> String {
    format!("Task timed out after {:.2} seconds", timeout.as_secs_f64())
}

/// The document for a response over [`MAX_RESPONSE_BYTES`].
pub(crate) fn response_too_large() -> Bytes {
    let document = serde_json::json!({
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": format!(
            "Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."
        ),
    });
    Bytes::from(document.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_reported_with_two_decimals() {
        assert_eq!(
            timed_out_detail(Duration::from_secs(3)),
            "Task timed out after 3.00 seconds"
        );
        assert_eq!(
            timed_out_detail(Duration::from_millis(1500)),
            "Task timed out after 1.50 seconds"
        );
    }

    #[test]
    fn platform_errors_name_the_request() {
        let payload = platform_error(
            "Sandbox.Timedout",
            "abc",
            "Task timed out after 1.00 seconds",
        );
        let document: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(document["errorType"], "Sandbox.Timedout");
        assert_eq!(
            document["errorMessage"],
            "RequestId: abc Error: Task timed out after 1.00 seconds"
        );
    }
}
