//! `IamApiError`: every failure of an IAM operation, with IAM's error code and status; the
//! XML shape is rendered by `xml::error_response`.

use http::StatusCode;
use portico_model::iam::IamError;
use portico_store::{BoxError, StoreError};

use crate::ApiError;
use crate::auth::AccessDenied;

/// An IAM operation's failure.
#[derive(Debug, thiserror::Error)]
pub enum IamApiError {
    /// A refusal decided by the model (validation, missing entity, conflict, quota).
    #[error(transparent)]
    Model(#[from] IamError),
    /// 403 `AccessDenied`: the caller's policies do not allow the action.
    #[error("{0}")]
    AccessDenied(String),
    /// 400 `InvalidAction`: the `Action` is not one Portico implements.
    #[error("Could not find operation {action} for version {version}")]
    InvalidAction { action: String, version: String },
    /// 403 from the SigV4 check, with IAM's code for it (`InvalidClientTokenId`…).
    #[error("{message}")]
    Authentication { code: &'static str, message: String },
    /// 409 `ConcurrentModification`: optimistic-concurrency retries ran out.
    #[error("Unable to complete operation due to concurrent modification. Please try again later.")]
    ConcurrentModification,
    /// 500 `ServiceFailure`; details go to the log, never to the client.
    #[error("internal failure")]
    ServiceFailure(#[source] BoxError),
}

// === impl IamApiError ===

impl IamApiError {
    /// The HTTP status IAM answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            IamApiError::Model(err) => match err {
                IamError::Validation(_)
                | IamError::InvalidInput(_)
                | IamError::MalformedPolicyDocument(_) => StatusCode::BAD_REQUEST,
                IamError::NoSuchEntity(_) => StatusCode::NOT_FOUND,
                IamError::EntityAlreadyExists(_)
                | IamError::DeleteConflict(_)
                | IamError::LimitExceeded(_) => StatusCode::CONFLICT,
            },
            IamApiError::AccessDenied(_) | IamApiError::Authentication { .. } => {
                StatusCode::FORBIDDEN
            }
            IamApiError::InvalidAction { .. } => StatusCode::BAD_REQUEST,
            IamApiError::ConcurrentModification => StatusCode::CONFLICT,
            IamApiError::ServiceFailure(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `<Code>` botocore maps to the exception class.
    pub fn code(&self) -> &'static str {
        match self {
            IamApiError::Model(err) => err.code(),
            IamApiError::AccessDenied(_) => "AccessDenied",
            IamApiError::InvalidAction { .. } => "InvalidAction",
            IamApiError::Authentication { code, .. } => code,
            IamApiError::ConcurrentModification => "ConcurrentModification",
            IamApiError::ServiceFailure(_) => "ServiceFailure",
        }
    }

    /// `Sender` for the client's faults, `Receiver` for ours.
    pub fn fault(&self) -> &'static str {
        if self.status().is_server_error() {
            "Receiver"
        } else {
            "Sender"
        }
    }

    /// A refusal of the SigV4 middleware, in IAM's codes (IAM says `InvalidClientTokenId`
    /// where API Gateway says `UnrecognizedClientException`).
    pub fn from_authentication(err: &ApiError) -> IamApiError {
        let code = match err.error_type() {
            "UnrecognizedClientException" => "InvalidClientTokenId",
            "InvalidSignatureException" => "SignatureDoesNotMatch",
            "IncompleteSignatureException" => "IncompleteSignature",
            "MissingAuthenticationTokenException" => "MissingAuthenticationToken",
            "AccessDeniedException" => "AccessDenied",
            _ => return IamApiError::ServiceFailure(err.to_string().into()),
        };
        IamApiError::Authentication {
            code,
            message: err.to_string(),
        }
    }
}

impl From<StoreError> for IamApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(_) => IamApiError::ConcurrentModification,
            other => IamApiError::ServiceFailure(Box::new(other)),
        }
    }
}

impl From<AccessDenied> for IamApiError {
    fn from(denied: AccessDenied) -> Self {
        IamApiError::AccessDenied(denied.message)
    }
}
