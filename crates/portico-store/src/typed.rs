//! Typed access: model types stored as JSON records.

use serde::Serialize;
use serde::de::DeserializeOwned;

use portico_model::domain::StoredDomainName;
use portico_model::function::StoredFunction;
use portico_model::iam::{ManagedPolicy, StoredUser};
use portico_model::usage_plan::{
    AccountSettings, ApiKey, StoredUsagePlan, UsagePlanKeyRecord, UsageRecord,
};
use portico_model::{ApiDefinition, DeploymentRecord, Stage};

use crate::{Expect, Key, Kind, Range, Record, Store, StoreError, Write};

/// A model type that is stored as one record of [`Document::KIND`].
pub trait Document: Serialize + DeserializeOwned + Send {
    /// The record kind.
    const KIND: Kind;
}

impl Document for ApiDefinition {
    const KIND: Kind = Kind::RestApi;
}

impl Document for DeploymentRecord {
    const KIND: Kind = Kind::Deployment;
}

impl Document for Stage {
    const KIND: Kind = Kind::Stage;
}

impl Document for ApiKey {
    const KIND: Kind = Kind::ApiKey;
}

impl Document for StoredUsagePlan {
    const KIND: Kind = Kind::UsagePlan;
}

impl Document for UsagePlanKeyRecord {
    const KIND: Kind = Kind::UsagePlanKey;
}

impl Document for AccountSettings {
    const KIND: Kind = Kind::Account;
}

impl Document for UsageRecord {
    const KIND: Kind = Kind::Usage;
}

impl Document for StoredUser {
    const KIND: Kind = Kind::IamUser;
}

impl Document for ManagedPolicy {
    const KIND: Kind = Kind::IamPolicy;
}

impl Document for StoredFunction {
    const KIND: Kind = Kind::Function;
}

impl Document for StoredDomainName {
    const KIND: Kind = Kind::DomainName;
}

/// A decoded document and the version it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub value: T,
    pub version: u64,
}

/// The key of a document.
pub fn key<T: Document>(scope: &str, id: &str) -> Key {
    Key::new(T::KIND, scope, id)
}

/// Reads and decodes one document.
pub async fn get<T: Document>(
    store: &dyn Store,
    scope: &str,
    id: &str,
) -> Result<Option<Versioned<T>>, StoreError> {
    match store.get(&key::<T>(scope, id)).await? {
        Some(record) => decode(record).map(Some),
        None => Ok(None),
    }
}

/// Reads and decodes the documents of a scope within `range`.
pub async fn list<T: Document>(
    store: &dyn Store,
    scope: &str,
    range: Range,
) -> Result<Vec<Versioned<T>>, StoreError> {
    store
        .list(T::KIND, scope, range)
        .await?
        .into_iter()
        .map(decode)
        .collect()
}

/// Reads and decodes every document of the kind, in every scope, with its scope.
pub async fn list_all<T: Document>(
    store: &dyn Store,
) -> Result<Vec<(String, Versioned<T>)>, StoreError> {
    store
        .list_all(T::KIND)
        .await?
        .into_iter()
        .map(|record| {
            let scope = record.key.scope.clone();
            decode(record).map(|value| (scope, value))
        })
        .collect()
}

/// A write that stores `value` under `scope`/`id` if `expect` holds.
pub fn put<T: Document>(
    scope: &str,
    id: &str,
    value: &T,
    expect: Expect,
) -> Result<Write, StoreError> {
    let body = serde_json::to_vec(value).map_err(|err| StoreError::Unavailable(Box::new(err)))?;
    Ok(Write::Put {
        key: key::<T>(scope, id),
        body,
        expect,
    })
}

/// Decodes a record's body.
pub fn decode<T: Document>(record: Record) -> Result<Versioned<T>, StoreError> {
    let Record { key, version, body } = record;
    let value = serde_json::from_slice(&body).map_err(|err| StoreError::Corrupt {
        key,
        reason: err.to_string(),
    })?;
    Ok(Versioned { value, version })
}
