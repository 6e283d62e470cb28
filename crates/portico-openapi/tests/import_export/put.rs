//! PutRestApi: merging a document into an API, and overwriting an API with one.

use portico_model::HttpMethod;
use portico_openapi::{ImportOptions, PutMode, parse, put};

use crate::common::{fixture, ids, import_bytes};

const ADDITIONS: &str = r##"
openapi: 3.0.1
info: {title: PetStore v2, version: "2.0"}
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
  /owners:
    get:
      responses:
        "200":
          description: owners
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Owner"}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
components:
  schemas:
    Owner: {type: object}
    Pet: {type: object, properties: {name: {type: string}}}
"##;

#[test]
fn merge_adds_and_replaces_what_the_document_defines_and_keeps_the_rest() {
    let existing = import_bytes(&fixture("petstore.yaml")).definition;
    let document = parse(ADDITIONS.as_bytes()).unwrap();
    let merged = put(
        &existing,
        &document,
        PutMode::Merge,
        &ImportOptions::default(),
        &mut ids("m"),
    )
    .unwrap()
    .definition;
    assert_eq!(merged.rest_api.id, existing.rest_api.id);
    assert_eq!(merged.rest_api.name, "PetStore v2");
    assert_eq!(merged.rest_api.version.as_deref(), Some("2.0"));
    assert_eq!(merged.rest_api.created_date, existing.rest_api.created_date);
    let pets = existing
        .resources
        .values()
        .find(|r| r.path == "/pets")
        .unwrap();
    let merged_pets = &merged.resources[&pets.id];
    // GET /pets was replaced, POST and OPTIONS /pets were kept.
    let get = merged_pets.resource_methods["GET"]
        .method_integration
        .as_ref()
        .unwrap();
    assert_eq!(get.kind, portico_model::IntegrationType::Mock);
    assert!(merged_pets.resource_methods.contains_key("POST"));
    assert!(merged_pets.resource_methods.contains_key("OPTIONS"));
    assert!(merged.resources.values().any(|r| r.path == "/owners"));
    assert!(merged.resources.values().any(|r| r.path == "/ping"));
    // Pet was replaced in place (same id), Owner added, the others kept.
    assert_eq!(merged.models["Pet"].id, existing.models["Pet"].id);
    assert!(
        merged.models["Pet"]
            .schema
            .as_deref()
            .unwrap()
            .contains("name")
    );
    assert!(merged.models.contains_key("Owner"));
    assert!(merged.models.contains_key("NewPet"));
}

#[test]
fn merge_keeps_the_name_when_the_document_has_no_title() {
    let existing = import_bytes(&fixture("petstore.yaml")).definition;
    let document = parse(b"openapi: 3.0.1\ninfo: {version: '3'}\npaths: {}\n").unwrap();
    let merged = put(
        &existing,
        &document,
        PutMode::Merge,
        &ImportOptions::default(),
        &mut ids("m"),
    )
    .unwrap()
    .definition;
    assert_eq!(merged.rest_api.name, "PetStore");
    assert_eq!(merged.resources.len(), existing.resources.len());
}

#[test]
fn overwrite_replaces_the_definition_but_keeps_the_api_and_root_ids() {
    let existing = import_bytes(&fixture("templates.yaml")).definition;
    let document = parse(ADDITIONS.as_bytes()).unwrap();
    let overwritten = put(
        &existing,
        &document,
        PutMode::Overwrite,
        &ImportOptions::default(),
        &mut ids("o"),
    )
    .unwrap()
    .definition;
    assert_eq!(overwritten.rest_api.id, existing.rest_api.id);
    assert_eq!(
        overwritten.rest_api.root_resource_id,
        existing.rest_api.root_resource_id
    );
    assert_eq!(overwritten.rest_api.name, "PetStore v2");
    // API-wide settings the document does not state are cleared; tags stay.
    assert_eq!(overwritten.rest_api.policy, None);
    assert_eq!(overwritten.rest_api.binary_media_types, None);
    assert_eq!(overwritten.rest_api.tags, existing.rest_api.tags);
    let mut paths: Vec<&str> = overwritten
        .resources
        .values()
        .map(|r| r.path.as_str())
        .collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/", "/owners", "/pets"]);
    let mut models: Vec<&String> = overwritten.models.keys().collect();
    models.sort();
    assert_eq!(models, ["Owner", "Pet"]);
    assert!(overwritten.request_validators.is_empty());
    assert!(overwritten.gateway_responses.is_empty());
    assert!(overwritten.extensions.is_empty());
    let root = &overwritten.resources[&existing.rest_api.root_resource_id];
    assert!(root.resource_methods.is_empty());
    let _ = HttpMethod::Get;
}

#[test]
fn a_failed_put_reports_the_error() {
    let existing = import_bytes(&fixture("petstore.yaml")).definition;
    let document = parse(b"openapi: 3.0.1\ninfo: {title: x}\npaths:\n  /a: {get: {x-amazon-apigateway-integration: {type: nope}}}\n").unwrap();
    let err = put(
        &existing,
        &document,
        PutMode::Merge,
        &ImportOptions::default(),
        &mut ids("f"),
    )
    .unwrap_err();
    assert_eq!(
        err.location,
        "paths./a.get.x-amazon-apigateway-integration.type"
    );
}
