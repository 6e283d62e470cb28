//! The AWS IAM policy language: parse and validate policy documents (identity and resource
//! policies), compile their wildcard patterns, policy variables and condition values once, and
//! evaluate them against a request context with AWS's rules (an explicit Deny wins, then any
//! Allow, otherwise an implicit deny).
//!
//! The crate is pure: no IO, no async and no clock reads — the caller puts the current time in
//! the request context (`aws:CurrentTime`, `aws:EpochTime`). It must never depend on another
//! portico crate. The control plane calls it to validate IAM identity policies and resource
//! policies on save; the data plane calls it for `AWS_IAM` methods and API resource policies.
//!
//! ```
//! use portico_policy::{ConditionKeys, Decision, Policy, PolicyKind, Principal, RequestContext, evaluate};
//!
//! let policy = Policy::parse(
//!     r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*",
//!         "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:abc123/prod/*",
//!         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}}"#,
//!     PolicyKind::Resource,
//! )?;
//! let mut keys = ConditionKeys::default();
//! keys.insert("aws:SourceIp", "203.0.113.7");
//! let ctx = RequestContext {
//!     principal: Principal::Anonymous,
//!     action: "execute-api:Invoke",
//!     resource: "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets",
//!     keys: &keys,
//! };
//! assert_eq!(evaluate([&policy], &ctx), Decision::Allow);
//! # Ok::<(), portico_policy::PolicyError>(())
//! ```

mod condition;
mod context;
mod date;
mod error;
mod evaluate;
mod ip;
mod parse;
mod pattern;
mod principal;

pub use context::{ConditionKeys, Principal, RequestContext};
pub use error::PolicyError;
pub use evaluate::{Decision, evaluate};
pub use ip::Cidr;
pub use parse::{Effect, ParseOptions, Policy, PolicyKind, Statement, Version};
