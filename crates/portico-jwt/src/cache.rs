//! The key sets of the issuers authorizers trust, fetched on first use and shared by every
//! thread. Reading a cached set is one atomic load and a hash lookup; fetching is rare and
//! goes through a per-issuer gate, so concurrent requests wait for one fetch instead of
//! starting their own, and a flood of tokens naming unknown keys costs the provider at most
//! one request per `refetch_interval`.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tokio_rustls::TlsConnector;

use crate::validate::token_issuer;
use crate::{Jwks, JwtError, Provider, Requirements, Validated, fetch, validate};

/// How a [`JwksCache`] fetches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwksCacheOptions {
    /// The shortest time between two fetches for one issuer (30 s).
    pub refetch_interval: Duration,
    /// A set older than this is refetched before use, so keys the provider withdrew stop
    /// being trusted (1 h); if that fetch fails the old set keeps serving.
    pub max_age: Duration,
    /// The deadline for one fetch, from resolving the host to the last body byte (5 s).
    pub timeout: Duration,
    /// The largest key-set body accepted (1 MiB).
    pub max_body: usize,
}

/// Async JWKS cache shared across threads (see the module text).
pub struct JwksCache {
    sets: ArcSwap<HashMap<String, Entry>>,
    /// One gate per issuer, holding the time of its last fetch attempt. The outer lock is held
    /// only to find or add a gate, never across an await.
    gates: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
    tls: Option<TlsConnector>,
    options: JwksCacheOptions,
}

#[derive(Clone)]
struct Entry {
    jwks: Arc<Jwks>,
    fetched_at: Instant,
}

// === impl JwksCacheOptions ===

impl Default for JwksCacheOptions {
    fn default() -> JwksCacheOptions {
        JwksCacheOptions {
            refetch_interval: Duration::from_secs(30),
            max_age: Duration::from_secs(3600),
            timeout: Duration::from_secs(5),
            max_body: 1024 * 1024,
        }
    }
}

// === impl JwksCache ===

impl JwksCache {
    /// An empty cache with the default options.
    pub fn new() -> JwksCache {
        JwksCache::with_options(JwksCacheOptions::default())
    }

    /// An empty cache with these options.
    pub fn with_options(options: JwksCacheOptions) -> JwksCache {
        JwksCache {
            sets: ArcSwap::from_pointee(HashMap::new()),
            gates: Mutex::new(HashMap::new()),
            tls: fetch::tls_connector(),
            options,
        }
    }

    /// The issuer's key set if one was fetched (no IO).
    pub fn cached(&self, issuer: &str) -> Option<Arc<Jwks>> {
        self.sets
            .load()
            .get(issuer)
            .map(|entry| Arc::clone(&entry.jwks))
    }

    /// Fetches the provider's key set, unless a fetch for its issuer started less than
    /// `refetch_interval` ago: then it returns the cached set (which that fetch may just have
    /// replaced), or a `Fetch` error when there is none. Concurrent calls for one issuer wait
    /// for each other.
    pub async fn refresh(&self, provider: &Provider) -> Result<Arc<Jwks>, JwtError> {
        let gate = self.gate(&provider.issuer);
        let mut last_attempt = gate.lock().await;
        let recent = last_attempt.is_some_and(|at| at.elapsed() < self.options.refetch_interval);
        if recent {
            return self.cached(&provider.issuer).ok_or_else(|| {
                JwtError::Fetch(format!(
                    "{}: last attempt failed less than {:?} ago",
                    provider.jwks_url, self.options.refetch_interval
                ))
            });
        }
        *last_attempt = Some(Instant::now());
        let body = fetch::get(
            &provider.jwks_url,
            self.tls.as_ref(),
            self.options.timeout,
            self.options.max_body,
        )
        .await?;
        let jwks = Arc::new(Jwks::parse(&body)?);
        let entry = Entry {
            jwks: Arc::clone(&jwks),
            fetched_at: Instant::now(),
        };
        self.sets.rcu(|sets| {
            let mut sets = HashMap::clone(sets);
            sets.insert(provider.issuer.clone(), entry.clone());
            sets
        });
        Ok(jwks)
    }

    /// [`validate`](crate::validate()) with the key set of the token's issuer, fetching it on
    /// first use, when older than `max_age`, or when the token names a key it lacks (key
    /// rotation) — at most one fetch per call, rate-limited per issuer. A token that is
    /// refused for another reason never causes a fetch.
    pub async fn validate(
        &self,
        token: &str,
        providers: &[Provider],
        requirements: &Requirements<'_>,
    ) -> Result<Validated, JwtError> {
        // Remember the set the first check used, to tell a rate-limited refresh (same set)
        // from one that another task has just made (a new set, worth a second check).
        // (A block, so the `Cell` is gone before the await and the future stays `Send`.)
        let (first, before) = {
            let used = Cell::new(None);
            let lookup = |issuer: &str| {
                let jwks = self.cached(issuer);
                used.set(jwks.clone());
                jwks
            };
            let first = validate(token, providers, &lookup, requirements);
            (first, used.take())
        };
        // The common case ends here: accepted with a fresh set, or refused whatever the keys.
        let issuer = match &first {
            Ok(validated) if !self.is_stale(&validated.issuer) => return first,
            Ok(validated) => validated.issuer.clone(),
            Err(JwtError::UnknownKey { .. }) => match token_issuer(token) {
                Some(issuer) => issuer,
                None => return first,
            },
            Err(_) => return first,
        };
        // `validate` only looks up keys once `iss` has matched a provider.
        let Some(provider) = providers.iter().find(|provider| provider.issuer == issuer) else {
            return first;
        };
        let refreshed = match self.refresh(provider).await {
            Ok(refreshed) => refreshed,
            // A provider that cannot be reached keeps its old keys rather than failing every
            // request; a token it has no key for gets the reason it cannot be checked.
            Err(err) => return first.map_err(|_| err),
        };
        if before.is_some_and(|before| Arc::ptr_eq(&before, &refreshed)) {
            // Rate-limited: the set is the one just used.
            return first;
        }
        validate(
            token,
            providers,
            &|_| Some(Arc::clone(&refreshed)),
            requirements,
        )
    }

    fn is_stale(&self, issuer: &str) -> bool {
        self.sets
            .load()
            .get(issuer)
            .is_some_and(|entry| entry.fetched_at.elapsed() >= self.options.max_age)
    }

    fn gate(&self, issuer: &str) -> Arc<tokio::sync::Mutex<Option<Instant>>> {
        // The map only gains entries, so a panic elsewhere cannot leave it inconsistent.
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(gates.entry(issuer.to_owned()).or_default())
    }
}

impl Default for JwksCache {
    fn default() -> JwksCache {
        JwksCache::new()
    }
}

#[cfg(test)]
mod tests;
