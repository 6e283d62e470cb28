use super::*;

const ACCOUNT: Account<'static> = Account {
    region: "us-east-1",
    account_id: "000000000000",
};

fn spec(name: &str, version: &str) -> FunctionSpec {
    FunctionSpec {
        name: name.to_owned(),
        version: version.to_owned(),
        runtime: Runtime::Python("3.12".to_owned()),
        handler: "app.handler".to_owned(),
        code_sha256: "00".repeat(32),
        environment: BTreeMap::new(),
        timeout: Duration::from_secs(3),
        memory_mb: 128,
        reserved_concurrency: None,
    }
}

fn alias(name: &str, version: &str, weights: &[(&str, f64)]) -> AliasSpec {
    AliasSpec {
        function: "echo".to_owned(),
        name: name.to_owned(),
        version: version.to_owned(),
        additional_weights: weights.iter().map(|(v, w)| ((*v).to_owned(), *w)).collect(),
    }
}

fn compiled() -> Compiled {
    let catalog = Catalog {
        functions: vec![
            spec("echo", "$LATEST"),
            spec("echo", "1"),
            spec("echo", "2"),
        ],
        aliases: vec![
            alias("live", "1", &[]),
            alias("canary", "1", &[("2", 0.25)]),
        ],
        policies: Vec::new(),
    };
    Compiled::compile(catalog, &Compiled::default())
}

fn resolve(function: &str, qualifier: Option<&str>) -> Result<(String, String), String> {
    let compiled = compiled();
    compiled
        .resolve(function, qualifier, &ACCOUNT)
        .map(|target| (target.spec.version.clone(), target.invoked_arn))
        .map_err(|err| err.to_string())
}

#[test]
fn unqualified_names_run_latest_with_an_unqualified_arn() {
    assert_eq!(
        resolve("echo", None),
        Ok((
            "$LATEST".to_owned(),
            "arn:aws:lambda:us-east-1:000000000000:function:echo".to_owned()
        ))
    );
}

#[test]
fn aliases_resolve_to_their_version_and_keep_the_alias_in_the_arn() {
    assert_eq!(
        resolve(
            "arn:aws:lambda:us-east-1:000000000000:function:echo:live",
            None
        ),
        Ok((
            "1".to_owned(),
            "arn:aws:lambda:us-east-1:000000000000:function:echo:live".to_owned()
        ))
    );
    assert_eq!(resolve("echo", Some("2")).map(|r| r.0), Ok("2".to_owned()));
}

#[test]
fn unknown_functions_and_qualifiers_are_not_found_with_the_arn() {
    assert_eq!(
        resolve("nope", None),
        Err("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope".to_owned())
    );
    assert_eq!(
        resolve("echo", Some("9")),
        Err("Function not found: arn:aws:lambda:us-east-1:000000000000:function:echo:9".to_owned())
    );
}

#[test]
fn a_qualifier_that_disagrees_with_the_arn_is_invalid() {
    let compiled = compiled();
    let err = compiled.resolve("echo:1", Some("2"), &ACCOUNT).err();
    assert!(matches!(
        err,
        Some(InvokeError::InvalidParameterValue { .. })
    ));
}

#[test]
fn weighted_aliases_split_draws_by_weight() {
    let canary = alias("canary", "1", &[("2", 0.25)]);
    let compiled = CompiledAlias {
        version: canary.version,
        additional_weights: canary.additional_weights,
    };
    assert_eq!(compiled.pick_version(0.1), "2");
    assert_eq!(compiled.pick_version(0.25), "1");
    assert_eq!(compiled.pick_version(0.99), "1");
}

#[test]
fn republishing_keeps_unchanged_specs_and_pools() {
    let first = compiled();
    let catalog = Catalog {
        functions: vec![spec("echo", "$LATEST"), {
            let mut changed = spec("echo", "1");
            changed.memory_mb = 256;
            changed
        }],
        aliases: vec![],
        policies: Vec::new(),
    };
    let second = Compiled::compile(catalog, &first);
    let latest = Arc::clone(first.functions["echo"].versions.get("$LATEST").unwrap());
    let one = Arc::clone(first.functions["echo"].versions.get("1").unwrap());
    assert!(second.is_current(&latest));
    assert!(!second.is_current(&one));
    assert!(Arc::ptr_eq(
        &first.functions["echo"].pool,
        &second.functions["echo"].pool
    ));
}

#[test]
fn runtime_identifiers_round_trip() {
    for identifier in ["python3.12", "python3.9", "provided.al2", "provided.al2023"] {
        let runtime = Runtime::parse(identifier).unwrap();
        assert_eq!(runtime.to_string(), identifier);
    }
    assert_eq!(Runtime::parse("python2.7"), None);
    assert_eq!(Runtime::parse("nodejs20.x"), None);
}

#[test]
fn code_digests_name_the_code_of_every_version() {
    let with_code = |name: &str, version: &str, byte: &str| FunctionSpec {
        code_sha256: byte.repeat(32),
        ..spec(name, version)
    };
    let catalog = Catalog {
        functions: vec![
            with_code("echo", "$LATEST", "aa"),
            with_code("echo", "1", "bb"),
            with_code("other", "$LATEST", "cc"),
        ],
        aliases: Vec::new(),
        policies: Vec::new(),
    };
    let compiled = Compiled::compile(catalog, &Compiled::default());
    let mut digests: Vec<&str> = compiled.code_digests().collect();
    digests.sort_unstable();
    assert_eq!(digests, ["aa".repeat(32), "bb".repeat(32), "cc".repeat(32)]);
}
