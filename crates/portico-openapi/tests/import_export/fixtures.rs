//! What each fixture document becomes.

use std::path::PathBuf;

use portico_model::authorizer::AuthorizerType;
use portico_model::gateway_response::GatewayResponseType;
use portico_model::integration::ContentHandling;
use portico_model::method::AuthorizationType;
use portico_model::rest_api::ApiKeySource;
use portico_model::{ApiDefinition, HttpMethod, IntegrationType, Method, PassthroughBehavior};

use crate::common::{fixture, import_bytes};

fn method<'d>(definition: &'d ApiDefinition, path: &str, verb: HttpMethod) -> &'d Method {
    let resource = definition
        .resources
        .values()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("no resource {path}"));
    resource
        .resource_methods
        .get(verb.as_str())
        .unwrap_or_else(|| panic!("no {verb} {path}"))
}

fn paths(definition: &ApiDefinition) -> Vec<&str> {
    definition
        .resources_by_path()
        .into_iter()
        .map(|r| r.path.as_str())
        .collect()
}

#[test]
fn examples_are_copies_of_the_fixtures() {
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for name in ["petstore.yaml", "serverless.json", "templates.yaml"] {
        let example = std::fs::read(examples.join(name)).unwrap();
        assert!(
            example == fixture(name),
            "examples/{name} differs from tests/fixtures/{name}"
        );
    }
}

#[test]
fn petstore_has_http_proxy_and_mock_methods() {
    let imported = import_bytes(&fixture("petstore.yaml"));
    assert_eq!(imported.warnings, Vec::<String>::new());
    let definition = &imported.definition;
    assert_eq!(definition.rest_api.name, "PetStore");
    assert_eq!(definition.rest_api.version.as_deref(), Some("1.0"));
    assert_eq!(
        paths(definition),
        [
            "/",
            "/mock",
            "/mock/pets",
            "/mock/pets/{petId}",
            "/pets",
            "/pets/{petId}",
            "/ping"
        ]
    );

    let list = method(definition, "/pets", HttpMethod::Get);
    assert_eq!(list.operation_name.as_deref(), Some("ListPets"));
    assert_eq!(list.authorization_type, AuthorizationType::None);
    let parameters = list.request_parameters.as_ref().unwrap();
    assert!(!parameters["method.request.querystring.type"]);
    let integration = list.method_integration.as_ref().unwrap();
    assert_eq!(integration.kind, IntegrationType::HttpProxy);
    assert_eq!(
        integration.uri.as_deref(),
        Some("https://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets")
    );
    assert_eq!(integration.timeout_in_millis, 10_000);
    let response = &list.method_responses.as_ref().unwrap()["200"];
    assert_eq!(
        response.response_models.as_ref().unwrap()["application/json"],
        "Pets"
    );
    assert!(response.declares_header("method.response.header.Access-Control-Allow-Origin"));

    let create = method(definition, "/pets", HttpMethod::Post);
    assert_eq!(
        create.request_models.as_ref().unwrap()["application/json"],
        "NewPet"
    );

    let preflight = method(definition, "/pets", HttpMethod::Options);
    let mock = preflight.method_integration.as_ref().unwrap();
    assert_eq!(mock.kind, IntegrationType::Mock);
    let default = mock.integration_response("200").unwrap();
    assert_eq!(default.selection_pattern, None);
    assert_eq!(
        default.response_parameters.as_ref().unwrap()["method.response.header.Access-Control-Allow-Origin"],
        "'*'"
    );

    let mock_pet = method(definition, "/mock/pets/{petId}", HttpMethod::Get);
    let not_found = mock_pet
        .method_integration
        .as_ref()
        .unwrap()
        .integration_response("404")
        .unwrap();
    assert_eq!(not_found.selection_pattern.as_deref(), Some("404"));

    let pets = definition.models["Pets"].schema.as_deref().unwrap();
    let expected = format!(
        "https://apigateway.amazonaws.com/restapis/{}/models/Pet",
        definition.rest_api.id
    );
    assert!(pets.contains(&expected), "{pets}");
    assert_eq!(definition.models.len(), 7);
}

#[test]
fn serverless_api_has_lambda_proxies_a_token_authorizer_and_api_keys() {
    let imported = import_bytes(&fixture("serverless.json"));
    assert_eq!(imported.warnings, Vec::<String>::new());
    let definition = &imported.definition;
    assert_eq!(definition.authorizers.len(), 1);
    let authorizer = definition.authorizers.values().next().unwrap();
    assert_eq!(authorizer.name, "TokenAuthorizer");
    assert_eq!(authorizer.kind, AuthorizerType::Token);
    assert_eq!(
        authorizer.identity_source.as_deref(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(authorizer.auth_type.as_deref(), Some("custom"));
    assert_eq!(authorizer.authorizer_result_ttl_in_seconds, Some(300));
    assert!(authorizer.identity_validation_expression.is_some());

    let list = method(definition, "/orders", HttpMethod::Get);
    assert_eq!(list.authorization_type, AuthorizationType::Custom);
    assert_eq!(list.authorizer_id.as_deref(), Some(authorizer.id.as_str()));
    assert!(list.api_key_required);
    let integration = list.method_integration.as_ref().unwrap();
    assert_eq!(integration.kind, IntegrationType::AwsProxy);
    assert_eq!(integration.http_method, Some(HttpMethod::Post));
    assert!(
        integration
            .uri
            .as_deref()
            .unwrap()
            .ends_with("function:Fn/invocations")
    );

    let create = method(definition, "/orders", HttpMethod::Post);
    assert_eq!(
        create.request_models.as_ref().unwrap()["application/json"],
        "NewOrder"
    );
    assert!(!create.request_parameters.as_ref().unwrap()["method.request.header.Idempotency-Key"]);
    let created = &create.method_responses.as_ref().unwrap()["201"];
    assert!(created.declares_header("method.response.header.Location"));
    assert_eq!(
        create
            .method_integration
            .as_ref()
            .unwrap()
            .timeout_in_millis,
        15_000
    );

    let get = method(definition, "/orders/{orderId}", HttpMethod::Get);
    assert!(get.request_parameters.as_ref().unwrap()["method.request.path.orderId"]);

    let health = method(definition, "/health", HttpMethod::Get);
    assert_eq!(health.authorization_type, AuthorizationType::None);
    assert!(!health.api_key_required);

    let proxy = method(definition, "/{proxy+}", HttpMethod::Any);
    assert!(proxy.api_key_required);
    assert_eq!(proxy.authorization_type, AuthorizationType::None);
    let proxy_integration = proxy.method_integration.as_ref().unwrap();
    assert_eq!(
        proxy_integration.cache_key_parameters,
        ["method.request.path.proxy"]
    );
    assert_eq!(proxy_integration.cache_namespace.as_deref(), Some("proxy"));

    let unauthorized = &definition.gateway_responses[&GatewayResponseType::Unauthorized];
    assert_eq!(unauthorized.status_code.as_deref(), Some("401"));
    assert!(
        definition
            .gateway_responses
            .contains_key(&GatewayResponseType::Default4xx)
    );
}

#[test]
fn templates_api_has_mappings_validators_gateway_responses_and_api_settings() {
    let imported = import_bytes(&fixture("templates.yaml"));
    assert_eq!(imported.warnings, Vec::<String>::new());
    let definition = &imported.definition;
    let api = &definition.rest_api;
    assert_eq!(
        api.binary_media_types.as_deref().unwrap(),
        ["image/png", "application/octet-stream"]
    );
    assert_eq!(api.minimum_compression_size, Some(1024));
    assert_eq!(api.api_key_source, ApiKeySource::Header);
    assert_eq!(api.tags.as_ref().unwrap()["team"], "platform");
    let policy = api.policy.as_deref().unwrap();
    assert!(
        policy.contains(&format!(
            "arn:aws:execute-api:us-east-1:000000000000:{}/*",
            api.id
        )),
        "{policy}"
    );
    assert!(
        definition
            .extensions
            .contains_key("x-amazon-apigateway-documentation")
    );

    let validator_named = |name: &str| {
        definition
            .request_validators
            .values()
            .find(|v| v.name.as_deref() == Some(name))
            .unwrap()
            .id
            .clone()
    };
    let create = method(definition, "/greetings", HttpMethod::Post);
    assert_eq!(create.request_validator_id, Some(validator_named("all")));
    let get = method(definition, "/greetings/{language}", HttpMethod::Get);
    assert_eq!(
        get.request_validator_id,
        Some(validator_named("params-only"))
    );
    assert_eq!(
        method(definition, "/echo", HttpMethod::Get).request_validator_id,
        Some(validator_named("none"))
    );

    let integration = get.method_integration.as_ref().unwrap();
    assert_eq!(integration.kind, IntegrationType::Aws);
    assert_eq!(
        integration.passthrough_behavior,
        Some(PassthroughBehavior::Never)
    );
    assert_eq!(
        integration.content_handling,
        Some(ContentHandling::ConvertToText)
    );
    assert!(integration.credentials.is_some());
    assert_eq!(integration.cache_key_parameters.len(), 2);
    assert!(
        integration.request_templates.as_ref().unwrap()["application/json"]
            .as_deref()
            .unwrap()
            .contains("$context.requestId")
    );
    let error = integration.integration_response("404").unwrap();
    assert_eq!(
        error.selection_pattern.as_deref(),
        Some(r".*\[UnknownLanguage\].*")
    );

    let echo = method(definition, "/echo", HttpMethod::Get);
    let echo_integration = echo.method_integration.as_ref().unwrap();
    assert_eq!(echo_integration.kind, IntegrationType::Http);
    assert_eq!(
        echo_integration
            .integration_response("502")
            .unwrap()
            .selection_pattern
            .as_deref(),
        Some(r"5\d{2}")
    );
    assert_eq!(
        echo_integration
            .tls_config
            .as_ref()
            .unwrap()
            .insecure_skip_verification,
        Some(false)
    );

    let image = method(definition, "/images/{name}", HttpMethod::Get);
    let image_response = image
        .method_integration
        .as_ref()
        .unwrap()
        .integration_response("200")
        .unwrap();
    assert_eq!(
        image_response.content_handling,
        Some(ContentHandling::ConvertToBinary)
    );

    assert_eq!(definition.gateway_responses.len(), 3);
    assert_eq!(definition.request_validators.len(), 3);
}

#[test]
fn oai_petstores_import_with_warnings_only_and_without_integrations() {
    for name in ["oai-petstore.yaml", "oai-petstore.json"] {
        let imported = import_bytes(&fixture(name));
        let definition = &imported.definition;
        assert_eq!(definition.rest_api.name, "Swagger Petstore", "{name}");
        assert_eq!(
            imported.warnings.len(),
            3,
            "{name}: {:?}",
            imported.warnings
        );
        assert!(
            imported
                .warnings
                .iter()
                .all(|w| w.contains("Ignoring response 'default'"))
        );
        assert_eq!(paths(definition), ["/", "/pets", "/pets/{petId}"], "{name}");
        let list = method(definition, "/pets", HttpMethod::Get);
        assert_eq!(list.operation_name.as_deref(), Some("listPets"));
        assert!(list.method_integration.is_none());
        assert!(!list.request_parameters.as_ref().unwrap()["method.request.querystring.limit"]);
        let ok = &list.method_responses.as_ref().unwrap()["200"];
        assert!(ok.declares_header("method.response.header.x-next"));
        assert_eq!(
            ok.response_models.as_ref().unwrap()["application/json"],
            "Pets"
        );
        let mut models: Vec<&String> = definition.models.keys().collect();
        models.sort();
        assert_eq!(models, ["Error", "Pet", "Pets"], "{name}");
        assert!(
            definition.check_deployable().is_err(),
            "{name}: nothing is integrated"
        );
    }
    let yaml = import_bytes(&fixture("oai-petstore.yaml")).definition;
    let create = method(&yaml, "/pets", HttpMethod::Post);
    assert_eq!(
        create.request_models.as_ref().unwrap()["application/json"],
        "Pet"
    );
}
