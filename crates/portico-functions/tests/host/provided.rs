//! `provided.*` functions: the package's own `bootstrap`, including the official Python
//! runtime interface client (awslambdaric) when it can be installed here.

use std::path::{Path, PathBuf};
use std::process::Command;

use portico_functions::{FunctionError, Runtime};
use serde_json::json;

use crate::support::{TestHost, json, spec};

/// A custom runtime written as a script: it speaks the Runtime API with the standard library
/// only (curl is not guaranteed on every machine).
const SCRIPT_BOOTSTRAP: &str = r#"#!/usr/bin/env python3
import json, os, urllib.request

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
while True:
    with urllib.request.urlopen(api + "/invocation/next") as response:
        request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(response.read())
    result = {
        "event": event,
        "handler": os.environ["_HANDLER"],
        "execution_env": os.environ.get("AWS_EXECUTION_ENV"),
    }
    if event.get("fail"):
        body = json.dumps({"errorType": "Custom.Failure", "errorMessage": "asked to fail"})
        path = "/invocation/%s/error" % request_id
    else:
        body = json.dumps(result)
        path = "/invocation/%s/response" % request_id
    urllib.request.urlopen(urllib.request.Request(api + path, data=body.encode(), method="POST")).read()
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_bootstrap_serves_invocations() {
    let t = TestHost::start().await;
    let sha = t.store(&[("bootstrap", SCRIPT_BOOTSTRAP, 0o755)]);
    let runtime = Runtime::Provided("provided.al2023".to_owned());
    t.publish(vec![spec("custom", &sha, runtime, "my.handler")]);

    let result = t.invoke("custom", json!({"n": 1})).await;
    assert_eq!(result.function_error, None);
    assert_eq!(
        json(&result),
        json!({"event": {"n": 1}, "handler": "my.handler", "execution_env": null})
    );
    let failed = t.invoke("custom", json!({"fail": true})).await;
    assert_eq!(failed.function_error, Some(FunctionError::Unhandled));
    assert_eq!(json(&failed)["errorType"], "Custom.Failure");
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_without_bootstrap_is_an_invalid_entrypoint() {
    let t = TestHost::start().await;
    let sha = t.store(&[("handler.sh", "echo hi\n", 0o755)]);
    let runtime = Runtime::Provided("provided.al2".to_owned());
    t.publish(vec![spec("nobootstrap", &sha, runtime, "x")]);
    let result = t.invoke("nobootstrap", json!({})).await;
    assert_eq!(result.function_error, Some(FunctionError::Unhandled));
    let error = json(&result);
    assert_eq!(error["errorType"], "Runtime.InvalidEntrypoint");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Couldn't find valid bootstrap(s)"),
        "{error}"
    );

    // A bootstrap without the exec bit cannot be started either.
    let sha = t.store(&[("bootstrap", "#!/bin/sh\n", 0o644)]);
    let runtime = Runtime::Provided("provided.al2".to_owned());
    t.publish(vec![spec("noexec", &sha, runtime, "x")]);
    let error = json(&t.invoke("noexec", json!({})).await);
    assert_eq!(error["errorType"], "Runtime.InvalidEntrypoint");
    assert!(
        error["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("permission denied"),
        "{error}"
    );
    t.host.shutdown().await;
}

const RIC_APP: &str = r#"
import os


def handler(event, context):
    return {"event": event, "function_name": context.function_name, "request_id": context.aws_request_id}


def fail(event, context):
    raise ValueError("ric says no")
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_runtime_client_works_unchanged() {
    let site_packages = match awslambdaric_site_packages() {
        Ok(path) => path,
        Err(reason) => {
            println!("skipping: awslambdaric is not installable here: {reason}");
            return;
        }
    };
    let t = TestHost::start().await;
    let sha = t.store(&[
        (
            "bootstrap",
            "#!/bin/sh\nexec python3 -m awslambdaric \"$_HANDLER\"\n",
            0o755,
        ),
        ("app.py", RIC_APP, 0o644),
    ]);
    let runtime = Runtime::Provided("provided.al2023".to_owned());
    let mut ok = spec("ric", &sha, runtime.clone(), "app.handler");
    // `python3 -m` puts the working directory (the task root) on sys.path; the client itself
    // comes from the virtualenv.
    let path = site_packages.display().to_string();
    ok.environment.insert("PYTHONPATH".to_owned(), path.clone());
    let mut failing = spec("ric-fail", &sha, runtime, "app.fail");
    failing.environment.insert("PYTHONPATH".to_owned(), path);
    t.publish(vec![ok, failing]);

    let result = t.invoke("ric", json!({"hello": "ric"})).await;
    assert_eq!(result.function_error, None, "{:?}", result.payload);
    assert_eq!(
        json(&result),
        json!({"event": {"hello": "ric"}, "function_name": "ric", "request_id": result.request_id})
    );
    // The official client stays warm across invocations too.
    let again = t.invoke("ric", json!({"n": 2})).await;
    assert_eq!(json(&again)["event"], json!({"n": 2}));

    let failed = t.invoke("ric-fail", json!({})).await;
    assert_eq!(failed.function_error, Some(FunctionError::Unhandled));
    let error = json(&failed);
    assert_eq!(error["errorType"], "ValueError");
    assert_eq!(error["errorMessage"], "ric says no");
    t.host.shutdown().await;
}

/// A virtualenv with awslambdaric, made once per target directory; its site-packages path.
fn awslambdaric_site_packages() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("awslambdaric-venv");
    let python = venv.join("bin/python");
    let installed = |python: &Path| {
        Command::new(python)
            .args(["-c", "import awslambdaric"])
            .output()
            .is_ok_and(|output| output.status.success())
    };
    if !installed(&python) {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "awslambdaric",
        ]))?;
    }
    let output = Command::new(&python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ])
        .output()
        .map_err(|err| err.to_string())?;
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
    ))
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|err| err.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}
