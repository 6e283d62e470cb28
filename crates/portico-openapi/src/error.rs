//! What import reports: errors that stop it and warnings that do not, each with the place in
//! the document it concerns.

use std::fmt;

/// Why a document cannot become an API. `location` is the document path of the offending
/// value (`paths./items/{id}.get.x-amazon-apigateway-integration.uri`), or `line L, column C`
/// for syntax errors, or empty for the document as a whole. The control plane answers it as a
/// `BadRequestException` whose message is this error's `Display`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub location: String,
    pub message: String,
}

/// Something import skipped or adjusted; the document still imports unless the caller asked
/// to fail on warnings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    pub location: String,
    pub message: String,
}

/// How the message of an import failed by its warnings begins.
pub(crate) const WARNINGS_HEADING: &str = "Warnings found during import:";

// === impl ImportError ===

impl ImportError {
    /// An error at `location` (a document path) with an AWS-style `message`.
    pub fn new(location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Warnings that failed an import (`failonwarnings`) carry their own heading.
        if !self.message.starts_with(WARNINGS_HEADING) {
            f.write_str("Errors found during import:\n\t")?;
        }
        f.write_str(&self.message)?;
        if !self.location.is_empty() {
            write!(f, " (at {})", self.location)?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

// === impl Warning ===

impl Warning {
    pub fn new(location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            location: location.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if !self.location.is_empty() {
            write!(f, " (at {})", self.location)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_location_like_aws_import_errors() {
        let err = ImportError::new("paths./a.get", "Invalid thing");
        assert_eq!(
            err.to_string(),
            "Errors found during import:\n\tInvalid thing (at paths./a.get)"
        );
        let err = ImportError::new("", "Empty document");
        assert_eq!(
            err.to_string(),
            "Errors found during import:\n\tEmpty document"
        );
    }
}
