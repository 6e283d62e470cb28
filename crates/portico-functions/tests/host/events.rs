//! `Event` invocations: background runs, retries, the durable spool across restarts.

use std::path::Path;

use portico_functions::{InvokeError, InvokeRequest};
use serde_json::json;

use crate::support::{TestHost, eventually, request};

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|text| text.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn spool_is_empty(data_dir: &Path) -> bool {
    std::fs::read_dir(data_dir.join("functions/events"))
        .expect("spool directory")
        .next()
        .is_none()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_runs_in_the_background_and_is_retried_after_a_failure() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("record", "record")]);
    let marker = t.data_dir.join("attempts.txt");
    let request_id = t
        .host
        .enqueue(request("record", &json!({"path": marker, "fail_times": 1})))
        .unwrap();
    assert_eq!(request_id.len(), 36);
    eventually("the retry to succeed", || {
        lines(&marker).len() == 2 && spool_is_empty(&t.data_dir)
    })
    .await;
    // Every attempt runs under the request id the caller got back.
    assert_eq!(lines(&marker), vec![request_id.clone(), request_id]);
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_event_is_tried_three_times_then_dropped() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("record", "record")]);
    let marker = t.data_dir.join("attempts.txt");
    t.host
        .enqueue(request(
            "record",
            &json!({"path": marker, "fail_times": 100}),
        ))
        .unwrap();
    eventually("the event to be dropped", || spool_is_empty(&t.data_dir)).await;
    assert_eq!(lines(&marker).len(), 3);
    t.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_event_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("attempts.txt");

    // The first host accepts the event but cannot run it: the function is throttled.
    let first = TestHost::start_on(dir.path()).await;
    let mut throttled = first.python("record", "record");
    throttled.reserved_concurrency = Some(0);
    first.publish(vec![throttled]);
    let request_id = first
        .host
        .enqueue(request("record", &json!({"path": marker})))
        .unwrap();
    first.host.shutdown().await;
    assert!(!spool_is_empty(dir.path()));
    assert!(lines(&marker).is_empty());

    // The next host on the same directory runs it once its catalog is published.
    let second = TestHost::start_on(dir.path()).await;
    second.publish(vec![second.python("record", "record")]);
    eventually("the resumed event to run", || {
        lines(&marker).len() == 1 && spool_is_empty(dir.path())
    })
    .await;
    assert_eq!(lines(&marker), vec![request_id]);
    second.host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_for_unknown_functions_or_over_256_kb_are_refused() {
    let t = TestHost::start().await;
    t.publish(vec![t.python("record", "record")]);
    let err = t.host.enqueue(request("nope", &json!({}))).unwrap_err();
    assert!(matches!(err, InvokeError::NotFound { .. }));
    let big = InvokeRequest {
        function: "record".to_owned(),
        payload: vec![b' '; 256 * 1024 + 1].into(),
        ..InvokeRequest::default()
    };
    assert!(matches!(
        t.host.enqueue(big),
        Err(InvokeError::RequestTooLarge)
    ));
    assert!(spool_is_empty(&t.data_dir));
    t.host.shutdown().await;
}
