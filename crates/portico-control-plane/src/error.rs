//! `ApiError`: every failure of a control-plane operation, rendered in AWS's error shape
//! (status, `x-amzn-ErrorType`, `{"message": ...}`) in one place.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use portico_model::ModelError;
use portico_store::{BoxError, StoreError};

use crate::wire::{X_AMZN_ERRORTYPE, json_response};

/// A control-plane failure; each variant is an AWS exception.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// 403 from the authentication layer: `MissingAuthenticationTokenException`,
    /// `InvalidSignatureException`, `IncompleteSignatureException`, `UnrecognizedClientException`.
    #[error("{message}")]
    Forbidden {
        error_type: &'static str,
        message: String,
    },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnknownOperation(String),
    /// Details go to the log, never to the client.
    #[error("internal failure")]
    Internal(#[source] BoxError),
}

// === impl ApiError ===

impl ApiError {
    /// HTTP status of the exception.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) | ApiError::UnknownOperation(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::LimitExceeded(_) | ApiError::TooManyRequests(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `x-amzn-ErrorType` code botocore turns into the exception class.
    pub fn error_type(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) | ApiError::PayloadTooLarge(_) => "BadRequestException",
            ApiError::NotFound(_) => "NotFoundException",
            ApiError::Conflict(_) => "ConflictException",
            ApiError::LimitExceeded(_) => "LimitExceededException",
            ApiError::TooManyRequests(_) => "TooManyRequestsException",
            ApiError::Forbidden { error_type, .. } => error_type,
            ApiError::UnknownOperation(_) => "UnknownOperationException",
            ApiError::Internal(_) => "InternalFailure",
        }
    }

    /// AWS's NotFound message for an unknown RestApi.
    pub fn api_not_found(api_id: &str) -> ApiError {
        ApiError::NotFound(format!(
            "Invalid API identifier specified {}:{api_id}",
            portico_model::ACCOUNT_ID
        ))
    }

    /// AWS's "Missing Authentication Token" for unsigned requests.
    pub fn missing_authentication_token() -> ApiError {
        ApiError::Forbidden {
            error_type: "MissingAuthenticationTokenException",
            message: "Missing Authentication Token".into(),
        }
    }
}

impl From<ModelError> for ApiError {
    fn from(err: ModelError) -> Self {
        match err {
            ModelError::BadRequest(message) => ApiError::BadRequest(message),
            ModelError::NotFound(message) => ApiError::NotFound(message),
            ModelError::Conflict(message) => ApiError::Conflict(message),
            ModelError::LimitExceeded(message) => ApiError::LimitExceeded(message),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            // Optimistic-concurrency retries ran out: someone else keeps changing the object.
            StoreError::Conflict(_) => ApiError::Conflict(
                "Unable to complete operation due to concurrent modification. Please try again later.".into(),
            ),
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            ApiError::Internal(source) => {
                tracing::error!(error = %source, cause = ?source, "control-plane operation failed");
                "An internal error occurred. Please retry your request.".to_owned()
            }
            other => other.to_string(),
        };
        let body = serde_json::json!({ "message": message });
        let mut response = json_response(status, &body);
        response.headers_mut().insert(
            X_AMZN_ERRORTYPE,
            HeaderValue::from_static(self.error_type()),
        );
        response
    }
}
