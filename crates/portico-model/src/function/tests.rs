use super::*;

fn stamp_with<'a>(counter: &'a mut dyn FnMut() -> String) -> Stamp<'a> {
    Stamp {
        region: "us-east-1",
        last_modified: "2026-11-26T16:00:00.000+0000",
        new_revision_id: counter,
    }
}

fn code(hex: &str) -> CodeUpload {
    CodeUpload {
        sha256_base64: format!("b64-{hex}"),
        sha256_hex: hex.into(),
        size: 10,
    }
}

fn input(name: &str) -> CreateFunctionInput {
    CreateFunctionInput {
        function_name: Some(name.into()),
        runtime: Some("python3.12".into()),
        role: Some("arn:aws:iam::000000000000:role/lambda".into()),
        handler: Some("app.handler".into()),
        ..Default::default()
    }
}

fn created(name: &str) -> StoredFunction {
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("rev-{n}")
    };
    let mut function = StoredFunction::create(input(name), &code("aa"), &mut stamp_with(&mut next))
        .expect("valid input");
    function.activate();
    function
}

#[test]
fn new_function_is_pending_with_aws_defaults() {
    let mut next = || "rev".to_owned();
    let function =
        StoredFunction::create(input("hello"), &code("aa"), &mut stamp_with(&mut next)).unwrap();
    let configuration = &function.latest.configuration;
    assert_eq!(configuration.state, FunctionState::Pending);
    assert_eq!(configuration.timeout, 3);
    assert_eq!(configuration.memory_size, 128);
    assert_eq!(configuration.version, "$LATEST");
    assert_eq!(
        configuration.function_arn,
        "arn:aws:lambda:us-east-1:000000000000:function:hello"
    );
    assert_eq!(configuration.logging_config.log_group, "/aws/lambda/hello");
    assert!(function.check_active().is_err());
}

#[test]
fn bad_inputs_are_refused_with_lambdas_exceptions() {
    let mut next = || "rev".to_owned();
    let cases: Vec<(CreateFunctionInput, &str)> = vec![
        (
            CreateFunctionInput {
                runtime: Some("python2.7".into()),
                ..input("f")
            },
            "InvalidParameterValueException",
        ),
        (
            CreateFunctionInput {
                runtime: Some("cobol".into()),
                ..input("f")
            },
            "ValidationException",
        ),
        (
            CreateFunctionInput {
                timeout: Some(901),
                ..input("f")
            },
            "ValidationException",
        ),
        (
            CreateFunctionInput {
                role: Some("admin".into()),
                ..input("f")
            },
            "ValidationException",
        ),
        (input("bad name"), "ValidationException"),
        (
            CreateFunctionInput {
                environment: Some(Environment {
                    variables: [("AWS_REGION".to_owned(), "x".to_owned())].into(),
                }),
                ..input("f")
            },
            "InvalidParameterValueException",
        ),
    ];
    for (input, expected) in cases {
        let err = StoredFunction::create(input.clone(), &code("aa"), &mut stamp_with(&mut next))
            .expect_err("invalid input");
        assert_eq!(err.error_type(), expected, "{input:?}: {err}");
    }
}

#[test]
fn publishing_twice_without_changes_returns_the_same_version() {
    let mut function = created("f");
    let mut next = || "rev-x".to_owned();
    let first = function
        .publish_version(None, None, None, &mut stamp_with(&mut next))
        .unwrap();
    let again = function
        .publish_version(None, None, None, &mut stamp_with(&mut next))
        .unwrap();
    assert_eq!(first.version, "1");
    assert_eq!(again.version, "1");
    assert_eq!(
        first.function_arn,
        "arn:aws:lambda:us-east-1:000000000000:function:f:1"
    );
    function
        .update_code(&code("bb"), None, &mut stamp_with(&mut next))
        .unwrap();
    function.activate();
    let second = function
        .publish_version(None, None, None, &mut stamp_with(&mut next))
        .unwrap();
    assert_eq!(second.version, "2");
    assert_eq!(function.version(Some("1")).unwrap().code_sha256_hex, "aa");
    assert_eq!(function.version(Some("2")).unwrap().code_sha256_hex, "bb");
}

/// Function `f` with version 1 published and alias `live` on it.
fn with_live_alias() -> (StoredFunction, AliasConfiguration) {
    let mut function = created("f");
    let mut next = || "rev".to_owned();
    function
        .publish_version(None, None, None, &mut stamp_with(&mut next))
        .unwrap();
    let alias = function
        .create_alias(
            CreateAliasInput {
                name: Some("live".into()),
                function_version: Some("1".into()),
                ..Default::default()
            },
            &mut stamp_with(&mut next),
        )
        .unwrap();
    (function, alias)
}

#[test]
fn aliases_resolve_to_versions_and_protect_them_from_deletion() {
    let (mut function, alias) = with_live_alias();
    let mut next = || "rev".to_owned();
    assert_eq!(
        alias.alias_arn,
        "arn:aws:lambda:us-east-1:000000000000:function:f:live"
    );
    assert_eq!(
        function
            .version(Some("live"))
            .unwrap()
            .configuration
            .version,
        "1"
    );
    let err = function.delete_version("1").unwrap_err();
    assert_eq!(err.error_type(), "ResourceConflictException");
    let missing = function
        .create_alias(
            CreateAliasInput {
                name: Some("next".into()),
                function_version: Some("7".into()),
                ..Default::default()
            },
            &mut stamp_with(&mut next),
        )
        .unwrap_err();
    assert_eq!(missing.error_type(), "ResourceNotFoundException");
}

#[test]
fn stale_revision_ids_fail_the_precondition() {
    let mut function = created("f");
    let mut next = || "rev-new".to_owned();
    let err = function
        .update_configuration(
            UpdateConfigurationInput {
                timeout: Some(10),
                revision_id: Some("old".into()),
                ..Default::default()
            },
            &mut stamp_with(&mut next),
        )
        .unwrap_err();
    assert_eq!(err.error_type(), "PreconditionFailedException");
}

#[test]
fn permissions_render_as_lambdas_policy_statements() {
    let mut function = created("f");
    let statement = AddPermissionInput {
        statement_id: Some("apigw".into()),
        action: Some("lambda:InvokeFunction".into()),
        principal: Some("apigateway.amazonaws.com".into()),
        source_arn: Some("arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/".into()),
        ..Default::default()
    }
    .into_statement(&function.arn(None))
    .unwrap();
    function
        .add_permission(None, statement.clone(), None, "r1".into())
        .unwrap();
    let duplicate = function
        .add_permission(None, statement, None, "r2".into())
        .unwrap_err();
    assert_eq!(duplicate.error_type(), "ResourceConflictException");
    let policy: serde_json::Value = serde_json::from_str(&function.policy(None).unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][0]["Principal"]["Service"],
        "apigateway.amazonaws.com"
    );
    assert_eq!(
        policy["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"],
        "arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/"
    );
    function
        .remove_permission(None, "apigw", "r3".into())
        .unwrap();
    assert!(function.policy(None).is_none());
}

#[test]
fn each_alias_and_version_has_its_own_policy() {
    let (mut function, _) = with_live_alias();
    let grant = |qualifier: Option<&str>, function: &StoredFunction| {
        AddPermissionInput {
            statement_id: Some("apigw".into()),
            action: Some("lambda:InvokeFunction".into()),
            principal: Some("apigateway.amazonaws.com".into()),
            ..Default::default()
        }
        .into_statement(&function.arn(qualifier))
        .unwrap()
    };
    // One statement id in three policies: the function's, the alias's and version 1's.
    for qualifier in [None, Some("live"), Some("1")] {
        let statement = grant(qualifier, &function);
        function
            .add_permission(qualifier, statement, None, "r".into())
            .unwrap();
    }
    let latest = grant(Some("$LATEST"), &function);
    let err = function
        .add_permission(Some("$LATEST"), latest, None, "r".into())
        .unwrap_err();
    assert_eq!(err.error_type(), "InvalidParameterValueException");

    let resources = |qualifier: Option<&str>, function: &StoredFunction| {
        let policy: serde_json::Value =
            serde_json::from_str(&function.policy(qualifier).unwrap()).unwrap();
        policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|statement| statement["Resource"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(resources(None, &function), [function.arn(None)]);
    assert_eq!(
        resources(Some("live"), &function),
        [function.arn(Some("live"))]
    );

    function
        .remove_permission(Some("live"), "apigw", "r".into())
        .unwrap();
    assert!(function.policy(Some("live")).is_none());
    assert!(function.policy(None).is_some() && function.policy(Some("1")).is_some());
    let again = function.remove_permission(Some("live"), "apigw", "r".into());
    assert_eq!(again.unwrap_err().error_type(), "ResourceNotFoundException");

    // A deleted alias takes its policy along: one created again starts without it.
    let statement = grant(Some("live"), &function);
    function
        .add_permission(Some("live"), statement, None, "r".into())
        .unwrap();
    function.delete_alias("live").unwrap();
    assert!(function.policy(Some("live")).is_none());
    // The function host gets every policy in one document: the id `apigw`, used by two
    // policies, must not appear twice there (a document may not repeat a Sid).
    let combined: serde_json::Value =
        serde_json::from_str(&function.combined_policy().unwrap()).unwrap();
    let statements = combined["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2);
    assert!(
        statements
            .iter()
            .all(|statement| statement.get("Sid").is_none())
    );
}

#[test]
fn function_names_parse_in_every_form_lambda_accepts() {
    let parse =
        |value: &str, qualifier: Option<&str>| parse_function_ref(value, qualifier, "us-east-1");
    let plain = |name: &str, q: Option<&str>| FunctionRef {
        name: name.into(),
        qualifier: q.map(str::to_owned),
    };
    assert_eq!(parse("f", None).unwrap(), plain("f", None));
    assert_eq!(parse("f:live", None).unwrap(), plain("f", Some("live")));
    assert_eq!(parse("f", Some("3")).unwrap(), plain("f", Some("3")));
    assert_eq!(
        parse(
            "arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST",
            None
        )
        .unwrap(),
        plain("f", Some("$LATEST"))
    );
    assert_eq!(
        parse("000000000000:function:f", None).unwrap(),
        plain("f", None)
    );
    assert_eq!(
        parse("f:live", Some("other")).unwrap_err().error_type(),
        "InvalidParameterValueException"
    );
    assert_eq!(
        parse("arn:aws:lambda:eu-west-1:000000000000:function:f", None)
            .unwrap_err()
            .error_type(),
        "ResourceNotFoundException"
    );
    assert_eq!(
        parse("f/g", None).unwrap_err().error_type(),
        "ValidationException"
    );
}
