//! `LambdaApiError`: a failed Lambda operation in Lambda's error shape — status,
//! `x-amzn-ErrorType`, body `{"Type": "User", "message": "..."}` (plus `Reason` when throttled).

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use portico_functions::InvokeError;
use portico_model::function::LambdaError;
use portico_store::{BoxError, StoreError};

use crate::auth::AccessDenied;
use crate::wire::{X_AMZN_ERRORTYPE, json_response};

/// A Lambda operation's failure.
#[derive(Debug, thiserror::Error)]
pub enum LambdaApiError {
    #[error(transparent)]
    Lambda(#[from] LambdaError),
    /// `AccessDeniedException` (403).
    #[error("{0}")]
    AccessDenied(String),
    /// A refused invocation.
    #[error(transparent)]
    Invoke(#[from] InvokeError),
    /// `ServiceException` (500); details go to the log only.
    #[error("internal failure")]
    Internal(#[source] BoxError),
}

// === impl LambdaApiError ===

impl LambdaApiError {
    fn status(&self) -> StatusCode {
        let code = match self {
            LambdaApiError::Lambda(err) => err.status(),
            LambdaApiError::AccessDenied(_) => 403,
            LambdaApiError::Invoke(err) => err.status(),
            LambdaApiError::Internal(_) => 500,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_type(&self) -> &'static str {
        match self {
            LambdaApiError::Lambda(err) => err.error_type(),
            LambdaApiError::AccessDenied(_) => "AccessDeniedException",
            LambdaApiError::Invoke(err) => err.error_type(),
            LambdaApiError::Internal(_) => "ServiceException",
        }
    }
}

impl From<StoreError> for LambdaApiError {
    fn from(err: StoreError) -> Self {
        LambdaApiError::Internal(Box::new(err))
    }
}

impl From<AccessDenied> for LambdaApiError {
    fn from(denied: AccessDenied) -> Self {
        LambdaApiError::AccessDenied(denied.message)
    }
}

impl IntoResponse for LambdaApiError {
    fn into_response(self) -> Response {
        let message = match &self {
            LambdaApiError::Internal(source) => {
                tracing::error!(error = %source, cause = ?source, "lambda operation failed");
                "An internal error occurred. Please retry your request.".to_owned()
            }
            LambdaApiError::Invoke(InvokeError::Internal(source)) => {
                tracing::error!(error = %source, "invocation failed");
                "An internal error occurred. Please retry your request.".to_owned()
            }
            other => other.to_string(),
        };
        let mut body = serde_json::json!({ "Type": "User", "message": message });
        let reason = match &self {
            LambdaApiError::Lambda(LambdaError::TooManyRequests { reason, .. })
            | LambdaApiError::Invoke(InvokeError::TooManyRequests { reason }) => Some(*reason),
            _ => None,
        };
        if let (Some(reason), Some(object)) = (reason, body.as_object_mut()) {
            object.insert("Reason".into(), reason.into());
        }
        if matches!(self, LambdaApiError::Internal(_)) {
            body = serde_json::json!({ "Type": "Service", "message": message });
        }
        let mut response = json_response(self.status(), &body);
        response.headers_mut().insert(
            X_AMZN_ERRORTYPE,
            HeaderValue::from_static(self.error_type()),
        );
        response
    }
}
