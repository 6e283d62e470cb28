use super::*;

const GENERATED: &str = "GeneratedValue0123456789abcdefghijklmnop";

fn op(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation {
        op: PatchOp::parse(op),
        path: Some(path.into()),
        value: value.map(Into::into),
        from: None,
    }
}

fn create(input: CreateApiKeyInput) -> Result<ApiKey, ModelError> {
    ApiKey::create(input, "k1".into(), GENERATED.into(), 7)
}

fn key() -> ApiKey {
    create(CreateApiKeyInput {
        name: Some("partner".into()),
        ..Default::default()
    })
    .unwrap()
}

fn bad_request(result: Result<ApiKey, ModelError>) -> String {
    match result {
        Err(ModelError::BadRequest(message)) => message,
        other => panic!("expected a bad request, got {other:?}"),
    }
}

#[test]
fn new_key_is_disabled_with_a_generated_value_by_default() {
    let json = serde_json::to_value(key()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "id": "k1",
            "value": GENERATED,
            "name": "partner",
            "enabled": false,
            "createdDate": 7,
            "lastUpdatedDate": 7,
            "stageKeys": [],
            "tags": {}
        })
    );
}

#[test]
fn given_values_and_stage_keys_are_kept() {
    let key = create(CreateApiKeyInput {
        value: Some("a".repeat(20)),
        enabled: Some(true),
        stage_keys: Some(vec![StageKey {
            rest_api_id: Some("api1".into()),
            stage_name: Some("prod".into()),
        }]),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(key.value.as_deref(), Some("aaaaaaaaaaaaaaaaaaaa"));
    assert!(key.enabled);
    assert_eq!(key.stage_keys, ["api1/prod"]);
}

#[test]
fn key_values_follow_aws_length_and_alphabet_rules() {
    assert!(validate_value(&"a".repeat(20)).is_ok());
    assert!(validate_value(&"Z9".repeat(64)).is_ok());
    assert_eq!(
        validate_value(&"a".repeat(19)).unwrap_err(),
        ModelError::BadRequest("API Key value should be at least 20 characters".into())
    );
    assert!(validate_value(&"a".repeat(129)).is_err());
    assert!(validate_value("has-a-dash-0123456789").is_err());
    let short = CreateApiKeyInput {
        value: Some("short".into()),
        ..Default::default()
    };
    assert!(bad_request(create(short)).contains("at least 20"));
}

#[test]
fn incomplete_stage_keys_are_rejected() {
    let input = CreateApiKeyInput {
        stage_keys: Some(vec![StageKey {
            rest_api_id: Some("api1".into()),
            stage_name: None,
        }]),
        ..Default::default()
    };
    assert!(bad_request(create(input)).contains("stage key"));
}

#[test]
fn long_names_are_rejected() {
    let input = CreateApiKeyInput {
        name: Some("n".repeat(1025)),
        ..Default::default()
    };
    assert!(bad_request(create(input)).contains("at most 1024"));
}

#[test]
fn patch_replaces_members_and_stamps_the_update() {
    let patched = key()
        .patch(
            &[
                op("replace", "/name", Some("renamed")),
                op("replace", "/description", Some("about")),
                op("replace", "/enabled", Some("true")),
                op("replace", "/customerId", Some("cust-1")),
            ],
            9,
        )
        .unwrap();
    assert_eq!(patched.name.as_deref(), Some("renamed"));
    assert_eq!(patched.description.as_deref(), Some("about"));
    assert!(patched.enabled);
    assert_eq!(patched.customer_id.as_deref(), Some("cust-1"));
    assert_eq!(patched.last_updated_date, 9);
    assert_eq!(patched.created_date, 7);
    assert_eq!(patched.value.as_deref(), Some(GENERATED));
}

#[test]
fn patch_adds_and_removes_stage_keys() {
    let patched = key()
        .patch(
            &[
                op("add", "/stages", Some("api1/prod")),
                op("add", "/stages", Some("api1/prod")),
                op("add", "/stages", Some("api2/dev")),
            ],
            9,
        )
        .unwrap();
    assert_eq!(patched.stage_keys, ["api1/prod", "api2/dev"]);
    let patched = patched
        .patch(&[op("remove", "/stages", Some("api1/prod"))], 10)
        .unwrap();
    assert_eq!(patched.stage_keys, ["api2/dev"]);
    assert!(
        key()
            .patch(&[op("add", "/stages", Some("no-slash"))], 9)
            .is_err()
    );
}

#[test]
fn patch_rejects_other_paths_and_ops() {
    for (kind, path, value) in [
        ("replace", "/value", Some("x".repeat(20))),
        ("replace", "/id", Some("x".into())),
        ("remove", "/name", None),
        ("replace", "/stages", Some("api1/prod".into())),
        ("replace", "/enabled", Some("sometimes".into())),
    ] {
        let result = key().patch(&[op(kind, path, value.as_deref())], 9);
        assert!(result.is_err(), "{kind} {path} should fail");
    }
}

#[test]
fn values_are_hidden_unless_asked_for() {
    assert_eq!(key().without_value().value, None);
}

#[test]
fn name_filter_is_a_prefix_match_and_customer_filter_is_exact() {
    let mut key = key();
    key.customer_id = Some("c1".into());
    assert!(key.matches(None, None));
    assert!(key.matches(Some("part"), None));
    assert!(!key.matches(Some("artner"), None));
    assert!(key.matches(Some("partner"), Some("c1")));
    assert!(!key.matches(None, Some("c")));
}
