//! A function host on a temporary directory, code zips built in the test, and helpers to wait
//! with deadlines.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use portico_functions::{
    Catalog, FunctionHost, FunctionSpec, HostConfig, InvokeRequest, InvokeResult, Runtime, code,
};
use serde_json::Value;
use zip::write::SimpleFileOptions;

/// Handlers the Python tests run (module `app`).
pub const APP_PY: &str = r#"
import os
import sys
import time


def echo(event, context):
    return event


def context_info(event, context):
    custom = context.client_context.custom if context.client_context else None
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "aws_request_id": context.aws_request_id,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "remaining": context.get_remaining_time_in_millis(),
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "custom": custom,
        "identity_id": context.identity.cognito_identity_id,
    }


def environment(event, context):
    return {"env": dict(os.environ), "cwd": os.getcwd()}


def pid(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "env": os.environ.get("V")}


def crash(event, context):
    os._exit(3)


def fail(event, context):
    raise ValueError("bad input")


def unserialisable(event, context):
    return {1, 2}


def chatty(event, context):
    print("hello from the handler " + event.get("marker", ""))
    sys.stderr.write("and from stderr\n")
    return "ok"


def record(event, context):
    with open(event["path"], "a") as out:
        out.write(context.aws_request_id + "\n")
    with open(event["path"]) as done:
        attempts = len(done.readlines())
    if attempts <= event.get("fail_times", 0):
        raise RuntimeError("attempt %d fails" % attempts)
    return "recorded"
"#;

/// A started host and the directory it lives in.
pub struct TestHost {
    pub host: FunctionHost,
    pub data_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl TestHost {
    /// A host on a fresh temporary directory, with tiny event retry delays.
    pub async fn start() -> TestHost {
        TestHost::start_with(|_| {}).await
    }

    /// A host on a fresh temporary directory, its configuration adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut HostConfig)) -> TestHost {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = config(dir.path());
        adjust(&mut config);
        let host = FunctionHost::start(config)
            .await
            .expect("function host starts");
        TestHost {
            host,
            data_dir: dir.path().to_path_buf(),
            _dir: Some(dir),
        }
    }

    /// A host on `data_dir` (which the caller keeps).
    pub async fn start_on(data_dir: &Path) -> TestHost {
        let host = FunctionHost::start(config(data_dir))
            .await
            .expect("function host starts");
        TestHost {
            host,
            data_dir: data_dir.to_path_buf(),
            _dir: None,
        }
    }

    /// Stores a zip of `files` (name, content, unix mode) and returns its hex digest.
    pub fn store(&self, files: &[(&str, &str, u32)]) -> String {
        code::store(&self.data_dir, &zip(files))
            .expect("code stored")
            .sha256_hex
    }

    /// Stores the `app` module and returns a `$LATEST` spec running `app.{function}`.
    pub fn python(&self, name: &str, function: &str) -> FunctionSpec {
        let sha = self.store(&[("app.py", APP_PY, 0o644)]);
        spec(
            name,
            &sha,
            Runtime::Python("3.12".to_owned()),
            &format!("app.{function}"),
        )
    }

    pub fn publish(&self, functions: Vec<FunctionSpec>) {
        self.host.publish(Catalog {
            functions,
            aliases: Vec::new(),
            policies: Vec::new(),
        });
    }

    pub async fn invoke(&self, function: &str, payload: Value) -> InvokeResult {
        self.host
            .invoke(request(function, &payload))
            .await
            .unwrap_or_else(|err| panic!("invoking {function}: {err:?}"))
    }
}

pub fn config(data_dir: &Path) -> HostConfig {
    HostConfig {
        data_dir: data_dir.to_path_buf(),
        event_retry_delays: vec![Duration::from_millis(50), Duration::from_millis(50)],
        ..HostConfig::default()
    }
}

pub fn spec(name: &str, sha: &str, runtime: Runtime, handler: &str) -> FunctionSpec {
    FunctionSpec {
        name: name.to_owned(),
        version: "$LATEST".to_owned(),
        runtime,
        handler: handler.to_owned(),
        code_sha256: sha.to_owned(),
        environment: BTreeMap::new(),
        timeout: Duration::from_secs(30),
        memory_mb: 128,
        reserved_concurrency: None,
    }
}

pub fn request(function: &str, payload: &Value) -> InvokeRequest {
    InvokeRequest {
        function: function.to_owned(),
        payload: Bytes::from(payload.to_string()),
        ..InvokeRequest::default()
    }
}

/// A zip of `files`: (name, content, unix mode).
pub fn zip(files: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content, mode) in files {
        let options = SimpleFileOptions::default().unix_permissions(*mode);
        writer.start_file(*name, options).expect("zip entry");
        writer
            .write_all(content.as_bytes())
            .expect("zip entry written");
    }
    writer.finish().expect("zip finished").into_inner()
}

/// The payload as JSON.
pub fn json(result: &InvokeResult) -> Value {
    serde_json::from_slice(&result.payload)
        .unwrap_or_else(|_| panic!("payload is not JSON: {:?}", result.payload))
}

/// Waits until `condition` holds, failing the test after 20 seconds.
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether process `pid` still exists (zombies count as gone).
pub fn process_alive(pid: u64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}
