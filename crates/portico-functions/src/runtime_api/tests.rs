use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

/// One HTTP/1.1 exchange over a fresh connection: (status, head, body).
async fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    extra_headers: &str,
    body: &[u8],
) -> (u16, String, String) {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n{extra_headers}\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    exchange(address, &request).await
}

async fn exchange(address: SocketAddr, request: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn invocation(request_id: &str) -> (Invocation, oneshot::Receiver<Instant>) {
    let (picked_up, picked) = oneshot::channel();
    let invocation = Invocation {
        request_id: request_id.to_owned(),
        payload: Bytes::from_static(b"{\"a\":1}"),
        invoked_arn: "arn:aws:lambda:us-east-1:000000000000:function:f".to_owned(),
        trace_id: "Root=1-0-0".to_owned(),
        client_context: Some("{\"custom\":{}}".to_owned()),
        cognito_identity: None,
        timeout: Duration::from_secs(3),
        picked_up,
    };
    (invocation, picked)
}

#[tokio::test]
async fn next_returns_the_event_with_lambda_headers_and_response_completes_it() {
    let (api, address, _server) = serve().await.unwrap();
    let (invocation, picked) = invocation("req-1");
    let (outcome_tx, outcome) = oneshot::channel();
    api.deliver(invocation, outcome_tx);

    let (status, head, body) = http(
        address,
        "GET",
        "/2018-06-01/runtime/invocation/next",
        "",
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, "{\"a\":1}");
    assert!(
        head.contains("lambda-runtime-aws-request-id: req-1"),
        "{head}"
    );
    assert!(head.contains("lambda-runtime-deadline-ms: "), "{head}");
    assert!(head.contains(
        "lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:000000000000:function:f"
    ));
    assert!(head.contains("lambda-runtime-client-context: {\"custom\":{}}"));
    assert!(!head.contains("lambda-runtime-cognito-identity"));
    picked.await.unwrap();

    let (status, _, body) = http(
        address,
        "POST",
        "/2018-06-01/runtime/invocation/req-1/response",
        "",
        b"\"done\"",
    )
    .await;
    assert_eq!((status, body.as_str()), (202, "{\"status\":\"OK\"}"));
    assert!(matches!(outcome.await.unwrap(), Outcome::Response(b) if b == "\"done\""));
}

#[tokio::test]
async fn a_poll_waiting_before_delivery_gets_the_invocation() {
    let (api, address, _server) = serve().await.unwrap();
    let poll = tokio::spawn(http(
        address,
        "GET",
        "/2018-06-01/runtime/invocation/next",
        "",
        b"",
    ));
    // Deliver only once the runtime is polling, so the waiting path is the one exercised.
    while api.first_poll().is_none() {
        tokio::task::yield_now().await;
    }
    let (invocation, _picked) = invocation("req-2");
    let (outcome_tx, _outcome) = oneshot::channel();
    api.deliver(invocation, outcome_tx);
    let (status, head, _) = poll.await.unwrap();
    assert_eq!(status, 200);
    assert!(head.contains("lambda-runtime-aws-request-id: req-2"));
}

#[tokio::test]
async fn unknown_request_ids_are_refused() {
    let (_api, address, _server) = serve().await.unwrap();
    let (status, _, body) = http(
        address,
        "POST",
        "/2018-06-01/runtime/invocation/nope/response",
        "",
        b"{}",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("\"errorType\":\"InvalidRequestID\""),
        "{body}"
    );
}

#[tokio::test]
async fn errors_keep_the_runtime_document_or_build_one_from_the_header() {
    let (api, address, _server) = serve().await.unwrap();
    for (body, expected_type) in [
        (
            &b"{\"errorType\":\"ValueError\",\"errorMessage\":\"x\"}"[..],
            "ValueError",
        ),
        (&b"not json"[..], "Custom.Type"),
    ] {
        let (invocation, _picked) = invocation("req-3");
        let (outcome_tx, outcome) = oneshot::channel();
        api.deliver(invocation, outcome_tx);
        http(
            address,
            "GET",
            "/2018-06-01/runtime/invocation/next",
            "",
            b"",
        )
        .await;
        let (status, _, _) = http(
            address,
            "POST",
            "/2018-06-01/runtime/invocation/req-3/error",
            "Lambda-Runtime-Function-Error-Type: Custom.Type\r\n",
            body,
        )
        .await;
        assert_eq!(status, 202);
        let Outcome::Error(document) = outcome.await.unwrap() else {
            panic!("expected an error outcome");
        };
        let document: serde_json::Value = serde_json::from_slice(&document).unwrap();
        assert_eq!(document["errorType"], expected_type);
    }
}

#[tokio::test]
async fn an_init_error_before_delivery_fails_the_next_invocation() {
    let (api, address, _server) = serve().await.unwrap();
    let (status, _, _) = http(
        address,
        "POST",
        "/2018-06-01/runtime/init/error",
        "Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError\r\n",
        b"{\"errorType\":\"Runtime.ImportModuleError\",\"errorMessage\":\"m\"}",
    )
    .await;
    assert_eq!(status, 202);
    let (invocation, _picked) = invocation("req-4");
    let (outcome_tx, outcome) = oneshot::channel();
    api.deliver(invocation, outcome_tx);
    assert!(matches!(outcome.await.unwrap(), Outcome::InitError(_)));
}

#[tokio::test]
async fn responses_over_the_limit_are_refused_with_413() {
    let (api, address, _server) = serve().await.unwrap();
    let (invocation, _picked) = invocation("req-5");
    let (outcome_tx, outcome) = oneshot::channel();
    api.deliver(invocation, outcome_tx);
    http(
        address,
        "GET",
        "/2018-06-01/runtime/invocation/next",
        "",
        b"",
    )
    .await;
    // The declared length alone is refused; the body is never sent.
    let head = format!(
        "POST /2018-06-01/runtime/invocation/req-5/response HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        MAX_RESPONSE_BYTES + 1
    );
    let (status, _, body) = exchange(address, head.as_bytes()).await;
    assert_eq!(status, 413);
    assert!(body.contains("RequestEntityTooLarge"), "{body}");
    assert!(matches!(outcome.await.unwrap(), Outcome::ResponseTooLarge));
}

#[tokio::test]
async fn unknown_paths_are_not_found() {
    let (_api, address, _server) = serve().await.unwrap();
    let (status, _, _) = http(address, "GET", "/2020-01-01/extension/register", "", b"").await;
    assert_eq!(status, 404);
}
