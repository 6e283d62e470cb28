//! Mapping templates (VTL) through the binary: request and response templates, `$input`,
//! `$util`, `$context`, overrides, passthrough behaviour and broken templates.

use serde_json::{Value, json};

use crate::fixtures::{
    create_api, create_resource, deploy, put_integration, put_method, put_responses,
};
use crate::start;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn mock_templates_select_responses_and_render_bodies() {
    let portico = start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "vtl-mock").await;
    put_method(
        &admin,
        &api,
        &api.root,
        "GET",
        &["method.request.querystring.name"],
    )
    .await;
    put_integration(
        &admin,
        &api,
        &api.root,
        "GET",
        json!({ "type": "MOCK", "requestTemplates": {
            "application/json": "#if($input.params('name') == 'error')\n{\"statusCode\": 500}\n#else\n{\"statusCode\": 200}\n#end"
        } }),
    )
    .await;
    put_responses(
        &admin,
        &api,
        &api.root,
        "GET",
        "200",
        json!({}),
        json!({ "responseTemplates": { "application/json":
            "#set($name = $input.params('name'))\n{\"greeting\": \"Hello, $util.escapeJavaScript($name)\", \"stage\": \"$context.stage\", \"items\": [#foreach($i in [1..3])$i#if($foreach.hasNext),#end#end]}"
        } }),
    )
    .await;
    put_responses(
        &admin,
        &api,
        &api.root,
        "GET",
        "500",
        json!({}),
        json!({ "selectionPattern": "5\\d{2}", "responseTemplates": { "application/json":
            "#set($context.responseOverride.status = 503)\n#set($context.responseOverride.header.Retry-After = \"30\")\n{\"error\": \"unavailable\"}"
        } }),
    )
    .await;
    deploy(&admin, &api, "dev").await;

    let ok = client()
        .get(portico.invoke_url(&api.id, "dev", "/?name=Ann%20%22A%22"))
        .send()
        .await
        .expect("answer");
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.expect("json");
    assert_eq!(
        body,
        json!({ "greeting": "Hello, Ann \"A\"", "stage": "dev", "items": [1, 2, 3] })
    );

    let failed = client()
        .get(portico.invoke_url(&api.id, "dev", "/?name=error"))
        .send()
        .await
        .expect("answer");
    assert_eq!(failed.status(), 503, "responseOverride.status wins");
    assert_eq!(failed.headers()["retry-after"], "30");
    assert_eq!(
        failed.json::<Value>().await.expect("json"),
        json!({ "error": "unavailable" })
    );
}

#[tokio::test]
async fn http_templates_transform_requests_and_responses() {
    let portico = start().await;
    let backend = portico_test_support::EchoBackend::start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "vtl-http").await;
    let orders = create_resource(&admin, &api, &api.root, "{id}").await;
    put_method(&admin, &api, &orders, "POST", &["method.request.path.id"]).await;
    put_integration(
        &admin,
        &api,
        &orders,
        "POST",
        json!({
            "type": "HTTP", "httpMethod": "POST", "uri": format!("{}/orders", backend.url),
            "passthroughBehavior": "NEVER",
            "requestTemplates": { "application/json":
                "#set($body = $input.path('$'))\n{\n  \"orderId\": \"$input.params('id')\",\n  \"count\": $body.items.size(),\n  \"first\": $input.json('$.items[0]'),\n  \"requestId\": \"$context.requestId\"\n}"
            }
        }),
    )
    .await;
    put_responses(
        &admin,
        &api,
        &orders,
        "POST",
        "200",
        json!({}),
        json!({ "responseTemplates": { "application/json":
            "#set($echo = $input.path('$'))\n{\"backendSaw\": $echo.body, \"method\": \"$echo.method\"}"
        } }),
    )
    .await;
    deploy(&admin, &api, "dev").await;

    let response = client()
        .post(portico.invoke_url(&api.id, "dev", "/o-7"))
        .json(&json!({ "items": [{ "sku": "a" }, { "sku": "b" }] }))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-amzn-requestid"]
        .to_str()
        .expect("id")
        .to_owned();
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["method"], "POST");
    assert_eq!(
        body["backendSaw"],
        json!({ "orderId": "o-7", "count": 2, "first": { "sku": "a" }, "requestId": request_id })
    );

    let unsupported = client()
        .post(portico.invoke_url(&api.id, "dev", "/o-8"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("answer");
    assert_eq!(
        unsupported.status(),
        415,
        "passthroughBehavior NEVER refuses unmapped content types"
    );
    assert_eq!(
        unsupported.text().await.expect("body"),
        r#"{"message":"Unsupported Media Type"}"#
    );
}

#[tokio::test]
async fn broken_and_hostile_templates_answer_500_and_the_gateway_keeps_serving() {
    let portico = start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "vtl-bad").await;
    for (part, template) in [
        ("broken", "#if($x"),
        ("loop", "#foreach($i in [1..100000])x#end"),
        ("recursion", "#macro(boom)#boom()#end#boom()"),
    ] {
        let resource = create_resource(&admin, &api, &api.root, part).await;
        put_method(&admin, &api, &resource, "GET", &[]).await;
        put_integration(&admin, &api, &resource, "GET", json!({ "type": "MOCK" })).await;
        put_responses(
            &admin,
            &api,
            &resource,
            "GET",
            "200",
            json!({}),
            json!({ "responseTemplates": { "application/json": template } }),
        )
        .await;
    }
    deploy(&admin, &api, "dev").await;
    for part in ["broken", "loop", "recursion"] {
        let response = client()
            .get(portico.invoke_url(&api.id, "dev", &format!("/{part}")))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), 500, "{part}");
        assert_eq!(
            response.text().await.expect("body"),
            r#"{"message": "Internal server error"}"#
        );
    }
}
