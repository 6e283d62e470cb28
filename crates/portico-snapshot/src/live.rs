//! The current snapshot, swapped atomically: readers never lock, writers serialise.

use std::sync::{Arc, Mutex};

use arc_swap::{ArcSwap, Guard};

use crate::clients::ClientLimits;
use crate::domains::DomainTable;
use crate::identities::Identities;
use crate::{Snapshot, StageSnapshot};

/// Holds the current [`Snapshot`]. The data plane calls [`Live::load`] once per request;
/// the control plane publishes changes, which in-flight requests never observe halfway.
#[derive(Debug, Default)]
pub struct Live {
    current: ArcSwap<Snapshot>,
    /// API keys, usage plans and the account bucket (account-wide, not per stage).
    clients: ArcSwap<ClientLimits>,
    /// Access keys and their identities (root and IAM users).
    identities: ArcSwap<Identities>,
    /// Custom domain names and their base path mappings (account-wide).
    domains: ArcSwap<DomainTable>,
    // Publishing is read-modify-write of the whole map; one writer at a time keeps
    // concurrent publishes from losing each other's stages. Readers never take it.
    writer: Mutex<()>,
}

// === impl Live ===

impl Live {
    /// The current snapshot (lock-free).
    pub fn load(&self) -> Guard<Arc<Snapshot>> {
        self.current.load()
    }

    /// The current snapshot as an owned pointer (lock-free, one reference-count increment).
    pub fn load_full(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// The current keys, plans and account bucket (lock-free).
    pub fn clients(&self) -> Guard<Arc<ClientLimits>> {
        self.clients.load()
    }

    /// Replaces the keys, plans and account bucket.
    pub fn publish_clients(&self, clients: ClientLimits) {
        self.clients.store(Arc::new(clients));
    }

    /// The current access keys and identities (lock-free).
    pub fn identities(&self) -> Guard<Arc<Identities>> {
        self.identities.load()
    }

    /// Replaces the access keys and identities.
    pub fn publish_identities(&self, identities: Identities) {
        self.identities.store(Arc::new(identities));
    }

    /// The current custom domain table as an owned pointer (lock-free).
    pub fn domains(&self) -> Arc<DomainTable> {
        self.domains.load_full()
    }

    /// Replaces the custom domain table.
    pub fn publish_domains(&self, domains: DomainTable) {
        self.domains.store(Arc::new(domains));
    }

    /// Installs or replaces one stage.
    pub fn publish_stage(&self, stage: Arc<StageSnapshot>) {
        self.update(|current| current.with_stage(stage));
    }

    /// Removes one stage.
    pub fn remove_stage(&self, api_id: &str, stage_name: &str) {
        self.update(|current| current.without_stage(api_id, stage_name));
    }

    /// Removes every stage of an API.
    pub fn remove_api(&self, api_id: &str) {
        self.update(|current| current.without_api(api_id));
    }

    /// Replaces everything (start-up, cluster resync).
    pub fn replace(&self, snapshot: Snapshot) {
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.current.store(Arc::new(snapshot));
    }

    fn update(&self, change: impl FnOnce(&Snapshot) -> Snapshot) {
        // A panic while holding the lock cannot leave the snapshot half-written (it is
        // swapped whole), so a poisoned lock is safe to reuse.
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = change(&self.current.load());
        self.current.store(Arc::new(next));
    }
}
