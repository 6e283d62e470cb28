//! Nothing acknowledged is lost: writes that returned survive `kill -9`, and stages are
//! served again after a restart.

use serde_json::json;

use crate::fixtures::mock_api;
use crate::start;

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let mut portico = start().await;
    let admin = portico.admin();
    let api = mock_api(&admin, 200, r#"{"ok":true}"#).await;
    crate::fixtures::deploy(&admin, &api, "dev").await;
    admin
        .expect(
            200,
            "PATCH",
            &format!("/restapis/{}", api.id),
            Some(json!({ "patchOperations": [{ "op": "replace", "path": "/description", "value": "kept" }] })),
        )
        .await;
    portico.kill9().await;
    portico.restart().await;

    let admin = portico.admin();
    let fetched = admin
        .expect(200, "GET", &format!("/restapis/{}", api.id), None)
        .await;
    assert_eq!(fetched["description"], "kept");
    let response = reqwest::get(portico.invoke_url(&api.id, "dev", "/"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"ok":true}"#);
}
