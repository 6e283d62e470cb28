//! The errors model operations report, each one an AWS exception with AWS's wording.

/// What went wrong with a request against the model, in the terms AWS reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// `BadRequestException` (400): the input is invalid; the message names the field.
    #[error("{0}")]
    BadRequest(String),
    /// `NotFoundException` (404): a referenced object does not exist.
    #[error("{0}")]
    NotFound(String),
    /// `ConflictException` (409): the change collides with an existing object.
    #[error("{0}")]
    Conflict(String),
    /// `LimitExceededException` (429): a quota of objects is reached.
    #[error("{0}")]
    LimitExceeded(String),
}

impl ModelError {
    /// A `BadRequestException` with the given message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ModelError::BadRequest(message.into())
    }

    /// A `NotFoundException` with AWS's "Invalid {kind} identifier specified" message.
    pub fn invalid_identifier(kind: &str) -> Self {
        ModelError::NotFound(format!("Invalid {kind} identifier specified"))
    }

    /// AWS's message for a value outside an enumeration, naming the input member.
    pub fn enum_violation(field: &str, value: &str, allowed: &[&str]) -> Self {
        ModelError::BadRequest(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy \
             constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ))
    }
}
