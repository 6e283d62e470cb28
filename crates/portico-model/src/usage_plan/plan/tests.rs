use super::*;

fn op(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation {
        op: PatchOp::parse(op),
        path: Some(path.into()),
        value: value.map(Into::into),
        from: None,
    }
}

fn api_stage(api_id: &str, stage: &str) -> ApiStage {
    ApiStage {
        api_id: Some(api_id.into()),
        stage: Some(stage.into()),
        throttle: None,
    }
}

fn throttle(rate: f64, burst: i64) -> ThrottleSettings {
    ThrottleSettings {
        rate_limit: Some(rate),
        burst_limit: Some(burst),
    }
}

fn quota(limit: i64, offset: Option<i64>, period: Option<QuotaPeriod>) -> QuotaSettings {
    QuotaSettings {
        limit: Some(limit),
        offset,
        period,
    }
}

fn create(input: CreateUsagePlanInput) -> Result<UsagePlan, ModelError> {
    UsagePlan::create(input, "p1".into())
}

fn plan() -> UsagePlan {
    create(CreateUsagePlanInput {
        name: Some("gold".into()),
        api_stages: Some(vec![api_stage("api1", "prod")]),
        ..Default::default()
    })
    .unwrap()
}

fn patched(ops: &[PatchOperation]) -> Result<UsagePlan, ModelError> {
    plan().patch(ops)
}

fn message(result: Result<UsagePlan, ModelError>) -> String {
    match result {
        Err(err) => err.to_string(),
        Ok(plan) => panic!("expected an error, got {plan:?}"),
    }
}

fn stage(text: &str) -> StageRef {
    StageRef::parse(text).unwrap()
}

#[test]
fn new_plan_has_aws_shape() {
    let json = serde_json::to_value(plan()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "id": "p1",
            "name": "gold",
            "apiStages": [{"apiId": "api1", "stage": "prod"}],
            "tags": {}
        })
    );
}

#[test]
fn name_is_required() {
    let result = create(CreateUsagePlanInput::default());
    assert!(message(result).contains("Value null at 'createUsagePlanInput.name'"));
}

#[test]
fn incomplete_and_duplicate_stages_are_rejected() {
    let incomplete = create(CreateUsagePlanInput {
        name: Some("x".into()),
        api_stages: Some(vec![ApiStage {
            api_id: Some("api1".into()),
            ..Default::default()
        }]),
        ..Default::default()
    });
    assert_eq!(
        incomplete.unwrap_err(),
        ModelError::BadRequest(
            "Invalid API Stage {api: api1, stage: } specified for usageplan p1".into()
        )
    );
    let duplicate = create(CreateUsagePlanInput {
        name: Some("x".into()),
        api_stages: Some(vec![api_stage("a", "s"), api_stage("a", "s")]),
        ..Default::default()
    });
    assert!(message(duplicate).contains("Duplicate API Stage a:s"));
}

#[test]
fn method_throttle_keys_must_name_a_resource_and_method() {
    let with_keys = |keys: &[&str]| {
        let mut stage = api_stage("a", "s");
        stage.throttle = Some(
            keys.iter()
                .map(|key| ((*key).to_owned(), throttle(1.0, 1)))
                .collect(),
        );
        create(CreateUsagePlanInput {
            name: Some("x".into()),
            api_stages: Some(vec![stage]),
            ..Default::default()
        })
    };
    assert!(with_keys(&["/pets/GET", "/pets/{id}/ANY", "//POST"]).is_ok());
    for bad in [
        "pets/GET",
        "/pets/FETCH",
        "/pets//GET",
        "/pets",
        "GET",
        "/*/*",
    ] {
        assert!(
            message(with_keys(&[bad])).contains("Invalid method throttle key"),
            "{bad}"
        );
    }
    let many: Vec<String> = (0..21).map(|i| format!("/r{i}/GET")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(message(with_keys(&many)).contains("at most 20"));
}

#[test]
fn quotas_need_a_positive_limit_a_period_and_a_smaller_offset() {
    let with_quota = |quota: QuotaSettings| {
        create(CreateUsagePlanInput {
            name: Some("x".into()),
            quota: Some(quota),
            ..Default::default()
        })
    };
    assert!(with_quota(quota(100, Some(99), Some(QuotaPeriod::Day))).is_ok());
    assert!(message(with_quota(quota(0, None, Some(QuotaPeriod::Day)))).contains("limit"));
    assert!(message(with_quota(quota(10, None, None))).contains("period"));
    assert!(message(with_quota(quota(10, Some(10), Some(QuotaPeriod::Week)))).contains("offset"));
    assert!(message(with_quota(quota(10, Some(-1), Some(QuotaPeriod::Week)))).contains("offset"));
}

#[test]
fn negative_throttles_are_rejected() {
    let result = create(CreateUsagePlanInput {
        name: Some("x".into()),
        throttle: Some(throttle(-1.0, 5)),
        ..Default::default()
    });
    assert!(message(result).contains("rate limit"));
}

#[test]
fn simple_members_are_patched() {
    let plan = patched(&[
        op("replace", "/name", Some("platinum")),
        op("replace", "/description", Some("best")),
        op("add", "/productCode", Some("PC1")),
    ])
    .unwrap();
    assert_eq!(plan.name, "platinum");
    assert_eq!(plan.description.as_deref(), Some("best"));
    assert_eq!(plan.product_code.as_deref(), Some("PC1"));
    let plan = plan.patch(&[op("remove", "/productCode", None)]).unwrap();
    assert_eq!(plan.product_code, None);
}

#[test]
fn api_stages_are_added_and_removed_by_value() {
    let plan = patched(&[
        op("add", "/apiStages", Some("api2:dev")),
        op("add", "/apiStages", Some("api2:dev")),
    ])
    .unwrap();
    assert_eq!(
        plan.stages().collect::<Vec<_>>(),
        [stage("api1:prod"), stage("api2:dev")]
    );
    assert_eq!(plan.stages_added_since(&self::plan()), [stage("api2:dev")]);
    let plan = plan
        .patch(&[op("remove", "/apiStages", Some("api1:prod"))])
        .unwrap();
    assert_eq!(plan.stages().collect::<Vec<_>>(), [stage("api2:dev")]);
    assert_eq!(
        patched(&[op("remove", "/apiStages", Some("api9:prod"))]).unwrap_err(),
        ModelError::NotFound(
            "Invalid API Stage {api: api9, stage: prod} specified for usageplan p1".into()
        )
    );
    assert!(
        message(patched(&[op("add", "/apiStages", Some("nocolon"))])).contains("Invalid API Stage")
    );
}

#[test]
fn method_throttles_are_patched_through_escaped_paths() {
    let plan = patched(&[
        op(
            "replace",
            "/apiStages/api1:prod/throttle/~1pets~1{id}/GET/rateLimit",
            Some("12.5"),
        ),
        op(
            "add",
            "/apiStages/api1:prod/throttle/~1pets~1{id}/GET/burstLimit",
            Some("20"),
        ),
        op(
            "add",
            "/apiStages/api1:prod/throttle/~1/POST/burstLimit",
            Some("3"),
        ),
        // Unescaped slashes name the same resource path.
        op(
            "add",
            "/apiStages/api1:prod/throttle//orders/PUT/rateLimit",
            Some("1"),
        ),
    ])
    .unwrap();
    let throttles = plan.api_stages[0].throttle.clone().unwrap();
    assert_eq!(throttles["/pets/{id}/GET"], throttle(12.5, 20));
    assert_eq!(throttles["//POST"].burst_limit, Some(3));
    assert_eq!(throttles["/orders/PUT"].rate_limit, Some(1.0));
    let plan = plan
        .patch(&[
            op(
                "remove",
                "/apiStages/api1:prod/throttle/~1pets~1{id}/GET",
                None,
            ),
            op("remove", "/apiStages/api1:prod/throttle/~1/POST", None),
            op("remove", "/apiStages/api1:prod/throttle/~1orders/PUT", None),
        ])
        .unwrap();
    assert_eq!(plan.api_stages[0].throttle, None);
}

#[test]
fn stage_throttle_maps_are_replaced_from_json() {
    let plan = patched(&[op(
        "replace",
        "/apiStages/api1:prod/throttle",
        Some(r#"{"/pets/GET":{"rateLimit":5,"burstLimit":10}}"#),
    )])
    .unwrap();
    assert_eq!(
        plan.api_stages[0].throttle.clone().unwrap()["/pets/GET"],
        throttle(5.0, 10)
    );
    let plan = plan
        .patch(&[op("remove", "/apiStages/api1:prod/throttle", None)])
        .unwrap();
    assert_eq!(plan.api_stages[0].throttle, None);
    assert!(
        message(patched(&[op(
            "replace",
            "/apiStages/api1:prod/throttle",
            Some("not json")
        )]))
        .contains("Invalid throttle value")
    );
}

#[test]
fn method_throttles_need_a_covered_stage_and_a_valid_method() {
    let unknown_stage = patched(&[op(
        "replace",
        "/apiStages/api9:prod/throttle/~1pets/GET/rateLimit",
        Some("1"),
    )]);
    assert!(matches!(unknown_stage, Err(ModelError::NotFound(_))));
    let bad_method = patched(&[op(
        "replace",
        "/apiStages/api1:prod/throttle/~1pets/FETCH/rateLimit",
        Some("1"),
    )]);
    assert!(message(bad_method).contains("Invalid patch path"));
    let bad_member = patched(&[op(
        "replace",
        "/apiStages/api1:prod/throttle/~1pets/GET/speed",
        Some("1"),
    )]);
    assert!(message(bad_member).contains("Invalid patch path"));
}

#[test]
fn plan_throttle_and_quota_are_patched_and_removed() {
    let plan = patched(&[
        op("replace", "/throttle/rateLimit", Some("100")),
        op("replace", "/throttle/burstLimit", Some("200")),
        op("add", "/quota/limit", Some("5000")),
        op("add", "/quota/period", Some("MONTH")),
        op("add", "/quota/offset", Some("10")),
    ])
    .unwrap();
    assert_eq!(plan.throttle, Some(throttle(100.0, 200)));
    assert_eq!(
        plan.quota,
        Some(quota(5000, Some(10), Some(QuotaPeriod::Month)))
    );
    let plan = plan
        .patch(&[
            op("remove", "/throttle", None),
            op("remove", "/quota", None),
        ])
        .unwrap();
    assert_eq!(plan.throttle, None);
    assert_eq!(plan.quota, None);
}

#[test]
fn incomplete_quota_patches_fail_as_a_whole() {
    assert!(message(patched(&[op("add", "/quota/limit", Some("10"))])).contains("period"));
    assert!(
        message(patched(&[
            op("add", "/quota/limit", Some("10")),
            op("add", "/quota/period", Some("YEAR")),
        ]))
        .contains("enum value set: [DAY, WEEK, MONTH]")
    );
}

#[test]
fn unsupported_paths_and_ops_are_rejected() {
    for (kind, path) in [
        ("replace", "/id"),
        ("remove", "/name"),
        ("replace", "/apiStages"),
        ("add", "/quota/bogus"),
        ("replace", "/throttle"),
    ] {
        let result = patched(&[op(kind, path, Some("1"))]);
        assert!(
            message(result).contains("Invalid patch path"),
            "{kind} {path}"
        );
    }
}

#[test]
fn plans_sharing_a_stage_are_found() {
    let mut other = plan();
    other.id = "p2".into();
    other.api_stages = vec![api_stage("api2", "dev"), api_stage("api1", "prod")];
    let mut unrelated = plan();
    unrelated.id = "p3".into();
    unrelated.api_stages = vec![api_stage("api3", "dev")];
    assert_eq!(
        plan().shared_stage([&unrelated, &other]),
        Some(stage("api1:prod"))
    );
    assert_eq!(plan().shared_stage([&plan(), &unrelated]), None);
}

#[test]
fn quota_set_at_moves_only_when_the_quota_changes() {
    let stored = StoredUsagePlan::new(plan(), 100);
    assert_eq!(stored.quota_set_at, 0);
    let renamed = stored.with_plan(patched(&[op("replace", "/name", Some("n"))]).unwrap(), 200);
    assert_eq!(renamed.quota_set_at, 0);
    let with_quota = renamed.with_plan(
        patched(&[
            op("add", "/quota/limit", Some("10")),
            op("add", "/quota/period", Some("DAY")),
        ])
        .unwrap(),
        300,
    );
    assert_eq!(with_quota.quota_set_at, 300);
    let created = StoredUsagePlan::new(with_quota.plan.clone(), 400);
    assert_eq!(created.quota_set_at, 400);
}

#[test]
fn key_types_other_than_api_key_are_rejected() {
    assert!(validate_key_type("API_KEY").is_ok());
    assert!(validate_key_type("api_key").is_err());
}

#[test]
fn shared_stage_conflict_names_plan_key_and_stage() {
    assert_eq!(
        shared_stage_conflict("p1", "k1", &stage("api1:prod")).to_string(),
        "Usage Plan p1 cannot be added because API Key k1 cannot reference multiple Usage \
         Plans with the same API Stage: api1:prod"
    );
}
