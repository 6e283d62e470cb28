//! The authorizer cache of one stage: results of Lambda and Cognito authorizers keyed by
//! authorizer and identity (the token, or the identity-source values), each kept for the
//! authorizer's `authorizerResultTtlInSeconds`.
//!
//! Values are opaque to this crate (the data plane stores its parsed authorizer output);
//! each entry carries its own expiry, checked against the clock time the caller passes.

use std::any::Any;
use std::sync::Arc;

/// Most entries one stage keeps; the least used go first beyond it.
const MAX_ENTRIES: u64 = 10_000;

/// A cached value and the monotonic time (ns) it expires at.
type Entry = (u64, Arc<dyn Any + Send + Sync>);

/// The authorizer results of one stage.
pub struct AuthorizerCache {
    entries: moka::sync::Cache<String, Entry>,
}

impl std::fmt::Debug for AuthorizerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizerCache")
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

impl Default for AuthorizerCache {
    fn default() -> Self {
        AuthorizerCache {
            entries: moka::sync::Cache::new(MAX_ENTRIES),
        }
    }
}

// === impl AuthorizerCache ===

impl AuthorizerCache {
    /// The value cached under `key`, unless it expired by `now_nanos` (monotonic).
    pub fn get(&self, key: &str, now_nanos: u64) -> Option<Arc<dyn Any + Send + Sync>> {
        match self.entries.get(key) {
            Some((expires, value)) if expires > now_nanos => Some(value),
            Some(_) => {
                self.entries.invalidate(key);
                None
            }
            None => None,
        }
    }

    /// Keeps `value` under `key` until `expires_nanos` (monotonic).
    pub fn insert(&self, key: String, value: Arc<dyn Any + Send + Sync>, expires_nanos: u64) {
        self.entries.insert(key, (expires_nanos, value));
    }

    /// Empties the cache (`FlushStageAuthorizersCache`).
    pub fn flush(&self) {
        self.entries.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_at_their_own_time() {
        let cache = AuthorizerCache::default();
        cache.insert("a".into(), Arc::new(1u32), 100);
        assert!(cache.get("a", 99).is_some());
        assert!(cache.get("a", 100).is_none());
        assert!(cache.get("a", 50).is_none(), "an expired entry is gone");
    }

    #[test]
    fn flush_empties_the_cache() {
        let cache = AuthorizerCache::default();
        cache.insert("a".into(), Arc::new("x"), u64::MAX);
        cache.flush();
        assert!(cache.get("a", 0).is_none());
    }
}
