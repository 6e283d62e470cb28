//! Limits and caches that outlive snapshots: token buckets (throttling), usage counters
//! (quotas and usage reports), stage response caches and stage authorizer caches.
//!
//! State is keyed by stable ids (`stage:{api}/{stage}`, `plan:{plan}/{key}`…) in a registry
//! that snapshot compilation asks for handles, so a new deployment or key change never resets
//! a counter, and the request path holds direct handles: no map lookup, no lock, no store.
//! The registry's mutex is taken only when compiling and flushing. Everything sits behind
//! traits ([`Bucket`], [`ResponseCache`]) so a Redis-backed cluster implementation fits later.
//! Called by the snapshot compiler (handles), the data plane (admission, caching) and the
//! control plane (usage flushing, cache flushes).

pub mod authorizer_cache;
pub mod bucket;
pub mod cache;
pub mod clock;
pub mod quota;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

pub use authorizer_cache::AuthorizerCache;
pub use bucket::{Bucket, Gcra, Throttle};
pub use cache::{CachedResponse, LocalCache, Lookup, ResponseCache};
pub use clock::{Clock, ManualClock, SystemClock};
pub use quota::{Period, Quota, UsageCounter};

/// Memory budget per GB of `cacheClusterSize`.
const BYTES_PER_GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// The registry of limiter state.
#[derive(Debug)]
pub struct Limits {
    clock: Arc<dyn Clock>,
    buckets: Mutex<HashMap<String, Weak<Gcra>>>,
    /// Size of `buckets` after the last sweep of dead entries.
    swept_at: Mutex<usize>,
    usage: Mutex<HashMap<(String, String), Arc<UsageCounter>>>,
    caches: Mutex<HashMap<StageKey, SizedCache>>,
    authorizer_caches: Mutex<HashMap<StageKey, Arc<AuthorizerCache>>>,
}

/// Counters of one stage cache (`CacheHitCount`, `CacheMissCount` and size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStats {
    pub api_id: String,
    pub stage: String,
    pub hits: u64,
    pub misses: u64,
    pub entries: u64,
    pub bytes: u64,
    pub capacity_bytes: u64,
}

/// (API id, stage name).
type StageKey = (String, String);
/// A stage cache with the byte capacity it was built for.
type SizedCache = (u64, Arc<LocalCache>);

impl Default for Limits {
    fn default() -> Self {
        Limits::with_clock(Arc::new(SystemClock::default()))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Registry maps stay consistent even if a holder panicked: entries are inserted whole.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// === impl Limits ===

impl Limits {
    /// A registry reading time from `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Limits {
        Limits {
            clock,
            buckets: Mutex::new(HashMap::new()),
            swept_at: Mutex::new(0),
            usage: Mutex::new(HashMap::new()),
            caches: Mutex::new(HashMap::new()),
            authorizer_caches: Mutex::new(HashMap::new()),
        }
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The bucket with stable `id`, created full or reconfigured to `throttle`.
    pub fn bucket(&self, id: &str, throttle: Throttle) -> Arc<Gcra> {
        let mut buckets = lock(&self.buckets);
        if let Some(bucket) = buckets.get(id).and_then(Weak::upgrade) {
            bucket.reconfigure(throttle, self.clock.monotonic_nanos());
            return bucket;
        }
        let bucket = Arc::new(Gcra::new(throttle));
        buckets.insert(id.to_owned(), Arc::downgrade(&bucket));
        // Sweep buckets no snapshot holds any more, amortised: only when the map has doubled.
        if buckets.len() >= 2 * lock(&self.swept_at).max(16) {
            buckets.retain(|_, weak| weak.strong_count() > 0);
            *lock(&self.swept_at) = buckets.len();
        }
        bucket
    }

    /// The usage counter of `key_id` under `plan_id`.
    pub fn usage(&self, plan_id: &str, key_id: &str) -> Arc<UsageCounter> {
        let mut usage = lock(&self.usage);
        Arc::clone(
            usage
                .entry((plan_id.to_owned(), key_id.to_owned()))
                .or_insert_with(|| Arc::new(UsageCounter::default())),
        )
    }

    /// The usage counter of `key_id` under `plan_id`, if one exists (never creates one).
    pub fn existing_usage(&self, plan_id: &str, key_id: &str) -> Option<Arc<UsageCounter>> {
        lock(&self.usage)
            .get(&(plan_id.to_owned(), key_id.to_owned()))
            .cloned()
    }

    /// Installs a counter resumed from stored usage (start-up), unless one exists.
    pub fn resume_usage(&self, plan_id: &str, key_id: &str, counter: UsageCounter) {
        lock(&self.usage)
            .entry((plan_id.to_owned(), key_id.to_owned()))
            .or_insert_with(|| Arc::new(counter));
    }

    /// Forgets the counter of a deleted plan key.
    pub fn forget_usage(&self, plan_id: &str, key_id: &str) {
        lock(&self.usage).remove(&(plan_id.to_owned(), key_id.to_owned()));
    }

    /// Forgets every counter of a deleted plan.
    pub fn forget_plan_usage(&self, plan_id: &str) {
        lock(&self.usage).retain(|(plan, _), _| plan != plan_id);
    }

    /// Forgets every counter of a deleted key.
    pub fn forget_key_usage(&self, key_id: &str) {
        lock(&self.usage).retain(|(_, key), _| key != key_id);
    }

    /// Every usage counter, for the flusher.
    pub fn usage_counters(&self) -> Vec<((String, String), Arc<UsageCounter>)> {
        lock(&self.usage)
            .iter()
            .map(|(key, counter)| (key.clone(), Arc::clone(counter)))
            .collect()
    }

    /// The cache of a stage sized `cluster_size_gb`; a new size starts an empty cache, as a
    /// resize does on AWS.
    pub fn cache(&self, api_id: &str, stage: &str, cluster_size_gb: f64) -> Arc<LocalCache> {
        let capacity = (cluster_size_gb.max(0.0) * BYTES_PER_GB) as u64;
        let mut caches = lock(&self.caches);
        let entry = caches
            .entry((api_id.to_owned(), stage.to_owned()))
            .or_insert_with(|| (capacity, Arc::new(LocalCache::new(capacity))));
        if entry.0 != capacity {
            *entry = (capacity, Arc::new(LocalCache::new(capacity)));
        }
        Arc::clone(&entry.1)
    }

    /// The authorizer cache of a stage (kept across deployments of the stage).
    pub fn authorizer_cache(&self, api_id: &str, stage: &str) -> Arc<AuthorizerCache> {
        Arc::clone(
            lock(&self.authorizer_caches)
                .entry((api_id.to_owned(), stage.to_owned()))
                .or_default(),
        )
    }

    /// `FlushStageAuthorizersCache`.
    pub fn flush_authorizer_cache(&self, api_id: &str, stage: &str) {
        if let Some(cache) =
            lock(&self.authorizer_caches).get(&(api_id.to_owned(), stage.to_owned()))
        {
            cache.flush();
        }
    }

    /// `FlushStageCache`.
    pub fn flush_cache(&self, api_id: &str, stage: &str) {
        if let Some((_, cache)) = lock(&self.caches).get(&(api_id.to_owned(), stage.to_owned())) {
            cache.flush();
        }
    }

    /// Hit, miss, entry and byte counts of every stage cache, for metrics.
    pub fn cache_stats(&self) -> Vec<CacheStats> {
        // Counting runs the caches' pending work: do it outside the registry lock.
        let caches: Vec<(StageKey, SizedCache)> = lock(&self.caches)
            .iter()
            .map(|(key, (capacity, cache))| (key.clone(), (*capacity, Arc::clone(cache))))
            .collect();
        let mut stats: Vec<CacheStats> = caches
            .iter()
            .map(|((api_id, stage), (capacity, cache))| {
                let (hits, misses) = cache.stats();
                let (entries, bytes) = cache.usage();
                CacheStats {
                    api_id: api_id.clone(),
                    stage: stage.clone(),
                    hits,
                    misses,
                    entries,
                    bytes,
                    capacity_bytes: *capacity,
                }
            })
            .collect();
        stats.sort_by(|a, b| (&a.api_id, &a.stage).cmp(&(&b.api_id, &b.stage)));
        stats
    }

    /// Drops a stage's cache (stage deleted or caching turned off).
    pub fn drop_cache(&self, api_id: &str, stage: &str) {
        lock(&self.caches).remove(&(api_id.to_owned(), stage.to_owned()));
    }

    /// Drops every cache of an API (API deleted), authorizer caches included.
    pub fn drop_api_caches(&self, api_id: &str) {
        lock(&self.caches).retain(|(api, _), _| api != api_id);
        lock(&self.authorizer_caches).retain(|(api, _), _| api != api_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_survive_recompilation_with_their_state() {
        let limits = Limits::default();
        let first = limits.bucket(
            "stage:a/dev",
            Throttle {
                rate: 1.0,
                burst: 1,
            },
        );
        assert!(first.try_acquire(1_000_000_000));
        let second = limits.bucket(
            "stage:a/dev",
            Throttle {
                rate: 1.0,
                burst: 1,
            },
        );
        assert!(Arc::ptr_eq(&first, &second));
        assert!(
            !second.try_acquire(1_000_000_000),
            "the token taken through the first handle is gone"
        );
    }

    #[test]
    fn resizing_a_cache_empties_it() {
        let limits = Limits::default();
        let cache = limits.cache("a", "dev", 0.5);
        cache.insert(
            b"k".to_vec(),
            CachedResponse {
                status: http::StatusCode::OK,
                headers: vec![],
                body: bytes::Bytes::new(),
                expires_at: u64::MAX,
            },
        );
        assert!(Arc::ptr_eq(&cache, &limits.cache("a", "dev", 0.5)));
        assert!(limits.cache("a", "dev", 1.6).get(b"k", 0).is_none());
    }
}
