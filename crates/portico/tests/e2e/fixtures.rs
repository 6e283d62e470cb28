//! Building APIs through the control plane, as a user's script would.

use portico_test_support::AdminClient;
use serde_json::{Value, json};

/// A RestApi created for a test.
pub struct Api {
    pub id: String,
    pub root: String,
}

/// `create-rest-api`.
pub async fn create_api(admin: &AdminClient, name: &str) -> Api {
    let api = admin
        .expect(201, "POST", "/restapis", Some(json!({ "name": name })))
        .await;
    Api {
        id: api["id"].as_str().expect("id").to_owned(),
        root: api["rootResourceId"].as_str().expect("root").to_owned(),
    }
}

/// `create-resource`; returns the new resource id.
pub async fn create_resource(
    admin: &AdminClient,
    api: &Api,
    parent: &str,
    path_part: &str,
) -> String {
    let resource = admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/resources/{parent}", api.id),
            Some(json!({ "pathPart": path_part })),
        )
        .await;
    resource["id"].as_str().expect("resource id").to_owned()
}

/// `put-method` with `authorizationType NONE` and optional request parameters.
pub async fn put_method(
    admin: &AdminClient,
    api: &Api,
    resource: &str,
    verb: &str,
    parameters: &[&str],
) {
    let parameters: serde_json::Map<String, Value> = parameters
        .iter()
        .map(|p| ((*p).to_owned(), json!(true)))
        .collect();
    admin
        .expect(
            201,
            "PUT",
            &format!("/restapis/{}/resources/{resource}/methods/{verb}", api.id),
            Some(json!({ "authorizationType": "NONE", "requestParameters": parameters })),
        )
        .await;
}

/// `put-integration` with the given body.
pub async fn put_integration(
    admin: &AdminClient,
    api: &Api,
    resource: &str,
    verb: &str,
    integration: Value,
) {
    admin
        .expect(
            201,
            "PUT",
            &format!(
                "/restapis/{}/resources/{resource}/methods/{verb}/integration",
                api.id
            ),
            Some(integration),
        )
        .await;
}

/// `put-method-response` and `put-integration-response` for one status code.
pub async fn put_responses(
    admin: &AdminClient,
    api: &Api,
    resource: &str,
    verb: &str,
    status: &str,
    method_response: Value,
    integration_response: Value,
) {
    let base = format!("/restapis/{}/resources/{resource}/methods/{verb}", api.id);
    admin
        .expect(
            201,
            "PUT",
            &format!("{base}/responses/{status}"),
            Some(method_response),
        )
        .await;
    admin
        .expect(
            201,
            "PUT",
            &format!("{base}/integration/responses/{status}"),
            Some(integration_response),
        )
        .await;
}

/// A MOCK integration on an existing method that answers 200 with `template` as the body
/// (`application/json` response template).
pub async fn mock_200(admin: &AdminClient, api: &Api, resource: &str, verb: &str, template: &str) {
    put_integration(
        admin,
        api,
        resource,
        verb,
        json!({"type": "MOCK", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}}),
    )
    .await;
    put_responses(
        admin,
        api,
        resource,
        verb,
        "200",
        json!({}),
        json!({"responseTemplates": {"application/json": template}}),
    )
    .await;
}

/// `create-deployment --stage-name`; returns the deployment id.
pub async fn deploy(admin: &AdminClient, api: &Api, stage: &str) -> String {
    let deployment = admin
        .expect(
            201,
            "POST",
            &format!("/restapis/{}/deployments", api.id),
            Some(json!({ "stageName": stage })),
        )
        .await;
    deployment["id"].as_str().expect("deployment id").to_owned()
}

/// An API with `ANY /{proxy+}` proxying to `backend_url/{proxy}`, deployed to `stage`.
pub async fn proxy_api(admin: &AdminClient, backend_url: &str, stage: &str) -> Api {
    let api = create_api(admin, "proxy").await;
    let proxy = create_resource(admin, &api, &api.root, "{proxy+}").await;
    put_method(admin, &api, &proxy, "ANY", &["method.request.path.proxy"]).await;
    put_integration(
        admin,
        &api,
        &proxy,
        "ANY",
        json!({
            "type": "HTTP_PROXY",
            "httpMethod": "ANY",
            "uri": format!("{backend_url}/{{proxy}}"),
            "requestParameters": { "integration.request.path.proxy": "method.request.path.proxy" }
        }),
    )
    .await;
    deploy(admin, &api, stage).await;
    api
}

/// An API with `GET /` answered by a MOCK integration with `status` and `body`.
pub async fn mock_api(admin: &AdminClient, status: u16, body: &str) -> Api {
    let api = create_api(admin, "mock").await;
    put_method(admin, &api, &api.root, "GET", &[]).await;
    put_integration(
        admin,
        &api,
        &api.root,
        "GET",
        json!({ "type": "MOCK", "requestTemplates": { "application/json": format!("{{\"statusCode\": {status}}}") } }),
    )
    .await;
    put_responses(
        admin,
        &api,
        &api.root,
        "GET",
        &status.to_string(),
        json!({ "responseParameters": { "method.response.header.X-Mocked": true } }),
        json!({
            "responseParameters": { "method.response.header.X-Mocked": "'yes'" },
            "responseTemplates": { "application/json": body }
        }),
    )
    .await;
    api
}
