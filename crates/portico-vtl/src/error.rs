//! Parse and render errors.

use std::fmt;

/// A template that cannot be parsed, with the 1-based position of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// 1-based line of the problem.
    pub line: u32,
    /// 1-based column (in characters) of the problem.
    pub column: u32,
    /// What is wrong, lowercase and without a trailing period.
    pub message: String,
}

/// Which bound of [`crate::Limits`] a render ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// More iterations of one `#foreach` than [`crate::Limits::max_foreach_iterations`].
    ForeachIterations,
    /// Deeper nesting of blocks, expressions, macro calls or `#define` expansions (or of a
    /// value being printed) than [`crate::Limits::max_depth`].
    Depth,
    /// More output than [`crate::Limits::max_output_bytes`].
    OutputBytes,
    /// More evaluation steps than [`crate::Limits::max_steps`].
    Steps,
    /// More bytes of strings and collections created than
    /// [`crate::Limits::max_allocated_bytes`].
    AllocatedBytes,
}

/// Why rendering stopped. Rendering never panics on any template or input; everything that
/// Velocity would throw (or that would exhaust a bound) ends up here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// The template ran into one of the bounds of [`crate::Limits`].
    #[error("template exceeded its {limit} limit of {max}")]
    LimitExceeded {
        /// The bound that was hit.
        limit: Limit,
        /// Its configured value.
        max: u64,
    },
    /// A method threw, as Java would (index out of bounds, invalid regex or Base64, invalid
    /// JSON passed to `$util.parseJson`, an invalid JSONPath…). Velocity wraps such exceptions in
    /// a `MethodInvocationException` that aborts the whole template.
    #[error("{method} threw: {message}")]
    MethodFailed {
        /// The method as written in the template (`substring`, `parseJson`…).
        method: String,
        /// The Java-style exception text.
        message: String,
    },
    /// `$input.json(…)` or `$input.path(…)` on a payload that is not JSON. API Gateway answers
    /// a request whose body cannot be parsed with `400` and
    /// `Could not parse request body into json: …`; this carries the parser's part of it.
    #[error("could not parse payload into json: {message}")]
    PayloadNotJson {
        /// The JSON parser's description of the problem.
        message: String,
    },
}

// === impl Limit ===

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::ForeachIterations => "#foreach iterations",
            Limit::Depth => "nesting depth",
            Limit::OutputBytes => "output bytes",
            Limit::Steps => "evaluation steps",
            Limit::AllocatedBytes => "allocated bytes",
        })
    }
}

// === impl RenderError ===

impl RenderError {
    pub(crate) fn method(method: &str, message: impl Into<String>) -> Self {
        RenderError::MethodFailed {
            method: method.to_owned(),
            message: message.into(),
        }
    }
}
