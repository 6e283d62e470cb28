//! One worker: a process running a function's runtime, its Runtime API endpoint and its log
//! pump, and the life of one invocation on it (delivery, timeout, crash, log framing).
//!
//! The process starts in its own process group with an emptied environment (only Lambda's
//! variables and the function's), so nothing of Portico's own environment, credentials
//! included, reaches function code; killing the group also ends anything the function started.

use std::ffi::OsString;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rustix::process::{Pid, Signal};
use tokio::net::unix::pipe;
use tokio::process::Command;
use tokio::sync::{Notify, oneshot, watch};
use tokio::task::JoinHandle;

use crate::catalog::{FunctionSpec, Runtime};
use crate::invocation::{self, platform_error, timed_out_detail};
use crate::layout::Layout;
use crate::logs::{self, LogPump};
use crate::runtime_api::{self, Invocation, Outcome, RuntimeApi};
use crate::{code, ids};

/// How long a new runtime may take to ask for its first invocation (Lambda's init limit).
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a worker needs from the host to start.
pub(crate) struct SpawnContext<'a> {
    pub(crate) layout: &'a Layout,
    pub(crate) data_dir: &'a Path,
    pub(crate) python: &'a Path,
    pub(crate) bootstrap_py: &'a Path,
    /// `PATH` inside workers.
    pub(crate) path: &'a str,
    pub(crate) region: &'a str,
    pub(crate) processes: &'a Arc<ProcessCount>,
}

/// Why a worker could not start.
#[derive(Debug)]
pub(crate) enum SpawnError {
    /// The function's entry point is missing or not executable (`Runtime.InvalidEntrypoint`).
    InvalidEntrypoint(String),
    /// Anything else: the host's fault, not the function's.
    Io(io::Error),
}

/// One invocation as the worker runs it.
pub(crate) struct Job<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) payload: Bytes,
    pub(crate) invoked_arn: String,
    pub(crate) client_context: Option<String>,
    pub(crate) cognito_identity: Option<String>,
    pub(crate) log_tail: bool,
}

/// How an invocation ended on a worker.
pub(crate) struct Completion {
    pub(crate) payload: Bytes,
    /// The payload is an error document (`X-Amz-Function-Error: Unhandled`).
    pub(crate) failed: bool,
    pub(crate) log_tail: Option<String>,
    /// The host shut down during the invocation; there is no result.
    pub(crate) interrupted: bool,
}

/// Live worker processes, so shutdown can wait for the last one to be killed.
#[derive(Default)]
pub(crate) struct ProcessCount {
    count: AtomicUsize,
    none_left: Notify,
}

/// A running worker process.
pub(crate) struct Worker {
    spec: Arc<FunctionSpec>,
    api: Arc<RuntimeApi>,
    _server: AbortOnDrop,
    exit: watch::Receiver<Option<String>>,
    process_group: Option<Pid>,
    log: LogPump,
    spawned_at: Instant,
    last_used: Instant,
    /// No invocation has run yet: the next one reports the init duration.
    cold: bool,
    /// Timed out, crashed or failed to initialise: never reused.
    spent: bool,
    max_memory_mb: u64,
    processes: Arc<ProcessCount>,
}

enum Ended {
    Outcome(Outcome),
    TimedOut,
    Exited(String),
    Shutdown,
    Lost,
}

struct AbortOnDrop(JoinHandle<()>);

/// Starts a worker for `spec`, unpacking its code first if needed.
pub(crate) async fn spawn(
    ctx: &SpawnContext<'_>,
    spec: Arc<FunctionSpec>,
    log_file: Arc<logs::LogFile>,
) -> Result<Worker, SpawnError> {
    let task_root = unpacked_code(ctx, &spec).await.map_err(SpawnError::Io)?;
    let (program, args): (PathBuf, Vec<OsString>) = match &spec.runtime {
        Runtime::Python(_) => (
            ctx.python.to_path_buf(),
            vec!["-u".into(), ctx.bootstrap_py.as_os_str().to_owned()],
        ),
        Runtime::Provided(_) => {
            let bootstrap = task_root.join("bootstrap");
            if !bootstrap.is_file() {
                return Err(SpawnError::InvalidEntrypoint(format!(
                    "Couldn't find valid bootstrap(s): [{}]",
                    bootstrap.display()
                )));
            }
            (bootstrap, Vec::new())
        }
    };
    let (api, address, server) = runtime_api::serve().await.map_err(SpawnError::Io)?;
    let server = AbortOnDrop(server);
    let (reader, writer) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|e| SpawnError::Io(e.into()))?;

    let mut command = Command::new(&program);
    command
        .args(&args)
        .current_dir(&task_root)
        .stdin(Stdio::null())
        .stdout(Stdio::from(writer.try_clone().map_err(SpawnError::Io)?))
        .stderr(Stdio::from(writer))
        .process_group(0)
        .kill_on_drop(true);
    set_environment(&mut command, ctx, &spec, &task_root, &address.to_string());
    let spawned = command.spawn();
    // Dropping the command closes our copies of the pipe's write end, so the pump sees EOF
    // once the process (and anything it started) is gone.
    drop(command);
    let mut child = spawned.map_err(|err| match spec.runtime {
        Runtime::Provided(_) => SpawnError::InvalidEntrypoint(format!(
            "fork/exec {}: {}",
            program.display(),
            os_error_text(&err)
        )),
        Runtime::Python(_) => SpawnError::Io(err),
    })?;
    ctx.processes.count.fetch_add(1, Ordering::AcqRel);
    let process_group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .and_then(Pid::from_raw);

    let (exit_tx, exit) = watch::channel(None);
    tokio::spawn(async move {
        let status = match child.wait().await {
            Ok(status) => describe_exit(status),
            Err(err) => format!("wait failed: {err}"),
        };
        let _ = exit_tx.send(Some(status));
    });
    let log = match pipe::Receiver::from_owned_fd(reader) {
        Ok(receiver) => LogPump::start(receiver, log_file),
        Err(err) => {
            kill_group(process_group);
            ctx.processes.release();
            return Err(SpawnError::Io(err));
        }
    };
    let now = Instant::now();
    Ok(Worker {
        spec,
        api,
        _server: server,
        exit,
        process_group,
        log,
        spawned_at: now,
        last_used: now,
        cold: true,
        spent: false,
        max_memory_mb: 0,
        processes: Arc::clone(ctx.processes),
    })
}

/// The log lines and result of an invocation that never got a worker (its entry point is
/// missing): Lambda reports these as a function error.
pub(crate) fn entrypoint_failure(
    log_file: &logs::LogFile,
    spec: &FunctionSpec,
    request_id: &str,
    detail: &str,
) -> Bytes {
    log_file.write(
        format!(
            "START RequestId: {request_id} Version: {version}\nRequestId: {request_id} Error: {detail}\nRuntime.InvalidEntrypoint\nEND RequestId: {request_id}\nREPORT RequestId: {request_id}\tDuration: 0.00 ms\tBilled Duration: 0 ms\tMemory Size: {memory} MB\tMax Memory Used: 0 MB\tStatus: error\tError Type: Runtime.InvalidEntrypoint\n",
            version = spec.version,
            memory = spec.memory_mb,
        )
        .as_bytes(),
    );
    platform_error("Runtime.InvalidEntrypoint", request_id, detail)
}

// === impl Worker ===

impl Worker {
    /// The spec this worker was started with.
    pub(crate) fn spec(&self) -> &Arc<FunctionSpec> {
        &self.spec
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.exit.borrow().is_none()
    }

    /// Whether the worker may take another invocation.
    pub(crate) fn is_reusable(&self) -> bool {
        !self.spent && self.is_alive()
    }

    pub(crate) fn last_used(&self) -> Instant {
        self.last_used
    }

    pub(crate) fn touch(&mut self) {
        self.last_used = Instant::now();
    }

    /// Runs one invocation to its end: a response, an error, a timeout (the worker is killed),
    /// a crash, or the host shutting down.
    pub(crate) async fn run(
        &mut self,
        job: Job<'_>,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Completion {
        let spec = Arc::clone(&self.spec);
        let request_id = job.request_id;
        self.log
            .begin(
                format!("START RequestId: {request_id} Version: {}", spec.version),
                job.log_tail,
            )
            .await;
        let (picked_up, picked) = oneshot::channel();
        let (outcome_tx, outcome) = oneshot::channel();
        self.api.deliver(
            Invocation {
                request_id: request_id.to_owned(),
                payload: job.payload,
                invoked_arn: job.invoked_arn,
                trace_id: ids::trace_id(),
                client_context: job.client_context,
                cognito_identity: job.cognito_identity,
                timeout: spec.timeout,
                picked_up,
            },
            outcome_tx,
        );
        let delivered_at = Instant::now();
        let (ended, picked_at) = self.wait(picked, outcome, spec.timeout, shutdown).await;
        let duration = picked_at.map_or(Duration::ZERO, |at| at.elapsed());
        let init_duration = if self.cold {
            let ready = self.api.first_poll().unwrap_or(delivered_at);
            Some(ready.saturating_duration_since(self.spawned_at))
        } else {
            None
        };
        self.cold = false;
        if let Some(used) = self.process_group.and_then(max_memory_mb) {
            self.max_memory_mb = self.max_memory_mb.max(used);
        }

        let mut failure_lines = String::new();
        let mut status = "";
        let (payload, failed) = match ended {
            Ended::Outcome(Outcome::Response(body)) => (body, false),
            Ended::Outcome(Outcome::Error(document)) => (document, true),
            Ended::Outcome(Outcome::InitError(document)) => {
                self.retire();
                status = "\tStatus: error";
                (document, true)
            }
            Ended::Outcome(Outcome::ResponseTooLarge) => (invocation::response_too_large(), true),
            Ended::TimedOut => {
                self.retire();
                let detail = timed_out_detail(spec.timeout);
                failure_lines = format!("RequestId: {request_id} Error: {detail}\n");
                status = "\tStatus: timeout";
                (
                    platform_error("Sandbox.Timedout", request_id, &detail),
                    true,
                )
            }
            Ended::Exited(exit) => {
                self.retire();
                let detail = if exit == "exit status 0" {
                    "Runtime exited without providing a reason".to_owned()
                } else {
                    format!("Runtime exited with error: {exit}")
                };
                failure_lines =
                    format!("RequestId: {request_id} Error: {detail}\nRuntime.ExitError\n");
                status = "\tStatus: error\tError Type: Runtime.ExitError";
                (
                    platform_error("Runtime.ExitError", request_id, &detail),
                    true,
                )
            }
            Ended::Lost => {
                self.retire();
                let detail = "the runtime lost the invocation";
                (platform_error("Runtime.Unknown", request_id, detail), true)
            }
            Ended::Shutdown => {
                self.retire();
                return Completion {
                    payload: Bytes::new(),
                    failed: true,
                    log_tail: None,
                    interrupted: true,
                };
            }
        };

        let duration_ms = duration.as_secs_f64() * 1000.0;
        let mut trailer = failure_lines;
        trailer.push_str(&format!(
            "END RequestId: {request_id}\nREPORT RequestId: {request_id}\tDuration: {duration_ms:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {memory} MB\tMax Memory Used: {used} MB",
            billed = duration_ms.ceil().max(1.0) as u64,
            memory = spec.memory_mb,
            used = self.max_memory_mb,
        ));
        if let Some(init) = init_duration {
            trailer.push_str(&format!(
                "\tInit Duration: {:.2} ms",
                init.as_secs_f64() * 1000.0
            ));
        }
        trailer.push_str(status);
        trailer.push('\n');
        let captured = self.log.end(trailer).await;
        Completion {
            payload,
            failed,
            log_tail: captured.map(|bytes| logs::tail_base64(&bytes)),
            interrupted: false,
        }
    }

    /// Waits for the runtime to pick the invocation up (its init, on a cold start) and then
    /// for its outcome, until the function's timeout.
    async fn wait(
        &mut self,
        picked: oneshot::Receiver<Instant>,
        mut outcome: oneshot::Receiver<Outcome>,
        timeout: Duration,
        shutdown: &mut watch::Receiver<bool>,
    ) -> (Ended, Option<Instant>) {
        // `biased`: a runtime that answered and then exited has answered; its outcome is
        // complete before the exit can be observed.
        let picked_at = tokio::select! {
            biased;
            result = &mut outcome => return (ended_by(result), None),
            picked = picked => match picked {
                Ok(at) => at,
                Err(_) => return (Ended::Lost, None),
            },
            exit = exited(&mut self.exit) => return (Ended::Exited(exit), None),
            () = shut_down(shutdown) => return (Ended::Shutdown, None),
            () = tokio::time::sleep(INIT_TIMEOUT) => return (Ended::TimedOut, None),
        };
        let deadline = tokio::time::Instant::from_std(picked_at + timeout);
        let ended = tokio::select! {
            biased;
            result = &mut outcome => ended_by(result),
            exit = exited(&mut self.exit) => Ended::Exited(exit),
            () = shut_down(shutdown) => Ended::Shutdown,
            () = tokio::time::sleep_until(deadline) => Ended::TimedOut,
        };
        (ended, Some(picked_at))
    }

    /// Kills the worker's process group; it will not be reused.
    fn retire(&mut self) {
        self.spent = true;
        kill_group(self.process_group);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        kill_group(self.process_group);
        self.processes.release();
    }
}

// === impl ProcessCount ===

impl ProcessCount {
    /// Live worker processes.
    pub(crate) fn get(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Waits until no worker process is left, at most `limit`.
    pub(crate) async fn wait_for_none(&self, limit: Duration) {
        let _ = tokio::time::timeout(limit, async {
            loop {
                let notified = self.none_left.notified();
                if self.get() == 0 {
                    return;
                }
                notified.await;
            }
        })
        .await;
    }

    fn release(&self) {
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.none_left.notify_waiters();
        }
    }
}

// === impl AbortOnDrop ===

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn ended_by(result: Result<Outcome, oneshot::error::RecvError>) -> Ended {
    match result {
        Ok(outcome) => Ended::Outcome(outcome),
        Err(_) => Ended::Lost,
    }
}

/// The process's exit, described as Lambda (written in Go) describes it.
async fn exited(exit: &mut watch::Receiver<Option<String>>) -> String {
    match exit.wait_for(Option::is_some).await {
        Ok(status) => status.clone().unwrap_or_default(),
        Err(_) => "exit status unknown".to_owned(),
    }
}

/// Resolves once the host shuts down (never if the host is gone without saying so).
async fn shut_down(shutdown: &mut watch::Receiver<bool>) {
    if shutdown.wait_for(|down| *down).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn kill_group(process_group: Option<Pid>) {
    if let Some(pid) = process_group {
        // The group may be gone already; there is nothing to do about a failure here.
        let _ = rustix::process::kill_process_group(pid, Signal::KILL);
    }
}

async fn unpacked_code(ctx: &SpawnContext<'_>, spec: &FunctionSpec) -> io::Result<PathBuf> {
    let sha256 = code::normalise_sha256(&spec.code_sha256).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "code_sha256 is not a SHA-256 digest",
        )
    })?;
    let layout = ctx.layout.clone();
    let data_dir = ctx.data_dir.to_path_buf();
    tokio::task::spawn_blocking(move || code::unpacked(&layout, &data_dir, &sha256))
        .await
        .map_err(io::Error::other)?
}

fn set_environment(
    command: &mut Command,
    ctx: &SpawnContext<'_>,
    spec: &FunctionSpec,
    task_root: &Path,
    runtime_api: &str,
) {
    let root = task_root.display();
    command.env_clear();
    // Lambda's defaults that a function may override.
    command
        .env("PATH", ctx.path)
        .env("LANG", "en_US.UTF-8")
        .env("TZ", ":UTC")
        .env("LD_LIBRARY_PATH", format!("{root}:{root}/lib"))
        .env("PYTHONPATH", task_root);
    command.envs(&spec.environment);
    // Reserved variables: the function's configuration cannot change these.
    command
        .env("_HANDLER", &spec.handler)
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("LAMBDA_TASK_ROOT", task_root)
        .env("LAMBDA_RUNTIME_DIR", ctx.layout.runtime_dir())
        .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", &spec.version)
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            spec.memory_mb.to_string(),
        )
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", spec.name),
        )
        .env(
            "AWS_LAMBDA_LOG_STREAM_NAME",
            ids::log_stream_name(&spec.version),
        )
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
        .env("AWS_REGION", ctx.region)
        .env("AWS_DEFAULT_REGION", ctx.region);
    // Lambda leaves AWS_EXECUTION_ENV unset for OS-only (`provided`) runtimes.
    if let Runtime::Python(minor) = &spec.runtime {
        command.env("AWS_EXECUTION_ENV", format!("AWS_Lambda_python{minor}"));
    }
}

/// The peak resident memory of a process (`VmHWM`), in MB rounded up.
fn max_memory_mb(pid: Pid) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid.as_raw_nonzero())).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}

/// `exit status 3` or `signal: killed`, as Go's `ProcessState` prints them.
fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    match status.signal() {
        Some(signal) => format!("signal: {}", signal_name(signal)),
        None => "exit status unknown".to_owned(),
    }
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        1 => "hangup",
        2 => "interrupt",
        3 => "quit",
        4 => "illegal instruction",
        6 => "aborted",
        7 => "bus error",
        8 => "floating point exception",
        9 => "killed",
        11 => "segmentation fault",
        13 => "broken pipe",
        15 => "terminated",
        other => return format!("signal {other}"),
    };
    name.to_owned()
}

/// An OS error as Go words it (`permission denied`), for messages Lambda forms that way.
fn os_error_text(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(2) => "no such file or directory".to_owned(),
        Some(8) => "exec format error".to_owned(),
        Some(13) => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exits_are_described_as_lambda_does() {
        assert_eq!(describe_exit(ExitStatus::from_raw(3 << 8)), "exit status 3");
        assert_eq!(describe_exit(ExitStatus::from_raw(9)), "signal: killed");
        // Go names unknown signals `signal N`, so the whole reads `signal: signal N`.
        assert_eq!(describe_exit(ExitStatus::from_raw(64)), "signal: signal 64");
    }
}
