//! Resource policy, concurrency and tag operations: AddPermission, RemovePermission,
//! GetPolicy, Put/Get/DeleteFunctionConcurrency, ListTags, TagResource, UntagResource.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::{StatusCode, Uri};
use portico_model::function::{
    ACCOUNT_CONCURRENCY, AddPermissionInput, LambdaError, MIN_UNRESERVED_CONCURRENCY,
    StoredFunction,
};
use portico_store::typed;
use serde::Deserialize;
use serde_json::json;

use super::{Result, arn_of, authorize, authorized_ref, function_ref, json_body, load, update};
use crate::ControlPlane;
use crate::auth::Caller;
use crate::wire::{QueryParams, empty_response, json_response, new_request_id};

/// `POST /2015-03-31/functions/{name}/policy`.
pub(crate) async fn add_permission(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let input: AddPermissionInput = json_body(&body)?;
    let reference = function_ref(&name, query.get("Qualifier"))?;
    let resource = arn_of(&reference.name, reference.qualifier.as_deref());
    authorize(&caller, "AddPermission", &resource)?;
    let revision_id = input.revision_id.clone();
    let statement = input.into_statement(&resource)?;
    let document = statement.document.to_string();
    update(&control_plane, &reference.name, |function| {
        if function.version(reference.qualifier.as_deref()).is_none() {
            return Err(LambdaError::function_not_found(&resource).into());
        }
        Ok(function.add_permission(
            reference.qualifier.as_deref(),
            statement.clone(),
            revision_id.as_deref(),
            new_request_id(),
        )?)
    })
    .await?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "Statement": document }),
    ))
}

/// `DELETE /2015-03-31/functions/{name}/policy/{sid}`.
pub(crate) async fn remove_permission(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path((name, sid)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let reference = authorized_ref(&caller, "RemovePermission", &name, query.get("Qualifier"))?;
    update(&control_plane, &reference.name, |function| {
        Ok(function.remove_permission(reference.qualifier.as_deref(), &sid, new_request_id())?)
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `GET /2015-03-31/functions/{name}/policy`.
pub(crate) async fn get_policy(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let reference = authorized_ref(&caller, "GetPolicy", &name, query.get("Qualifier"))?;
    let function = load(&control_plane, &reference.name).await?.value;
    let policy = function
        .policy(reference.qualifier.as_deref())
        .ok_or_else(|| {
            LambdaError::ResourceNotFound("The resource you requested does not exist.".into())
        })?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "Policy": policy, "RevisionId": function.policy_revision_id }),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConcurrencyRequest {
    reserved_concurrent_executions: Option<u32>,
}

/// `PUT /2017-10-31/functions/{name}/concurrency`: reservations must leave 100 of the
/// account's 1000 unreserved, as on AWS.
pub(crate) async fn put_function_concurrency(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let request: ConcurrencyRequest = json_body(&body)?;
    let reference = authorized_ref(&caller, "PutFunctionConcurrency", &name, None)?;
    let reserved = request.reserved_concurrent_executions.ok_or_else(|| {
        LambdaError::constraint(
            "reservedConcurrentExecutions",
            "null",
            "Member must not be null",
        )
    })?;
    let others: u32 = typed::list::<StoredFunction>(control_plane.store(), "", Default::default())
        .await?
        .iter()
        .filter(|record| record.value.name() != reference.name)
        .filter_map(|record| record.value.reserved_concurrency)
        .sum();
    if others.saturating_add(reserved) > ACCOUNT_CONCURRENCY - MIN_UNRESERVED_CONCURRENCY {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Specified ReservedConcurrentExecutions for function decreases account's \
             UnreservedConcurrentExecution below its minimum value of \
             [{MIN_UNRESERVED_CONCURRENCY}]."
        ))
        .into());
    }
    update(&control_plane, &reference.name, |function| {
        function.reserved_concurrency = Some(reserved);
        Ok(())
    })
    .await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "ReservedConcurrentExecutions": reserved }),
    ))
}

/// `GET /2019-09-30/functions/{name}/concurrency`.
pub(crate) async fn get_function_concurrency(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Response> {
    let reference = authorized_ref(&caller, "GetFunctionConcurrency", &name, None)?;
    let function = load(&control_plane, &reference.name).await?.value;
    let body = match function.reserved_concurrency {
        Some(reserved) => json!({ "ReservedConcurrentExecutions": reserved }),
        None => json!({}),
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `DELETE /2017-10-31/functions/{name}/concurrency`.
pub(crate) async fn delete_function_concurrency(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Response> {
    let reference = authorized_ref(&caller, "DeleteFunctionConcurrency", &name, None)?;
    update(&control_plane, &reference.name, |function| {
        function.reserved_concurrency = None;
        Ok(())
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TagRequest {
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// `GET /2017-03-31/tags/{arn}`.
pub(crate) async fn list_tags(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(arn): Path<String>,
) -> Result<Response> {
    let name = tagged_function(&arn)?;
    authorize(&caller, "ListTags", &arn_of(&name, None))?;
    let function = load(&control_plane, &name).await?.value;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "Tags": function.tags }),
    ))
}

/// `POST /2017-03-31/tags/{arn}`.
pub(crate) async fn tag_resource(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(arn): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let request: TagRequest = json_body(&body)?;
    let name = tagged_function(&arn)?;
    authorize(&caller, "TagResource", &arn_of(&name, None))?;
    update(&control_plane, &name, |function| {
        let mut tags = function.tags.clone();
        tags.extend(request.tags.clone());
        portico_model::tags::validate(&tags)
            .map_err(|err| LambdaError::InvalidParameterValue(err.to_string()))?;
        function.tags = tags;
        Ok(())
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `DELETE /2017-03-31/tags/{arn}?tagKeys=…`.
pub(crate) async fn untag_resource(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Path(arn): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let query = QueryParams::parse(uri.query());
    let keys: Vec<String> = query
        .all("tagKeys")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let name = tagged_function(&arn)?;
    authorize(&caller, "UntagResource", &arn_of(&name, None))?;
    update(&control_plane, &name, |function| {
        function.tags.retain(|key, _| !keys.contains(key));
        Ok(())
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// The function an (unqualified) function ARN of a tag operation names.
fn tagged_function(arn: &str) -> Result<String> {
    let reference = function_ref(arn, None)?;
    if reference.qualifier.is_some() || !arn.starts_with("arn:") {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Tags are only supported on unqualified function ARNs: {arn}"
        ))
        .into());
    }
    Ok(reference.name)
}
