use super::*;

const ALLOW_GET: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"apigateway:GET","Resource":"*"}}"#;

fn user(name: &str) -> StoredUser {
    StoredUser::create(
        CreateUserInput {
            user_name: name.into(),
            ..Default::default()
        },
        "AIDAAAAAAAAAAAAAAAAA".into(),
        1_700_000_000,
    )
    .unwrap()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.into(),
        value: value.into(),
    }
}

fn code(result: Result<impl std::fmt::Debug, IamError>) -> &'static str {
    result.unwrap_err().code()
}

#[test]
fn created_user_has_default_path_and_arn() {
    let created = user("bob");
    assert_eq!(created.user.path, "/");
    assert_eq!(created.user.arn, "arn:aws:iam::000000000000:user/bob");
    let with_path = StoredUser::create(
        CreateUserInput {
            user_name: "alice".into(),
            path: Some("/division/team/".into()),
            tags: vec![tag("team", "payments")],
        },
        "AIDAB".into(),
        0,
    )
    .unwrap();
    assert_eq!(
        with_path.user.arn,
        "arn:aws:iam::000000000000:user/division/team/alice"
    );
    assert_eq!(with_path.user.tags["team"], "payments");
}

#[test]
fn user_names_follow_iams_pattern_and_length() {
    assert!(check_user_name("userName", "a+=,.@_-Z9").is_ok());
    let err = check_user_name("userName", "bad name").unwrap_err();
    assert_eq!(
        err.to_string(),
        r"1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
    );
    assert_eq!(
        code(check_user_name("userName", &"a".repeat(65))),
        "ValidationError"
    );
    assert_eq!(code(check_user_name("userName", "")), "ValidationError");
    assert_eq!(code(check_user_name("userName", "é")), "ValidationError");
}

#[test]
fn paths_are_slash_or_slash_delimited() {
    for good in ["/", "/a/", "/a/b-c/", "///"] {
        assert!(check_path("path", good).is_ok(), "{good}");
    }
    for bad in ["", "a", "/a", "a/", "//", "/a b/"] {
        assert!(check_path("path", bad).is_err(), "{bad}");
    }
    assert!(check_policy_path("path", "/team/x/").is_ok());
    assert!(check_policy_path("path", "/team//").is_err());
    assert!(check_policy_path("path", "/te am/").is_err());
}

#[test]
fn a_user_has_at_most_two_access_keys() {
    let mut bob = user("bob");
    bob.add_access_key(AccessKey::new("AKIA1".into(), "s1".into(), 0))
        .unwrap();
    bob.add_access_key(AccessKey::new("AKIA2".into(), "s2".into(), 0))
        .unwrap();
    let err = bob
        .add_access_key(AccessKey::new("AKIA3".into(), "s3".into(), 0))
        .unwrap_err();
    assert_eq!(
        err,
        IamError::LimitExceeded("Cannot exceed quota for AccessKeysPerUser: 2".into())
    );
    bob.set_access_key_status("AKIA1", AccessKeyStatus::Inactive)
        .unwrap();
    assert_eq!(bob.access_keys[0].status, AccessKeyStatus::Inactive);
    assert_eq!(code(bob.delete_access_key("AKIA9")), "NoSuchEntity");
}

#[test]
fn access_key_debug_hides_the_secret() {
    let key = AccessKey::new("AKIA1".into(), "very-secret".into(), 0);
    assert!(!format!("{key:?}").contains("very-secret"));
}

#[test]
fn inline_policies_are_validated_and_limited_in_aggregate() {
    let mut bob = user("bob");
    bob.put_inline_policy("read", ALLOW_GET).unwrap();
    assert_eq!(bob.inline_policy("read").unwrap(), ALLOW_GET);
    let err = bob
        .put_inline_policy(
            "broken",
            r#"{"Version":"2012-10-17","Statement":{"Action":"*","Resource":"*"}}"#,
        )
        .unwrap_err();
    assert_eq!(err.code(), "MalformedPolicyDocument");
    assert_eq!(
        code(bob.put_inline_policy("bad name", ALLOW_GET)),
        "ValidationError"
    );
    // Each ~1000 characters: the third pushes the aggregate past 2048.
    let padded = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Sid":"{}","Effect":"Allow","Action":"apigateway:GET","Resource":"*"}}}}"#,
        "a".repeat(900)
    );
    bob.put_inline_policy("one", &padded).unwrap();
    let err = bob.put_inline_policy("two", &padded).unwrap_err();
    assert_eq!(
        err,
        IamError::LimitExceeded("Maximum policy size of 2048 bytes exceeded for user bob".into())
    );
    // Replacing a policy counts its new size only.
    bob.put_inline_policy("one", &padded).unwrap();
    assert_eq!(code(bob.delete_inline_policy("nope")), "NoSuchEntity");
}

#[test]
fn users_with_keys_or_policies_cannot_be_deleted() {
    let mut bob = user("bob");
    assert!(bob.check_deletable().is_ok());
    bob.attach_policy("arn:aws:iam::000000000000:policy/p")
        .unwrap();
    assert_eq!(
        bob.check_deletable().unwrap_err().to_string(),
        "Cannot delete entity, must detach all policies first."
    );
    bob.put_inline_policy("read", ALLOW_GET).unwrap();
    assert_eq!(
        bob.check_deletable().unwrap_err().to_string(),
        "Cannot delete entity, must delete policies first."
    );
    bob.add_access_key(AccessKey::new("AKIA1".into(), "s".into(), 0))
        .unwrap();
    assert_eq!(
        bob.check_deletable().unwrap_err().to_string(),
        "Cannot delete entity, must delete access keys first."
    );
}

#[test]
fn at_most_ten_policies_attach_and_detaching_unknown_ones_fails() {
    let mut bob = user("bob");
    for n in 0..10 {
        bob.attach_policy(&format!("arn:aws:iam::000000000000:policy/p{n}"))
            .unwrap();
    }
    // Attaching again is a no-op, not a quota breach.
    bob.attach_policy("arn:aws:iam::000000000000:policy/p0")
        .unwrap();
    assert_eq!(
        code(bob.attach_policy("arn:aws:iam::000000000000:policy/p10")),
        "LimitExceeded"
    );
    bob.detach_policy("arn:aws:iam::000000000000:policy/p0")
        .unwrap();
    assert_eq!(
        code(bob.detach_policy("arn:aws:iam::000000000000:policy/p0")),
        "NoSuchEntity"
    );
}

#[test]
fn tags_are_case_insensitive_and_validated() {
    let mut bob = user("bob");
    bob.tag(&[tag("Team", "a"), tag("env", "")]).unwrap();
    bob.tag(&[tag("team", "b")]).unwrap();
    assert_eq!(bob.user.tags.len(), 2);
    assert_eq!(bob.user.tags["team"], "b");
    assert_eq!(
        code(bob.tag(&[tag("x", "1"), tag("X", "2")])),
        "InvalidInput"
    );
    assert_eq!(code(bob.tag(&[tag("aws:x", "1")])), "InvalidInput");
    assert_eq!(code(bob.tag(&[tag("a*b", "1")])), "ValidationError");
    assert!(bob.tag(&[tag("Kostenstelle ü", "Zürich 1")]).is_ok());
    bob.untag(&["TEAM".into(), "missing".into()]);
    assert!(!bob.user.tags.contains_key("team"));
}

#[test]
fn managed_policies_get_arns_and_one_version() {
    let policy = ManagedPolicy::create(
        CreatePolicyInput {
            policy_name: "ReadOnly".into(),
            path: Some("/team/".into()),
            document: ALLOW_GET.into(),
            ..Default::default()
        },
        "ANPAAAAAAAAAAAAAAAAA".into(),
        5,
    )
    .unwrap();
    assert_eq!(policy.arn, "arn:aws:iam::000000000000:policy/team/ReadOnly");
    assert_eq!(policy.version("v1").unwrap(), ALLOW_GET);
    assert_eq!(code(policy.version("v2")), "NoSuchEntity");
    let mut bob = user("bob");
    assert_eq!(policy.attachment_count([&bob]), 0);
    bob.attach_policy(&policy.arn).unwrap();
    assert_eq!(policy.attachment_count([&bob]), 1);
}

#[test]
fn managed_policies_are_limited_to_6144_characters() {
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Sid":"{}","Effect":"Allow","Action":"*","Resource":"*"}}}}"#,
        "a".repeat(6200)
    );
    let err = ManagedPolicy::create(
        CreatePolicyInput {
            policy_name: "Big".into(),
            document: big,
            ..Default::default()
        },
        "ANPA".into(),
        0,
    )
    .unwrap_err();
    assert_eq!(
        err,
        IamError::LimitExceeded("Cannot exceed quota for PolicySize: 6144".into())
    );
}

#[test]
fn policy_arns_name_local_policies() {
    assert_eq!(
        policy_name_from_arn("arn:aws:iam::000000000000:policy/team/ReadOnly"),
        Ok(Some("ReadOnly"))
    );
    assert_eq!(
        policy_name_from_arn("arn:aws:iam::aws:policy/AdministratorAccess"),
        Ok(None)
    );
    assert_eq!(code(policy_name_from_arn("not-an-arn")), "InvalidInput");
    assert_eq!(
        code(policy_name_from_arn("arn:aws:iam::000000000000:user/bob")),
        "InvalidInput"
    );
}

#[test]
fn pages_continue_after_the_marker() {
    let items =
        |n: usize| -> Vec<(String, usize)> { (0..n).map(|i| (format!("k{i:02}"), i)).collect() };
    let first = Page::of(items(5), None, 2);
    assert_eq!(first.items, [0, 1]);
    assert_eq!(first.marker.as_deref(), Some("k01"));
    let second = Page::of(items(5), first.marker.as_deref(), 2);
    assert_eq!(second.items, [2, 3]);
    let last = Page::of(items(5), second.marker.as_deref(), 2);
    assert_eq!(last.items, [4]);
    assert_eq!(last.marker, None);
    assert_eq!(Page::of(items(2), None, 2).marker, None);
}

#[test]
fn max_items_is_between_1_and_1000() {
    assert_eq!(check_max_items("maxItems", "5"), Ok(5));
    assert_eq!(code(check_max_items("maxItems", "0")), "ValidationError");
    assert_eq!(code(check_max_items("maxItems", "1001")), "ValidationError");
    assert_eq!(code(check_max_items("maxItems", "x")), "ValidationError");
}

#[test]
fn generated_ids_and_secrets_have_iams_shape() {
    let random: Vec<u8> = (0..=255).collect();
    let id = unique_id("AKIA", &random);
    assert_eq!(id.len(), 20);
    assert!(id.starts_with("AKIA"));
    assert!(
        id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    );
    assert_eq!(secret_from_random(&random).len(), 40);
    assert_eq!(user_key("BoB"), "bob");
}
