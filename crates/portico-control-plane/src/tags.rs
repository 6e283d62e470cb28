//! Tag operations on RestApis, Stages, API keys, usage plans and domain names: GetTags,
//! TagResource, UntagResource.

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::Stage;
use portico_model::domain::StoredDomainName;
use portico_model::usage_plan::{ApiKey, StoredUsagePlan};
use portico_model::wire::{parse_input, required};
use portico_store::{Document, Expect, StoreError, Versioned, typed};
use serde::Deserialize;
use serde_json::json;

use crate::definitions::{self, MAX_ATTEMPTS};
use crate::wire::{QueryParams, empty_response, json_response, now};
use crate::{ApiError, ControlPlane};

/// A taggable resource named by its ARN.
enum Taggable {
    RestApi { api_id: String },
    Stage { api_id: String, stage_name: String },
    ApiKey { key_id: String },
    UsagePlan { plan_id: String },
    DomainName { name: String },
}

const KEY_NOT_FOUND: &str = "Invalid API Key identifier specified";
const PLAN_NOT_FOUND: &str = "Invalid Usage Plan ID specified";
const DOMAIN_NOT_FOUND: &str = "Invalid domain name identifier specified";

#[derive(Debug, Default, Deserialize)]
struct TagResourceInput {
    tags: Option<BTreeMap<String, String>>,
}

/// Parses `arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}]`,
/// `...::/apikeys/{id}`, `...::/usageplans/{id}` and `...::/domainnames/{name}`.
fn parse_arn(arn: &str) -> Result<Taggable, ApiError> {
    let invalid = || ApiError::BadRequest(format!("Invalid ARN specified in the request: {arn}"));
    let rest = arn.strip_prefix("arn:").ok_or_else(invalid)?;
    let mut fields = rest.splitn(5, ':');
    let (partition, service, _region, account, resource) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    );
    if partition.is_none_or(str::is_empty) || service != Some("apigateway") || account != Some("") {
        return Err(invalid());
    }
    match addressed(resource.ok_or_else(invalid)?) {
        Some((target, true)) => Ok(target),
        _ => Err(invalid()),
    }
}

/// The taggable resource a resource path (`/restapis/{id}/stages/{name}/…`) starts with,
/// and whether the path is exactly that resource rather than one of its children.
fn addressed(path: &str) -> Option<(Taggable, bool)> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (target, used) = match segments.as_slice() {
        ["restapis", api_id, "stages", stage_name, ..] => (
            Taggable::Stage {
                api_id: (*api_id).to_owned(),
                stage_name: (*stage_name).to_owned(),
            },
            4,
        ),
        ["restapis", api_id, ..] => (
            Taggable::RestApi {
                api_id: (*api_id).to_owned(),
            },
            2,
        ),
        ["apikeys", key_id, ..] => (
            Taggable::ApiKey {
                key_id: (*key_id).to_owned(),
            },
            2,
        ),
        ["usageplans", plan_id, ..] => (
            Taggable::UsagePlan {
                plan_id: (*plan_id).to_owned(),
            },
            2,
        ),
        ["domainnames", name, ..] => (
            Taggable::DomainName {
                // SDKs send a wildcard domain's `*` as `%2A`.
                name: percent_encoding::percent_decode_str(name)
                    .decode_utf8_lossy()
                    .to_ascii_lowercase(),
            },
            2,
        ),
        _ => return None,
    };
    Some((target, used == segments.len()))
}

async fn read_tags(
    control_plane: &ControlPlane,
    target: &Taggable,
) -> Result<BTreeMap<String, String>, ApiError> {
    match target {
        Taggable::RestApi { api_id } => Ok(definitions::load(control_plane, api_id)
            .await?
            .value
            .rest_api
            .tags
            .unwrap_or_default()),
        Taggable::Stage { api_id, stage_name } => {
            Ok(
                typed::get::<Stage>(control_plane.store(), api_id, stage_name)
                    .await?
                    .ok_or_else(|| ApiError::NotFound("Invalid Stage identifier specified".into()))?
                    .value
                    .tags
                    .unwrap_or_default(),
            )
        }
        Taggable::ApiKey { key_id } => Ok(load::<ApiKey>(control_plane, key_id, KEY_NOT_FOUND)
            .await?
            .value
            .tags),
        Taggable::UsagePlan { plan_id } => {
            Ok(
                load::<StoredUsagePlan>(control_plane, plan_id, PLAN_NOT_FOUND)
                    .await?
                    .value
                    .plan
                    .tags,
            )
        }
        Taggable::DomainName { name } => {
            Ok(
                load::<StoredDomainName>(control_plane, name, DOMAIN_NOT_FOUND)
                    .await?
                    .value
                    .domain
                    .tags,
            )
        }
    }
}

/// The tags a policy sees as `aws:ResourceTag/*` for an API Gateway request to `path`:
/// the addressed API, stage (its own tags over the API's: children of a RestApi inherit its
/// tags), API key or usage plan, or for the tag operations the resource their ARN names.
/// Paths that address nothing taggable, or something that does not exist, have none.
pub async fn of_request_path(
    control_plane: &ControlPlane,
    path: &str,
) -> Result<BTreeMap<String, String>, ApiError> {
    let target = match path.strip_prefix("/tags/") {
        Some(arn) => parse_arn(&percent_encoding::percent_decode_str(arn).decode_utf8_lossy()).ok(),
        None => addressed(path).map(|(target, _)| target),
    };
    let Some(target) = target else {
        return Ok(BTreeMap::new());
    };
    let inherited = match &target {
        Taggable::Stage { api_id, .. } => {
            let api = Taggable::RestApi {
                api_id: api_id.clone(),
            };
            read_tags(control_plane, &api).await
        }
        _ => Ok(BTreeMap::new()),
    };
    let mut tags = match inherited {
        Ok(tags) => tags,
        Err(ApiError::NotFound(_)) => return Ok(BTreeMap::new()),
        Err(err) => return Err(err),
    };
    match read_tags(control_plane, &target).await {
        Ok(own) => tags.extend(own),
        Err(ApiError::NotFound(_)) => {}
        Err(err) => return Err(err),
    }
    Ok(tags)
}

async fn load<T: Document>(
    control_plane: &ControlPlane,
    id: &str,
    not_found: &str,
) -> Result<Versioned<T>, ApiError> {
    typed::get::<T>(control_plane.store(), "", id)
        .await?
        .ok_or_else(|| ApiError::NotFound(not_found.into()))
}

/// Changes the tags of an account-wide record (API key, usage plan).
async fn change_record_tags<T: Document>(
    control_plane: &ControlPlane,
    id: &str,
    not_found: &str,
    tags_of: fn(&mut T) -> &mut BTreeMap<String, String>,
    change: &(dyn Fn(&mut BTreeMap<String, String>) + Sync),
) -> Result<(), ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = load::<T>(control_plane, id, not_found).await?;
        let mut record = current.value;
        let tags = tags_of(&mut record);
        change(tags);
        portico_model::tags::validate(tags)?;
        let write = typed::put("", id, &record, Expect::Version(current.version))?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<T>("", id)).into())
}

/// Applies `change` to the resource's tags and validates the result.
async fn change_tags(
    control_plane: &ControlPlane,
    target: &Taggable,
    change: impl Fn(&mut BTreeMap<String, String>) + Sync,
) -> Result<(), ApiError> {
    let finish = |tags: &mut Option<BTreeMap<String, String>>| -> Result<(), ApiError> {
        let mut current = tags.take().unwrap_or_default();
        change(&mut current);
        portico_model::tags::validate(&current)?;
        *tags = (!current.is_empty()).then_some(current);
        Ok(())
    };
    match target {
        Taggable::RestApi { api_id } => {
            definitions::update(control_plane, api_id, |definition| {
                finish(&mut definition.rest_api.tags)
            })
            .await
        }
        Taggable::Stage { api_id, stage_name } => {
            for _ in 0..MAX_ATTEMPTS {
                let current = typed::get::<Stage>(control_plane.store(), api_id, stage_name)
                    .await?
                    .ok_or_else(|| {
                        ApiError::NotFound("Invalid Stage identifier specified".into())
                    })?;
                let mut stage = current.value;
                finish(&mut stage.tags)?;
                stage.last_updated_date = now();
                let write =
                    typed::put(api_id, stage_name, &stage, Expect::Version(current.version))?;
                match control_plane.store().commit(vec![write]).await {
                    Ok(()) => return Ok(()),
                    Err(StoreError::Conflict(_)) => continue,
                    Err(err) => return Err(err.into()),
                }
            }
            Err(StoreError::Conflict(typed::key::<Stage>(api_id, stage_name)).into())
        }
        Taggable::ApiKey { key_id } => {
            change_record_tags::<ApiKey>(
                control_plane,
                key_id,
                KEY_NOT_FOUND,
                |key| &mut key.tags,
                &change,
            )
            .await
        }
        Taggable::DomainName { name } => {
            change_record_tags::<StoredDomainName>(
                control_plane,
                name,
                DOMAIN_NOT_FOUND,
                |stored| &mut stored.domain.tags,
                &change,
            )
            .await
        }
        Taggable::UsagePlan { plan_id } => {
            change_record_tags::<StoredUsagePlan>(
                control_plane,
                plan_id,
                PLAN_NOT_FOUND,
                |stored| &mut stored.plan.tags,
                &change,
            )
            .await
        }
    }
}

/// `GET /tags/{resource_arn}`.
pub async fn get_tags(
    State(control_plane): State<ControlPlane>,
    Path(arn): Path<String>,
) -> Result<Response, ApiError> {
    let tags = read_tags(&control_plane, &parse_arn(&arn)?).await?;
    Ok(json_response(StatusCode::OK, &json!({ "tags": tags })))
}

/// `PUT /tags/{resource_arn}`.
pub async fn tag_resource(
    State(control_plane): State<ControlPlane>,
    Path(arn): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: TagResourceInput = parse_input("tagResourceInput", &body)?;
    let tags = required("tagResourceInput.tags", input.tags)?;
    change_tags(&control_plane, &parse_arn(&arn)?, |current| {
        current.extend(tags.clone())
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `DELETE /tags/{resource_arn}?tagKeys=…`.
pub async fn untag_resource(
    State(control_plane): State<ControlPlane>,
    Path(arn): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let keys: Vec<String> = query
        .all("tagKeys")
        .into_iter()
        .map(str::to_owned)
        .collect();
    if keys.is_empty() {
        return Err(ApiError::BadRequest(
            "1 validation error detected: Value null at 'untagResourceInput.tagKeys' failed to \
             satisfy constraint: Member must not be null"
                .into(),
        ));
    }
    change_tags(&control_plane, &parse_arn(&arn)?, |current| {
        for key in &keys {
            current.remove(key);
        }
    })
    .await?;
    Ok(empty_response(StatusCode::NO_CONTENT))
}
