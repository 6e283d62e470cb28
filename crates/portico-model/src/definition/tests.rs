use super::*;
use crate::RestApiId;
use crate::integration::IntegrationType;
use crate::method::AuthorizationType;
use crate::patch::{PatchOp, PatchOperation};
use crate::rest_api::CreateRestApiInput;

fn definition() -> ApiDefinition {
    let api = RestApi::create(
        CreateRestApiInput {
            name: Some("shop".into()),
            ..Default::default()
        },
        RestApiId::new("api0000001"),
        ResourceId::new("root000000"),
        1,
    )
    .unwrap();
    ApiDefinition::new(api)
}

fn root() -> ResourceId {
    ResourceId::new("root000000")
}

fn id(value: &str) -> ResourceId {
    ResourceId::new(value)
}

fn none_auth() -> PutMethodInput {
    PutMethodInput {
        authorization_type: Some(AuthorizationType::None),
        ..Default::default()
    }
}

fn op(op: PatchOp, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation {
        op: Some(op),
        path: Some(path.into()),
        value: value.map(Into::into),
        from: None,
    }
}

#[test]
fn child_resources_get_full_paths() {
    let mut def = definition();
    def.create_resource(&root(), "items", id("items1")).unwrap();
    let item = def
        .create_resource(&id("items1"), "{id}", id("item01"))
        .unwrap();
    assert_eq!(item.path, "/items/{id}");
}

#[test]
fn duplicate_path_part_is_a_conflict() {
    let mut def = definition();
    def.create_resource(&root(), "items", id("a")).unwrap();
    let err = def.create_resource(&root(), "items", id("b")).unwrap_err();
    assert_eq!(
        err,
        ModelError::Conflict(
            "Another resource with the same parent already has this name: items".into()
        )
    );
}

#[test]
fn only_one_variable_sibling_is_allowed() {
    let mut def = definition();
    def.create_resource(&root(), "{id}", id("a")).unwrap();
    assert!(def.create_resource(&root(), "{proxy+}", id("b")).is_err());
}

#[test]
fn greedy_resources_cannot_have_children() {
    let mut def = definition();
    def.create_resource(&root(), "{proxy+}", id("a")).unwrap();
    assert!(def.create_resource(&id("a"), "x", id("b")).is_err());
}

#[test]
fn unknown_parent_is_not_found() {
    let mut def = definition();
    let err = def.create_resource(&id("nope"), "x", id("b")).unwrap_err();
    assert_eq!(err, ModelError::invalid_identifier("Resource"));
}

#[test]
fn deleting_a_resource_deletes_its_subtree() {
    let mut def = definition();
    def.create_resource(&root(), "a", id("a")).unwrap();
    def.create_resource(&id("a"), "b", id("b")).unwrap();
    def.create_resource(&root(), "c", id("c")).unwrap();
    def.delete_resource(&id("a")).unwrap();
    assert_eq!(def.resources.len(), 2);
    assert!(def.delete_resource(&root()).is_err());
}

#[test]
fn renaming_a_resource_moves_its_subtree() {
    let mut def = definition();
    def.create_resource(&root(), "a", id("a")).unwrap();
    def.create_resource(&id("a"), "b", id("b")).unwrap();
    def.patch_resource(&id("a"), &[op(PatchOp::Replace, "/pathPart", Some("z"))])
        .unwrap();
    assert_eq!(def.resource(&id("b")).unwrap().path, "/z/b");
}

#[test]
fn a_resource_cannot_move_under_itself() {
    let mut def = definition();
    def.create_resource(&root(), "a", id("a")).unwrap();
    def.create_resource(&id("a"), "b", id("b")).unwrap();
    assert!(
        def.patch_resource(&id("a"), &[op(PatchOp::Replace, "/parentId", Some("b"))])
            .is_err()
    );
}

#[test]
fn putting_a_method_twice_is_a_conflict() {
    let mut def = definition();
    def.put_method(&root(), HttpMethod::Get, none_auth())
        .unwrap();
    let err = def
        .put_method(&root(), HttpMethod::Get, none_auth())
        .unwrap_err();
    assert!(matches!(err, ModelError::Conflict(_)));
}

#[test]
fn integration_responses_need_a_method_response() {
    let mut def = definition();
    def.put_method(&root(), HttpMethod::Get, none_auth())
        .unwrap();
    def.put_integration(
        &root(),
        HttpMethod::Get,
        PutIntegrationInput {
            kind: Some(IntegrationType::Mock),
            ..Default::default()
        },
    )
    .unwrap();
    let err = def
        .put_integration_response(&root(), HttpMethod::Get, "200", Default::default())
        .unwrap_err();
    assert_eq!(err, ModelError::invalid_identifier("Response status code"));
    def.put_method_response(&root(), HttpMethod::Get, "200", Default::default())
        .unwrap();
    def.put_integration_response(&root(), HttpMethod::Get, "200", Default::default())
        .unwrap();
}

#[test]
fn response_parameters_must_be_declared_by_the_method_response() {
    let mut def = definition();
    def.put_method(&root(), HttpMethod::Get, none_auth())
        .unwrap();
    def.put_integration(
        &root(),
        HttpMethod::Get,
        PutIntegrationInput {
            kind: Some(IntegrationType::Mock),
            ..Default::default()
        },
    )
    .unwrap();
    def.put_method_response(&root(), HttpMethod::Get, "200", Default::default())
        .unwrap();
    let input = PutIntegrationResponseInput {
        response_parameters: Some(
            [("method.response.header.X-Id".to_owned(), "'1'".to_owned())].into(),
        ),
        ..Default::default()
    };
    assert!(
        def.put_integration_response(&root(), HttpMethod::Get, "200", input)
            .is_err()
    );
}

#[test]
fn deployable_only_with_integrated_methods() {
    let mut def = definition();
    assert_eq!(
        def.check_deployable().unwrap_err(),
        ModelError::bad_request("The REST API doesn't contain any methods")
    );
    def.put_method(&root(), HttpMethod::Get, none_auth())
        .unwrap();
    assert_eq!(
        def.check_deployable().unwrap_err(),
        ModelError::bad_request("No integration defined for method")
    );
    def.put_integration(
        &root(),
        HttpMethod::Get,
        PutIntegrationInput {
            kind: Some(IntegrationType::Mock),
            ..Default::default()
        },
    )
    .unwrap();
    def.check_deployable().unwrap();
    assert_eq!(def.api_summary()["/"]["GET"].authorization_type, "NONE");
}

#[test]
fn method_patch_sets_api_key_required() {
    let mut def = definition();
    def.put_method(&root(), HttpMethod::Get, none_auth())
        .unwrap();
    let method = def
        .patch_method(
            &root(),
            HttpMethod::Get,
            &[op(PatchOp::Replace, "/apiKeyRequired", Some("true"))],
        )
        .unwrap();
    assert!(method.api_key_required);
}

#[test]
fn integration_type_cannot_be_patched() {
    let mut def = definition();
    def.put_method(&root(), HttpMethod::Get, none_auth())
        .unwrap();
    def.put_integration(
        &root(),
        HttpMethod::Get,
        PutIntegrationInput {
            kind: Some(IntegrationType::Mock),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        def.patch_integration(
            &root(),
            HttpMethod::Get,
            &[op(PatchOp::Replace, "/type", Some("HTTP"))]
        )
        .is_err()
    );
}

#[test]
fn rest_api_patch_edits_binary_media_types() {
    let mut def = definition();
    let api = def
        .patch_rest_api(&[
            op(PatchOp::Add, "/binaryMediaTypes/image~1png", None),
            op(PatchOp::Replace, "/description", Some("d")),
        ])
        .unwrap();
    assert_eq!(api.binary_media_types.as_deref().unwrap(), ["image/png"]);
    let api = def
        .patch_rest_api(&[op(PatchOp::Remove, "/binaryMediaTypes/image~1png", None)])
        .unwrap();
    assert_eq!(api.binary_media_types, None);
}
