//! One test (or a few) per extension and mapping rule, each on a minimal document.

use portico_model::authorizer::AuthorizerType;
use portico_model::integration::{ConnectionType, ResponseTransferMode};
use portico_model::method::AuthorizationType;
use portico_model::rest_api::{ApiKeySource, EndpointType};
use portico_model::{ApiDefinition, HttpMethod, IntegrationType, Method};

use super::*;

fn ids() -> impl FnMut(IdKind) -> String {
    let mut counter = 0;
    move |kind| {
        counter += 1;
        format!("{}{counter}", format!("{kind:?}").to_lowercase())
    }
}

fn run(text: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let document = crate::parse(text.as_bytes())?;
    import(&document, options, &mut ids(), 7)
}

/// Imports an OpenAPI 3 document made of `info`, the `rest` given and, unless `rest` has
/// its own, empty `paths`.
fn check(rest: &str) -> Imported {
    check_with(rest, &ImportOptions::default())
}

fn check_with(rest: &str, options: &ImportOptions) -> Imported {
    run(&document(rest), options).unwrap_or_else(|err| panic!("{err}"))
}

fn check_err(rest: &str) -> ImportError {
    run(&document(rest), &ImportOptions::default()).unwrap_err()
}

fn document(rest: &str) -> String {
    let paths = if rest.contains("\npaths:") || rest.starts_with("paths:") {
        ""
    } else {
        "paths: {}\n"
    };
    format!("openapi: 3.0.1\ninfo: {{title: api, version: '1'}}\n{paths}{rest}\n")
}

/// A document whose GET /a operation is `operation` (flow-style YAML).
fn operation(operation: &str) -> String {
    format!("paths:\n  /a:\n    get: {operation}")
}

fn method<'d>(definition: &'d ApiDefinition, path: &str, verb: HttpMethod) -> &'d Method {
    definition
        .resources
        .values()
        .find(|r| r.path == path)
        .and_then(|r| r.resource_methods.get(verb.as_str()))
        .unwrap_or_else(|| panic!("no {verb} {path}"))
}

fn get_a(imported: &Imported) -> &Method {
    method(&imported.definition, "/a", HttpMethod::Get)
}

// --- x-amazon-apigateway-integration ---

#[test]
fn integration_types_are_case_insensitive() {
    for (text, kind) in [
        ("mock", IntegrationType::Mock),
        ("MOCK", IntegrationType::Mock),
        ("Http_Proxy", IntegrationType::HttpProxy),
    ] {
        let imported = check(&operation(&format!(
            "{{x-amazon-apigateway-integration: {{type: {text}, httpMethod: any, uri: 'http://b'}}}}"
        )));
        assert_eq!(
            get_a(&imported).method_integration.as_ref().unwrap().kind,
            kind
        );
    }
}

#[test]
fn integration_fields_are_all_read() {
    let imported = check(&operation(
        "{parameters: [{name: id, in: header}], x-amazon-apigateway-integration: {type: http, httpMethod: post, uri: 'https://b/${stageVariables.path}', \
         connectionType: vpc_link, connectionId: '${stageVariables.link}', credentials: 'arn:aws:iam::1:role/r', \
         requestParameters: {integration.request.header.X-Id: method.request.header.id}, \
         requestTemplates: {application/json: '{}', text/plain: null}, passthroughBehavior: when_no_templates, \
         contentHandling: convert_to_text, timeoutInMillis: 1000, cacheNamespace: ns, \
         cacheKeyParameters: [method.request.header.id], tlsConfig: {insecureSkipVerification: true}, \
         responseTransferMode: stream, integrationTarget: 'arn:aws:elasticloadbalancing:x'}}",
    ));
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    let integration = get_a(&imported).method_integration.as_ref().unwrap();
    assert_eq!(integration.http_method, Some(HttpMethod::Post));
    assert_eq!(integration.connection_type, Some(ConnectionType::VpcLink));
    assert_eq!(
        integration.request_templates.as_ref().unwrap()["text/plain"],
        None
    );
    assert_eq!(integration.timeout_in_millis, 1000);
    assert_eq!(integration.cache_namespace.as_deref(), Some("ns"));
    assert_eq!(
        integration
            .tls_config
            .as_ref()
            .unwrap()
            .insecure_skip_verification,
        Some(true)
    );
    assert_eq!(
        integration.response_transfer_mode,
        Some(ResponseTransferMode::Stream)
    );
    assert!(integration.integration_target.is_some());
}

#[test]
fn integration_responses_map_patterns_to_status_codes() {
    let imported = check(&operation(
        "{responses: {'200': {description: ok}, '400': {description: bad}}, x-amazon-apigateway-integration: {type: mock, responses: \
         {default: {statusCode: 200, responseTemplates: {application/json: '{}'}}, 'Bad.*': {statusCode: '400', contentHandling: CONVERT_TO_TEXT}}}}",
    ));
    let integration = get_a(&imported).method_integration.as_ref().unwrap();
    assert_eq!(
        integration
            .integration_response("200")
            .unwrap()
            .selection_pattern,
        None
    );
    let bad = integration.integration_response("400").unwrap();
    assert_eq!(bad.selection_pattern.as_deref(), Some("Bad.*"));
    assert!(bad.content_handling.is_some());
}

#[test]
fn unsupported_integration_properties_are_warnings() {
    let imported = check(&operation(
        "{x-amazon-apigateway-integration: {type: mock, payloadFormatVersion: '1.0'}}",
    ));
    assert_eq!(
        imported.warnings,
        [
            "Ignoring unsupported integration property 'payloadFormatVersion' (at paths./a.get.x-amazon-apigateway-integration.payloadFormatVersion)"
        ]
    );
}

#[test]
fn an_integration_without_a_type_is_an_error() {
    let err = check_err(&operation(
        "{x-amazon-apigateway-integration: {uri: 'http://b'}}",
    ));
    assert_eq!(err.location, "paths./a.get.x-amazon-apigateway-integration");
}

#[test]
fn undeclared_mapped_parameters_and_responses_are_declared_with_warnings() {
    let imported = check(
        "paths:\n  /items/{id}:\n    get: {x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: 'http://b/{id}', \
         requestParameters: {integration.request.path.id: method.request.path.id, integration.request.header.q: method.request.querystring.q}, \
         responses: {default: {statusCode: '200', responseParameters: {method.response.header.X-Id: \"'1'\"}}}}}",
    );
    assert_eq!(imported.warnings.len(), 4, "{:?}", imported.warnings);
    let get = method(&imported.definition, "/items/{id}", HttpMethod::Get);
    let parameters = get.request_parameters.as_ref().unwrap();
    assert!(parameters["method.request.path.id"]);
    assert!(!parameters["method.request.querystring.q"]);
    assert!(
        get.method_response("200")
            .unwrap()
            .declares_header("method.response.header.X-Id")
    );
}

// --- x-amazon-apigateway-any-method ---

#[test]
fn any_method_becomes_an_any_method() {
    let imported = check(
        "paths:\n  /{proxy+}:\n    x-amazon-apigateway-any-method: {parameters: [{name: proxy, in: path, required: true}], \
         x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: 'http://b/{proxy}', \
         requestParameters: {integration.request.path.proxy: method.request.path.proxy}}}",
    );
    let any = method(&imported.definition, "/{proxy+}", HttpMethod::Any);
    assert!(any.request_parameters.as_ref().unwrap()["method.request.path.proxy"]);
}

// --- security: api keys, authorizers, authtype, auth ---

const SCHEMES: &str = "components:\n  securitySchemes:\n    api_key: {type: apiKey, name: x-api-key, in: header}\n    \
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}\n    \
    token: {type: apiKey, name: Auth, in: header, x-amazon-apigateway-authtype: custom, x-amazon-apigateway-authorizer: \
    {type: TOKEN, authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/f', authorizerCredentials: 'arn:aws:iam::1:role/r', identityValidationExpression: '^x$', authorizerResultTtlInSeconds: 60}}\n    \
    request: {type: apiKey, name: Unused, in: header, x-amazon-apigateway-authorizer: \
    {type: request, authorizerUri: 'arn:aws:apigateway:us-east-1:lambda:path/f', identitySource: 'method.request.header.A, method.request.querystring.b', authorizerResultTtlInSeconds: 0}}\n    \
    cognito: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: cognito_user_pools, x-amazon-apigateway-authorizer: \
    {type: cognito_user_pools, providerARNs: ['arn:aws:cognito-idp:us-east-1:1:userpool/p']}}\n    \
    oauth: {type: oauth2, flows: {}}\n";

fn secured(security: &str) -> Imported {
    check(&format!(
        "{}\n{SCHEMES}",
        operation(&format!("{{security: {security}}}"))
    ))
}

#[test]
fn api_key_requirements_set_api_key_required() {
    let imported = secured("[{api_key: []}]");
    let get = get_a(&imported);
    assert!(get.api_key_required);
    assert_eq!(get.authorization_type, AuthorizationType::None);
}

#[test]
fn authorizers_are_created_from_security_schemes() {
    let imported = secured("[{token: []}, {api_key: []}]");
    let definition = &imported.definition;
    assert_eq!(definition.authorizers.len(), 3);
    let by_name = |name: &str| {
        definition
            .authorizers
            .values()
            .find(|a| a.name == name)
            .unwrap()
    };
    let token = by_name("token");
    assert_eq!(token.kind, AuthorizerType::Token);
    assert_eq!(
        token.identity_source.as_deref(),
        Some("method.request.header.Auth")
    );
    assert_eq!(token.authorizer_result_ttl_in_seconds, Some(60));
    assert_eq!(token.auth_type.as_deref(), Some("custom"));
    assert!(token.authorizer_credentials.is_some());
    let request = by_name("request");
    assert_eq!(request.kind, AuthorizerType::Request);
    assert_eq!(request.authorizer_result_ttl_in_seconds, Some(0));
    let cognito = by_name("cognito");
    assert_eq!(cognito.provider_arns.as_ref().unwrap().len(), 1);
    assert_eq!(
        cognito.identity_source.as_deref(),
        Some("method.request.header.Authorization")
    );
    let get = get_a(&imported);
    assert_eq!(get.authorization_type, AuthorizationType::Custom);
    assert_eq!(get.authorizer_id.as_deref(), Some(token.id.as_str()));
    assert!(get.api_key_required);
}

#[test]
fn cognito_requirements_carry_scopes() {
    let imported = secured("[{cognito: [email, 'orders/read']}]");
    let get = get_a(&imported);
    assert_eq!(get.authorization_type, AuthorizationType::CognitoUserPools);
    assert_eq!(
        get.authorization_scopes.as_deref().unwrap(),
        ["email", "orders/read"]
    );
}

#[test]
fn sigv4_authtype_and_auth_extension_mean_aws_iam() {
    assert_eq!(
        get_a(&secured("[{sigv4: []}]")).authorization_type,
        AuthorizationType::AwsIam
    );
    let imported = check(&operation("{x-amazon-apigateway-auth: {type: aws_iam}}"));
    assert_eq!(
        get_a(&imported).authorization_type,
        AuthorizationType::AwsIam
    );
}

#[test]
fn unsupported_schemes_are_warnings_and_leave_the_method_open() {
    let imported = secured("[{oauth: [read]}]");
    assert_eq!(get_a(&imported).authorization_type, AuthorizationType::None);
    assert_eq!(imported.warnings.len(), 2, "{:?}", imported.warnings);
    assert!(imported.warnings[0].starts_with("Unsupported security scheme 'oauth'"));
    assert!(imported.warnings[1].contains("cannot enforce"));
}

#[test]
fn root_security_is_ignored_with_a_warning() {
    let imported = check("security: [{api_key: []}]");
    assert_eq!(
        imported.warnings,
        ["API Gateway ignores root-level security; set 'security' on each operation (at security)"]
    );
}

#[test]
fn an_authorizer_without_a_type_is_an_error() {
    let err = check_err(
        "components:\n  securitySchemes:\n    a: {type: apiKey, name: A, in: header, x-amazon-apigateway-authorizer: {authorizerUri: x}}",
    );
    assert_eq!(
        err.location,
        "components.securitySchemes.a.x-amazon-apigateway-authorizer"
    );
}

// --- API-wide extensions ---

#[test]
fn api_key_source_binary_types_compression_and_policy_are_api_settings() {
    let imported = check(
        "x-amazon-apigateway-api-key-source: AUTHORIZER\nx-amazon-apigateway-binary-media-types: ['image/*']\n\
         x-amazon-apigateway-minimum-compression-size: 0\nx-amazon-apigateway-policy: '{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"execute-api:Invoke\", \"Resource\": \"execute-api:/*\"}]}'",
    );
    let api = &imported.definition.rest_api;
    assert_eq!(api.api_key_source, ApiKeySource::Authorizer);
    assert_eq!(api.binary_media_types.as_deref().unwrap(), ["image/*"]);
    assert_eq!(api.minimum_compression_size, Some(0));
    assert_eq!(
        api.policy.as_deref(),
        Some(
            "{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:000000000000:restapi1/*\"}]}"
        )
    );
}

#[test]
fn api_setting_errors_point_at_the_extension() {
    let err = check_err("x-amazon-apigateway-minimum-compression-size: -1");
    assert_eq!(err.location, "x-amazon-apigateway-minimum-compression-size");
    let err = check_err("x-amazon-apigateway-binary-media-types: [png]");
    assert_eq!(err.location, "x-amazon-apigateway-binary-media-types");
    let err = check_err("x-amazon-apigateway-policy: 3");
    assert_eq!(err.location, "x-amazon-apigateway-policy");
}

#[test]
fn endpoint_configuration_comes_from_the_server_and_the_type_from_the_options() {
    let text = "servers:\n  - url: https://x\n    x-amazon-apigateway-endpoint-configuration: {disableExecuteApiEndpoint: true, vpcEndpointIds: [vpce-1]}";
    let options = ImportOptions {
        endpoint_type: Some(EndpointType::Private),
        ..Default::default()
    };
    let api = check_with(text, &options).definition.rest_api;
    assert!(api.disable_execute_api_endpoint);
    assert_eq!(api.endpoint_configuration.types, [EndpointType::Private]);
    assert_eq!(
        api.endpoint_configuration
            .vpc_endpoint_ids
            .as_deref()
            .unwrap(),
        ["vpce-1"]
    );
    let err = check_err(text);
    assert_eq!(err.location, "x-amazon-apigateway-endpoint-configuration");
}

#[test]
fn gateway_responses_are_customised() {
    let imported = check(
        "x-amazon-apigateway-gateway-responses:\n  MISSING_AUTHENTICATION_TOKEN: {statusCode: 404, responseTemplates: {application/json: '{\"message\": \"no route\"}'}}",
    );
    let responses = &imported.definition.gateway_responses;
    let response = responses.values().next().unwrap();
    assert_eq!(response.status_code.as_deref(), Some("404"));
    assert!(!response.default_response);
    let err =
        check_err("x-amazon-apigateway-gateway-responses:\n  DEFAULT_4XX: {statusCode: '99'}");
    assert_eq!(
        err.location,
        "x-amazon-apigateway-gateway-responses.DEFAULT_4XX"
    );
}

#[test]
fn request_validators_have_a_document_default_and_operation_overrides() {
    let imported = check(&format!(
        "x-amazon-apigateway-request-validators:\n  body: {{validateRequestBody: true}}\n  params: {{validateRequestParameters: true}}\n\
         x-amazon-apigateway-request-validator: body\n{}\n  /b:\n    get: {{x-amazon-apigateway-request-validator: params}}",
        operation("{}")
    ));
    let definition = &imported.definition;
    let id = |name: &str| {
        definition
            .request_validators
            .values()
            .find(|v| v.name.as_deref() == Some(name))
            .map(|v| v.id.clone())
    };
    let body = &definition.request_validators[&id("body").unwrap()];
    assert!(body.validate_request_body && !body.validate_request_parameters);
    assert_eq!(get_a(&imported).request_validator_id, id("body"));
    assert_eq!(
        method(definition, "/b", HttpMethod::Get).request_validator_id,
        id("params")
    );
}

#[test]
fn documentation_is_kept_unless_ignored() {
    let text = "x-amazon-apigateway-documentation: {version: '1', documentationParts: []}";
    let imported = check(text);
    assert!(imported.warnings.is_empty());
    assert!(
        imported
            .definition
            .extensions
            .contains_key("x-amazon-apigateway-documentation")
    );
    let options = ImportOptions {
        ignore_documentation: true,
        ..Default::default()
    };
    assert!(check_with(text, &options).definition.extensions.is_empty());
}

#[test]
fn unknown_amazon_extensions_are_kept_with_a_warning_and_others_ignored() {
    let imported = check("x-amazon-apigateway-importexport-version: '1.0'\nx-company-owner: team");
    assert_eq!(imported.definition.extensions.len(), 1);
    assert_eq!(imported.warnings.len(), 1);
    assert!(imported.warnings[0].contains("x-amazon-apigateway-importexport-version"));
}

#[test]
fn tag_values_become_api_tags() {
    let imported =
        check("tags: [{name: env, x-amazon-apigateway-tag-value: prod}, {name: docs-only}]");
    let tags = imported.definition.rest_api.tags.unwrap();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags["env"], "prod");
}

// --- paths, base paths, parameters, models ---

fn resource_paths(imported: &Imported) -> Vec<String> {
    let mut paths: Vec<String> = imported
        .definition
        .resources
        .values()
        .map(|r| r.path.clone())
        .collect();
    paths.sort();
    paths
}

#[test]
fn base_paths_are_ignored_prepended_or_split() {
    let oas3 = "servers: [{url: 'https://{host}/{stage}/v1', variables: {host: {default: h}, stage: {default: prod}}}]\npaths: {/a: {get: {}}}";
    let swagger = "swagger: '2.0'\ninfo: {title: t}\nbasePath: /prod/v1\npaths: {/a: {get: {}}}\n";
    for (basepath, expected) in [
        (BasePath::Ignore, vec!["/", "/a"]),
        (
            BasePath::Prepend,
            vec!["/", "/prod", "/prod/v1", "/prod/v1/a"],
        ),
        (BasePath::Split, vec!["/", "/v1", "/v1/a"]),
    ] {
        let options = ImportOptions {
            basepath,
            ..Default::default()
        };
        assert_eq!(
            resource_paths(&check_with(oas3, &options)),
            expected,
            "{basepath:?}"
        );
        let imported = run(swagger, &options).unwrap();
        assert_eq!(resource_paths(&imported), expected, "{basepath:?}");
    }
}

#[test]
fn parameters_from_path_items_and_operations_are_merged() {
    let imported = check(
        "paths:\n  /a/{id}:\n    parameters: [{name: id, in: path, required: true}, {name: q, in: query}]\n    \
         get: {parameters: [{name: q, in: query, required: true}, {name: X-H, in: header}, {name: c, in: cookie}]}",
    );
    let get = method(&imported.definition, "/a/{id}", HttpMethod::Get);
    let parameters = get.request_parameters.as_ref().unwrap();
    assert_eq!(parameters.len(), 3);
    assert!(parameters["method.request.querystring.q"]);
    assert!(!parameters["method.request.header.X-H"]);
    assert_eq!(imported.warnings.len(), 1, "cookie parameters are ignored");
}

#[test]
fn inline_schemas_become_generated_models_named_after_the_operation() {
    let body = "{content: {application/json: {schema: {type: object}}}}";
    let imported = check(&format!(
        "paths:\n  /pets:\n    post: {{operationId: createPet, requestBody: {body}, responses: {{'200': {{description: ok, content: {{application/json: {{schema: {{type: array}}}}}}}}}}}}\n    \
         put: {{requestBody: {body}}}\n  /pets/{{id}}:\n    patch: {{requestBody: {{content: {{application/json: {{schema: {{type: string}}}}}}}}}}"
    ));
    let definition = &imported.definition;
    let post = method(definition, "/pets", HttpMethod::Post);
    assert_eq!(
        post.request_models.as_ref().unwrap()["application/json"],
        "CreatePetRequest"
    );
    let response = post.method_response("200").unwrap();
    assert_eq!(
        response.response_models.as_ref().unwrap()["application/json"],
        "CreatePet200Response"
    );
    // An equal inline schema reuses the model.
    let put = method(definition, "/pets", HttpMethod::Put);
    assert_eq!(
        put.request_models.as_ref().unwrap()["application/json"],
        "CreatePetRequest"
    );
    let patch = method(definition, "/pets/{id}", HttpMethod::Patch);
    assert_eq!(
        patch.request_models.as_ref().unwrap()["application/json"],
        "PatchPetsIdRequest"
    );
}

#[test]
fn schema_names_are_made_alphanumeric_with_a_warning() {
    let imported = check(
        "components:\n  schemas:\n    pet_list: {type: array, items: {$ref: '#/components/schemas/pet-item'}}\n    pet-item: {type: object}",
    );
    let models = &imported.definition.models;
    assert!(models.contains_key("petlist") && models.contains_key("petitem"));
    assert!(
        models["petlist"]
            .schema
            .as_deref()
            .unwrap()
            .ends_with("/models/petitem\"}}")
    );
    assert_eq!(imported.warnings.len(), 2);
}

#[test]
fn non_model_references_are_inlined() {
    let imported = check(
        "components:\n  schemas:\n    Pet: {type: object, properties: {tag: {type: string, maxLength: 9}}}\n    \
         Tagged: {properties: {tag: {$ref: '#/components/schemas/Pet/properties/tag'}}}",
    );
    let tagged = imported.definition.models["Tagged"].schema.clone().unwrap();
    assert_eq!(
        tagged,
        r#"{"properties":{"tag":{"type":"string","maxLength":9}}}"#
    );
}

#[test]
fn swagger_bodies_use_consumes_and_responses_use_produces() {
    let imported = run(
        "swagger: '2.0'\ninfo: {title: t}\nproduces: [application/xml]\npaths:\n  /a:\n    post:\n      consumes: [application/json, text/plain]\n      \
         parameters: [{in: body, name: b, schema: {$ref: '#/definitions/B'}}, {in: formData, name: f}]\n      \
         responses: {'200': {description: ok, schema: {$ref: '#/definitions/B'}, headers: {X-A: {type: string}}}}\ndefinitions:\n  B: {type: object}\n",
        &ImportOptions::default(),
    )
    .unwrap();
    let post = method(&imported.definition, "/a", HttpMethod::Post);
    let models = post.request_models.as_ref().unwrap();
    assert_eq!(models.len(), 2);
    assert_eq!(models["text/plain"], "B");
    let response = post.method_response("200").unwrap();
    assert_eq!(
        response.response_models.as_ref().unwrap()["application/xml"],
        "B"
    );
    assert!(response.declares_header("method.response.header.X-A"));
    assert_eq!(imported.warnings.len(), 1, "formData is ignored");
}

#[test]
fn operation_ids_become_operation_names() {
    let imported = check(&operation("{operationId: getThing}"));
    assert_eq!(get_a(&imported).operation_name.as_deref(), Some("getThing"));
}

#[test]
fn openapi_3_1_imports_with_a_warning() {
    let imported = run(
        "openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n",
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(imported.warnings.len(), 1);
}

#[test]
fn import_parameters_are_parsed_from_the_query() {
    let options = ImportOptions::from_parameters([
        ("basepath", "split"),
        ("endpointConfigurationTypes", "regional"),
        ("ignore", "documentation"),
        ("failonwarnings", "true"),
        ("mode", "import"),
    ])
    .unwrap();
    assert_eq!(
        options,
        ImportOptions {
            basepath: BasePath::Split,
            endpoint_type: Some(EndpointType::Regional),
            fail_on_warnings: true,
            ignore_documentation: true,
        }
    );
    assert!(ImportOptions::from_parameters([("basepath", "nope")]).is_err());
}
