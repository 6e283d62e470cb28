//! An in-memory [`Store`] for tests and throwaway runs; it forgets everything on exit.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::{Key, Kind, Range, Record, Store, StoreError, Write};

type Records = BTreeMap<Key, (u64, Vec<u8>)>;

/// A [`Store`] kept in a map behind a mutex (the control plane is not a hot path).
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<Records>,
}

#[async_trait]
impl Store for MemoryStore {
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError> {
        let records = self.lock()?;
        Ok(records.get(key).map(|(version, body)| Record {
            key: key.clone(),
            version: *version,
            body: body.clone(),
        }))
    }

    async fn list(&self, kind: Kind, scope: &str, range: Range) -> Result<Vec<Record>, StoreError> {
        let records = self.lock()?;
        let limit = range.limit.unwrap_or(usize::MAX);
        Ok(records
            .iter()
            .filter(|(key, _)| key.kind == kind && key.scope == scope)
            .filter(|(key, _)| range.after.as_ref().is_none_or(|after| &key.id > after))
            .take(limit)
            .map(|(key, (version, body))| Record {
                key: key.clone(),
                version: *version,
                body: body.clone(),
            })
            .collect())
    }

    async fn list_all(&self, kind: Kind) -> Result<Vec<Record>, StoreError> {
        let records = self.lock()?;
        Ok(records
            .iter()
            .filter(|(key, _)| key.kind == kind)
            .map(|(key, (version, body))| Record {
                key: key.clone(),
                version: *version,
                body: body.clone(),
            })
            .collect())
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut records = self.lock()?;
        for write in &writes {
            if let Some((key, expect)) = write.checked_key() {
                let version = records.get(key).map(|(version, _)| *version);
                if !expect.holds(version) {
                    return Err(StoreError::Conflict(key.clone()));
                }
            }
        }
        for write in writes {
            match write {
                Write::Put { key, body, .. } => {
                    let version = records.get(&key).map_or(1, |(version, _)| version + 1);
                    records.insert(key, (version, body));
                }
                Write::Delete { key, .. } => {
                    records.remove(&key);
                }
                Write::DeleteScope { kind, scope } => {
                    records.retain(|key, _| !(key.kind == kind && key.scope == scope));
                }
                Write::Touch { key, .. } => {
                    if let Some((version, _)) = records.get_mut(&key) {
                        *version += 1;
                    }
                }
                Write::Check { .. } => {}
            }
        }
        Ok(())
    }
}

impl MemoryStore {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Records>, StoreError> {
        self.records
            .lock()
            .map_err(|_| StoreError::Unavailable("memory store mutex poisoned".into()))
    }
}
