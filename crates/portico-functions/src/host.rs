//! The function host: the published catalog, worker pools, the reaper and the event runner,
//! and the invocation path that ties them together.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use bytes::Bytes;
use tokio::sync::watch;

use crate::catalog::{Account, Catalog, Compiled, FunctionSpec};
use crate::config::HostConfig;
use crate::events::{self, Spool};
use crate::ids;
use crate::invocation::{
    FunctionError, InvokeError, InvokeRequest, InvokeResult, MAX_EVENT_PAYLOAD_BYTES,
    MAX_SYNC_PAYLOAD_BYTES,
};
use crate::layout::{self, Layout};
use crate::pool::FunctionPool;
use crate::worker::{self, Job, ProcessCount, SpawnContext, SpawnError, Worker};

/// Portico's Python runtime, written to `{data_dir}/functions/runtime/bootstrap.py`.
const BOOTSTRAP_PY: &str = include_str!("bootstrap.py");
/// Lambda's `PATH` for function processes; the Python interpreter's directory goes first.
const LAMBDA_PATH: &str = "/usr/local/bin:/usr/bin/:/bin:/opt/bin";
/// How long shutdown waits for killed workers to be gone.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Hosts Lambda functions; cheap to clone (one `Arc` inside).
#[derive(Clone)]
pub struct FunctionHost {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: HostConfig,
    layout: Layout,
    python: PathBuf,
    bootstrap_py: PathBuf,
    worker_path: String,
    catalog: ArcSwap<Compiled>,
    /// Serialises publishes: each compiles against the one before.
    publish_lock: Mutex<()>,
    in_flight: Arc<AtomicUsize>,
    processes: Arc<ProcessCount>,
    shutdown: watch::Sender<bool>,
    /// Set by the first publish; resumed events wait for it.
    published: watch::Sender<bool>,
    pub(crate) spool: Spool,
    runtime: tokio::runtime::Handle,
}

// === impl FunctionHost ===

impl FunctionHost {
    /// Prepares `{data_dir}/functions/`, installs the Python bootstrap and resumes `Event`
    /// invocations left in the spool (they run once a catalog is published).
    pub async fn start(config: HostConfig) -> std::io::Result<FunctionHost> {
        let layout = Layout::new(&config.data_dir);
        layout.create_all()?;
        layout.remove_partial_writes();
        let bootstrap_py = layout.runtime_dir().join("bootstrap.py");
        if std::fs::read_to_string(&bootstrap_py).ok().as_deref() != Some(BOOTSTRAP_PY) {
            layout::write_durably(&bootstrap_py, BOOTSTRAP_PY.as_bytes())?;
        }
        let python = resolve_python(&config.python).await;
        let worker_path = match python.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            Some(dir) => format!("{}:{LAMBDA_PATH}", dir.display()),
            None => LAMBDA_PATH.to_owned(),
        };
        let spool = Spool::new(layout.events_dir());
        let leftovers = spool.load_all();
        let inner = Arc::new(Inner {
            layout,
            python,
            bootstrap_py,
            worker_path,
            catalog: ArcSwap::from_pointee(Compiled::default()),
            publish_lock: Mutex::new(()),
            in_flight: Arc::new(AtomicUsize::new(0)),
            processes: Arc::new(ProcessCount::default()),
            shutdown: watch::channel(false).0,
            published: watch::channel(false).0,
            spool,
            runtime: tokio::runtime::Handle::current(),
            config,
        });
        tokio::spawn(reap(Arc::downgrade(&inner)));
        for event in leftovers {
            events::schedule(&inner, event);
        }
        Ok(FunctionHost { inner })
    }

    /// Replaces the whole catalog. Warm workers of versions whose spec changed or vanished
    /// are stopped now if idle, or after their current invocation.
    pub fn publish(&self, catalog: Catalog) {
        self.inner.publish(catalog);
    }

    /// The code digests (hex) of every version the host may run now. The store says what
    /// is in use too, but a catalog not yet republished after a write may still run code
    /// the store no longer names.
    pub fn code_in_use(&self) -> std::collections::HashSet<String> {
        self.inner
            .catalog
            .load()
            .code_digests()
            .map(str::to_owned)
            .collect()
    }

    /// Whether AWS service `principal` (`apigateway.amazonaws.com`) may invoke `function` on
    /// behalf of `source_arn` by the function's resource-based policy (`AddPermission`), as
    /// Lambda checks calls that come without the caller's own credentials. Unknown
    /// functions are `NotFound`; no allowing statement is `AccessDenied`.
    pub fn authorize_service(
        &self,
        function: &str,
        principal: &str,
        source_arn: &str,
    ) -> Result<(), InvokeError> {
        let catalog = self.inner.catalog.load();
        let account = self.inner.account();
        let target = catalog.resolve(function, None, &account)?;
        let mut keys = portico_policy::ConditionKeys::default();
        keys.insert("aws:SourceArn", source_arn);
        keys.insert("aws:SourceAccount", account.account_id);
        let request = portico_policy::RequestContext {
            principal: portico_policy::Principal::Service(principal),
            action: "lambda:InvokeFunction",
            resource: &target.invoked_arn,
            keys: &keys,
        };
        match target
            .function
            .policy
            .as_deref()
            .map(|policy| policy.decide(&request))
        {
            Some(portico_policy::Decision::Allow) => Ok(()),
            _ => Err(InvokeError::AccessDenied {
                message: format!(
                    "The service {principal} is not authorized to perform \
                     lambda:InvokeFunction on resource: {} (source {source_arn})",
                    target.invoked_arn
                ),
            }),
        }
    }

    /// Runs one synchronous (`RequestResponse`) invocation.
    pub async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResult, InvokeError> {
        if request.payload.len() > MAX_SYNC_PAYLOAD_BYTES {
            return Err(InvokeError::RequestTooLarge);
        }
        let inner = Arc::clone(&self.inner);
        // Its own task: a caller that stops waiting does not cut a running invocation short
        // (Lambda finishes it), and the worker goes back to the pool either way.
        tokio::spawn(async move { inner.invoke(request, ids::request_id()).await })
            .await
            .map_err(|err| InvokeError::Internal(err.into()))?
    }

    /// Accepts an `Event` invocation: it is on disk (fsynced) before this returns the
    /// request id, and runs in the background with retries. Blocks for that one small write.
    pub fn enqueue(&self, request: InvokeRequest) -> Result<String, InvokeError> {
        if request.payload.len() > MAX_EVENT_PAYLOAD_BYTES {
            return Err(InvokeError::RequestTooLarge);
        }
        if *self.inner.shutdown.borrow() {
            return Err(InvokeError::internal("the function host is shut down"));
        }
        // Unknown functions are refused now, as Lambda does, not after the spool.
        self.inner.catalog.load().resolve(
            &request.function,
            request.qualifier.as_deref(),
            &self.inner.account(),
        )?;
        let event = events::SpooledEvent::new(ids::request_id(), request);
        self.inner
            .spool
            .write(&event)
            .map_err(|err| InvokeError::Internal(err.into()))?;
        let request_id = event.request_id.clone();
        events::schedule(&self.inner, event);
        Ok(request_id)
    }

    /// Kills every worker and stops background work; queued events stay in the spool for the
    /// next start. Invocations in progress end with an internal error.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        for pool in self.inner.catalog.load().pools() {
            pool.retire_idle(|_| false);
        }
        self.inner.processes.wait_for_none(SHUTDOWN_GRACE).await;
    }
}

// === impl Inner ===

impl Inner {
    pub(crate) fn account(&self) -> Account<'_> {
        Account {
            region: &self.config.region,
            account_id: &self.config.account_id,
        }
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub(crate) fn published_signal(&self) -> watch::Receiver<bool> {
        self.published.subscribe()
    }

    pub(crate) fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime
    }

    fn publish(&self, catalog: Catalog) {
        let _serialised = self
            .publish_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let previous = self.catalog.load_full();
        let compiled = Arc::new(Compiled::compile(catalog, &previous));
        self.catalog.store(Arc::clone(&compiled));
        self.published.send_replace(true);
        // Idle workers of changed or removed versions stop now; busy ones stop when they
        // finish (their spec is no longer current).
        for pool in previous.pools().chain(compiled.pools()) {
            pool.retire_idle(|worker| compiled.is_current(worker.spec()));
        }
    }

    /// The invocation path shared by `invoke` and the event runner.
    pub(crate) async fn invoke(
        self: &Arc<Self>,
        request: InvokeRequest,
        request_id: String,
    ) -> Result<InvokeResult, InvokeError> {
        if self.is_shut_down() {
            return Err(InvokeError::internal("the function host is shut down"));
        }
        let catalog = self.catalog.load_full();
        let target = catalog.resolve(
            &request.function,
            request.qualifier.as_deref(),
            &self.account(),
        )?;
        let function = target.function;
        let spec = target.spec;
        let _permit = function.pool.admit(
            function.reserved_concurrency,
            &self.in_flight,
            self.config.max_workers,
        )?;
        let mut worker = match function.pool.take_idle(spec) {
            Some(worker) => worker,
            None => match self.spawn_worker(&function.pool, spec).await {
                Ok(worker) => worker,
                Err(SpawnError::InvalidEntrypoint(detail)) => {
                    let log_file = function
                        .pool
                        .log_file(&self.layout.logs_dir(), self.config.log_max_bytes)
                        .map_err(|err| InvokeError::Internal(err.into()))?;
                    let payload = worker::entrypoint_failure(&log_file, spec, &request_id, &detail);
                    return Ok(InvokeResult {
                        request_id,
                        executed_version: spec.version.clone(),
                        payload,
                        function_error: Some(FunctionError::Unhandled),
                        log_tail: None,
                    });
                }
                Err(SpawnError::Io(err)) => {
                    tracing::error!(function = %spec.name, error = %err, "starting a worker failed");
                    return Err(InvokeError::Internal(err.into()));
                }
            },
        };
        let job = Job {
            request_id: &request_id,
            payload: if request.payload.is_empty() {
                Bytes::from_static(b"{}")
            } else {
                request.payload
            },
            invoked_arn: target.invoked_arn,
            client_context: request.client_context.as_deref().map(decode_client_context),
            cognito_identity: request.cognito_identity,
            log_tail: request.log_tail,
        };
        let completion = worker.run(job, &mut self.shutdown.subscribe()).await;
        if completion.interrupted {
            return Err(InvokeError::internal("the function host shut down"));
        }
        if worker.is_reusable() && !self.is_shut_down() && self.catalog.load().is_current(spec) {
            function.pool.put_back(worker);
        }
        Ok(InvokeResult {
            request_id,
            executed_version: spec.version.clone(),
            payload: completion.payload,
            function_error: completion.failed.then_some(FunctionError::Unhandled),
            log_tail: completion.log_tail,
        })
    }

    async fn spawn_worker(
        &self,
        pool: &FunctionPool,
        spec: &Arc<FunctionSpec>,
    ) -> Result<Worker, SpawnError> {
        // Invocations are capped by `max_workers`, but idle workers of other functions also
        // hold processes: make room by stopping the least recently used of them.
        if self.processes.get() >= self.config.max_workers {
            for other in self.catalog.load().pools() {
                if other.retire_one_idle() {
                    break;
                }
            }
        }
        let log_file = pool
            .log_file(&self.layout.logs_dir(), self.config.log_max_bytes)
            .map_err(SpawnError::Io)?;
        let ctx = SpawnContext {
            layout: &self.layout,
            data_dir: &self.config.data_dir,
            python: &self.python,
            bootstrap_py: &self.bootstrap_py,
            path: &self.worker_path,
            region: &self.config.region,
            processes: &self.processes,
        };
        worker::spawn(&ctx, Arc::clone(spec), log_file).await
    }
}

/// Stops idle workers past `idle_timeout`, until the host is gone or shut down.
async fn reap(inner: Weak<Inner>) {
    let (tick, mut shutdown) = match inner.upgrade() {
        Some(inner) => (
            (inner.config.idle_timeout / 4)
                .clamp(Duration::from_millis(100), Duration::from_secs(30)),
            inner.shutdown_signal(),
        ),
        None => return,
    };
    loop {
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            _ = shutdown.wait_for(|down| *down) => return,
        }
        let Some(inner) = inner.upgrade() else {
            return;
        };
        let now = Instant::now();
        for pool in inner.catalog.load().pools() {
            pool.reap(inner.config.idle_timeout, now);
        }
    }
}

/// The interpreter to run: a bare name is resolved to the real executable once, with the
/// host's environment (shims such as pyenv's need it and would fail in a worker's).
async fn resolve_python(configured: &Path) -> PathBuf {
    let probe = tokio::process::Command::new(configured)
        .args(["-c", "import sys; print(sys.executable)"])
        .stdin(std::process::Stdio::null())
        .output()
        .await;
    match probe {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8_lossy(&output.stdout);
            let executable = PathBuf::from(OsString::from(text.trim()));
            if executable.is_absolute() {
                executable
            } else {
                configured.to_path_buf()
            }
        }
        _ => {
            tracing::warn!(python = %configured.display(), "python interpreter not found; python runtimes will fail");
            configured.to_path_buf()
        }
    }
}

/// `X-Amz-Client-Context` arrives base64-encoded; the runtime gets the JSON. Plain JSON is
/// passed through.
fn decode_client_context(value: &str) -> String {
    use base64::Engine as _;

    base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|text| serde_json::from_str::<serde_json::Value>(text).is_ok())
        .unwrap_or_else(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_context_is_decoded_from_base64_or_passed_through() {
        assert_eq!(decode_client_context("eyJhIjoxfQ=="), "{\"a\":1}");
        assert_eq!(decode_client_context("{\"a\":1}"), "{\"a\":1}");
    }
}
