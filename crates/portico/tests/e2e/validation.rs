//! Gateway responses, models and request validators through the binary.

use serde_json::{Value, json};

use crate::fixtures::{create_api, deploy, mock_api, put_integration, put_method, put_responses};
use crate::start;

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn gateway_responses_are_listed_customised_and_reset() {
    let portico = start().await;
    let admin = portico.admin();
    let api = mock_api(&admin, 200, "ok").await;
    let all = admin
        .expect(
            200,
            "GET",
            &format!("/restapis/{}/gatewayresponses", api.id),
            None,
        )
        .await;
    let items = all["item"].as_array().expect("items");
    assert_eq!(items.len(), 21);
    let missing = items
        .iter()
        .find(|r| r["responseType"] == "MISSING_AUTHENTICATION_TOKEN")
        .expect("type listed");
    assert_eq!(missing["statusCode"], "403");
    assert_eq!(missing["defaultResponse"], true);
    assert_eq!(
        missing["responseTemplates"]["application/json"],
        "{\"message\":$context.error.messageString}"
    );

    let custom = admin
        .expect(
            201,
            "PUT",
            &format!("/restapis/{}/gatewayresponses/MISSING_AUTHENTICATION_TOKEN", api.id),
            Some(json!({
                "statusCode": "404",
                "responseParameters": { "gatewayresponse.header.X-Request": "context.requestId" },
                "responseTemplates": { "application/json": "{\"error\":$context.error.messageString,\"type\":\"$context.error.responseType\"}" }
            })),
        )
        .await;
    assert_eq!(custom["defaultResponse"], false);
    admin
        .expect(
            201,
            "PUT",
            &format!("/restapis/{}/gatewayresponses/DEFAULT_4XX", api.id),
            Some(json!({ "responseParameters": { "gatewayresponse.header.Access-Control-Allow-Origin": "'*'" } })),
        )
        .await;
    deploy(&admin, &api, "dev").await;

    let unknown = client()
        .get(portico.invoke_url(&api.id, "dev", "/nope"))
        .send()
        .await
        .expect("answer");
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    let request_id = unknown.headers()["x-amzn-requestid"]
        .to_str()
        .expect("id")
        .to_owned();
    assert_eq!(unknown.headers()["x-request"], request_id.as_str());
    let body: Value = unknown.json().await.expect("json");
    assert_eq!(
        body,
        json!({ "error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN" })
    );

    // Other 4xx types inherit the DEFAULT_4XX customisation (here: the CORS header).
    let big = client()
        .post(portico.invoke_url(&api.id, "dev", "/"))
        .header("content-length", "20000000")
        .body(vec![b'x'; 16])
        .send()
        .await;
    if let Ok(big) = big {
        assert_eq!(big.status(), 413);
        assert_eq!(big.headers()["access-control-allow-origin"], "*");
    }

    admin
        .expect(
            202,
            "DELETE",
            &format!(
                "/restapis/{}/gatewayresponses/MISSING_AUTHENTICATION_TOKEN",
                api.id
            ),
            None,
        )
        .await;
    let reset = admin
        .expect(
            200,
            "GET",
            &format!(
                "/restapis/{}/gatewayresponses/MISSING_AUTHENTICATION_TOKEN",
                api.id
            ),
            None,
        )
        .await;
    assert_eq!(reset["defaultResponse"], true);
    let (status, _) = admin
        .call(
            "GET",
            &format!("/restapis/{}/gatewayresponses/NOT_A_TYPE", api.id),
            None,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn models_and_validators_reject_bad_requests_before_the_integration() {
    let portico = start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "validated").await;
    let models = admin
        .expect(200, "GET", &format!("/restapis/{}/models", api.id), None)
        .await;
    let names: Vec<&str> = models["item"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Empty", "Error"],
        "every API starts with AWS's default models"
    );
    admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/models", api.id),
            Some(json!({
                "name": "Pet", "contentType": "application/json",
                "schema": json!({
                    "$schema": "http://json-schema.org/draft-04/schema#",
                    "type": "object",
                    "required": ["name"],
                    "properties": { "name": { "type": "string" }, "age": { "type": "integer", "minimum": 0 } }
                }).to_string()
            })),
        )
        .await;
    let (status, _) = admin
        .call(
            "POST",
            &format!("/restapis/{}/models", api.id),
            Some(json!({ "name": "Pet", "contentType": "application/json" })),
        )
        .await;
    assert_eq!(status, 409);
    let template = admin
        .expect(
            200,
            "GET",
            &format!("/restapis/{}/models/Pet/default_template", api.id),
            None,
        )
        .await;
    assert!(
        template["value"]
            .as_str()
            .expect("template")
            .contains("\"name\" : \"$inputRoot.name\"")
    );

    let validator = admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/requestvalidators", api.id),
            Some(json!({ "name": "all", "validateRequestBody": true, "validateRequestParameters": true })),
        )
        .await;
    let validator_id = validator["id"].as_str().expect("id");
    admin
        .expect(
            201,
            "PUT",
            &format!("/restapis/{}/resources/{}/methods/POST", api.id, api.root),
            Some(json!({
                "authorizationType": "NONE",
                "requestValidatorId": validator_id,
                "requestParameters": { "method.request.querystring.owner": true, "method.request.header.X-Trace": true, "method.request.querystring.opt": false },
                "requestModels": { "application/json": "Pet" }
            })),
        )
        .await;
    put_integration(&admin, &api, &api.root, "POST", json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } })).await;
    put_responses(
        &admin,
        &api,
        &api.root,
        "POST",
        "200",
        json!({}),
        json!({ "responseTemplates": { "application/json": "created" } }),
    )
    .await;
    let (status, body) = admin
        .call("DELETE", &format!("/restapis/{}/models/Pet", api.id), None)
        .await;
    assert_eq!(status, 400, "a model in use cannot be deleted: {body}");
    deploy(&admin, &api, "dev").await;

    let url = portico.invoke_url(&api.id, "dev", "/");
    let missing = client()
        .post(&url)
        .json(&json!({ "name": "rex" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(missing.status(), 400);
    assert_eq!(missing.headers()["x-amzn-errortype"], "BadRequestException");
    assert_eq!(
        missing.text().await.expect("body"),
        r#"{"message": "Missing required request parameters: [owner, X-Trace]"}"#
    );

    let bad_body = client()
        .post(format!("{url}?owner=me"))
        .header("x-trace", "t")
        .json(&json!({ "age": -1 }))
        .send()
        .await
        .expect("answer");
    assert_eq!(bad_body.status(), 400);
    assert_eq!(
        bad_body.text().await.expect("body"),
        r#"{"message": "Invalid request body"}"#
    );

    let good = client()
        .post(format!("{url}?owner=me"))
        .header("x-trace", "t")
        .json(&json!({ "name": "rex", "age": 3 }))
        .send()
        .await
        .expect("answer");
    assert_eq!(good.status(), 200);
    assert_eq!(good.text().await.expect("body"), "created");
}

#[tokio::test]
async fn validation_error_details_reach_custom_gateway_responses() {
    let portico = start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "details").await;
    let schema = json!({ "type": "object", "required": ["id"] }).to_string();
    admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/models", api.id),
            Some(json!({ "name": "Item", "contentType": "application/json", "schema": schema })),
        )
        .await;
    let validator = admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/requestvalidators", api.id),
            Some(json!({ "name": "body", "validateRequestBody": true })),
        )
        .await;
    put_method(&admin, &api, &api.root, "PUT", &[]).await;
    admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}/resources/{}/methods/PUT", api.id, api.root),
            Some(json!({ "patchOperations": [
                { "op": "replace", "path": "/requestValidatorId", "value": validator["id"] },
                { "op": "add", "path": "/requestModels/application~1json", "value": "Item" }
            ] })),
        )
        .await;
    put_integration(&admin, &api, &api.root, "PUT", json!({ "type": "MOCK" })).await;
    admin
        .expect(
            201,
            "PUT",
            &format!("/restapis/{}/gatewayresponses/BAD_REQUEST_BODY", api.id),
            Some(json!({ "responseTemplates": { "application/json": "{\"message\":$context.error.messageString,\"details\":\"$context.error.validationErrorString\"}" } })),
        )
        .await;
    deploy(&admin, &api, "dev").await;
    let response = client()
        .put(portico.invoke_url(&api.id, "dev", "/"))
        .json(&json!({}))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["message"], "Invalid request body");
    assert!(
        body["details"].as_str().expect("details").contains("id"),
        "{body}"
    );
}

#[tokio::test]
async fn binary_request_bodies_are_converted_as_content_handling_says() {
    let portico = start().await;
    let backend = portico_test_support::EchoBackend::start().await;
    let admin = portico.admin();
    let created = admin
        .expect(
            201,
            "POST",
            "/restapis",
            Some(json!({ "name": "images", "binaryMediaTypes": ["image/png"] })),
        )
        .await;
    let api = crate::fixtures::Api {
        id: created["id"].as_str().expect("id").to_owned(),
        root: created["rootResourceId"].as_str().expect("root").to_owned(),
    };
    put_method(&admin, &api, &api.root, "POST", &[]).await;
    put_integration(
        &admin,
        &api,
        &api.root,
        "POST",
        json!({ "type": "HTTP", "httpMethod": "POST", "uri": format!("{}/upload", backend.url), "contentHandling": "CONVERT_TO_TEXT" }),
    )
    .await;
    put_responses(&admin, &api, &api.root, "POST", "200", json!({}), json!({})).await;
    deploy(&admin, &api, "dev").await;
    let png = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255];
    let response = client()
        .post(portico.invoke_url(&api.id, "dev", "/"))
        .header("content-type", "image/png")
        .body(png)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let received = backend.last().expect("backend called");
    assert_eq!(
        String::from_utf8(received.body).expect("text"),
        "iVBORwABAv8="
    );
}

#[tokio::test]
async fn console_style_cors_answers_preflights_and_errors() {
    let portico = start().await;
    let admin = portico.admin();
    let api = mock_api(&admin, 200, "{}").await;
    put_method(&admin, &api, &api.root, "OPTIONS", &[]).await;
    put_integration(&admin, &api, &api.root, "OPTIONS", json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } })).await;
    put_responses(
        &admin,
        &api,
        &api.root,
        "OPTIONS",
        "200",
        json!({ "responseParameters": {
            "method.response.header.Access-Control-Allow-Headers": false,
            "method.response.header.Access-Control-Allow-Methods": false,
            "method.response.header.Access-Control-Allow-Origin": false
        } }),
        json!({ "responseParameters": {
            "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
            "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
            "method.response.header.Access-Control-Allow-Origin": "'*'"
        } }),
    )
    .await;
    admin
        .expect(
            201,
            "PUT",
            &format!("/restapis/{}/gatewayresponses/DEFAULT_4XX", api.id),
            Some(json!({ "responseParameters": { "gatewayresponse.header.Access-Control-Allow-Origin": "'*'" } })),
        )
        .await;
    deploy(&admin, &api, "dev").await;
    let preflight = client()
        .request(
            reqwest::Method::OPTIONS,
            portico.invoke_url(&api.id, "dev", "/"),
        )
        .header("origin", "https://app.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("answer");
    assert_eq!(preflight.status(), 200);
    assert_eq!(
        preflight.headers()["access-control-allow-methods"],
        "GET,OPTIONS"
    );
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let error = client()
        .delete(portico.invoke_url(&api.id, "dev", "/"))
        .send()
        .await
        .expect("answer");
    assert_eq!(error.status(), 403);
    assert_eq!(
        error.headers()["access-control-allow-origin"],
        "*",
        "errors carry CORS headers through DEFAULT_4XX"
    );
}
