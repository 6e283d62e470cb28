//! Documents that cannot become an API fail with an ImportError naming where.

use portico_openapi::{ImportError, ImportOptions, import, parse};

use crate::common::{fixture, ids};

/// Imports `text` (JSON or YAML) and returns the error it must fail with.
fn error_of(text: &str) -> ImportError {
    error_with(text, &ImportOptions::default())
}

fn error_with(text: &str, options: &ImportOptions) -> ImportError {
    let document = match parse(text.as_bytes()) {
        Ok(document) => document,
        Err(err) => return err,
    };
    match import(&document, options, &mut ids("e"), 0) {
        Ok(imported) => panic!("imported: {:?}", imported.warnings),
        Err(err) => err,
    }
}

/// A small OpenAPI 3 document with `operation` (YAML, indented for a method) at GET /pets.
fn with_operation(operation: &str) -> String {
    let indented: String = operation.lines().map(|l| format!("      {l}\n")).collect();
    format!(
        "openapi: 3.0.1\ninfo: {{title: t, version: '1'}}\npaths:\n  /pets:\n    get:\n{indented}"
    )
}

#[test]
fn invalid_yaml_names_line_and_column() {
    let err = error_of("openapi: 3.0.1\ninfo: {title: t\npaths: {}\n");
    assert!(err.message.starts_with("Invalid YAML"), "{err}");
    assert!(err.location.starts_with("line "), "{}", err.location);
}

#[test]
fn invalid_json_names_line_and_column() {
    let err = error_of("{\"openapi\": \"3.0.1\",\n \"paths\": {,}}");
    assert_eq!(err.location, "line 2, column 12");
}

#[test]
fn wrong_json_types_name_the_member() {
    let err = error_of(&with_operation(
        "x-amazon-apigateway-integration:\n  type: mock\n  timeoutInMillis: soon",
    ));
    assert_eq!(
        err.location,
        "paths./pets.get.x-amazon-apigateway-integration.timeoutInMillis"
    );
    assert_eq!(
        err.message,
        "Invalid value: expected an integer, found a string"
    );

    let err = error_of(&with_operation(
        "x-amazon-apigateway-integration:\n  type: mock\n  requestParameters: [a]",
    ));
    assert_eq!(
        err.location,
        "paths./pets.get.x-amazon-apigateway-integration.requestParameters"
    );

    let err = error_of("openapi: 3.0.1\ninfo: {title: t}\npaths: []\n");
    assert_eq!(err.location, "paths");

    let err = error_of(&with_operation(
        "parameters:\n  - {name: a, in: query, required: yes please}",
    ));
    assert_eq!(err.location, "paths./pets.get.parameters[0].required");
}

#[test]
fn dangling_refs_name_the_reference() {
    let err = error_of(&with_operation(
        "responses:\n  '200':\n    description: ok\n    content:\n      application/json:\n        schema: {$ref: '#/components/schemas/Nope'}",
    ));
    assert_eq!(
        err.location,
        "paths./pets.get.responses.200.content.application/json.schema.$ref"
    );
    assert!(err.message.contains("#/components/schemas/Nope"), "{err}");

    let err = error_of(&with_operation(
        "parameters:\n  - $ref: '#/components/parameters/Limit'",
    ));
    assert_eq!(err.location, "paths./pets.get.parameters[0]");
    assert!(err.message.contains("no such value"), "{err}");
}

#[test]
fn ref_cycles_are_rejected() {
    let err = error_of(
        "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /a:\n    get:\n      parameters: [{$ref: '#/components/parameters/A'}]\ncomponents:\n  parameters:\n    A: {$ref: '#/components/parameters/B'}\n    B: {$ref: '#/components/parameters/A'}\n",
    );
    assert_eq!(err.location, "paths./a.get.parameters[0]");
    assert!(err.message.starts_with("Circular $ref"), "{err}");

    // A schema that inlines itself through a non-model reference.
    let err = error_of(
        "openapi: 3.0.1\ninfo: {title: t}\npaths: {}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        loop: {$ref: '#/components/schemas/A/properties/loop'}\n",
    );
    assert_eq!(err.location, "components.schemas.A.properties.loop.$ref");
    assert!(err.message.starts_with("Circular $ref"), "{err}");
}

#[test]
fn named_schemas_may_refer_to_themselves() {
    let document = parse(
        b"openapi: 3.0.1\ninfo: {title: t}\npaths: {}\ncomponents:\n  schemas:\n    Node:\n      type: object\n      properties:\n        children: {type: array, items: {$ref: '#/components/schemas/Node'}}\n",
    )
    .unwrap();
    let imported = import(&document, &ImportOptions::default(), &mut ids("r"), 0).unwrap();
    assert!(
        imported.definition.models["Node"]
            .schema
            .as_deref()
            .unwrap()
            .contains("/models/Node")
    );
}

#[test]
fn unknown_integration_type_is_rejected_at_the_type() {
    let err = error_of(&with_operation(
        "x-amazon-apigateway-integration: {type: lambda}",
    ));
    assert_eq!(
        err.location,
        "paths./pets.get.x-amazon-apigateway-integration.type"
    );
    assert_eq!(
        err.message,
        "Invalid integration type 'lambda'. Valid values are aws, aws_proxy, http, http_proxy, mock"
    );
}

#[test]
fn integration_rules_of_the_model_apply_at_the_field() {
    let err = error_of(&with_operation(
        "x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'ftp://x'}",
    ));
    assert_eq!(
        err.location,
        "paths./pets.get.x-amazon-apigateway-integration.uri"
    );
    assert!(
        err.message
            .contains("Invalid HTTP endpoint specified for URI"),
        "{err}"
    );
    assert!(
        err.message
            .starts_with("Unable to put integration on 'GET' for resource at path '/pets'")
    );
}

#[test]
fn missing_paths_and_versions_are_rejected() {
    assert_eq!(
        error_of("openapi: 3.0.1\ninfo: {title: t}\n").location,
        "paths"
    );
    assert_eq!(error_of("info: {title: t}\npaths: {}\n").location, "");
    assert_eq!(
        error_of("swagger: '1.2'\ninfo: {title: t}\npaths: {}\n").location,
        "swagger"
    );
    assert_eq!(
        error_of("openapi: 3.0.1\npaths: {}\n").location,
        "info.title"
    );
}

#[test]
fn invalid_resource_paths_are_rejected_at_the_path() {
    let err = error_of("openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /pets/{id}.json: {get: {}}\n");
    assert_eq!(err.location, "paths./pets/{id}.json");
    let err = error_of("openapi: 3.0.1\ninfo: {title: t}\npaths:\n  pets: {get: {}}\n");
    assert_eq!(err.location, "paths.pets");
}

#[test]
fn unknown_references_by_name_are_rejected() {
    let err = error_of(&with_operation("security: [{oauth: []}]"));
    assert_eq!(err.location, "paths./pets.get.security[0].oauth");
    let err = error_of(&with_operation(
        "x-amazon-apigateway-request-validator: strict",
    ));
    assert_eq!(
        err.location,
        "paths./pets.get.x-amazon-apigateway-request-validator"
    );
    let err = error_of(
        "openapi: 3.0.1\ninfo: {title: t}\npaths: {}\nx-amazon-apigateway-gateway-responses: {NOPE: {statusCode: '400'}}\n",
    );
    assert_eq!(err.location, "x-amazon-apigateway-gateway-responses.NOPE");
}

#[test]
fn a_method_defined_twice_is_rejected() {
    let err =
        error_of("openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /a: {get: {}}\n  /a/: {get: {}}\n");
    assert_eq!(err.location, "paths./a/.get");
}

#[test]
fn fail_on_warnings_turns_warnings_into_an_error() {
    let options = ImportOptions {
        fail_on_warnings: true,
        ..Default::default()
    };
    let text = String::from_utf8(fixture("oai-petstore.yaml")).unwrap();
    let err = error_with(&text, &options);
    assert!(
        err.message.starts_with("Warnings found during import"),
        "{err}"
    );
    assert_eq!(err.location, "paths./pets.get.responses.default");
}

#[test]
fn a_ten_megabyte_nesting_bomb_is_a_clean_error() {
    let depth = 5 * 1024 * 1024;
    let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(json.len(), 10 * 1024 * 1024);
    let err = parse(json.as_bytes()).unwrap_err();
    assert!(err.message.contains("too large"), "{err}");
    let yaml = format!("a: {}", "[".repeat(10 * 1024 * 1024));
    assert!(
        parse(yaml.as_bytes())
            .unwrap_err()
            .message
            .contains("too large")
    );
}

#[test]
fn a_nesting_bomb_within_the_size_limit_is_a_clean_error() {
    let depth = 2 * 1024 * 1024;
    let json = format!("{{\"a\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
    let err = parse(json.as_bytes()).unwrap_err();
    assert!(err.message.contains("nested too deeply"), "{err}");
    // `{` is the first level, so the 64th `[` is one too many.
    assert_eq!(err.location, "line 1, column 70");
    let yaml = format!("a: {}", "[".repeat(5 * 1024 * 1024));
    let err = parse(yaml.as_bytes()).unwrap_err();
    assert!(err.message.contains("nested too deeply"), "{err}");
    let block: String = (0..100)
        .map(|level| format!("{}k:\n", " ".repeat(level)))
        .collect();
    let err = parse(block.as_bytes()).unwrap_err();
    assert!(err.message.contains("nested too deeply"), "{err}");
}
