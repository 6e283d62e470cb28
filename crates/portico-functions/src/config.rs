//! How a [`crate::FunctionHost`] is set up.

use std::path::PathBuf;
use std::time::Duration;

/// Settings of a function host; [`Default`] gives AWS's numbers.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// Functions live under `{data_dir}/functions/` (code, unpacked code, logs, event spool).
    pub data_dir: PathBuf,
    /// Region in function ARNs and `AWS_REGION` (`us-east-1`).
    pub region: String,
    /// Account id in function ARNs (`000000000000`).
    pub account_id: String,
    /// Interpreter for `python3.x` runtimes; a bare name is looked up on the host's `PATH`.
    pub python: PathBuf,
    /// Warm workers idle this long are stopped (5 minutes).
    pub idle_timeout: Duration,
    /// Account-wide limit of concurrent invocations (64); beyond it invocations are
    /// refused with `TooManyRequests` (`ConcurrentInvocationLimitExceeded`).
    pub max_workers: usize,
    /// Delays before each retry of a failed `Event` invocation; AWS retries twice, after
    /// about one and two minutes.
    pub event_retry_delays: Vec<Duration>,
    /// A function's log is rotated to `{name}.log.1` at this size (64 MiB), so it takes at
    /// most about twice this on disk.
    pub log_max_bytes: u64,
}

// === impl HostConfig ===

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            data_dir: PathBuf::from("portico-data"),
            region: "us-east-1".to_owned(),
            account_id: "000000000000".to_owned(),
            python: PathBuf::from("python3"),
            idle_timeout: Duration::from_secs(5 * 60),
            max_workers: 64,
            event_retry_delays: vec![Duration::from_secs(60), Duration::from_secs(120)],
            log_max_bytes: 64 << 20,
        }
    }
}
