//! Python functions run by Portico's bootstrap.

use std::time::{Duration, Instant};

use base64::Engine as _;
use portico_functions::{
    AliasSpec, Catalog, FunctionError, InvokeError, InvokeRequest, Runtime, log_path,
};
use serde_json::{Value, json};

use crate::support::{TestHost, eventually, json, process_alive, request, spec};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_handler_returns_the_event() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("echo", "echo")]);
    let event = json!({"a": [1, 2, {"b": "c"}], "unicode": "ü"});
    let result = t.invoke("echo", event.clone()).await;
    assert_eq!(json(&result), event);
    assert_eq!(result.function_error, None);
    assert_eq!(result.executed_version, "$LATEST");
    assert_eq!(result.request_id.len(), 36);
    assert_eq!(result.log_tail, None);
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_payload_arrives_as_an_empty_object() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("echo", "echo")]);
    let result = t
        .host
        .invoke(InvokeRequest {
            function: "echo".to_owned(),
            ..InvokeRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(json(&result), json!({}));
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_carries_lambda_fields() {
    let t = TestHost::start().await;
    let mut spec = t.python("ctx", "context_info");
    spec.memory_mb = 256;
    spec.timeout = Duration::from_secs(7);
    t.publish(vec![spec]);
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:ctx";
    let client_context =
        base64::engine::general_purpose::STANDARD.encode(r#"{"custom":{"k":"v"}}"#);
    let result = t
        .host
        .invoke(InvokeRequest {
            function: arn.to_owned(),
            payload: "{}".into(),
            client_context: Some(client_context),
            cognito_identity: Some(
                r#"{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool"}"#.to_owned(),
            ),
            ..InvokeRequest::default()
        })
        .await
        .unwrap();
    let context = json(&result);
    assert_eq!(context["function_name"], "ctx");
    assert_eq!(context["function_version"], "$LATEST");
    assert_eq!(context["invoked_function_arn"], arn);
    assert_eq!(context["aws_request_id"], result.request_id.as_str());
    assert_eq!(context["memory_limit_in_mb"], "256");
    assert_eq!(context["log_group_name"], "/aws/lambda/ctx");
    assert!(
        context["log_stream_name"]
            .as_str()
            .unwrap()
            .contains("/[$LATEST]")
    );
    assert_eq!(context["custom"], json!({"k": "v"}));
    assert_eq!(context["identity_id"], "id-1");
    let remaining = context["remaining"].as_u64().unwrap();
    assert!(remaining > 0 && remaining <= 7000, "{remaining}");
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_see_lambda_variables_and_their_own_but_nothing_of_the_host() {
    let t = TestHost::start().await;
    let mut spec = t.python("env", "environment");
    spec.environment
        .insert("GREETING".to_owned(), "hi".to_owned());
    // Reserved variables cannot be overridden by the function's configuration.
    spec.environment
        .insert("AWS_REGION".to_owned(), "mars-1".to_owned());
    t.publish(vec![spec]);
    let result = json(&t.invoke("env", json!({})).await);
    let env = &result["env"];
    assert_eq!(env["GREETING"], "hi");
    assert_eq!(env["AWS_REGION"], "us-east-1");
    assert_eq!(env["AWS_DEFAULT_REGION"], "us-east-1");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_NAME"], "env");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "128");
    assert_eq!(env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/env");
    assert_eq!(env["AWS_EXECUTION_ENV"], "AWS_Lambda_python3.12");
    assert_eq!(env["_HANDLER"], "app.environment");
    assert_eq!(env["TZ"], ":UTC");
    assert!(
        env["AWS_LAMBDA_RUNTIME_API"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    let task_root = env["LAMBDA_TASK_ROOT"].as_str().unwrap();
    assert!(std::path::Path::new(task_root).join("app.py").is_file());
    assert_eq!(env["PYTHONPATH"], task_root);
    assert_eq!(result["cwd"], task_root);
    // The test process's own variables (cargo sets many) never reach the function.
    let leaked: Vec<&String> = env
        .as_object()
        .unwrap()
        .keys()
        .filter(|key| key.starts_with("CARGO") || *key == "HOME" || *key == "RUST_TEST_THREADS")
        .collect();
    assert!(leaked.is_empty(), "leaked: {leaked:?}");
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_worker_is_reused() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("pid", "pid")]);
    let first = json(&t.invoke("pid", json!({})).await);
    let second = json(&t.invoke("pid", json!({})).await);
    assert_eq!(first["pid"], second["pid"]);
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_invocations_get_their_own_workers() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("pid", "pid")]);
    let (a, b) = tokio::join!(
        t.invoke("pid", json!({"sleep": 0.5})),
        t.invoke("pid", json!({"sleep": 0.5}))
    );
    let (a, b) = (json(&a)["pid"].clone(), json(&b)["pid"].clone());
    assert_ne!(a, b);
    // Both stay warm: the next invocation runs on one of them.
    let c = json(&t.invoke("pid", json!({})).await)["pid"].clone();
    assert!(c == a || c == b, "{c} not in {a}, {b}");
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_of_one_refuses_a_second_concurrent_invocation() {
    let t = TestHost::start().await;
    let mut spec = t.python("one", "pid");
    spec.reserved_concurrency = Some(1);
    t.publish(vec![spec]);
    let slow = request("one", &json!({"sleep": 1}));
    let (a, b) = tokio::join!(t.host.invoke(slow.clone()), t.host.invoke(slow));
    let refused: Vec<_> = [&a, &b]
        .into_iter()
        .filter_map(|result| result.as_ref().err())
        .collect();
    assert_eq!(refused.len(), 1, "{a:?} {b:?}");
    assert!(matches!(
        refused[0],
        InvokeError::TooManyRequests {
            reason: "ReservedFunctionConcurrentInvocationLimitExceeded"
        }
    ));
    assert_eq!(refused[0].status(), 429);
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reserved_concurrency_of_zero_throttles_every_invocation() {
    let t = TestHost::start().await;
    let mut spec = t.python("off", "echo");
    spec.reserved_concurrency = Some(0);
    t.publish(vec![spec]);
    let err = t.host.invoke(request("off", &json!({}))).await.unwrap_err();
    assert!(matches!(err, InvokeError::TooManyRequests { .. }));
    assert_eq!(err.error_type(), "TooManyRequestsException");
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_times_out_and_the_next_invocation_works() {
    let t = TestHost::start().await;
    let mut spec = t.python("slow", "pid");
    spec.timeout = Duration::from_secs(1);
    t.publish(vec![spec]);
    let started = Instant::now();
    let result = t.invoke("slow", json!({"sleep": 5})).await;
    // The one timing assertion: the worker is stopped at its timeout, not when it finishes.
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(result.function_error, Some(FunctionError::Unhandled));
    assert_eq!(
        json(&result),
        json!({
            "errorType": "Sandbox.Timedout",
            "errorMessage": format!(
                "RequestId: {} Error: Task timed out after 1.00 seconds",
                result.request_id
            ),
        })
    );
    let next = t.invoke("slow", json!({})).await;
    assert_eq!(next.function_error, None);
    assert!(json(&next)["pid"].is_number());
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashing_handler_reports_runtime_exit_error_and_the_next_invocation_works() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("crash", "crash"), t.python("pid", "pid")]);
    let result = t.invoke("crash", json!({})).await;
    assert_eq!(result.function_error, Some(FunctionError::Unhandled));
    assert_eq!(
        json(&result),
        json!({
            "errorType": "Runtime.ExitError",
            "errorMessage": format!(
                "RequestId: {} Error: Runtime exited with error: exit status 3",
                result.request_id
            ),
        })
    );
    let again = t.invoke("crash", json!({})).await;
    assert_eq!(json(&again)["errorType"], "Runtime.ExitError");
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raised_exception_is_reported_in_awslambdaric_shape() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("fail", "fail")]);
    let result = t.invoke("fail", json!({})).await;
    assert_eq!(result.function_error, Some(FunctionError::Unhandled));
    let error = json(&result);
    assert_eq!(error["errorType"], "ValueError");
    assert_eq!(error["errorMessage"], "bad input");
    assert_eq!(error["requestId"], result.request_id.as_str());
    let stack = error["stackTrace"].as_array().unwrap();
    assert!(
        stack
            .iter()
            .any(|frame| frame.as_str().unwrap().contains("app.py"))
    );
    // The worker survives a handled failure.
    let again = t.invoke("fail", json!({})).await;
    assert_eq!(json(&again)["errorType"], "ValueError");
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unimportable_module_is_an_init_error() {
    let t = TestHost::start().await;
    let mut spec = t.python("noimport", "echo");
    spec.handler = "missing_module.handler".to_owned();
    t.publish(vec![spec]);
    let result = t.invoke("noimport", json!({})).await;
    assert_eq!(result.function_error, Some(FunctionError::Unhandled));
    let error = json(&result);
    assert_eq!(error["errorType"], "Runtime.ImportModuleError");
    assert_eq!(
        error["errorMessage"],
        "Unable to import module 'missing_module': No module named 'missing_module'"
    );
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_handler_function_is_reported() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("nohandler", "nope")]);
    let result = t.invoke("nohandler", json!({})).await;
    assert_eq!(result.function_error, Some(FunctionError::Unhandled));
    let error = json(&result);
    assert_eq!(error["errorType"], "Runtime.HandlerNotFound");
    assert_eq!(
        error["errorMessage"],
        "Handler 'nope' missing on module 'app'"
    );
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_that_is_not_json_is_a_marshal_error() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("set", "unserialisable")]);
    let result = t.invoke("set", json!({})).await;
    assert_eq!(result.function_error, Some(FunctionError::Unhandled));
    let error = json(&result);
    assert_eq!(error["errorType"], "Runtime.MarshalError");
    assert_eq!(
        error["errorMessage"],
        "Unable to marshal response: Object of type set is not JSON serializable"
    );
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_frames_each_invocation_with_start_end_and_report() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("chatty", "chatty")]);
    let first = t.invoke("chatty", json!({"marker": "one"})).await;
    let second = t.invoke("chatty", json!({"marker": "two"})).await;
    let log = std::fs::read_to_string(log_path(&t.data_dir, "chatty")).unwrap();

    let position = |needle: &str| {
        log.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in log:\n{log}"))
    };
    let id = &first.request_id;
    let start = position(&format!("START RequestId: {id} Version: $LATEST\n"));
    let print = position("hello from the handler one\n");
    let stderr = position("and from stderr\n");
    let end = position(&format!("END RequestId: {id}\n"));
    let report = position(&format!("REPORT RequestId: {id}\tDuration: "));
    assert!(
        start < print && print < stderr && stderr < end && end < report,
        "{log}"
    );
    let report_line = log[report..].lines().next().unwrap();
    assert!(report_line.contains("\tBilled Duration: "), "{report_line}");
    assert!(report_line.contains("\tMemory Size: 128 MB\tMax Memory Used: "));
    assert!(report_line.contains("\tInit Duration: "), "{report_line}");

    // A warm invocation reports no init duration.
    let id = &second.request_id;
    let report = position(&format!("REPORT RequestId: {id}\t"));
    assert!(position("hello from the handler two\n") < report);
    assert!(
        !log[report..]
            .lines()
            .next()
            .unwrap()
            .contains("Init Duration")
    );
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_tail_returns_the_end_of_this_invocations_log() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("chatty", "chatty")]);
    t.invoke("chatty", json!({"marker": "earlier"})).await;
    let result = t
        .host
        .invoke(InvokeRequest {
            log_tail: true,
            ..request("chatty", &json!({"marker": "tailed"}))
        })
        .await
        .unwrap();
    let tail = base64::engine::general_purpose::STANDARD
        .decode(result.log_tail.unwrap())
        .unwrap();
    let tail = String::from_utf8(tail).unwrap();
    assert!(tail.contains("hello from the handler tailed"), "{tail}");
    assert!(tail.contains(&format!("START RequestId: {}", result.request_id)));
    assert!(tail.contains(&format!("REPORT RequestId: {}", result.request_id)));
    assert!(!tail.contains("earlier"), "{tail}");
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_a_changed_spec_retires_old_workers() {
    let t = TestHost::start().await;
    let mut spec = t.python("cfg", "pid");
    spec.environment.insert("V".to_owned(), "1".to_owned());
    t.publish(vec![spec.clone()]);
    let before = json(&t.invoke("cfg", json!({})).await);
    assert_eq!(before["env"], "1");

    // Republishing the same spec keeps the warm worker.
    t.publish(vec![spec.clone()]);
    let same = json(&t.invoke("cfg", json!({})).await);
    assert_eq!(same["pid"], before["pid"]);

    spec.environment.insert("V".to_owned(), "2".to_owned());
    t.publish(vec![spec]);
    let after = json(&t.invoke("cfg", json!({})).await);
    assert_eq!(after["env"], "2");
    assert_ne!(after["pid"], before["pid"]);
    let old_pid = before["pid"].as_u64().unwrap();
    eventually("the old worker to be gone", || !process_alive(old_pid)).await;
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_and_versions_choose_what_runs() {
    let t = TestHost::start().await;
    let latest = t.python("versioned", "pid");
    let mut one = latest.clone();
    one.version = "1".to_owned();
    one.environment.insert("V".to_owned(), "one".to_owned());
    t.host.publish(Catalog {
        functions: vec![latest, one],
        aliases: vec![AliasSpec {
            function: "versioned".to_owned(),
            name: "live".to_owned(),
            version: "1".to_owned(),
            additional_weights: Vec::new(),
        }],
        policies: Vec::new(),
    });
    let via_alias = t.invoke("versioned:live", json!({})).await;
    assert_eq!(via_alias.executed_version, "1");
    assert_eq!(json(&via_alias)["env"], "one");
    let latest = t.invoke("versioned", json!({})).await;
    assert_eq!(latest.executed_version, "$LATEST");
    assert_eq!(json(&latest)["env"], Value::Null);
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_functions_and_oversized_payloads_are_refused() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("echo", "echo")]);
    let err = t
        .host
        .invoke(request("nope", &json!({})))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"
    );
    assert_eq!(err.status(), 404);
    let big = InvokeRequest {
        function: "echo".to_owned(),
        payload: vec![b' '; 6 * 1024 * 1024 + 1].into(),
        ..InvokeRequest::default()
    };
    assert!(matches!(
        t.host.invoke(big).await,
        Err(InvokeError::RequestTooLarge)
    ));
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_kills_warm_workers() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("pid", "pid")]);
    let pid = json(&t.invoke("pid", json!({})).await)["pid"]
        .as_u64()
        .unwrap();
    assert!(process_alive(pid));
    t.host.shutdown().await;
    eventually("the worker to be killed", || !process_alive(pid)).await;
    assert!(t.host.invoke(request("pid", &json!({}))).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_workers_are_reaped_after_the_idle_timeout() {
    let t = TestHost::start_with(|config| config.idle_timeout = Duration::from_millis(300)).await;
    t.publish(vec![t.python("pid", "pid")]);
    let pid = json(&t.invoke("pid", json!({})).await)["pid"]
        .as_u64()
        .unwrap();
    eventually("the idle worker to be reaped", || !process_alive(pid)).await;
    let next = json(&t.invoke("pid", json!({})).await)["pid"].as_u64();
    assert_ne!(next, Some(pid));
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_in_packages_are_found_by_dotted_or_slashed_paths() {
    let t = TestHost::start().await;
    let sha = t.store(&[(
        "pkg/handlers.py",
        "def handle(event, context):\n    return 'from pkg'\n",
        0o644,
    )]);
    let python = Runtime::Python("3.12".to_owned());
    t.publish(vec![
        spec("dotted", &sha, python.clone(), "pkg.handlers.handle"),
        spec("slashed", &sha, python, "pkg/handlers.handle"),
    ]);
    for name in ["dotted", "slashed"] {
        let result = t.invoke(name, json!({})).await;
        assert_eq!(json(&result), json!("from pkg"), "{name}");
    }
    t.host.shutdown().await;
}
