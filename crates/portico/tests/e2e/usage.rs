//! API keys, usage plans, throttling, quotas, usage reports and the stage cache, through the
//! binary with real HTTP clients and a backend that counts its hits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use portico_test_support::{AdminClient, EchoBackend, Portico};
use serde_json::{Value, json};

use crate::fixtures::{Api, create_api, create_resource, deploy, mock_api, put_integration};
use crate::start;

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("http client")
}

/// Marks the root `GET` of `api` as requiring an API key.
async fn require_key(admin: &AdminClient, api: &Api) {
    admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}/resources/{}/methods/GET", api.id, api.root),
            Some(json!({"patchOperations": [{"op": "replace", "path": "/apiKeyRequired", "value": "true"}]})),
        )
        .await;
}

/// Creates an enabled key and returns (id, value).
async fn create_key(admin: &AdminClient, value: &str) -> (String, String) {
    let key = admin
        .expect(
            201,
            "POST",
            "/apikeys",
            Some(json!({"name": "k", "enabled": true, "value": value})),
        )
        .await;
    (
        key["id"].as_str().expect("key id").to_owned(),
        value.to_owned(),
    )
}

/// Creates a usage plan covering `stages` and adds `key_id` to it; returns the plan id.
async fn plan_with_key(admin: &AdminClient, plan: Value, key_id: &str) -> String {
    let plan = admin.expect(201, "POST", "/usageplans", Some(plan)).await;
    let plan_id = plan["id"].as_str().expect("plan id").to_owned();
    admin
        .expect(
            201,
            "POST",
            &format!("/usageplans/{plan_id}/keys"),
            Some(json!({"keyId": key_id, "keyType": "API_KEY"})),
        )
        .await;
    plan_id
}

/// A MOCK API whose root `GET` needs a key, deployed to `dev`, with an enabled key `value`
/// in a plan over `dev` that also has `plan` (throttle, quota…). Returns (api, key id, value,
/// plan id).
async fn keyed_mock_api(
    admin: &AdminClient,
    value: &str,
    plan: Value,
) -> (Api, String, String, String) {
    let api = mock_api(admin, 200, "ok").await;
    require_key(admin, &api).await;
    deploy(admin, &api, "dev").await;
    let (key_id, value) = create_key(admin, value).await;
    let mut plan = plan;
    plan["apiStages"] = json!([{"apiId": api.id, "stage": "dev"}]);
    let plan_id = plan_with_key(admin, plan, &key_id).await;
    (api, key_id, value, plan_id)
}

async fn get(portico: &Portico, api: &Api, stage: &str, key: Option<&str>) -> (u16, String) {
    let mut request = client().get(portico.invoke_url(&api.id, stage, "/"));
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let response = request.send().await.expect("answer");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn api_keys_must_exist_be_enabled_and_belong_to_a_plan_of_the_stage() {
    let portico = start().await;
    let admin = portico.admin();
    let api = mock_api(&admin, 200, "ok").await;
    require_key(&admin, &api).await;
    deploy(&admin, &api, "dev").await;
    deploy(&admin, &api, "prod").await;
    let (key_id, value) = create_key(&admin, "abcdefghijklmnopqrstuvwxyz012345").await;
    let (_, orphan) = create_key(&admin, "zyxwvutsrqponmlkjihgfedcba543210").await;
    plan_with_key(
        &admin,
        json!({"name": "basic", "apiStages": [{"apiId": api.id, "stage": "dev"}]}),
        &key_id,
    )
    .await;

    let forbidden = r#"{"message":"Forbidden"}"#;
    assert_eq!(
        get(&portico, &api, "dev", None).await,
        (403, forbidden.into())
    );
    assert_eq!(
        get(&portico, &api, "dev", Some("wrong-key-value-00000000")).await,
        (403, forbidden.into())
    );
    assert_eq!(
        get(&portico, &api, "dev", Some(&orphan)).await,
        (403, forbidden.into()),
        "key in no plan"
    );
    assert_eq!(
        get(&portico, &api, "prod", Some(&value)).await,
        (403, forbidden.into()),
        "plan lacks prod"
    );
    assert_eq!(
        get(&portico, &api, "dev", Some(&value)).await,
        (200, "ok".into())
    );
    let response = client()
        .get(portico.invoke_url(&api.id, "dev", "/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-amzn-errortype"], "ForbiddenException");

    admin
        .expect(
            200,
            "PATCH",
            &format!("/apikeys/{key_id}"),
            Some(json!({"patchOperations": [{"op": "replace", "path": "/enabled", "value": "false"}]})),
        )
        .await;
    assert_eq!(
        get(&portico, &api, "dev", Some(&value)).await.0,
        403,
        "disabled keys are refused at once"
    );
}

#[tokio::test]
async fn usage_plan_throttle_admits_rate_times_seconds_plus_burst() {
    let portico = start().await;
    let admin = portico.admin();
    let (rate, burst) = (50.0, 25);
    let (api, _, value, _) = keyed_mock_api(
        &admin,
        "throttlekey0123456789abcdef",
        json!({"name": "t", "throttle": {"rateLimit": rate, "burstLimit": burst}}),
    )
    .await;

    let admitted = Arc::new(AtomicUsize::new(0));
    let throttled = Arc::new(AtomicUsize::new(0));
    let url = portico.invoke_url(&api.id, "dev", "/");
    let run_for = Duration::from_secs(3);
    let started = Instant::now();
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (admitted, throttled, url, value) = (
                Arc::clone(&admitted),
                Arc::clone(&throttled),
                url.clone(),
                value.clone(),
            );
            tokio::spawn(async move {
                let client = client();
                while started.elapsed() < run_for {
                    let response = client
                        .get(&url)
                        .header("x-api-key", &value)
                        .send()
                        .await
                        .unwrap();
                    match response.status().as_u16() {
                        200 => admitted.fetch_add(1, Ordering::Relaxed),
                        429 => {
                            assert_eq!(
                                response.text().await.unwrap(),
                                r#"{"message":"Too Many Requests"}"#
                            );
                            throttled.fetch_add(1, Ordering::Relaxed)
                        }
                        other => panic!("unexpected status {other}"),
                    };
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let expected = rate * seconds + f64::from(burst);
    let admitted = admitted.load(Ordering::Relaxed) as f64;
    assert!(
        throttled.load(Ordering::Relaxed) > 0,
        "the load exceeded the rate"
    );
    assert!(
        (admitted - expected).abs() <= expected * 0.05,
        "admitted {admitted}, expected {expected:.1} ± 5% over {seconds:.2}s"
    );
}

#[tokio::test]
async fn stage_method_throttling_applies_without_keys() {
    let portico = start().await;
    let admin = portico.admin();
    let api = mock_api(&admin, 200, "ok").await;
    deploy(&admin, &api, "dev").await;
    admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}/stages/dev", api.id),
            Some(json!({"patchOperations": [
                {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.5"},
                {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "2"}
            ]})),
        )
        .await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(get(&portico, &api, "dev", None).await.0);
    }
    assert_eq!(statuses, vec![200, 200, 429, 429]);
}

#[tokio::test]
async fn quota_is_enforced_reported_adjusted_and_survives_a_restart() {
    let mut portico = start().await;
    let admin = portico.admin();
    let (api, key_id, value, plan_id) = keyed_mock_api(
        &admin,
        "quotakey0123456789abcdefgh",
        json!({"name": "q", "quota": {"limit": 3, "period": "DAY"}}),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(get(&portico, &api, "dev", Some(&value)).await.0, 200);
    }
    assert_eq!(
        get(&portico, &api, "dev", Some(&value)).await,
        (429, r#"{"message":"Limit Exceeded"}"#.into())
    );
    let today = chrono_today();
    let usage = admin
        .expect(
            200,
            "GET",
            &format!("/usageplans/{plan_id}/usage?startDate={today}&endDate={today}"),
            None,
        )
        .await;
    assert_eq!(usage["usagePlanId"], plan_id);
    assert_eq!(usage["values"][&key_id], json!([[3, 0]]));

    admin
        .expect(
            200,
            "PATCH",
            &format!("/usageplans/{plan_id}/keys/{key_id}/usage"),
            Some(
                json!({"patchOperations": [{"op": "replace", "path": "/remaining", "value": "2"}]}),
            ),
        )
        .await;
    assert_eq!(get(&portico, &api, "dev", Some(&value)).await.0, 200);

    // Counted requests reach the store within a second; a restart keeps them and the quota.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    portico.restart().await;
    let admin = portico.admin();
    let usage = admin
        .expect(
            200,
            "GET",
            &format!("/usageplans/{plan_id}/usage?startDate={today}&endDate={today}"),
            None,
        )
        .await;
    assert_eq!(usage["values"][&key_id], json!([[4, 1]]));
    assert_eq!(get(&portico, &api, "dev", Some(&value)).await.0, 200);
    assert_eq!(get(&portico, &api, "dev", Some(&value)).await.0, 429);
}

/// Today's UTC date, `YYYY-MM-DD`.
fn chrono_today() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64;
    portico_limits::quota::date_of(now)
}

/// A cached proxy API: `ANY /{proxy+}` to the backend, keyed by the path and `?type=`.
async fn cached_api(admin: &AdminClient, backend: &EchoBackend, settings: &[(&str, &str)]) -> Api {
    let api = create_api(admin, "cached").await;
    let proxy = create_resource(admin, &api, &api.root, "{proxy+}").await;
    admin
        .expect(
            201,
            "PUT",
            &format!("/restapis/{}/resources/{proxy}/methods/ANY", api.id),
            Some(json!({"authorizationType": "NONE", "requestParameters": {
                "method.request.path.proxy": true, "method.request.querystring.type": false
            }})),
        )
        .await;
    put_integration(
        admin,
        &api,
        &proxy,
        "ANY",
        json!({
            "type": "HTTP_PROXY", "httpMethod": "ANY",
            "uri": format!("{}/{{proxy}}", backend.url),
            "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"},
            "cacheKeyParameters": ["method.request.path.proxy", "method.request.querystring.type"]
        }),
    )
    .await;
    admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/deployments", api.id),
            Some(
                json!({"stageName": "dev", "cacheClusterEnabled": true, "cacheClusterSize": "0.5"}),
            ),
        )
        .await;
    if !settings.is_empty() {
        let operations: Vec<Value> = settings
            .iter()
            .map(|(path, value)| json!({"op": "replace", "path": path, "value": value}))
            .collect();
        admin
            .expect(
                200,
                "PATCH",
                &format!("/restapis/{}/stages/dev", api.id),
                Some(json!({ "patchOperations": operations })),
            )
            .await;
    }
    api
}

async fn fetch(
    portico: &Portico,
    api: &Api,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = client().get(portico.invoke_url(&api.id, "dev", path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("answer");
    assert_eq!(response.status(), 200);
    response
}

#[tokio::test]
async fn cache_serves_hits_by_key_and_respects_ttl_flush_and_verbs() {
    let portico = start().await;
    let admin = portico.admin();
    let backend = EchoBackend::start().await;
    let api = cached_api(&admin, &backend, &[("/*/*/caching/ttlInSeconds", "1")]).await;

    let first = fetch(&portico, &api, "/items?type=a", &[])
        .await
        .text()
        .await
        .unwrap();
    let second = fetch(&portico, &api, "/items?type=a&other=x", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        first, second,
        "unlisted query strings are not part of the key"
    );
    assert_eq!(backend.received().len(), 1);
    fetch(&portico, &api, "/items?type=b", &[]).await;
    fetch(&portico, &api, "/other?type=a", &[]).await;
    assert_eq!(
        backend.received().len(),
        3,
        "listed parameters are part of the key"
    );
    let response = client()
        .post(portico.invoke_url(&api.id, "dev", "/items?type=a"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(backend.received().len(), 4, "POST is not cached by default");

    tokio::time::sleep(Duration::from_millis(1200)).await;
    fetch(&portico, &api, "/items?type=a", &[]).await;
    assert_eq!(
        backend.received().len(),
        5,
        "nothing is served past its TTL"
    );
    fetch(&portico, &api, "/items?type=a", &[]).await;
    assert_eq!(backend.received().len(), 5);
    admin
        .expect(
            202,
            "DELETE",
            &format!("/restapis/{}/stages/dev/cache/data", api.id),
            None,
        )
        .await;
    fetch(&portico, &api, "/items?type=a", &[]).await;
    assert_eq!(
        backend.received().len(),
        6,
        "FlushStageCache empties the cache"
    );

    let metrics = client()
        .get(format!("{}/metrics", portico.admin_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let labels = format!("{{api_id=\"{}\",stage=\"dev\"}}", api.id);
    assert!(
        metrics.contains(&format!("portico_cache_hits_total{labels} 2\n")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("portico_cache_misses_total{labels} 5\n")),
        "{metrics}"
    );
}

#[tokio::test]
async fn cache_control_max_age_zero_follows_the_authorization_settings() {
    let portico = start().await;
    let admin = portico.admin();
    let backend = EchoBackend::start().await;
    // Default: invalidation needs authorisation; anonymous callers get the cached entry and a
    // warning header.
    let api = cached_api(&admin, &backend, &[]).await;
    fetch(&portico, &api, "/a", &[]).await;
    let response = fetch(&portico, &api, "/a", &[("cache-control", "max-age=0")]).await;
    assert!(response.headers().contains_key("warning"));
    assert_eq!(backend.received().len(), 1);

    admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}/stages/dev", api.id),
            Some(json!({"patchOperations": [
                {"op": "replace", "path": "/*/*/caching/unauthorizedCacheControlHeaderStrategy", "value": "FAIL_WITH_403"}
            ]})),
        )
        .await;
    let refused = client()
        .get(portico.invoke_url(&api.id, "dev", "/a"))
        .header("cache-control", "max-age=0")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("execute-api:InvalidateCache")
    );

    admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}/stages/dev", api.id),
            Some(json!({"patchOperations": [
                {"op": "replace", "path": "/*/*/caching/requireAuthorizationForCacheControl", "value": "false"}
            ]})),
        )
        .await;
    fetch(&portico, &api, "/a", &[("cache-control", "max-age=0")]).await;
    assert_eq!(
        backend.received().len(),
        2,
        "an allowed invalidation refreshes the entry"
    );
    fetch(&portico, &api, "/a", &[]).await;
    assert_eq!(backend.received().len(), 2);
}

#[tokio::test]
async fn concurrent_misses_for_one_key_make_one_backend_call() {
    let portico = start().await;
    let admin = portico.admin();
    let backend = EchoBackend::start().await;
    let api = cached_api(&admin, &backend, &[]).await;
    let url = portico.invoke_url(&api.id, "dev", "/slow/300");
    let requests: Vec<_> = (0..10)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move {
                client()
                    .get(url)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut bodies = Vec::new();
    for request in requests {
        bodies.push(request.await.unwrap());
    }
    assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(backend.received().len(), 1);
}

#[tokio::test]
async fn usage_counted_just_before_a_graceful_stop_is_kept() {
    let mut portico = start().await;
    let admin = portico.admin();
    let (api, key_id, value, plan_id) =
        keyed_mock_api(&admin, "gracefulkey0123456789abcdef", json!({"name": "g"})).await;
    for _ in 0..7 {
        assert_eq!(get(&portico, &api, "dev", Some(&value)).await.0, 200);
    }
    // No wait for the flusher's tick: shutdown writes what was counted.
    let mut child = portico.terminate();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits")
        .expect("status");
    assert!(status.success());
    portico.restart().await;
    let today = chrono_today();
    let usage = portico
        .admin()
        .expect(
            200,
            "GET",
            &format!("/usageplans/{plan_id}/usage?startDate={today}&endDate={today}"),
            None,
        )
        .await;
    assert_eq!(
        usage["values"][&key_id],
        json!([[7, 0]]),
        "no quota: remaining is 0"
    );
}
