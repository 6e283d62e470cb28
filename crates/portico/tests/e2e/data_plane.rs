//! Data plane through the real binary, with real HTTP clients and a real backend.

use std::time::Duration;

use portico_test_support::EchoBackend;
use serde_json::{Value, json};

use crate::fixtures::{
    Api, create_api, create_resource, deploy, mock_200, mock_api, proxy_api, put_integration,
    put_method, put_responses,
};
use crate::start;

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("http client")
}

#[tokio::test]
async fn mock_integration_answers_from_its_integration_response() {
    let portico = start().await;
    let admin = portico.admin();
    let api = mock_api(&admin, 201, r#"{"created":true}"#).await;
    deploy(&admin, &api, "dev").await;
    let response = client()
        .get(portico.invoke_url(&api.id, "dev", "/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["x-mocked"], "yes");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("x-amzn-requestid"));
    assert!(response.headers().contains_key("x-amz-apigw-id"));
    assert_eq!(response.text().await.unwrap(), r#"{"created":true}"#);
}

#[tokio::test]
async fn ping_answers_on_the_data_plane() {
    let portico = start().await;
    let response = client()
        .get(format!("{}/ping", portico.data_url))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-amzn-requestid"));
}

#[tokio::test]
async fn host_form_and_path_form_reach_the_same_stage() {
    let portico = start().await;
    let admin = portico.admin();
    let api = mock_api(&admin, 200, "hello").await;
    deploy(&admin, &api, "dev").await;
    let host = format!("{}.execute-api.localhost", api.id);
    let by_host = client()
        .get(format!("{}/dev", portico.data_url))
        .header("host", host)
        .send()
        .await
        .unwrap();
    assert_eq!(by_host.status(), 200);
    assert_eq!(by_host.text().await.unwrap(), "hello");
    let by_path = client()
        .get(portico.invoke_url(&api.id, "dev", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(by_path.text().await.unwrap(), "hello");
}

#[tokio::test]
async fn unknown_api_stage_path_or_method_is_missing_authentication_token() {
    let portico = start().await;
    let admin = portico.admin();
    let api = mock_api(&admin, 200, "ok").await;
    deploy(&admin, &api, "dev").await;
    let urls = [
        (
            reqwest::Method::GET,
            portico.invoke_url("nosuchapi0", "dev", "/"),
        ),
        (
            reqwest::Method::GET,
            portico.invoke_url(&api.id, "prod", "/"),
        ),
        (
            reqwest::Method::GET,
            portico.invoke_url(&api.id, "dev", "/nothing/here"),
        ),
        (
            reqwest::Method::POST,
            portico.invoke_url(&api.id, "dev", "/"),
        ),
        (
            reqwest::Method::GET,
            format!("{}/just/a/path", portico.data_url),
        ),
    ];
    for (method, url) in urls {
        let response = client().request(method.clone(), &url).send().await.unwrap();
        assert_eq!(response.status(), 403, "{method} {url}");
        assert_eq!(
            response.headers()["x-amzn-errortype"],
            "MissingAuthenticationTokenException"
        );
        assert!(response.headers().contains_key("x-amzn-requestid"));
        assert_eq!(
            response.text().await.unwrap(),
            r#"{"message":"Missing Authentication Token"}"#
        );
    }
}

#[tokio::test]
async fn http_proxy_passes_method_path_query_headers_and_body() {
    let portico = start().await;
    let backend = EchoBackend::start().await;
    let admin = portico.admin();
    let api = proxy_api(&admin, &backend.url, "dev").await;
    let response = client()
        .post(portico.invoke_url(&api.id, "dev", "/orders/42/items?b=2&a=1&a=3"))
        .header("x-custom", "v")
        .header("x-forwarded-for", "203.0.113.9")
        .body("payload")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-echo"], "1");
    assert_eq!(response.headers()["x-amzn-remapped-server"], "echo-backend");
    let echoed: Value = response.json().await.unwrap();
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["uri"], "/orders/42/items?b=2&a=1&a=3");
    assert_eq!(echoed["body"], "payload");
    assert_eq!(echoed["headers"]["x-custom"], json!(["v"]));
    assert_eq!(
        echoed["headers"]["x-forwarded-for"],
        json!(["203.0.113.9, 127.0.0.1"])
    );
    assert_eq!(echoed["headers"]["host"], json!([backend.authority]));
    assert_eq!(
        echoed["headers"]["x-amzn-apigateway-api-id"],
        json!([api.id])
    );
}

#[tokio::test]
async fn http_proxy_streams_chunked_responses() {
    let portico = start().await;
    let backend = EchoBackend::start().await;
    let api = proxy_api(&portico.admin(), &backend.url, "dev").await;
    let response = client()
        .get(portico.invoke_url(&api.id, "dev", "/chunked/20"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert_eq!(text.lines().count(), 20);
    assert!(text.starts_with("chunk19\n"));
}

#[tokio::test]
async fn http_proxy_times_out_with_aws_504() {
    let portico = start().await;
    let backend = EchoBackend::start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "slow").await;
    let proxy = create_resource(&admin, &api, &api.root, "{proxy+}").await;
    put_method(&admin, &api, &proxy, "ANY", &["method.request.path.proxy"]).await;
    put_integration(
        &admin,
        &api,
        &proxy,
        "ANY",
        json!({
            "type": "HTTP_PROXY", "httpMethod": "ANY", "uri": format!("{}/{{proxy}}", backend.url),
            "timeoutInMillis": 200,
            "requestParameters": { "integration.request.path.proxy": "method.request.path.proxy" }
        }),
    )
    .await;
    deploy(&admin, &api, "dev").await;
    let fast = client()
        .get(portico.invoke_url(&api.id, "dev", "/slow/10"))
        .send()
        .await
        .unwrap();
    assert_eq!(fast.status(), 200);
    let slow = client()
        .get(portico.invoke_url(&api.id, "dev", "/slow/2000"))
        .send()
        .await
        .unwrap();
    assert_eq!(slow.status(), 504);
    assert_eq!(
        slow.text().await.unwrap(),
        r#"{"message": "Endpoint request timed out"}"#
    );
}

#[tokio::test]
async fn unreachable_backend_is_an_internal_server_error() {
    let portico = start().await;
    // A port nobody listens on: bind, read the port, close.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let api = proxy_api(&portico.admin(), &format!("http://{closed}"), "dev").await;
    let response = client()
        .get(portico.invoke_url(&api.id, "dev", "/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.headers()["x-amzn-errortype"],
        "InternalServerErrorException"
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );
}

/// Sends raw bytes on a fresh connection (writing in the background, as a client that keeps
/// uploading would) and returns what the gateway answered before closing.
async fn raw_exchange(address: &str, head: String, body_bytes: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    tokio::spawn(async move {
        let _ = writer.write_all(head.as_bytes()).await;
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < body_bytes {
            if writer.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn bodies_over_ten_megabytes_are_rejected_with_413() {
    let portico = start().await;
    let backend = EchoBackend::start().await;
    let api = proxy_api(&portico.admin(), &backend.url, "dev").await;
    let address = portico.data_url.trim_start_matches("http://").to_owned();
    let path = format!("/restapis/{}/dev/_user_request_/upload", api.id);

    let declared = 10 * 1024 * 1024 + 1;
    let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n");
    let answer = raw_exchange(&address, head, declared).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains(r#"{"message":"Request Too Long"}"#),
        "{answer}"
    );
    assert!(
        backend.received().is_empty(),
        "the backend never saw the declared oversized request"
    );

    // Undeclared (chunked) bodies are cut off at the limit while streaming.
    let head = format!("POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    let chunked_answer = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        tokio::spawn(async move {
            let _ = writer.write_all(head.as_bytes()).await;
            let chunk = format!("10000\r\n{}\r\n", "y".repeat(0x10000));
            for _ in 0..200 {
                if writer.write_all(chunk.as_bytes()).await.is_err() {
                    break;
                }
            }
        });
        let mut answer = Vec::new();
        let _ =
            tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut answer)).await;
        String::from_utf8_lossy(&answer).into_owned()
    };
    assert!(
        chunked_answer.starts_with("HTTP/1.1 413"),
        "{chunked_answer}"
    );
}

#[tokio::test]
async fn literal_beats_greedy_and_any_falls_back() {
    let portico = start().await;
    let backend = EchoBackend::start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "routes").await;
    let health = create_resource(&admin, &api, &api.root, "health").await;
    put_method(&admin, &api, &health, "GET", &[]).await;
    mock_200(&admin, &api, &health, "GET", "healthy").await;
    let proxy = create_resource(&admin, &api, &api.root, "{proxy+}").await;
    put_method(&admin, &api, &proxy, "ANY", &["method.request.path.proxy"]).await;
    put_integration(
        &admin,
        &api,
        &proxy,
        "ANY",
        json!({
            "type": "HTTP_PROXY", "httpMethod": "ANY", "uri": format!("{}/{{proxy}}", backend.url),
            "requestParameters": { "integration.request.path.proxy": "method.request.path.proxy" }
        }),
    )
    .await;
    deploy(&admin, &api, "dev").await;
    let health = client()
        .get(portico.invoke_url(&api.id, "dev", "/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.text().await.unwrap(), "healthy");
    let other = client()
        .delete(portico.invoke_url(&api.id, "dev", "/a/b"))
        .send()
        .await
        .unwrap();
    let echoed: Value = other.json().await.unwrap();
    assert_eq!(
        (echoed["method"].as_str(), echoed["uri"].as_str()),
        (Some("DELETE"), Some("/a/b"))
    );
    let shadowed = client()
        .get(portico.invoke_url(&api.id, "dev", "/health/deep"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        shadowed.status(),
        403,
        "a greedy resource does not serve paths under a literal sibling"
    );
}

#[tokio::test]
async fn http_integration_maps_parameters_and_selects_responses_by_status() {
    let portico = start().await;
    let backend = EchoBackend::start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "mapped").await;
    let item = create_resource(&admin, &api, &api.root, "{id}").await;
    put_method(
        &admin,
        &api,
        &item,
        "GET",
        &[
            "method.request.path.id",
            "method.request.querystring.q",
            "method.request.header.x-in",
        ],
    )
    .await;
    put_integration(
        &admin,
        &api,
        &item,
        "GET",
        json!({
            "type": "HTTP", "httpMethod": "POST", "uri": format!("{}/things/{{thing}}/status/{{code}}", backend.url),
            "requestParameters": {
                "integration.request.path.thing": "method.request.path.id",
                "integration.request.path.code": "method.request.querystring.q",
                "integration.request.querystring.fixed": "'yes'",
                "integration.request.header.x-out": "method.request.header.x-in",
                "integration.request.header.x-request": "context.requestId"
            }
        }),
    )
    .await;
    put_responses(
        &admin,
        &api,
        &item,
        "GET",
        "200",
        json!({ "responseParameters": { "method.response.header.X-Backend": true } }),
        json!({ "responseParameters": { "method.response.header.X-Backend": "integration.response.header.x-echo" } }),
    )
    .await;
    put_responses(
        &admin,
        &api,
        &item,
        "GET",
        "404",
        json!({}),
        json!({ "selectionPattern": "4\\d{2}", "responseTemplates": { "application/json": "{\"error\":\"not found\"}" } }),
    )
    .await;
    deploy(&admin, &api, "dev").await;

    let ok = client()
        .get(portico.invoke_url(&api.id, "dev", "/a%20b?q=200&other=dropped"))
        .header("x-in", "hello")
        .header("x-not-mapped", "dropped")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let request_id = ok.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(ok.headers()["x-backend"], "1");
    let received = backend.last().unwrap();
    assert_eq!(received.method, "POST");
    assert_eq!(received.uri, "/things/a%20b/status/200?fixed=yes");
    assert_eq!(received.headers["x-out"], ["hello"]);
    assert_eq!(received.headers["x-request"], [request_id]);
    assert!(!received.headers.contains_key("x-not-mapped"));
    assert_eq!(
        received.headers["user-agent"],
        [format!("AmazonAPIGateway_{}", api.id)]
    );

    let missing = client()
        .get(portico.invoke_url(&api.id, "dev", "/x?q=404"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.text().await.unwrap(), r#"{"error":"not found"}"#);

    let unmatched = client()
        .get(portico.invoke_url(&api.id, "dev", "/x?q=503"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        unmatched.status(),
        200,
        "no pattern matches 503, so the default response answers"
    );
}

#[tokio::test]
async fn stage_variables_and_redeployments_switch_traffic() {
    let portico = start().await;
    let blue = EchoBackend::start().await;
    let green = EchoBackend::start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "switch").await;
    put_method(&admin, &api, &api.root, "GET", &[]).await;
    put_integration(&admin, &api, &api.root, "GET", json!({ "type": "HTTP_PROXY", "httpMethod": "GET", "uri": "http://${stageVariables.backend}/" })).await;
    admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/deployments", api.id),
            Some(json!({ "stageName": "live", "variables": { "backend": blue.authority } })),
        )
        .await;
    let url = portico.invoke_url(&api.id, "live", "/");
    assert_eq!(client().get(&url).send().await.unwrap().status(), 200);
    assert_eq!(blue.received().len(), 1);

    admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}/stages/live", api.id),
            Some(json!({ "patchOperations": [{ "op": "replace", "path": "/variables/backend", "value": green.authority }] })),
        )
        .await;
    assert_eq!(client().get(&url).send().await.unwrap().status(), 200);
    assert_eq!(green.received().len(), 1);

    // Undeployed changes are invisible until the next deployment.
    let mocked = create_resource(&admin, &api, &api.root, "new").await;
    put_method(&admin, &api, &mocked, "GET", &[]).await;
    put_integration(&admin, &api, &mocked, "GET", json!({ "type": "MOCK" })).await;
    put_responses(&admin, &api, &mocked, "GET", "200", json!({}), json!({})).await;
    let new_url = portico.invoke_url(&api.id, "live", "/new");
    assert_eq!(client().get(&new_url).send().await.unwrap().status(), 403);
    deploy(&admin, &api, "live").await;
    assert_eq!(client().get(&new_url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn deployments_do_not_drop_in_flight_requests() {
    let portico = start().await;
    let backend = EchoBackend::start().await;
    let admin = portico.admin();
    let api = proxy_api(&admin, &backend.url, "dev").await;
    let url = portico.invoke_url(&api.id, "dev", "/slow/300");
    let in_flight = tokio::spawn(async move { client().get(url).send().await.unwrap().status() });
    tokio::time::sleep(Duration::from_millis(50)).await;
    deploy(&admin, &api, "dev").await;
    admin
        .expect(
            202,
            "DELETE",
            &format!("/restapis/{}/stages/dev", api.id),
            None,
        )
        .await;
    assert_eq!(in_flight.await.unwrap(), 200);
    let after = client()
        .get(portico.invoke_url(&api.id, "dev", "/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 403);
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish() {
    let mut portico = start().await;
    let backend = EchoBackend::start().await;
    let api = proxy_api(&portico.admin(), &backend.url, "dev").await;
    let url = portico.invoke_url(&api.id, "dev", "/slow/500");
    let in_flight = tokio::spawn(async move { client().get(url).send().await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut child = portico.terminate();
    assert_eq!(in_flight.await.unwrap().unwrap(), 200);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.success(),
        "portico exits cleanly after draining: {status:?}"
    );
}

#[tokio::test]
async fn unsupported_and_misconfigured_integrations_answer_500() {
    let portico = start().await;
    let admin = portico.admin();
    let api: Api = create_api(&admin, "broken").await;
    put_method(&admin, &api, &api.root, "GET", &[]).await;
    put_integration(&admin, &api, &api.root, "GET", json!({ "type": "HTTP_PROXY", "httpMethod": "GET", "uri": "http://${stageVariables.missing}/" })).await;
    deploy(&admin, &api, "dev").await;
    let response = client()
        .get(portico.invoke_url(&api.id, "dev", "/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message": "Internal server error"}"#
    );
}

#[tokio::test]
async fn malformed_requests_never_crash_the_gateway() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let portico = start().await;
    let address = portico.data_url.trim_start_matches("http://").to_owned();
    let garbage: [&[u8]; 4] = [
        b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        b"NOT-HTTP\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ];
    for bytes in garbage {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream.write_all(bytes).await.unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    }
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let huge_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    stream.write_all(huge_header.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    // Refused heads carry AWS's request ids like every other response.
    assert!(answer.contains("\r\nx-amzn-RequestId: "), "{answer}");
    assert!(answer.contains("\r\nx-amz-apigw-id: "), "{answer}");
    let ping = client()
        .get(portico.invoke_url("x", "y", "/"))
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 403, "still serving");
}

#[tokio::test]
async fn https_backends_need_a_trusted_certificate_unless_verification_is_skipped() {
    let portico = start().await;
    let backend = portico_test_support::start_tls_backend().await;
    let admin = portico.admin();
    let api = create_api(&admin, "tls").await;
    for (part, insecure) in [("trusted", false), ("insecure", true)] {
        let resource = create_resource(&admin, &api, &api.root, part).await;
        put_method(&admin, &api, &resource, "GET", &[]).await;
        put_integration(
            &admin,
            &api,
            &resource,
            "GET",
            json!({
                "type": "HTTP_PROXY", "httpMethod": "GET", "uri": format!("{}/hello", backend.url),
                "tlsConfig": { "insecureSkipVerification": insecure }
            }),
        )
        .await;
    }
    deploy(&admin, &api, "dev").await;
    let refused = client()
        .get(portico.invoke_url(&api.id, "dev", "/trusted"))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        refused.status(),
        500,
        "a self-signed backend certificate is not trusted"
    );
    assert!(backend.received().is_empty());
    let accepted = client()
        .get(portico.invoke_url(&api.id, "dev", "/insecure"))
        .send()
        .await
        .expect("answer");
    assert_eq!(accepted.status(), 200);
    let echoed: Value = accepted.json().await.expect("json");
    assert_eq!(echoed["uri"], "/hello");
    assert_eq!(echoed["headers"]["host"], json!([backend.authority]));
}

#[tokio::test]
async fn slow_clients_are_cut_off_after_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let portico = portico_test_support::Portico::start_with(
        env!("CARGO_BIN_EXE_portico"),
        &["--header-read-timeout", "1"],
    )
    .await;
    let address = portico.data_url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    slow.write_all(b"GET /dev/ HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("partial head");
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "the gateway closed the slow connection");
    // Other clients are unaffected.
    let ok = client()
        .get(portico.invoke_url("x", "y", "/"))
        .send()
        .await
        .expect("answer");
    assert_eq!(ok.status(), 403);
}

#[tokio::test]
async fn canary_takes_its_share_of_traffic_and_promotion_makes_it_the_stage() {
    let portico = start().await;
    let admin = portico.admin();
    let api = mock_api(&admin, 200, "stable").await;
    deploy(&admin, &api, "live").await;
    admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}/resources/{}/methods/GET/integration/responses/200", api.id, api.root),
            Some(json!({ "patchOperations": [{ "op": "replace", "path": "/responseTemplates/application~1json", "value": "canary" }] })),
        )
        .await;
    admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/deployments", api.id),
            Some(json!({ "stageName": "live", "canarySettings": { "percentTraffic": 100.0 } })),
        )
        .await;
    let url = portico.invoke_url(&api.id, "live", "/");
    let body = |url: String| async move {
        client()
            .get(url)
            .send()
            .await
            .expect("answer")
            .text()
            .await
            .expect("body")
    };
    assert_eq!(body(url.clone()).await, "canary");
    let stage_url = format!("/restapis/{}/stages/live", api.id);
    admin
        .expect(200, "PATCH", &stage_url, Some(json!({ "patchOperations": [{ "op": "replace", "path": "/canarySettings/percentTraffic", "value": "0" }] })))
        .await;
    assert_eq!(body(url.clone()).await, "stable");
    let promoted = admin
        .expect(
            200,
            "PATCH",
            &stage_url,
            Some(json!({ "patchOperations": [
                { "op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId" },
                { "op": "remove", "path": "/canarySettings" }
            ] })),
        )
        .await;
    assert!(promoted.get("canarySettings").is_none());
    assert_eq!(body(url).await, "canary");
}

#[tokio::test]
async fn unsigned_iam_calls_and_unknown_api_keys_are_refused() {
    let portico = start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "closed").await;
    for (part, method) in [
        ("iam", json!({ "authorizationType": "AWS_IAM" })),
        (
            "keyed",
            json!({ "authorizationType": "NONE", "apiKeyRequired": true }),
        ),
    ] {
        let resource = create_resource(&admin, &api, &api.root, part).await;
        admin
            .expect(
                201,
                "PUT",
                &format!("/restapis/{}/resources/{resource}/methods/GET", api.id),
                Some(method),
            )
            .await;
        put_integration(&admin, &api, &resource, "GET", json!({ "type": "MOCK" })).await;
        put_responses(&admin, &api, &resource, "GET", "200", json!({}), json!({})).await;
    }
    deploy(&admin, &api, "dev").await;
    let iam = client()
        .get(portico.invoke_url(&api.id, "dev", "/iam"))
        .send()
        .await
        .expect("answer");
    assert_eq!(iam.status(), 403);
    assert_eq!(
        iam.text().await.expect("body"),
        r#"{"message":"Missing Authentication Token"}"#
    );
    let keyed = client()
        .get(portico.invoke_url(&api.id, "dev", "/keyed"))
        .header("x-api-key", "anything")
        .send()
        .await
        .expect("answer");
    assert_eq!(keyed.status(), 403);
    assert_eq!(
        keyed.text().await.expect("body"),
        r#"{"message":"Forbidden"}"#
    );
}
