//! AWS Lambda's REST-JSON API (botocore service model `lambda` 2015-03-31) on the admin
//! listener, so that boto3's `lambda` client and `aws lambda` manage the functions Portico
//! hosts: functions and their code, configuration, versions, aliases, permissions, reserved
//! concurrency, tags, and `Invoke`.
//!
//! Every operation authorizes the caller (`lambda:ACTION` on the function's ARN), then reads,
//! changes (in `portico-model`) and commits the function record with an expectation, then
//! publishes the function catalog to the host ([`republish`]). Code packages are written
//! to the data dir (fsynced) before the record that names them is committed.

mod aliases;
mod error;
mod functions;
mod invoke;
mod permissions;
mod versions;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use portico_functions::{AliasSpec, Catalog, FunctionHost, FunctionSpec, Runtime};
use portico_model::function::{
    FunctionRef, FunctionState, LambdaError, LastUpdateStatus, Stamp, StoredFunction,
    StoredVersion, parse_function_ref,
};
use portico_store::{Expect, StoreError, Versioned, Write, typed};

use crate::ControlPlane;
use crate::auth::Caller;
use crate::definitions::MAX_ATTEMPTS;
pub use error::LambdaApiError;

pub(crate) use aliases::{create_alias, delete_alias, get_alias, list_aliases, update_alias};
pub(crate) use functions::{
    create_function, delete_function, get_code, get_function, get_function_configuration,
    list_functions, update_function_code, update_function_configuration,
};
pub(crate) use invoke::invoke;
pub(crate) use permissions::{
    add_permission, delete_function_concurrency, get_function_concurrency, get_policy, list_tags,
    put_function_concurrency, remove_permission, tag_resource, untag_resource,
};
pub(crate) use versions::{list_versions_by_function, publish_version};

/// Largest Lambda request body: a 50 MB zip travels base64-encoded inside JSON.
pub const MAX_BODY_BYTES: usize = 70 * 1024 * 1024;

/// Where the control plane finds the function host and the code directory.
#[derive(Clone)]
pub struct Functions {
    pub host: FunctionHost,
    pub data_dir: PathBuf,
}

type Result<T> = std::result::Result<T, LambdaApiError>;

/// Rebuilds the function catalog from the store and publishes it to the host. First
/// finishes what a write left half-done: functions still `Pending` (or with an update in
/// progress) have their code on disk already, so they become `Active`. Runs one at a time,
/// each reading after the previous one published.
pub async fn republish(control_plane: &ControlPlane) -> std::result::Result<(), StoreError> {
    let Some(functions) = control_plane.functions() else {
        return Ok(());
    };
    let _in_order = control_plane.functions_lock().lock().await;
    let store = control_plane.store();
    let mut catalog = Catalog::default();
    for (_, record) in typed::list_all::<StoredFunction>(store).await? {
        let mut function = record.value;
        if needs_activation(&function) {
            function.activate();
            let write = typed::put(
                "",
                function.name(),
                &function,
                Expect::Version(record.version),
            )?;
            match store.commit(vec![write]).await {
                Ok(()) => {}
                // Someone changed it meanwhile; their write republishes.
                Err(StoreError::Conflict(_)) => continue,
                Err(err) => return Err(err),
            }
        }
        add_to_catalog(&mut catalog, &function);
    }
    functions.host.publish(catalog);
    Ok(())
}

/// Deletes code packages no stored version names (what deleted functions and replaced code
/// left), returning how many went. The store, not the host's catalog, says what is in use:
/// `GetFunction` serves the code of every stored version. For start-up, before anything
/// runs: a running gateway keeps unused code for a grace period ([`spawn_code_collector`]).
pub async fn remove_unused_code(control_plane: &ControlPlane) -> std::io::Result<usize> {
    let at_once = portico_functions::code::Collector::new(std::time::Duration::ZERO);
    collect_unused_code(control_plane, &Arc::new(Mutex::new(at_once))).await
}

/// Every [`CODE_COLLECTION_INTERVAL`], removes code packages that no stored version (and
/// no version in the host's catalog) has named for
/// [`portico_functions::code::COLLECTOR_GRACE`].
pub fn spawn_code_collector(control_plane: ControlPlane) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let collector = Arc::new(Mutex::new(portico_functions::code::Collector::new(
            portico_functions::code::COLLECTOR_GRACE,
        )));
        let mut ticker = tokio::time::interval(CODE_COLLECTION_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match collect_unused_code(&control_plane, &collector).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "removed unused function code packages"),
                Err(err) => tracing::warn!(error = %err, "removing unused function code failed"),
            }
        }
    })
}

/// One pass of `collector` over the code directory (shared with the blocking pool, where
/// the pass runs).
async fn collect_unused_code(
    control_plane: &ControlPlane,
    collector: &Arc<Mutex<portico_functions::code::Collector>>,
) -> std::io::Result<usize> {
    let Some(functions) = control_plane.functions() else {
        return Ok(0);
    };
    // No upload is between storing a package and committing its record while this is held,
    // so what the store names and what is on disk agree.
    let _no_uploads = control_plane.code_uploads_lock().write().await;
    let mut in_use = code_in_use(control_plane).await?;
    in_use.extend(functions.host.code_in_use());
    let data_dir = functions.data_dir.clone();
    let now = std::time::Instant::now();
    let collector = Arc::clone(collector);
    tokio::task::spawn_blocking(move || {
        let mut collector = collector.lock().unwrap_or_else(PoisonError::into_inner);
        collector.collect(&data_dir, &in_use, now)
    })
    .await
    .map_err(std::io::Error::other)?
}

/// How often the running gateway looks for unused code packages.
pub const CODE_COLLECTION_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// The code digests (hex) some stored version of some function names.
async fn code_in_use(
    control_plane: &ControlPlane,
) -> std::io::Result<std::collections::HashSet<String>> {
    Ok(typed::list_all::<StoredFunction>(control_plane.store())
        .await
        .map_err(std::io::Error::other)?
        .into_iter()
        .flat_map(|(_, record)| {
            let function = record.value;
            std::iter::once(function.latest)
                .chain(function.versions)
                .map(|version| version.code_sha256_hex)
        })
        .collect())
}

fn needs_activation(function: &StoredFunction) -> bool {
    let configuration = &function.latest.configuration;
    configuration.state == FunctionState::Pending
        || configuration.last_update_status == LastUpdateStatus::InProgress
}

fn add_to_catalog(catalog: &mut Catalog, function: &StoredFunction) {
    if let Some(document) = function.combined_policy() {
        match portico_policy::Policy::parse(&document, portico_policy::PolicyKind::Resource) {
            Ok(policy) => catalog
                .policies
                .push((function.name().to_owned(), std::sync::Arc::new(policy))),
            // Statements are built by AddPermission; one that does not parse grants nothing.
            Err(err) => {
                tracing::warn!(function = function.name(), error = %err, "function policy does not parse")
            }
        }
    }
    let spec = |version: &StoredVersion| {
        let configuration = &version.configuration;
        let runtime = Runtime::parse(&configuration.runtime)?;
        Some(FunctionSpec {
            name: configuration.function_name.clone(),
            version: configuration.version.clone(),
            runtime,
            handler: configuration.handler.clone(),
            code_sha256: version.code_sha256_hex.clone(),
            environment: configuration
                .environment
                .as_ref()
                .map(|env| env.variables.clone())
                .unwrap_or_default(),
            timeout: std::time::Duration::from_secs(u64::from(configuration.timeout)),
            memory_mb: configuration.memory_size,
            reserved_concurrency: function.reserved_concurrency,
        })
    };
    catalog.functions.extend(
        std::iter::once(&function.latest)
            .chain(&function.versions)
            .filter_map(spec),
    );
    catalog.aliases.extend(function.aliases.iter().map(|alias| {
        AliasSpec {
            function: function.name().to_owned(),
            name: alias.name.clone(),
            version: alias.function_version.clone(),
            additional_weights: alias
                .routing_config
                .iter()
                .flat_map(|routing| &routing.additional_version_weights)
                .map(|(version, weight)| (version.clone(), *weight))
                .collect(),
        }
    }));
}

/// The function host, or `ServiceException` when this control plane runs without one.
fn host(control_plane: &ControlPlane) -> Result<&Functions> {
    control_plane
        .functions()
        .ok_or_else(|| LambdaApiError::Internal("no function host is configured".into()))
}

/// Parses a `FunctionName` path parameter with an optional `Qualifier`.
fn function_ref(name: &str, qualifier: Option<&str>) -> Result<FunctionRef> {
    Ok(parse_function_ref(
        name,
        qualifier,
        portico_model::region(),
    )?)
}

/// Parses a `FunctionName` (with `Qualifier`) and checks that the caller may perform
/// `lambda:{action}` on the function's ARN as named.
fn authorized_ref(
    caller: &Caller,
    action: &str,
    name: &str,
    qualifier: Option<&str>,
) -> Result<FunctionRef> {
    let reference = function_ref(name, qualifier)?;
    authorize(
        caller,
        action,
        &arn_of(&reference.name, reference.qualifier.as_deref()),
    )?;
    Ok(reference)
}

/// The unqualified ARN of a function name.
fn arn_of(name: &str, qualifier: Option<&str>) -> String {
    portico_model::function::function_arn(portico_model::region(), name, qualifier)
}

/// Reads a function; missing → `ResourceNotFoundException`.
async fn load(control_plane: &ControlPlane, name: &str) -> Result<Versioned<StoredFunction>> {
    typed::get::<StoredFunction>(control_plane.store(), "", name)
        .await?
        .ok_or_else(|| LambdaError::function_not_found(&arn_of(name, None)).into())
}

/// Reads the function, applies `change`, commits with the version read (retrying on
/// conflicts) and republishes; returns what `change` returned.
async fn update<T>(
    control_plane: &ControlPlane,
    name: &str,
    mut change: impl FnMut(&mut StoredFunction) -> Result<T>,
) -> Result<T> {
    for _ in 0..MAX_ATTEMPTS {
        let current = load(control_plane, name).await?;
        let mut function = current.value;
        let output = change(&mut function)?;
        let write = typed::put("", name, &function, Expect::Version(current.version))?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => {
                republish(control_plane).await?;
                return Ok(output);
            }
            Err(StoreError::Conflict(_)) => tokio::task::yield_now().await,
            Err(err) => return Err(err.into()),
        }
    }
    Err(LambdaApiError::Lambda(LambdaError::ResourceConflict(
        "The operation cannot be performed at this time. An update is in progress for \
         resource."
            .into(),
    )))
}

/// Commits writes and republishes the catalog.
async fn commit(
    control_plane: &ControlPlane,
    writes: Vec<Write>,
) -> std::result::Result<(), StoreError> {
    control_plane.store().commit(writes).await?;
    republish(control_plane).await
}

/// The time and revision ids a change stamps on what it touches.
fn with_stamp<T>(f: impl FnOnce(&mut Stamp<'_>) -> T) -> T {
    let last_modified = crate::wire::last_modified_millis();
    let mut new_revision_id = crate::wire::new_request_id;
    let mut stamp = Stamp {
        region: portico_model::region(),
        last_modified: &last_modified,
        new_revision_id: &mut new_revision_id,
    };
    f(&mut stamp)
}

/// Fails with `AccessDeniedException` unless the caller may perform `lambda:{action}` on `resource`.
fn authorize(caller: &Caller, action: &str, resource: &str) -> Result<()> {
    caller
        .authorize(&format!("lambda:{action}"), resource)
        .map_err(LambdaApiError::from)
}

/// Decodes a JSON request body (an empty body is `{}`).
fn json_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|err| {
        LambdaError::InvalidRequestContent(format!(
            "Could not parse request body into json: Could not parse payload into json: {err}"
        ))
        .into()
    })
}
