//! Control plane through the real binary: authentication, AWS error shapes, every
//! resource's create/read/update/delete, pagination and validation.

use portico_test_support::AdminClient;
use serde_json::json;

use crate::fixtures::{create_api, create_resource, deploy, put_integration, put_method};
use crate::start;

#[tokio::test]
async fn unsigned_request_is_missing_authentication_token() {
    let portico = start().await;
    let reply = portico.admin().raw("GET", "/restapis", None, false).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.headers["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    assert!(reply.headers.contains_key("x-amzn-requestid"));
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(body, json!({ "message": "Missing Authentication Token" }));
}

#[tokio::test]
async fn wrong_secret_is_an_invalid_signature() {
    let portico = start().await;
    let client = AdminClient::new(
        &portico.admin_url,
        portico_test_support::ROOT_ACCESS_KEY,
        "not-the-secret",
    );
    let reply = client.raw("GET", "/restapis", None, true).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.headers["x-amzn-errortype"],
        "InvalidSignatureException"
    );
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("The request signature we calculated does not match"),
        "{message}"
    );
}

#[tokio::test]
async fn unknown_access_key_is_unrecognized_client() {
    let portico = start().await;
    let client = AdminClient::new(&portico.admin_url, "AKIAUNKNOWNKEY000000", "whatever");
    let reply = client.raw("GET", "/restapis", None, true).await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        reply.headers["x-amzn-errortype"],
        "UnrecognizedClientException"
    );
}

#[tokio::test]
async fn ping_needs_no_signature() {
    let portico = start().await;
    let reply = portico.admin().raw("GET", "/ping", None, false).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn rest_api_lifecycle_and_pagination() {
    let portico = start().await;
    let admin = portico.admin();
    let created = admin
        .expect(
            201,
            "POST",
            "/restapis",
            Some(json!({ "name": "shop", "description": "d", "tags": { "team": "a" } })),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(id.len(), 10);
    assert_eq!(created["apiKeySource"], "HEADER");
    assert_eq!(created["endpointConfiguration"]["types"], json!(["EDGE"]));
    assert!(created["createdDate"].as_i64().unwrap() > 1_600_000_000);

    let fetched = admin
        .expect(200, "GET", &format!("/restapis/{id}"), None)
        .await;
    assert_eq!(fetched, created);

    let patched = admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{id}"),
            Some(json!({ "patchOperations": [
                { "op": "replace", "path": "/name", "value": "store" },
                { "op": "add", "path": "/binaryMediaTypes/image~1png" }
            ] })),
        )
        .await;
    assert_eq!(patched["name"], "store");
    assert_eq!(patched["binaryMediaTypes"], json!(["image/png"]));

    for n in 0..3 {
        create_api(&admin, &format!("extra-{n}")).await;
    }
    let first = admin.expect(200, "GET", "/restapis?limit=3", None).await;
    assert_eq!(first["item"].as_array().unwrap().len(), 3);
    let position = first["position"].as_str().unwrap();
    let second = admin
        .expect(
            200,
            "GET",
            &format!("/restapis?limit=3&position={position}"),
            None,
        )
        .await;
    assert_eq!(second["item"].as_array().unwrap().len(), 1);
    assert!(second.get("position").is_none());

    admin
        .expect(202, "DELETE", &format!("/restapis/{id}"), None)
        .await;
    let (status, body) = admin.call("GET", &format!("/restapis/{id}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        format!("Invalid API identifier specified 000000000000:{id}")
    );
}

#[tokio::test]
async fn resource_rules_follow_aws() {
    let portico = start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "tree").await;
    let items = create_resource(&admin, &api, &api.root, "items").await;
    create_resource(&admin, &api, &items, "{id}").await;

    let (status, body) = admin
        .call(
            "POST",
            &format!("/restapis/{}/resources/{}", api.id, api.root),
            Some(json!({ "pathPart": "items" })),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(
        body["message"],
        "Another resource with the same parent already has this name: items"
    );

    let (status, body) = admin
        .call(
            "POST",
            &format!("/restapis/{}/resources/{}", api.id, api.root),
            Some(json!({ "pathPart": "bad part" })),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Resource's path part only allow")
    );

    put_method(&admin, &api, &items, "GET", &[]).await;
    put_integration(&admin, &api, &items, "GET", json!({ "type": "MOCK" })).await;
    let plain = admin
        .expect(200, "GET", &format!("/restapis/{}/resources", api.id), None)
        .await;
    let listed = plain["item"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    let items_entry = listed.iter().find(|r| r["path"] == "/items").unwrap();
    assert_eq!(items_entry["resourceMethods"], json!({ "GET": {} }));
    let embedded = admin
        .expect(
            200,
            "GET",
            &format!("/restapis/{}/resources?embed=methods", api.id),
            None,
        )
        .await;
    let items_entry = embedded["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/items")
        .unwrap();
    assert_eq!(
        items_entry["resourceMethods"]["GET"]["methodIntegration"]["type"],
        "MOCK"
    );

    let (status, _) = admin
        .call(
            "GET",
            &format!("/restapis/{}/resources/nope42", api.id),
            None,
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn method_and_integration_validation() {
    let portico = start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "validation").await;
    let base = format!("/restapis/{}/resources/{}/methods", api.id, api.root);

    let (status, body) = admin
        .call(
            "PUT",
            &format!("{base}/FETCH"),
            Some(json!({ "authorizationType": "NONE" })),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid HttpMethod specified")
    );

    put_method(&admin, &api, &api.root, "GET", &[]).await;
    let (status, _) = admin
        .call(
            "PUT",
            &format!("{base}/GET"),
            Some(json!({ "authorizationType": "NONE" })),
        )
        .await;
    assert_eq!(status, 409);

    let (status, body) = admin
        .call(
            "PUT",
            &format!("{base}/GET/integration"),
            Some(json!({ "type": "SOAP" })),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "1 validation error detected: Value 'SOAP' at 'putIntegrationInput.type' failed to satisfy constraint: \
         Member must satisfy enum value set: [HTTP, AWS, MOCK, HTTP_PROXY, AWS_PROXY]"
    );
    let (status, body) = admin
        .call(
            "PUT",
            &format!("{base}/GET/integration"),
            Some(json!({ "type": "HTTP", "httpMethod": "GET", "uri": "not a url" })),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "Invalid HTTP endpoint specified for URI");

    let (status, body) = admin
        .call("GET", &format!("{base}/GET/integration"), None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["message"], "No integration defined for method");

    let (status, _) = admin
        .call("PUT", &format!("{base}/GET"), Some(json!("not an object")))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn deployments_and_stages() {
    let portico = start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "staged").await;
    let (status, body) = admin
        .call(
            "POST",
            &format!("/restapis/{}/deployments", api.id),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["message"], "The REST API doesn't contain any methods");

    put_method(&admin, &api, &api.root, "GET", &[]).await;
    put_integration(&admin, &api, &api.root, "GET", json!({ "type": "MOCK" })).await;
    let first = deploy(&admin, &api, "dev").await;
    let stage = admin
        .expect(
            200,
            "GET",
            &format!("/restapis/{}/stages/dev", api.id),
            None,
        )
        .await;
    assert_eq!(stage["deploymentId"], first);
    assert_eq!(stage["cacheClusterStatus"], "NOT_AVAILABLE");

    let (status, body) = admin
        .call(
            "DELETE",
            &format!("/restapis/{}/deployments/{first}", api.id),
            None,
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Active stages pointing to this deployment must be moved or deleted"
    );

    let second = admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/deployments", api.id),
            Some(json!({ "description": "v2" })),
        )
        .await;
    let second = second["id"].as_str().unwrap();
    let patched = admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}/stages/dev", api.id),
            Some(json!({ "patchOperations": [
                { "op": "replace", "path": "/deploymentId", "value": second },
                { "op": "replace", "path": "/variables/color", "value": "blue" },
                { "op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50" }
            ] })),
        )
        .await;
    assert_eq!(patched["variables"], json!({ "color": "blue" }));
    assert_eq!(
        patched["methodSettings"]["*/*"]["throttlingRateLimit"],
        50.0
    );
    admin
        .expect(
            202,
            "DELETE",
            &format!("/restapis/{}/deployments/{first}", api.id),
            None,
        )
        .await;

    let summary = admin
        .expect(
            200,
            "GET",
            &format!("/restapis/{}/deployments/{second}?embed=apisummary", api.id),
            None,
        )
        .await;
    assert_eq!(
        summary["apiSummary"]["/"]["GET"],
        json!({ "authorizationType": "NONE", "apiKeyRequired": false })
    );

    let created = admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/stages", api.id),
            Some(json!({ "stageName": "prod", "deploymentId": second })),
        )
        .await;
    assert_eq!(created["stageName"], "prod");
    let (status, _) = admin
        .call(
            "POST",
            &format!("/restapis/{}/stages", api.id),
            Some(json!({ "stageName": "prod", "deploymentId": second })),
        )
        .await;
    assert_eq!(status, 409);
    let stages = admin
        .expect(200, "GET", &format!("/restapis/{}/stages", api.id), None)
        .await;
    assert_eq!(stages["item"].as_array().unwrap().len(), 2);
    admin
        .expect(
            202,
            "DELETE",
            &format!("/restapis/{}/stages/prod", api.id),
            None,
        )
        .await;
    let (status, body) = admin
        .call("GET", &format!("/restapis/{}/stages/prod", api.id), None)
        .await;
    assert_eq!(
        (status.as_u16(), body["message"].as_str()),
        (404, Some("Invalid Stage identifier specified"))
    );
}

#[tokio::test]
async fn tags_on_apis_and_stages() {
    let portico = start().await;
    let admin = portico.admin();
    let api = create_api(&admin, "tagged").await;
    put_method(&admin, &api, &api.root, "GET", &[]).await;
    put_integration(&admin, &api, &api.root, "GET", json!({ "type": "MOCK" })).await;
    deploy(&admin, &api, "dev").await;
    for arn in [
        format!("arn:aws:apigateway:us-east-1::/restapis/{}", api.id),
        format!(
            "arn:aws:apigateway:us-east-1::/restapis/{}/stages/dev",
            api.id
        ),
    ] {
        let encoded = arn.replace(':', "%3A").replace('/', "%2F");
        admin
            .expect(
                204,
                "PUT",
                &format!("/tags/{encoded}"),
                Some(json!({ "tags": { "a": "1", "b": "2" } })),
            )
            .await;
        admin
            .expect(204, "DELETE", &format!("/tags/{encoded}?tagKeys=a"), None)
            .await;
        let tags = admin
            .expect(200, "GET", &format!("/tags/{encoded}"), None)
            .await;
        assert_eq!(tags, json!({ "tags": { "b": "2" } }), "{arn}");
    }
    let (status, _) = admin
        .call(
            "PUT",
            "/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc",
            Some(json!({ "tags": { "aws:x": "1" } })),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn unknown_operations_answer_in_aws_shape() {
    let portico = start().await;
    let admin = portico.admin();
    for (method, path) in [
        ("GET", "/nothing/here"),
        ("POST", "/restapis/abc/stages/dev"),
    ] {
        let reply = admin.raw(method, path, None, true).await;
        assert_eq!(reply.status, 404, "{method} {path}");
        assert_eq!(
            reply.headers["x-amzn-errortype"],
            "UnknownOperationException"
        );
        let body: serde_json::Value = serde_json::from_slice(&reply.body).expect("json body");
        assert!(body["message"].is_string());
    }
}
