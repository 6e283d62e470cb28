//! `Event` (asynchronous) invocations: a durable spool under `{data_dir}/functions/events/`
//! (one fsynced file per accepted event) and a background task per event that invokes the
//! function, retries function errors after `event_retry_delays` (AWS: twice), backs off on
//! throttling for up to six hours, and deletes the file when the event is done either way.
//! Events left by a previous run are resumed at start.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::host::Inner;
use crate::invocation::{InvokeError, InvokeRequest};
use crate::layout;

/// Lambda keeps throttled events for six hours.
const MAX_EVENT_AGE: Duration = Duration::from_secs(6 * 60 * 60);
/// Throttled events are retried after 1 s, doubling up to 5 minutes.
const FIRST_THROTTLE_DELAY: Duration = Duration::from_secs(1);
const MAX_THROTTLE_DELAY: Duration = Duration::from_secs(5 * 60);

/// The spool directory.
pub(crate) struct Spool {
    dir: PathBuf,
}

/// One accepted event, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SpooledEvent {
    pub(crate) request_id: String,
    function: String,
    qualifier: Option<String>,
    /// The payload, base64.
    payload: String,
    client_context: Option<String>,
    /// Function errors so far; each one consumed a retry.
    attempts: u32,
    enqueued_at_ms: u64,
}

// === impl Spool ===

impl Spool {
    pub(crate) fn new(dir: PathBuf) -> Spool {
        Spool { dir }
    }

    /// Stores `event` durably (written, fsynced, renamed into place, directory fsynced).
    pub(crate) fn write(&self, event: &SpooledEvent) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(event).map_err(std::io::Error::other)?;
        layout::write_durably(&self.path(&event.request_id), &bytes)
    }

    pub(crate) fn remove(&self, request_id: &str) {
        if let Err(err) = std::fs::remove_file(self.path(request_id)) {
            tracing::warn!(request_id, error = %err, "removing a finished event from the spool failed");
        }
    }

    /// Every stored event; temporary files of interrupted writes are removed and unreadable
    /// files set aside (`.bad`).
    pub(crate) fn load_all(&self) -> Vec<SpooledEvent> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut events = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") {
                let _ = std::fs::remove_file(&path);
                continue;
            }
            if !name.ends_with(".json") {
                continue;
            }
            let parsed = std::fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<SpooledEvent>(&bytes).ok());
            match parsed {
                Some(event) => events.push(event),
                None => {
                    tracing::warn!(file = %path.display(), "unreadable event in the spool; set aside");
                    let _ = std::fs::rename(&path, path.with_extension("bad"));
                }
            }
        }
        events.sort_by_key(|event| event.enqueued_at_ms);
        events
    }

    fn path(&self, request_id: &str) -> PathBuf {
        self.dir.join(format!("{request_id}.json"))
    }
}

// === impl SpooledEvent ===

impl SpooledEvent {
    pub(crate) fn new(request_id: String, request: InvokeRequest) -> SpooledEvent {
        SpooledEvent {
            request_id,
            function: request.function,
            qualifier: request.qualifier,
            payload: base64::engine::general_purpose::STANDARD.encode(&request.payload),
            client_context: request.client_context,
            attempts: 0,
            enqueued_at_ms: crate::ids::epoch_millis(),
        }
    }

    fn request(&self) -> Option<InvokeRequest> {
        let payload = base64::engine::general_purpose::STANDARD
            .decode(&self.payload)
            .ok()?;
        Some(InvokeRequest {
            function: self.function.clone(),
            qualifier: self.qualifier.clone(),
            payload: Bytes::from(payload),
            client_context: self.client_context.clone(),
            cognito_identity: None,
            log_tail: false,
        })
    }

    fn age(&self) -> Duration {
        Duration::from_millis(crate::ids::epoch_millis().saturating_sub(self.enqueued_at_ms))
    }
}

/// Runs `event` in the background until it is done or the host shuts down.
pub(crate) fn schedule(inner: &Arc<Inner>, event: SpooledEvent) {
    let task = run(Arc::clone(inner), event);
    inner.runtime().spawn(task);
}

async fn run(inner: Arc<Inner>, mut event: SpooledEvent) {
    let mut shutdown = inner.shutdown_signal();
    // Events resumed at start wait for the first catalog; before it every function is unknown.
    let mut published = inner.published_signal();
    tokio::select! {
        ready = published.wait_for(|published| *published) => if ready.is_err() { return },
        _ = shutdown.wait_for(|down| *down) => return,
    }
    let Some(request) = event.request() else {
        tracing::warn!(request_id = %event.request_id, "event payload in the spool is not base64; dropped");
        inner.spool.remove(&event.request_id);
        return;
    };
    let mut throttle_delay = FIRST_THROTTLE_DELAY;
    loop {
        let result = inner
            .invoke(request.clone(), event.request_id.clone())
            .await;
        if inner.is_shut_down() {
            // Interrupted or not, the next start runs it again from the spool.
            return;
        }
        let delay = match result {
            Ok(result) if result.function_error.is_none() => break,
            Err(InvokeError::TooManyRequests { .. }) => {
                if event.age() > MAX_EVENT_AGE {
                    tracing::warn!(request_id = %event.request_id, "throttled event expired");
                    break;
                }
                let delay = throttle_delay;
                throttle_delay = (throttle_delay * 2).min(MAX_THROTTLE_DELAY);
                delay
            }
            Err(
                InvokeError::NotFound { .. }
                | InvokeError::InvalidParameterValue { .. }
                | InvokeError::AccessDenied { .. },
            ) => {
                tracing::warn!(request_id = %event.request_id, function = %event.function, "event for a function that no longer exists dropped");
                break;
            }
            Ok(_) | Err(InvokeError::Internal(_) | InvokeError::RequestTooLarge) => {
                let Some(delay) = inner
                    .config
                    .event_retry_delays
                    .get(event.attempts as usize)
                    .copied()
                else {
                    tracing::warn!(request_id = %event.request_id, function = %event.function, "event failed after its retries; dropped");
                    break;
                };
                event.attempts += 1;
                // Record the attempt, so a restart does not grant the event extra retries.
                if let Err(err) = inner.spool.write(&event) {
                    tracing::warn!(request_id = %event.request_id, error = %err, "recording an event retry failed");
                }
                delay
            }
        };
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = shutdown.wait_for(|down| *down) => return,
        }
    }
    inner.spool.remove(&event.request_id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spooled_events_round_trip_and_broken_files_are_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(dir.path().to_path_buf());
        let event = SpooledEvent::new(
            "id-1".to_owned(),
            InvokeRequest {
                function: "f".to_owned(),
                payload: Bytes::from_static(b"{\"n\":1}"),
                ..InvokeRequest::default()
            },
        );
        spool.write(&event).unwrap();
        std::fs::write(dir.path().join("broken.json"), b"{").unwrap();
        std::fs::write(dir.path().join("x.json.abc.tmp"), b"partial").unwrap();

        let loaded = spool.load_all();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].request().unwrap().payload, "{\"n\":1}");
        assert!(dir.path().join("broken.bad").exists());
        assert!(!dir.path().join("x.json.abc.tmp").exists());

        spool.remove("id-1");
        assert!(spool.load_all().is_empty());
    }
}
