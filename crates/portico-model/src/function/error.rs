//! Lambda's exceptions, each with its HTTP status and the message AWS gives.

/// Why Lambda refuses a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LambdaError {
    /// `ValidationException` (400): a parameter breaks its modelled constraint.
    #[error("{0}")]
    Validation(String),
    /// `InvalidParameterValueException` (400): a parameter is well-formed but not acceptable.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `InvalidRequestContentException` (400): the body is not the JSON the operation takes.
    #[error("{0}")]
    InvalidRequestContent(String),
    /// `ResourceNotFoundException` (404).
    #[error("{0}")]
    ResourceNotFound(String),
    /// `ResourceConflictException` (409): exists already, or in a state that forbids this.
    #[error("{0}")]
    ResourceConflict(String),
    /// `PreconditionFailedException` (412): the `RevisionId` given is not the current one.
    #[error("{0}")]
    PreconditionFailed(String),
    /// `RequestTooLargeException` (413).
    #[error("{0}")]
    RequestTooLarge(String),
    /// `TooManyRequestsException` (429) with the reason botocore exposes.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        reason: &'static str,
    },
}

// === impl LambdaError ===

impl LambdaError {
    /// The exception name (`x-amzn-ErrorType`).
    pub fn error_type(&self) -> &'static str {
        match self {
            LambdaError::Validation(_) => "ValidationException",
            LambdaError::InvalidParameterValue(_) => "InvalidParameterValueException",
            LambdaError::InvalidRequestContent(_) => "InvalidRequestContentException",
            LambdaError::ResourceNotFound(_) => "ResourceNotFoundException",
            LambdaError::ResourceConflict(_) => "ResourceConflictException",
            LambdaError::PreconditionFailed(_) => "PreconditionFailedException",
            LambdaError::RequestTooLarge(_) => "RequestTooLargeException",
            LambdaError::TooManyRequests { .. } => "TooManyRequestsException",
        }
    }

    /// The HTTP status of the exception.
    pub fn status(&self) -> u16 {
        match self {
            LambdaError::Validation(_)
            | LambdaError::InvalidParameterValue(_)
            | LambdaError::InvalidRequestContent(_) => 400,
            LambdaError::ResourceNotFound(_) => 404,
            LambdaError::ResourceConflict(_) => 409,
            LambdaError::PreconditionFailed(_) => 412,
            LambdaError::RequestTooLarge(_) => 413,
            LambdaError::TooManyRequests { .. } => 429,
        }
    }

    /// `Function not found: ARN`.
    pub fn function_not_found(arn: &str) -> LambdaError {
        LambdaError::ResourceNotFound(format!("Function not found: {arn}"))
    }

    /// AWS's one-constraint validation message.
    pub fn constraint(field: &str, value: &str, constraint: &str) -> LambdaError {
        LambdaError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy \
             constraint: {constraint}"
        ))
    }

    /// The state conflict AWS reports while a function is being created or updated.
    pub fn not_ready(state: &str) -> LambdaError {
        LambdaError::ResourceConflict(format!(
            "The operation cannot be performed at this time. The function is currently in \
             the following state: {state}"
        ))
    }

    /// The revision check of an update failed.
    pub fn stale_revision() -> LambdaError {
        LambdaError::PreconditionFailed(
            "The Revision Id provided does not match the latest Revision Id. Call the \
             GetFunction/GetAlias API to retrieve the latest Revision Id"
                .into(),
        )
    }
}
