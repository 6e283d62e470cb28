use portico_model::integration::{PutIntegrationInput, PutIntegrationResponseInput};
use portico_model::method::{AuthorizationType, PutMethodInput, PutMethodResponseInput};
use portico_model::rest_api::CreateRestApiInput;
use portico_model::stage::CreateStageInput;
use portico_model::{DeploymentId, ResourceId, RestApi, RestApiId};

use super::*;

fn definition() -> ApiDefinition {
    let api = RestApi::create(
        CreateRestApiInput {
            name: Some("t".into()),
            ..Default::default()
        },
        RestApiId::new("api0000001"),
        ResourceId::new("root"),
        0,
    )
    .unwrap();
    ApiDefinition::new(api)
}

fn stage(variables: &[(&str, &str)]) -> Stage {
    Stage::create(
        CreateStageInput {
            stage_name: Some("dev".into()),
            deployment_id: Some(DeploymentId::new("d1")),
            variables: Some(
                variables
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            ..Default::default()
        },
        0,
    )
    .unwrap()
}

fn with_http_proxy(uri: &str) -> ApiDefinition {
    let mut def = definition();
    let root = ResourceId::new("root");
    def.create_resource(&root, "{proxy+}", ResourceId::new("proxy"))
        .unwrap();
    let proxy = ResourceId::new("proxy");
    def.put_method(
        &proxy,
        HttpMethod::Any,
        PutMethodInput {
            authorization_type: Some(AuthorizationType::None),
            request_parameters: Some([("method.request.path.proxy".to_owned(), true)].into()),
            ..Default::default()
        },
    )
    .unwrap();
    def.put_integration(
        &proxy,
        HttpMethod::Any,
        PutIntegrationInput {
            kind: Some(IntegrationType::HttpProxy),
            http_method: Some(HttpMethod::Any),
            uri: Some(uri.into()),
            request_parameters: Some(
                [(
                    "integration.request.path.proxy".to_owned(),
                    "method.request.path.proxy".to_owned(),
                )]
                .into(),
            ),
            ..Default::default()
        },
    )
    .unwrap();
    def
}

fn compile_one(def: &ApiDefinition, stage: &Stage) -> Result<StageSnapshot, Vec<CompileError>> {
    compile(&CompileInput {
        definition: def,
        deployment_id: "d1",
        stage,
        canary_definition: None,
        limits: None,
    })
}

#[test]
fn stage_variables_are_substituted_into_the_uri() {
    let def = with_http_proxy("http://${stageVariables.host}/base/{proxy}?fixed=1");
    let snapshot = compile_one(&def, &stage(&[("host", "backend.local:8080")])).unwrap();
    let found = snapshot.routes.lookup(&http::Method::GET, "/a/b").unwrap();
    let CompiledIntegration::HttpProxy(target) = &found.route.integration else {
        panic!()
    };
    assert_eq!(target.uri.authority.as_str(), "backend.local:8080");
    assert_eq!(
        target.uri.path,
        vec![
            UriPart::Literal("/base/".into()),
            UriPart::Placeholder("proxy".into())
        ]
    );
    assert_eq!(target.uri.query.as_deref(), Some("fixed=1"));
    assert!(target.method.is_none());
    assert_eq!(target.timeout, Duration::from_secs(29));
}

#[test]
fn missing_stage_variable_makes_the_method_misconfigured_not_the_deployment() {
    let def = with_http_proxy("http://${stageVariables.host}/");
    let snapshot = compile_one(&def, &stage(&[])).unwrap();
    let found = snapshot.routes.lookup(&http::Method::GET, "/a").unwrap();
    assert!(matches!(
        found.route.integration,
        CompiledIntegration::Misconfigured { .. }
    ));
}

#[test]
fn mock_responses_are_selected_by_pattern_then_default() {
    let mut def = definition();
    let root = ResourceId::new("root");
    def.put_method(
        &root,
        HttpMethod::Get,
        PutMethodInput {
            authorization_type: Some(AuthorizationType::None),
            ..Default::default()
        },
    )
    .unwrap();
    def.put_integration(
        &root,
        HttpMethod::Get,
        PutIntegrationInput {
            kind: Some(IntegrationType::Mock),
            ..Default::default()
        },
    )
    .unwrap();
    for status in ["200", "404"] {
        def.put_method_response(
            &root,
            HttpMethod::Get,
            status,
            PutMethodResponseInput::default(),
        )
        .unwrap();
    }
    def.put_integration_response(
        &root,
        HttpMethod::Get,
        "200",
        PutIntegrationResponseInput::default(),
    )
    .unwrap();
    def.put_integration_response(
        &root,
        HttpMethod::Get,
        "404",
        PutIntegrationResponseInput {
            selection_pattern: Some("4\\d{2}".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let snapshot = compile_one(&def, &stage(&[])).unwrap();
    let found = snapshot.routes.lookup(&http::Method::GET, "/").unwrap();
    let CompiledIntegration::Mock { responses, .. } = &found.route.integration else {
        panic!()
    };
    assert_eq!(
        responses.select("404").unwrap().status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(responses.select("200").unwrap().status, StatusCode::OK);
    assert_eq!(
        responses.select("4044").unwrap().status,
        StatusCode::OK,
        "patterns match the whole value"
    );
}

#[test]
fn unsupported_regex_is_a_compile_error_naming_the_method() {
    let mut def = definition();
    let root = ResourceId::new("root");
    def.put_method(
        &root,
        HttpMethod::Get,
        PutMethodInput {
            authorization_type: Some(AuthorizationType::None),
            ..Default::default()
        },
    )
    .unwrap();
    def.put_integration(
        &root,
        HttpMethod::Get,
        PutIntegrationInput {
            kind: Some(IntegrationType::Mock),
            ..Default::default()
        },
    )
    .unwrap();
    def.put_method_response(
        &root,
        HttpMethod::Get,
        "400",
        PutMethodResponseInput::default(),
    )
    .unwrap();
    def.put_integration_response(
        &root,
        HttpMethod::Get,
        "400",
        PutIntegrationResponseInput {
            selection_pattern: Some("(?=lookahead)".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let errors = compile_one(&def, &stage(&[])).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].location, "GET / 400");
}

#[test]
fn canary_gets_its_own_routes_and_variables() {
    let def = with_http_proxy("http://${stageVariables.host}/{proxy}");
    let mut stage = stage(&[("host", "main:8080")]);
    stage.canary_settings = Some(portico_model::stage::CanarySettings {
        percent_traffic: Some(25.0),
        deployment_id: Some(DeploymentId::new("d2")),
        stage_variable_overrides: Some([("host".to_owned(), "canary:8080".to_owned())].into()),
        use_stage_cache: Some(false),
    });
    let snapshot = compile(&CompileInput {
        definition: &def,
        deployment_id: "d1",
        stage: &stage,
        canary_definition: Some(&def),
        limits: None,
    })
    .unwrap();
    let canary = snapshot.canary.as_ref().unwrap();
    assert_eq!(canary.percent_traffic, 25.0);
    assert_eq!(&*canary.snapshot.deployment_id, "d2");
    assert_eq!(canary.snapshot.variable("host"), Some("canary:8080"));
    assert_eq!(snapshot.variable("host"), Some("main:8080"));
}

#[test]
fn a_canary_uses_the_stage_cache_only_when_asked_and_under_its_own_keys() {
    let def = with_http_proxy("http://backend/{proxy}");
    let limits = portico_limits::Limits::default();
    let cached_namespaces = |use_stage_cache: bool| {
        let mut stage = stage(&[]);
        stage.cache_cluster_enabled = true;
        stage.canary_settings = Some(portico_model::stage::CanarySettings {
            percent_traffic: Some(50.0),
            deployment_id: Some(DeploymentId::new("d2")),
            stage_variable_overrides: None,
            use_stage_cache: Some(use_stage_cache),
        });
        let snapshot = compile(&CompileInput {
            definition: &def,
            deployment_id: "d1",
            stage: &stage,
            canary_definition: Some(&def),
            limits: Some(&limits),
        })
        .unwrap();
        let namespace = |snapshot: &StageSnapshot| {
            let matched = snapshot
                .routes
                .lookup(&http::Method::GET, "/items")
                .expect("route");
            matched
                .route
                .limits
                .cache
                .as_ref()
                .map(|policy| policy.namespace.to_string())
        };
        let canary = snapshot.canary.as_ref().expect("canary");
        (namespace(&snapshot), namespace(&canary.snapshot))
    };
    let (main, canary) = cached_namespaces(false);
    assert!(main.is_some(), "GET is cached on the stage");
    assert_eq!(canary, None, "no useStageCache: the canary does not cache");
    let (main, canary) = cached_namespaces(true);
    let (main, canary) = (main.unwrap(), canary.unwrap());
    assert_ne!(main, canary, "a different deployment never shares entries");
    assert!(canary.starts_with("d2"));
}
