//! The shapes of exported documents; round trips are tested in `tests/import_export`.

use portico_model::ApiDefinition;
use serde_json::json;

use super::*;
use crate::{IdKind, ImportOptions, import, parse};

const DOCUMENT: &str = "openapi: 3.0.1\ninfo: {title: shop}\npaths:\n  /items/{id}:\n    get:\n      \
    parameters: [{name: id, in: path, required: true}]\n      security: [{api_key: []}]\n      \
    x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://b/{id}', \
    requestParameters: {integration.request.path.id: method.request.path.id}}\n  /empty: {}\n\
    components:\n  securitySchemes:\n    api_key: {type: apiKey, name: x-api-key, in: header}\n\
    x-amazon-apigateway-binary-media-types: ['image/png']\n";

fn definition() -> ApiDefinition {
    let document = parse(DOCUMENT.as_bytes()).unwrap();
    let mut counter = 0;
    let mut ids = |_: IdKind| {
        counter += 1;
        format!("id{counter}")
    };
    import(&document, &ImportOptions::default(), &mut ids, 0)
        .unwrap()
        .definition
}

fn options(format: ExportFormat, extensions: ExportExtensions) -> ExportOptions {
    ExportOptions {
        format,
        extensions,
        stage_name: Some("prod".into()),
        base_url: None,
        deployed_at: Some(1_714_566_600),
    }
}

#[test]
fn openapi_3_exports_name_the_stage_in_the_server_url() {
    let document = export(
        &definition(),
        &options(ExportFormat::Oas30, ExportExtensions::all()),
    );
    assert_eq!(document["openapi"], "3.0.1");
    assert_eq!(
        document["info"],
        json!({"title": "shop", "version": "2024-05-01T12:30:00Z"})
    );
    assert_eq!(
        document["servers"],
        json!([{"url": "https://id1.execute-api.us-east-1.amazonaws.com/{basePath}",
                "variables": {"basePath": {"default": "prod"}}}])
    );
    let get = &document["paths"]["/items/{id}"]["get"];
    assert_eq!(
        get["parameters"],
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}])
    );
    assert_eq!(get["security"], json!([{"api_key": []}]));
    assert_eq!(get["x-amazon-apigateway-integration"]["type"], "http_proxy");
    assert_eq!(document["paths"]["/empty"], json!({}));
    assert_eq!(
        document["components"]["securitySchemes"]["api_key"],
        json!({"type": "apiKey", "name": "x-api-key", "in": "header"})
    );
    assert_eq!(
        document["x-amazon-apigateway-binary-media-types"],
        json!(["image/png"])
    );
}

#[test]
fn swagger_exports_put_the_stage_in_base_path() {
    let mut export_options = options(ExportFormat::Swagger2, ExportExtensions::default());
    export_options.base_url = Some("http://localhost:8080".into());
    let document = export(&definition(), &export_options);
    assert_eq!(document["swagger"], "2.0");
    assert_eq!(document["host"], "localhost:8080");
    assert_eq!(document["basePath"], "/prod");
    assert_eq!(document["schemes"], json!(["http"]));
    assert!(document["securityDefinitions"]["api_key"].is_object());
}

#[test]
fn extensions_are_written_only_when_asked_for() {
    let document = export(
        &definition(),
        &options(ExportFormat::Oas30, ExportExtensions::default()),
    );
    let text = document.to_string();
    assert!(!text.contains("x-amazon-apigateway"), "{text}");
    let integrations = ExportExtensions::parse("integrations");
    let document = export(&definition(), &options(ExportFormat::Oas30, integrations));
    assert!(document["paths"]["/items/{id}"]["get"]["x-amazon-apigateway-integration"].is_object());
    assert!(
        document
            .get("x-amazon-apigateway-binary-media-types")
            .is_none()
    );
}

#[test]
fn the_api_version_wins_over_the_deployment_date() {
    let mut definition = definition();
    definition.rest_api.version = Some("7".into());
    let document = export(
        &definition,
        &options(ExportFormat::Oas30, ExportExtensions::all()),
    );
    assert_eq!(document["info"]["version"], "7");
}

#[test]
fn deployment_dates_format_as_iso_8601() {
    assert_eq!(iso_date_time(0), "1970-01-01T00:00:00Z");
    assert_eq!(iso_date_time(1_714_566_600), "2024-05-01T12:30:00Z");
    assert_eq!(iso_date_time(951_782_400), "2000-02-29T00:00:00Z");
}

#[test]
fn extensions_parameter_is_parsed() {
    let parsed = ExportExtensions::parse("integrations, authorizers,postman");
    assert!(parsed.integrations() && parsed.authorizers() && !parsed.validators());
    assert!(ExportExtensions::parse("apigateway").validators());
    assert_eq!(ExportExtensions::parse(""), ExportExtensions::default());
}
