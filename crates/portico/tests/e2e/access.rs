//! Access control through the binary: `AWS_IAM` methods signed with SigV4 (header and
//! presigned forms), resource policies with IP conditions, trusted proxies, and private
//! endpoints with endpoint policies.

use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderValue};
use portico_test_support::{AdminClient, Portico, ROOT_ACCESS_KEY, ROOT_SECRET_KEY};
use serde_json::{Value, json};

use crate::fixtures::{Api, create_resource, deploy, mock_200, put_method};
use crate::start;

/// `GET /` answered by MOCK with the caller's identity, with `authorization` as the
/// method's authorization type and `policy` as the API's resource policy.
async fn identity_api(
    admin: &AdminClient,
    authorization: &str,
    policy: Option<Value>,
    endpoint: &str,
) -> Api {
    let api = create_api_with_policy(admin, policy, endpoint).await;
    admin
        .expect(
            201,
            "PUT",
            &format!("/restapis/{}/resources/{}/methods/GET", api.id, api.root),
            Some(json!({ "authorizationType": authorization })),
        )
        .await;
    mock_200(
        admin,
        &api,
        &api.root,
        "GET",
        "{\"userArn\": \"$context.identity.userArn\", \"caller\": \"$context.identity.caller\", \"accessKey\": \"$context.identity.accessKey\", \"accountId\": \"$context.identity.accountId\", \"sourceIp\": \"$context.identity.sourceIp\"}",
    )
    .await;
    deploy(admin, &api, "prod").await;
    api
}

/// `create-rest-api` with an endpoint type and, if given, `policy` as the resource policy.
async fn create_api_with_policy(admin: &AdminClient, policy: Option<Value>, endpoint: &str) -> Api {
    let mut create = json!({"name": "access", "endpointConfiguration": {"types": [endpoint]}});
    if let Some(policy) = policy {
        create["policy"] = Value::String(policy.to_string());
    }
    let created = admin.expect(201, "POST", "/restapis", Some(create)).await;
    Api {
        id: created["id"].as_str().expect("id").to_owned(),
        root: created["rootResourceId"].as_str().expect("root").to_owned(),
    }
}

fn now() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs(),
    )
    .expect("time")
}

/// Sends `GET url`, signed for `execute-api` at `signed_at` when `credentials` are given.
async fn get_signed(
    url: &str,
    credentials: Option<(&str, &str)>,
    service: &str,
    signed_at: i64,
    extra: &[(&str, &str)],
) -> (u16, HeaderMap, Value) {
    let parsed: http::Uri = url.parse().expect("url");
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::HOST,
        HeaderValue::from_str(parsed.authority().expect("authority").as_str()).expect("host"),
    );
    if let Some((access_key_id, secret_access_key)) = credentials {
        let signed = portico_sigv4::sign(
            &portico_sigv4::RequestParts {
                method: "GET",
                path: parsed.path(),
                query: parsed.query(),
                headers: &headers,
            },
            &portico_sigv4::SigningCredentials {
                access_key_id,
                secret_access_key,
                session_token: None,
            },
            "us-east-1",
            service,
            &portico_sigv4::sha256_hex(b""),
            signed_at,
        );
        for (name, value) in signed {
            headers.insert(name, value);
        }
    }
    headers.remove(http::header::HOST);
    for (name, value) in extra {
        headers.insert(
            http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
            HeaderValue::from_str(value).expect("value"),
        );
    }
    let response = reqwest::Client::new()
        .get(url)
        .headers(headers)
        .send()
        .await
        .expect("data plane answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body");
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, headers, json)
}

/// Sends `GET url` without a signature.
async fn get_unsigned(url: &str) -> (u16, HeaderMap, Value) {
    get_signed(url, None, "execute-api", now(), &[]).await
}

fn error_type(headers: &HeaderMap) -> &str {
    headers
        .get("x-amzn-errortype")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn aws_iam_methods_need_a_valid_signature_and_see_the_caller() {
    let portico = start().await;
    let admin = portico.admin();
    let api = identity_api(&admin, "AWS_IAM", None, "REGIONAL").await;
    let url = portico.invoke_url(&api.id, "prod", "/");
    let root = Some((ROOT_ACCESS_KEY, ROOT_SECRET_KEY));

    let (status, headers, body) = get_unsigned(&url).await;
    assert_eq!(
        (status, error_type(&headers)),
        (403, "MissingAuthenticationTokenException")
    );
    assert_eq!(body["message"], "Missing Authentication Token");

    let (status, _, body) = get_signed(&url, root, "execute-api", now(), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userArn"], "arn:aws:iam::000000000000:root");
    assert_eq!(body["caller"], "000000000000");
    assert_eq!(body["accessKey"], ROOT_ACCESS_KEY);
    assert_eq!(body["accountId"], "000000000000");
    assert_eq!(body["sourceIp"], "127.0.0.1");

    let (status, headers, body) = get_signed(
        &url,
        Some((ROOT_ACCESS_KEY, "wrong-secret")),
        "execute-api",
        now(),
        &[],
    )
    .await;
    assert_eq!(
        (status, error_type(&headers)),
        (403, "InvalidSignatureException")
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("The request signature we calculated does not match"),
        "{body}"
    );

    let (status, headers, body) = get_signed(&url, root, "apigateway", now(), &[]).await;
    assert_eq!(
        (status, error_type(&headers)),
        (403, "InvalidSignatureException")
    );
    assert_eq!(
        body["message"],
        "Credential should be scoped to correct service: 'execute-api'. "
    );

    let (status, headers, body) = get_signed(&url, root, "execute-api", now() - 600, &[]).await;
    assert_eq!(
        (status, error_type(&headers)),
        (403, "InvalidSignatureException")
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Signature expired"),
        "{body}"
    );

    let (status, headers, body) = get_signed(
        &url,
        Some(("AKIAUNKNOWNUNKNOWN00", "x")),
        "execute-api",
        now(),
        &[],
    )
    .await;
    assert_eq!(
        (status, error_type(&headers)),
        (403, "UnrecognizedClientException")
    );
    assert_eq!(
        body["message"],
        "The security token included in the request is invalid."
    );

    // A header added after signing is not covered; one the client signed and changed is.
    let (status, _, _) = get_signed(&url, root, "execute-api", now(), &[("x-extra", "1")]).await;
    assert_eq!(status, 200);
    let (status, headers, _) = get_signed(
        &url,
        root,
        "execute-api",
        now(),
        &[("x-amz-date", "20200101T000000Z")],
    )
    .await;
    assert_eq!(
        (status, error_type(&headers)),
        (403, "InvalidSignatureException")
    );
}

#[tokio::test]
async fn presigned_urls_invoke_aws_iam_methods() {
    let portico = start().await;
    let admin = portico.admin();
    let api = identity_api(&admin, "AWS_IAM", None, "REGIONAL").await;
    let url = portico.invoke_url(&api.id, "prod", "/");
    let parsed: http::Uri = url.parse().expect("url");
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::HOST,
        HeaderValue::from_str(parsed.authority().expect("authority").as_str()).expect("host"),
    );
    let query = portico_sigv4::presign(
        &portico_sigv4::RequestParts {
            method: "GET",
            path: parsed.path(),
            query: None,
            headers: &headers,
        },
        &portico_sigv4::SigningCredentials {
            access_key_id: ROOT_ACCESS_KEY,
            secret_access_key: ROOT_SECRET_KEY,
            session_token: None,
        },
        "us-east-1",
        "execute-api",
        &portico_sigv4::sha256_hex(b""),
        300,
        now(),
    );
    let presigned = format!("{url}?{query}");
    let response = reqwest::get(&presigned).await.expect("answered");
    assert_eq!(response.status().as_u16(), 200);
    let tampered = presigned.replace("X-Amz-Expires=300", "X-Amz-Expires=900");
    let response = reqwest::get(&tampered).await.expect("answered");
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn resource_policies_allow_and_deny_by_source_ip() {
    let portico = start().await;
    let admin = portico.admin();
    let statement = |effect: &str, operator: &str, cidr: &str| {
        json!({"Effect": effect, "Principal": "*", "Action": "execute-api:Invoke",
               "Resource": "execute-api:/*", "Condition": {operator: {"aws:SourceIp": cidr}}})
    };
    // Allowed from loopback.
    let allowed = identity_api(
        &admin,
        "NONE",
        Some(json!({"Version": "2012-10-17", "Statement": [statement("Allow", "IpAddress", "127.0.0.0/8")]})),
        "REGIONAL",
    )
    .await;
    let (status, _, _) = get_unsigned(&portico.invoke_url(&allowed.id, "prod", "/")).await;
    assert_eq!(status, 200);

    // Only 10/8 is allowed: implicit deny for loopback.
    let elsewhere = identity_api(
        &admin,
        "NONE",
        Some(json!({"Version": "2012-10-17", "Statement": [statement("Allow", "IpAddress", "10.0.0.0/8")]})),
        "REGIONAL",
    )
    .await;
    let (status, headers, body) =
        get_unsigned(&portico.invoke_url(&elsewhere.id, "prod", "/")).await;
    assert_eq!(
        (status, error_type(&headers)),
        (403, "AccessDeniedException")
    );
    assert_eq!(
        body["message"],
        format!(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:{}/prod/GET/",
            elsewhere.id
        )
    );

    // Allow everyone, deny loopback: the explicit deny wins and says so.
    let denied = identity_api(
        &admin,
        "NONE",
        Some(json!({"Version": "2012-10-17", "Statement": [
            statement("Allow", "NotIpAddress", "192.0.2.0/24"),
            statement("Deny", "IpAddress", "127.0.0.1/32"),
        ]})),
        "REGIONAL",
    )
    .await;
    let (status, _, body) = get_unsigned(&portico.invoke_url(&denied.id, "prod", "/")).await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .ends_with("with an explicit deny"),
        "{body}"
    );

    // The stored policy has its short resource form expanded.
    let stored = admin
        .expect(200, "GET", &format!("/restapis/{}", denied.id), None)
        .await;
    assert!(
        stored["policy"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!(
                "arn:aws:execute-api:us-east-1:000000000000:{}/*",
                denied.id
            )),
        "{stored}"
    );

    // A malformed policy is refused on save and changes nothing.
    let (status, body) = admin
        .call(
            "POST",
            "/restapis",
            Some(json!({"name": "bad", "policy": "{\"Statement\": [{\"Effect\": \"Allow\"}]}"})),
        )
        .await;
    assert_eq!(status.as_u16(), 400, "{body}");
}

#[tokio::test]
async fn trusted_proxies_decide_the_source_ip_policies_see() {
    let portico = Portico::start_with(
        env!("CARGO_BIN_EXE_portico"),
        &["--trusted-proxy", "127.0.0.1/32"],
    )
    .await;
    let admin = portico.admin();
    let api = identity_api(
        &admin,
        "NONE",
        Some(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
             "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}
        ]})),
        "REGIONAL",
    )
    .await;
    let url = portico.invoke_url(&api.id, "prod", "/");
    let (status, _, body) = get_signed(
        &url,
        None,
        "execute-api",
        now(),
        &[("x-forwarded-for", "198.51.100.4")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["sourceIp"], "198.51.100.4");
    let (status, _, _) = get_signed(
        &url,
        None,
        "execute-api",
        now(),
        &[("x-forwarded-for", "203.0.113.9")],
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn private_apis_answer_only_on_private_listeners_that_their_policies_allow() {
    let dir = tempfile::tempdir().expect("temp dir");
    let endpoint_policy = dir.path().join("endpoint.json");
    std::fs::write(
        &endpoint_policy,
        json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
                              "Resource": "arn:aws:execute-api:*:*:*/prod/*"}]})
        .to_string(),
    )
    .expect("policy file");
    let policy_option = format!("vpce-open={}", endpoint_policy.display());
    let portico = Portico::start_with(
        env!("CARGO_BIN_EXE_portico"),
        &[
            "--private-listen",
            "vpce-open=127.0.0.1:0",
            "--private-listen",
            "vpce-other=127.0.0.1:0",
            "--endpoint-policy",
            &policy_option,
        ],
    )
    .await;
    let admin = portico.admin();

    // A PRIVATE API cannot be deployed without a resource policy.
    let bare = identity_api(&admin, "NONE", None, "REGIONAL").await;
    admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}", bare.id),
            Some(json!({"patchOperations": [{"op": "replace", "path": "/endpointConfiguration/types/REGIONAL", "value": "PRIVATE"}]})),
        )
        .await;

    let api = identity_api(
        &admin,
        "NONE",
        Some(json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
             "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-open"}}}
        ]})),
        "PRIVATE",
    )
    .await;
    let path = format!("/restapis/{}/prod/_user_request_/", api.id);
    let open = portico
        .private_url("vpce-open")
        .expect("vpce-open listener");
    let other = portico
        .private_url("vpce-other")
        .expect("vpce-other listener");

    let (status, _, _) = get_unsigned(&format!("{open}{path}")).await;
    assert_eq!(status, 200);
    // The Route 53 alias host form names the API before the endpoint id.
    let alias = format!("{}-vpce-open.execute-api.localhost", api.id);
    let (status, _, body) = get_signed(
        &format!("{open}/prod/"),
        None,
        "execute-api",
        now(),
        &[("host", &alias)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = get_unsigned(&format!("{other}{path}")).await;
    assert_eq!(
        status, 403,
        "the resource policy names only vpce-open: {body}"
    );
    let (status, headers, body) = get_unsigned(&format!("{}{path}", portico.data_url)).await;
    assert_eq!((status, error_type(&headers)), (403, "ForbiddenException"));
    assert_eq!(body["message"], "Forbidden");

    // A public API is not served through a private listener.
    let public = identity_api(&admin, "NONE", None, "REGIONAL").await;
    let (status, _, _) = get_unsigned(&format!(
        "{open}/restapis/{}/prod/_user_request_/",
        public.id
    ))
    .await;
    assert_eq!(status, 403);

    // The endpoint policy allows only stage prod: another stage of the same API is denied.
    deploy(&admin, &api, "test").await;
    let (status, _, body) =
        get_unsigned(&format!("{open}/restapis/{}/test/_user_request_/", api.id)).await;
    assert_eq!(status, 403, "{body}");

    let (status, body) = admin
        .call(
            "POST",
            &format!("/restapis/{}/deployments", bare.id),
            Some(json!({"stageName": "prod"})),
        )
        .await;
    assert_eq!(status.as_u16(), 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Private REST API doesn't have a resource policy attached to it"),
        "{body}"
    );
}

/// `GET /{proxy+}` answered 200 by MOCK, without authorization, with `policy` as the API's
/// resource policy.
async fn greedy_mock_api(admin: &AdminClient, policy: Option<Value>) -> Api {
    let api = create_api_with_policy(admin, policy, "REGIONAL").await;
    let proxy = create_resource(admin, &api, &api.root, "{proxy+}").await;
    put_method(admin, &api, &proxy, "GET", &[]).await;
    mock_200(admin, &api, &proxy, "GET", "{\"ok\": true}").await;
    deploy(admin, &api, "prod").await;
    api
}

#[tokio::test]
async fn method_arns_longer_than_1600_bytes_are_refused_where_a_policy_applies() {
    let portico = start().await;
    let admin = portico.admin();
    let allow_all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]});
    let guarded = greedy_mock_api(&admin, Some(allow_all)).await;
    let open = greedy_mock_api(&admin, None).await;
    let arn_prefix = format!(
        "arn:aws:execute-api:us-east-1:000000000000:{}/prod/GET/",
        guarded.id
    );
    // The longest path whose method ARN is exactly 1600 bytes.
    let longest = format!("/{}", "a".repeat(1600 - arn_prefix.len()));
    let (status, _, body) = get_unsigned(&portico.invoke_url(&guarded.id, "prod", &longest)).await;
    assert_eq!((status, &body), (200, &json!({"ok": true})));

    let too_long = format!("{longest}b");
    let (status, headers, body) =
        get_unsigned(&portico.invoke_url(&guarded.id, "prod", &too_long)).await;
    assert_eq!(status, 414, "{body}");
    assert_eq!(body, json!({"message": "Request URI too long"}));
    assert_eq!(error_type(&headers), "BadRequestException");

    // No authorization and no resource policy: no method ARN is built, no limit applies.
    let (status, _, _) = get_unsigned(&portico.invoke_url(&open.id, "prod", &too_long)).await;
    assert_eq!(status, 200);
}
