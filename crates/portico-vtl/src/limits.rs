//! Bounds on what one render may do, and the meter that enforces them.

use crate::error::{Limit, RenderError};

/// The largest template source [`crate::Template::parse`] accepts (AWS: mapping templates are at
/// most 300 KB).
pub const MAX_TEMPLATE_BYTES: usize = 300 * 1024;

/// The deepest syntactic nesting [`crate::Template::parse`] accepts: blocks inside blocks,
/// parentheses, list and map literals, method arguments and interpolated strings all count.
/// Deeper input is a [`crate::ParseError`], so the parser never recurses without bound.
pub const MAX_NESTING: usize = 64;

/// Bounds on one render. Every bound turns into [`RenderError::LimitExceeded`] naming it, so a
/// hostile template finishes quickly with an error instead of spinning, exhausting memory or
/// overflowing the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Iterations of a single `#foreach` (AWS: 1000). The next iteration is an error.
    pub max_foreach_iterations: usize,
    /// Dynamic nesting: blocks, expressions, macro calls, `#define` expansions and nested values
    /// being printed all count one level each.
    pub max_depth: usize,
    /// Bytes of rendered output (AWS's payload limit is 10 MB).
    pub max_output_bytes: usize,
    /// Evaluation steps: one per node, expression and method call, plus one per 256 bytes that
    /// a method scans or copies. This crate reads no clock, so this is its time limit.
    pub max_steps: u64,
    /// Bytes of strings, lists and maps created during the render, counted as they are created
    /// (never given back), including the parsed JSON payload.
    pub max_allocated_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_foreach_iterations: 1000,
            max_depth: 128,
            max_output_bytes: 10 * 1024 * 1024,
            max_steps: 5_000_000,
            max_allocated_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Counts the work of one render against its [`Limits`]. Native objects charge their own work
/// through it.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    steps: u64,
    allocated: usize,
}

// === impl Budget ===

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Self {
        Budget {
            limits: limits.clone(),
            steps: 0,
            allocated: 0,
        }
    }

    /// The limits this budget enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Charges `count` evaluation steps.
    pub fn steps(&mut self, count: u64) -> Result<(), RenderError> {
        self.steps = self.steps.saturating_add(count);
        if self.steps > self.limits.max_steps {
            return Err(RenderError::LimitExceeded {
                limit: Limit::Steps,
                max: self.limits.max_steps,
            });
        }
        Ok(())
    }

    /// Charges work proportional to `bytes` scanned or copied (one step per 256 bytes, at
    /// least one).
    pub fn scan(&mut self, bytes: usize) -> Result<(), RenderError> {
        self.steps(1 + (bytes as u64 >> 8))
    }

    /// Charges `bytes` of newly created strings or collections, and the work of making them.
    pub fn allocate(&mut self, bytes: usize) -> Result<(), RenderError> {
        self.allocated = self.allocated.saturating_add(bytes);
        if self.allocated > self.limits.max_allocated_bytes {
            return Err(RenderError::LimitExceeded {
                limit: Limit::AllocatedBytes,
                max: self.limits.max_allocated_bytes as u64,
            });
        }
        self.scan(bytes)
    }

    pub(crate) fn depth_error(&self) -> RenderError {
        RenderError::LimitExceeded {
            limit: Limit::Depth,
            max: self.limits.max_depth as u64,
        }
    }
}
