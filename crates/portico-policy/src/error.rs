//! Errors raised while parsing a policy document, worded as IAM words them.

/// A policy document IAM would refuse, with the message IAM returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// `MalformedPolicyDocument`: the document is not valid policy grammar.
    #[error("{message}")]
    Malformed {
        /// The AWS-facing message, e.g. `Missing required field Effect`.
        message: String,
    },
    /// `LimitExceeded`: the document is longer than the configured limit.
    #[error("Cannot exceed quota for PolicySize: {limit}")]
    TooLarge {
        /// The limit in characters.
        limit: usize,
    },
}

// === impl PolicyError ===

impl PolicyError {
    /// The AWS error code for this error (`MalformedPolicyDocument` or `LimitExceeded`).
    pub fn error_code(&self) -> &'static str {
        match self {
            PolicyError::Malformed { .. } => "MalformedPolicyDocument",
            PolicyError::TooLarge { .. } => "LimitExceeded",
        }
    }

    pub(crate) fn malformed(message: impl Into<String>) -> PolicyError {
        PolicyError::Malformed {
            message: message.into(),
        }
    }
}
