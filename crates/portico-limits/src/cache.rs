//! The stage response cache: bounded by bytes (the stage's `cacheClusterSize`), evicting by
//! TinyLFU/LRU (moka), every entry carrying its own expiry so nothing is served past its TTL.
//! Concurrent misses for one key are coalesced: one request fills the entry, the others wait
//! for it and then read it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use tokio::sync::Notify;

/// Largest response AWS caches (1 MiB).
pub const MAX_ENTRY_BYTES: usize = 1_048_576;

/// A cached response.
#[derive(Debug)]
pub struct CachedResponse {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
    /// Monotonic nanoseconds after which the entry is not served.
    pub expires_at: u64,
}

/// A response cache (local now, shared through Redis in cluster mode later).
pub trait ResponseCache: Send + Sync + std::fmt::Debug {
    /// The live entry for `key` at monotonic time `now`.
    fn get(&self, key: &[u8], now: u64) -> Option<Arc<CachedResponse>>;
    /// Stores an entry (ignored when larger than [`MAX_ENTRY_BYTES`]).
    fn insert(&self, key: Vec<u8>, response: CachedResponse);
    /// Drops one entry.
    fn invalidate(&self, key: &[u8]);
    /// Drops every entry (`FlushStageCache`).
    fn flush(&self);
    /// Entries and bytes held (for metrics and tests).
    fn usage(&self) -> (u64, u64);
}

/// What a lookup found.
pub enum Lookup {
    Hit(Arc<CachedResponse>),
    /// Nobody else is filling the key: this request calls the backend, then fills.
    Fill(FillGuard),
    /// The fill this request waited for stored nothing (an error, an oversized or rejected
    /// entry): call the backend directly, without queueing behind another fill.
    Bypass,
}

/// The local cache of one stage.
pub struct LocalCache {
    entries: moka::sync::Cache<Vec<u8>, Arc<CachedResponse>>,
    filling: Mutex<HashMap<Vec<u8>, Arc<Notify>>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Held by the request that fills a key; waiting requests wake when it drops.
pub struct FillGuard {
    cache: Arc<LocalCache>,
    key: Vec<u8>,
}

impl std::fmt::Debug for LocalCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCache")
            .field("entries", &self.entries.entry_count())
            .finish_non_exhaustive()
    }
}

// === impl LocalCache ===

impl LocalCache {
    /// A cache holding at most `capacity_bytes` of responses.
    pub fn new(capacity_bytes: u64) -> LocalCache {
        let entries = moka::sync::Cache::builder()
            .max_capacity(capacity_bytes)
            .weigher(|key: &Vec<u8>, value: &Arc<CachedResponse>| {
                let headers: usize = value
                    .headers
                    .iter()
                    .map(|(n, v)| n.as_str().len() + v.len())
                    .sum();
                u32::try_from(key.len() + value.body.len() + headers + 64).unwrap_or(u32::MAX)
            })
            .build();
        LocalCache {
            entries,
            filling: Mutex::new(HashMap::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Counts a request that skipped the lookup (`Cache-Control: max-age=0`) as a miss.
    pub fn count_bypass(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// `(hits, misses)` of lookups so far (`CacheHitCount`, `CacheMissCount`).
    pub fn stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// The entry for `key`, or the right to fill it; waits (once) while another request
    /// fills it.
    pub async fn lookup(self: &Arc<Self>, key: &[u8], now: impl Fn() -> u64) -> Lookup {
        let mut waited = false;
        loop {
            if let Some(hit) = self.get(key, now()) {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Lookup::Hit(hit);
            }
            if waited {
                self.misses.fetch_add(1, Ordering::Relaxed);
                return Lookup::Bypass;
            }
            let waiting = {
                let mut filling = self
                    .filling
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                match filling.get(key) {
                    Some(notify) => {
                        let notify = Arc::clone(notify);
                        // Register before releasing the lock, so the filler's wake-up is not missed.
                        let notified = notify.notified_owned();
                        Some(notified)
                    }
                    None => {
                        filling.insert(key.to_vec(), Arc::new(Notify::new()));
                        None
                    }
                }
            };
            match waiting {
                Some(notified) => {
                    notified.await;
                    waited = true;
                }
                None => {
                    self.misses.fetch_add(1, Ordering::Relaxed);
                    return Lookup::Fill(FillGuard {
                        cache: Arc::clone(self),
                        key: key.to_vec(),
                    });
                }
            }
        }
    }
}

impl ResponseCache for LocalCache {
    fn get(&self, key: &[u8], now: u64) -> Option<Arc<CachedResponse>> {
        let entry = self.entries.get(key)?;
        if entry.expires_at <= now {
            self.entries.invalidate(key);
            return None;
        }
        Some(entry)
    }

    fn insert(&self, key: Vec<u8>, response: CachedResponse) {
        if response.body.len() <= MAX_ENTRY_BYTES {
            self.entries.insert(key, Arc::new(response));
        }
    }

    fn invalidate(&self, key: &[u8]) {
        self.entries.invalidate(key);
    }

    fn flush(&self) {
        self.entries.invalidate_all();
    }

    fn usage(&self) -> (u64, u64) {
        self.entries.run_pending_tasks();
        (self.entries.entry_count(), self.entries.weighted_size())
    }
}

// === impl FillGuard ===

impl FillGuard {
    /// Stores the response and wakes the waiters.
    pub fn fill(self, response: CachedResponse) {
        self.cache.insert(self.key.clone(), response);
    }
}

impl Drop for FillGuard {
    fn drop(&mut self) {
        let notify = self
            .cache
            .filling
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.key);
        if let Some(notify) = notify {
            notify.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &'static str, expires_at: u64) -> CachedResponse {
        CachedResponse {
            status: StatusCode::OK,
            headers: vec![],
            body: Bytes::from_static(body.as_bytes()),
            expires_at,
        }
    }

    #[tokio::test]
    async fn entries_expire_and_flush() {
        let cache = Arc::new(LocalCache::new(1 << 20));
        cache.insert(b"k".to_vec(), response("v", 100));
        assert!(cache.get(b"k", 99).is_some());
        assert!(
            cache.get(b"k", 100).is_none(),
            "nothing is served past its TTL"
        );
        cache.insert(b"k".to_vec(), response("v", 1000));
        cache.flush();
        assert!(cache.get(b"k", 1).is_none());
    }

    #[tokio::test]
    async fn waiters_of_a_fill_that_stored_nothing_go_direct_together() {
        let cache = Arc::new(LocalCache::new(1 << 20));
        let Lookup::Fill(guard) = cache.lookup(b"k", || 0).await else {
            panic!("first lookup fills")
        };
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let cache = Arc::clone(&cache);
                tokio::spawn(
                    async move { matches!(cache.lookup(b"k", || 0).await, Lookup::Bypass) },
                )
            })
            .collect();
        tokio::task::yield_now().await;
        drop(guard);
        for waiter in waiters {
            assert!(waiter.await.unwrap(), "every waiter bypasses at once");
        }
    }

    #[tokio::test]
    async fn oversized_responses_are_not_cached() {
        let cache = LocalCache::new(1 << 30);
        let big = CachedResponse {
            status: StatusCode::OK,
            headers: vec![],
            body: Bytes::from(vec![0; MAX_ENTRY_BYTES + 1]),
            expires_at: u64::MAX,
        };
        cache.insert(b"big".to_vec(), big);
        assert!(cache.get(b"big", 0).is_none());
    }

    #[tokio::test]
    async fn memory_stays_within_the_budget() {
        let cache = LocalCache::new(100_000);
        for i in 0..1000u32 {
            cache.insert(
                i.to_be_bytes().to_vec(),
                CachedResponse {
                    status: StatusCode::OK,
                    headers: vec![],
                    body: Bytes::from(vec![0; 1000]),
                    expires_at: u64::MAX,
                },
            );
        }
        let (_, bytes) = cache.usage();
        assert!(bytes <= 100_000, "{bytes}");
    }

    #[tokio::test]
    async fn concurrent_misses_make_one_fill() {
        let cache = Arc::new(LocalCache::new(1 << 20));
        let fills = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let cache = Arc::clone(&cache);
                let fills = Arc::clone(&fills);
                tokio::spawn(async move {
                    match cache.lookup(b"key", || 0).await {
                        Lookup::Hit(hit) => hit.body.clone(),
                        Lookup::Fill(guard) => {
                            fills.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            guard.fill(response("filled", u64::MAX));
                            Bytes::from_static(b"filled")
                        }
                        Lookup::Bypass => Bytes::from_static(b"bypassed"),
                    }
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), "filled");
        }
        assert_eq!(fills.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(cache.stats(), (7, 1), "seven waiters read the one fill");
    }
}
