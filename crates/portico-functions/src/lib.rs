//! Hosts AWS Lambda functions on this machine. It stores and unpacks code packages (zip),
//! runs each function in worker processes that speak the AWS Lambda Runtime API (2018-06-01)
//! to a loopback HTTP server of this crate, keeps workers warm for reuse, caps concurrency as
//! Lambda does (reserved concurrency, an account-wide limit), kills workers at their timeout,
//! writes Lambda-style logs per function and runs `Event` invocations from a durable spool with
//! retries. It must never hand a worker the host's own environment (credentials), never let a
//! code package write outside its directory, never queue synchronous invocations (over the
//! limit is an immediate `TooManyRequests`) and never acknowledge an `Event` invocation before
//! it is on disk. The control plane calls [`code`] when functions are created and publishes a
//! [`Catalog`]; the data plane (`AWS_PROXY` integrations, Lambda authorizers) and the
//! control plane's `Invoke` operation call [`FunctionHost::invoke`] and
//! [`FunctionHost::enqueue`]; the binary starts and shuts the host down and follows
//! [`log_path`].

mod arn;
mod catalog;
pub mod code;
mod config;
mod events;
mod host;
mod ids;
mod invocation;
mod layout;
mod logs;
mod pool;
mod runtime_api;
mod worker;

pub use arn::function_arn;
pub use catalog::{AliasSpec, Catalog, FunctionSpec, Runtime};
pub use config::HostConfig;
pub use host::FunctionHost;
pub use invocation::{
    FunctionError, InvokeError, InvokeRequest, InvokeResult, MAX_EVENT_PAYLOAD_BYTES,
    MAX_SYNC_PAYLOAD_BYTES,
};
pub use logs::{log_path, rotated_log_path};

/// A boxed error for failures whose details go to logs only.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
