//! Custom domain operations: CreateDomainName, GetDomainNames, GetDomainName,
//! UpdateDomainName, DeleteDomainName, and their base path mappings (Create, Get(s), Update,
//! Delete). Every write republishes the domain table the data plane routes by.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::ModelError;
use portico_model::domain::{
    CreateBasePathMappingInput, CreateDomainNameInput, DomainName, GeneratedNames, NO_STAGE,
    StoredDomainName,
};
use portico_model::patch::UpdateInput;
use portico_model::wire::parse_input;
use portico_snapshot::domains::DomainTable;
use portico_store::{Expect, StoreError, Versioned, Write, typed};

use crate::api_keys::new_id;
use crate::definitions::MAX_ATTEMPTS;
use crate::rest_apis::page_response;
use crate::wire::{QueryParams, empty_response, json_response, now};
use crate::{ApiError, ControlPlane};

/// Custom domain names per account and region (AWS's default quota).
const MAX_DOMAIN_NAMES: usize = 120;

/// `POST /domainnames`.
pub async fn create_domain_name(
    State(control_plane): State<ControlPlane>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: CreateDomainNameInput = parse_input("createDomainNameInput", &body)?;
    let existing = typed::list_all::<StoredDomainName>(control_plane.store()).await?;
    if existing.len() >= MAX_DOMAIN_NAMES {
        return Err(ApiError::LimitExceeded(format!(
            "Maximum number of custom domain names for this account has been reached \
             ({MAX_DOMAIN_NAMES})"
        )));
    }
    let names = GeneratedNames {
        regional_id: new_id(10),
        distribution_id: new_id(13),
    };
    let domain = DomainName::create(input, portico_model::region(), &names, now())?;
    let stored = StoredDomainName {
        domain,
        mappings: Vec::new(),
    };
    let name = stored.domain.domain_name.clone();
    let write = typed::put("", &name, &stored, Expect::Absent)?;
    match control_plane.store().commit(vec![write]).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::BadRequest(
                "The domain name you provided already exists.".into(),
            ));
        }
        Err(err) => return Err(err.into()),
    }
    republish(&control_plane).await?;
    Ok(json_response(StatusCode::CREATED, &stored.domain))
}

/// `GET /domainnames`.
pub async fn get_domain_names(
    State(control_plane): State<ControlPlane>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let mut domains: Vec<DomainName> = typed::list_all::<StoredDomainName>(control_plane.store())
        .await?
        .into_iter()
        .map(|(_, record)| record.value.domain)
        .collect();
    domains.sort_by(|a, b| a.domain_name.cmp(&b.domain_name));
    page_response(
        &query,
        domains
            .into_iter()
            .map(|domain| (domain.domain_name.clone(), domain)),
    )
}

/// `GET /domainnames/{domain_name}`.
pub async fn get_domain_name(
    State(control_plane): State<ControlPlane>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let stored = load(&control_plane, &name).await?.value;
    Ok(json_response(StatusCode::OK, &stored.domain))
}

/// `PATCH /domainnames/{domain_name}`.
pub async fn update_domain_name(
    State(control_plane): State<ControlPlane>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateDomainNameInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    let stored = update(&control_plane, &name, |stored| {
        stored.domain = stored.domain.patch(&operations)?;
        Ok(())
    })
    .await?
    .0;
    Ok(json_response(StatusCode::OK, &stored.domain))
}

/// `DELETE /domainnames/{domain_name}`: the domain and its mappings.
pub async fn delete_domain_name(
    State(control_plane): State<ControlPlane>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let current = load(&control_plane, &name).await?;
    let key = typed::key::<StoredDomainName>("", &current.value.domain.domain_name);
    control_plane
        .store()
        .commit(vec![Write::Delete {
            key,
            expect: Expect::Version(current.version),
        }])
        .await?;
    republish(&control_plane).await?;
    Ok(empty_response(StatusCode::ACCEPTED))
}

/// `POST /domainnames/{domain_name}/basepathmappings`.
pub async fn create_base_path_mapping(
    State(control_plane): State<ControlPlane>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: CreateBasePathMappingInput = parse_input("createBasePathMappingInput", &body)?;
    if let Some(api_id) = input.rest_api_id.as_deref() {
        check_target(&control_plane, api_id, input.stage.as_deref()).await?;
    }
    let (_, mapping) = update(&control_plane, &name, |stored| {
        Ok(stored.add_mapping(input.clone())?)
    })
    .await?;
    Ok(json_response(StatusCode::CREATED, &mapping))
}

/// `GET /domainnames/{domain_name}/basepathmappings`.
pub async fn get_base_path_mappings(
    State(control_plane): State<ControlPlane>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let stored = load(&control_plane, &name).await?.value;
    page_response(
        &query,
        stored
            .mappings
            .into_iter()
            .map(|mapping| (mapping.base_path.clone(), mapping)),
    )
}

/// `GET /domainnames/{domain_name}/basepathmappings/{base_path}`.
pub async fn get_base_path_mapping(
    State(control_plane): State<ControlPlane>,
    Path((name, base_path)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let stored = load(&control_plane, &name).await?.value;
    Ok(json_response(StatusCode::OK, stored.mapping(&base_path)?))
}

/// `PATCH /domainnames/{domain_name}/basepathmappings/{base_path}`.
pub async fn update_base_path_mapping(
    State(control_plane): State<ControlPlane>,
    Path((name, base_path)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateBasePathMappingInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    // Checked against the API and stage as patched, before anything is written.
    let preview = load(&control_plane, &name)
        .await?
        .value
        .patch_mapping(&base_path, &operations)?;
    check_target(
        &control_plane,
        &preview.rest_api_id,
        preview.stage.as_deref(),
    )
    .await?;
    let (_, mapping) = update(&control_plane, &name, |stored| {
        let mapping = stored.patch_mapping(&base_path, &operations)?;
        // The target was checked on the mapping as read above; a change in between that
        // leads the same operations elsewhere must be checked again, not written.
        if mapping.rest_api_id != preview.rest_api_id || mapping.stage != preview.stage {
            return Err(ApiError::Conflict(
                "The base path mapping changed while it was updated; try again".into(),
            ));
        }
        Ok(mapping)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &mapping))
}

/// `DELETE /domainnames/{domain_name}/basepathmappings/{base_path}`.
pub async fn delete_base_path_mapping(
    State(control_plane): State<ControlPlane>,
    Path((name, base_path)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    update(&control_plane, &name, |stored| {
        Ok(stored.remove_mapping(&base_path)?)
    })
    .await?;
    Ok(empty_response(StatusCode::ACCEPTED))
}

/// Publishes the domain table from the store (start-up, and after every domain write).
/// Writes that race publish in any order, but each publishes what the store holds after its
/// own commit, under one lock, so the last publish is never older than the last commit.
pub async fn republish(control_plane: &ControlPlane) -> Result<(), StoreError> {
    let _in_order = control_plane.domains_lock().lock().await;
    let domains = typed::list_all::<StoredDomainName>(control_plane.store()).await?;
    let table = DomainTable::new(domains.iter().map(|(_, record)| &record.value));
    control_plane.live().publish_domains(table);
    Ok(())
}

/// The API a mapping points at must exist, and so must its stage when it names one.
async fn check_target(
    control_plane: &ControlPlane,
    api_id: &str,
    stage: Option<&str>,
) -> Result<(), ApiError> {
    let store = control_plane.store();
    if typed::get::<portico_model::ApiDefinition>(store, "", api_id)
        .await?
        .is_none()
    {
        return Err(ApiError::BadRequest(
            "Invalid REST API identifier specified".into(),
        ));
    }
    if let Some(stage) = stage.filter(|stage| !stage.is_empty() && *stage != NO_STAGE)
        && typed::get::<portico_model::Stage>(store, api_id, stage)
            .await?
            .is_none()
    {
        return Err(ApiError::BadRequest(
            "Invalid stage identifier specified".into(),
        ));
    }
    Ok(())
}

async fn load(
    control_plane: &ControlPlane,
    name: &str,
) -> Result<Versioned<StoredDomainName>, ApiError> {
    typed::get::<StoredDomainName>(control_plane.store(), "", &name.to_ascii_lowercase())
        .await?
        .ok_or_else(|| ModelError::invalid_identifier("domain name").into())
}

/// Reads the domain, applies `change`, commits with the version read (retrying on
/// conflicts) and republishes; returns the domain as committed and what `change` returned.
async fn update<R>(
    control_plane: &ControlPlane,
    name: &str,
    change: impl Fn(&mut StoredDomainName) -> Result<R, ApiError>,
) -> Result<(StoredDomainName, R), ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = load(control_plane, name).await?;
        let mut stored = current.value;
        let result = change(&mut stored)?;
        let id = stored.domain.domain_name.clone();
        let write = typed::put("", &id, &stored, Expect::Version(current.version))?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => {
                republish(control_plane).await?;
                return Ok((stored, result));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<StoredDomainName>("", name)).into())
}
