use super::*;
use crate::patch::PatchOperation;

fn stage() -> Stage {
    Stage::create(
        CreateStageInput {
            stage_name: Some("dev".into()),
            deployment_id: Some(DeploymentId::new("d1")),
            ..Default::default()
        },
        1,
    )
    .unwrap()
}

fn op(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation {
        op: PatchOp::parse(op),
        path: Some(path.into()),
        value: value.map(Into::into),
        from: None,
    }
}

#[test]
fn new_stage_has_aws_defaults() {
    let json = serde_json::to_value(stage()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "deploymentId": "d1",
            "stageName": "dev",
            "cacheClusterEnabled": false,
            "cacheClusterStatus": "NOT_AVAILABLE",
            "methodSettings": {},
            "tracingEnabled": false,
            "createdDate": 1,
            "lastUpdatedDate": 1
        })
    );
}

#[test]
fn variables_are_patched() {
    let patched = stage()
        .patch(
            &[op(
                "replace",
                "/variables/backend",
                Some("example.com:8080"),
            )],
            2,
        )
        .unwrap();
    assert_eq!(patched.variables.unwrap()["backend"], "example.com:8080");
    assert_eq!(patched.last_updated_date, 2);
}

#[test]
fn invalid_variable_values_are_rejected() {
    assert!(
        stage()
            .patch(&[op("replace", "/variables/x", Some("has space"))], 2)
            .is_err()
    );
}

#[test]
fn stage_wide_method_settings_are_materialised() {
    let patched = stage()
        .patch(
            &[op("replace", "/*/*/throttling/rateLimit", Some("100"))],
            2,
        )
        .unwrap();
    let setting = &patched.method_settings["*/*"];
    assert_eq!(setting.throttling_rate_limit, 100.0);
    assert_eq!(setting.throttling_burst_limit, 5000);
    assert_eq!(setting.cache_ttl_in_seconds, 300);
}

#[test]
fn per_method_settings_use_the_escaped_resource_path_as_key() {
    let patched = stage()
        .patch(
            &[
                op("replace", "/~1pets~1{id}/GET/caching/enabled", Some("true")),
                op(
                    "replace",
                    "/~1pets~1{id}/GET/caching/ttlInSeconds",
                    Some("60"),
                ),
            ],
            2,
        )
        .unwrap();
    let setting = &patched.method_settings["~1pets~1{id}/GET"];
    assert!(setting.caching_enabled);
    assert_eq!(setting.cache_ttl_in_seconds, 60);
}

#[test]
fn cache_ttl_is_bounded() {
    assert!(
        stage()
            .patch(
                &[op("replace", "/*/*/caching/ttlInSeconds", Some("3601"))],
                2
            )
            .is_err()
    );
}

#[test]
fn unknown_paths_are_rejected() {
    assert!(
        stage()
            .patch(&[op("replace", "/stageName", Some("x"))], 2)
            .is_err()
    );
    assert!(
        stage()
            .patch(&[op("replace", "/*/*/bogus/x", Some("1"))], 2)
            .is_err()
    );
}

#[test]
fn enabling_the_cache_reports_it_available() {
    let patched = stage()
        .patch(&[op("replace", "/cacheClusterEnabled", Some("true"))], 2)
        .unwrap();
    assert_eq!(patched.cache_cluster_status, CacheClusterStatus::Available);
    assert_eq!(patched.cache_cluster_size, Some(CacheClusterSize::Half));
}

#[test]
fn canary_promotion_copies_deployment_and_variables() {
    let mut stage = stage();
    stage.canary_settings = Some(CanarySettings {
        percent_traffic: Some(10.0),
        deployment_id: Some(DeploymentId::new("d2")),
        stage_variable_overrides: Some([("v".to_owned(), "canary".to_owned())].into()),
        use_stage_cache: Some(false),
    });
    let copy = |from: &str, path: &str| PatchOperation {
        op: Some(PatchOp::Copy),
        path: Some(path.into()),
        value: None,
        from: Some(from.into()),
    };
    let promoted = stage
        .patch(
            &[
                copy("/canarySettings/deploymentId", "/deploymentId"),
                copy("/canarySettings/stageVariableOverrides", "/variables"),
                op("remove", "/canarySettings", None),
            ],
            3,
        )
        .unwrap();
    assert_eq!(promoted.deployment_id.as_str(), "d2");
    assert_eq!(promoted.variables.unwrap()["v"], "canary");
    assert!(promoted.canary_settings.is_none());
}

#[test]
fn stage_names_are_checked() {
    assert!(validate_stage_name("prod_v1-2").is_ok());
    assert!(validate_stage_name("").is_err());
    assert!(validate_stage_name("a b").is_err());
}
