//! Lambda functions as AWS Lambda's API (2015-03-31) shapes them: the function
//! configuration, published versions, aliases with routing weights, the resource-based
//! policy (permissions), reserved concurrency and tags; their validation with Lambda's
//! exception names and messages.
//!
//! Wire-independent and pure: the control plane parses the REST-JSON requests and renders
//! the answers; code bytes, times, ids and revision ids are passed in.

mod config;
mod error;
mod name;
mod permission;
mod stored;
mod validate;

pub use config::{
    AliasConfiguration, AliasRoutingConfiguration, Environment, FunctionConfiguration,
    FunctionState, LastUpdateStatus,
};
pub use error::LambdaError;
pub use name::{FunctionRef, function_arn, parse_function_ref};
pub use permission::{AddPermissionInput, Statement, policy_document};
pub use stored::{
    CodeUpload, CreateAliasInput, CreateFunctionInput, Stamp, StoredFunction, StoredVersion,
    UpdateAliasInput, UpdateConfigurationInput,
};
pub use validate::{RUNTIMES, check_runtime};

/// The version name of the editable, unpublished function.
pub const LATEST: &str = "$LATEST";
/// Seconds a function may run unless configured otherwise.
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 3;
/// Memory of a function unless configured otherwise, in MB.
pub const DEFAULT_MEMORY_MB: u32 = 128;
/// Largest zipped deployment package accepted in a request, in bytes.
pub const MAX_ZIP_BYTES: usize = 50 * 1024 * 1024;
/// The account's concurrency limit that reservations are checked against (AWS's default).
pub const ACCOUNT_CONCURRENCY: u32 = 1000;
/// Concurrency that reservations must leave unreserved (AWS's rule).
pub const MIN_UNRESERVED_CONCURRENCY: u32 = 100;
/// `MaxItems` of list operations when the request gives none.
pub const DEFAULT_MAX_ITEMS: usize = 50;

#[cfg(test)]
mod tests;
