//! The stage cache (reference §9): a method with caching serves a live entry for its cache
//! key, else calls the integration once — concurrent misses for one key wait for that call —
//! and stores the response for the method's TTL. `Cache-Control: max-age=0` refreshes the
//! entry when the caller may invalidate (`requireAuthorizationForCacheControl` false: anyone;
//! true: a caller granted `execute-api:InvalidateCache`, which needs IAM callers, so every
//! caller is unauthorised until AWS_IAM lands) and otherwise follows
//! `unauthorizedCacheControlHeaderStrategy`.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response};
use portico_limits::{CachedResponse, Lookup, ResponseCache};
use portico_model::stage::UnauthorizedCacheControlHeaderStrategy as Strategy;
use portico_snapshot::limits::{CacheKeyParameter, CachePolicy};

use crate::gateway_response::{GatewayResponseType, Reject};
use crate::integration;
use crate::invocation::Invocation;
use crate::pipeline::{Client, Handled};
use crate::upstream::Backends;

/// The header AWS-compatible clients see when their invalidation request was not authorised
/// and the method's strategy is `SUCCEED_WITH_RESPONSE_HEADER`.
const WARNING: &str = "199 - \"Cache invalidation is not authorized\"";

/// Serves the request through the method's cache.
pub async fn serve(
    invocation: &Invocation<'_>,
    policy: &CachePolicy,
    backends: &Backends,
    client: Client<'_>,
) -> Result<Handled, Reject> {
    if policy.get_only && invocation.head.method != http::Method::GET {
        return integration::invoke(invocation, backends, client).await;
    }
    let key = cache_key(invocation, policy);
    let clock = monotonic();
    let mut warn = false;
    if wants_invalidation(invocation) {
        if !policy.require_authorization || invocation.access.may_invalidate_cache {
            policy.cache.count_bypass();
            // The old entry goes whatever happens next: a refresh that cannot be stored
            // must not leave it behind.
            policy.cache.invalidate(&key);
            let response = integration::invoke_buffered(invocation, backends, client).await?;
            store(policy, key, &response, clock);
            return Ok(Handled::Full(response));
        }
        match policy.unauthorized_strategy {
            Strategy::FailWith403 => {
                let user = invocation
                    .access
                    .caller
                    .as_ref()
                    .map_or("anonymous", |caller| &*caller.arn);
                return Err(Reject::new(GatewayResponseType::AccessDenied).with_message(format!(
                    "User: {user} is not authorized to perform: execute-api:InvalidateCache on resource: {}",
                    invocation
                        .stage
                        .access
                        .method_arn(invocation.head.method.as_str(), invocation.path),
                )));
            }
            Strategy::SucceedWithResponseHeader => warn = true,
            Strategy::SucceedWithoutResponseHeader => {}
        }
    }
    // A request with a body may hit, but never holds the fill slot: a client trickling its
    // body would make every other caller of the key wait for it.
    let lookup = if has_body(invocation) {
        match policy.cache.get(&key, clock.now()) {
            Some(entry) => Lookup::Hit(entry),
            None => Lookup::Bypass,
        }
    } else {
        policy.cache.lookup(&key, || clock.now()).await
    };
    let mut response = match lookup {
        Lookup::Hit(entry) => from_entry(&entry),
        Lookup::Fill(guard) => {
            let response = integration::invoke_buffered(invocation, backends, client).await?;
            if let Some(entry) = to_entry(&response, policy, clock) {
                guard.fill(entry);
            }
            response
        }
        Lookup::Bypass => {
            let response = integration::invoke_buffered(invocation, backends, client).await?;
            store(policy, key, &response, clock);
            response
        }
    };
    if warn {
        response
            .headers_mut()
            .insert(http::header::WARNING, HeaderValue::from_static(WARNING));
    }
    Ok(Handled::Full(response))
}

fn has_body(invocation: &Invocation<'_>) -> bool {
    !matches!(
        invocation.head.framing,
        crate::http1::head::Framing::Empty | crate::http1::head::Framing::Length(0)
    )
}

/// True if the client asked to refresh the entry (`Cache-Control: max-age=0`).
fn wants_invalidation(invocation: &Invocation<'_>) -> bool {
    asks_for_invalidation(invocation.head)
}

/// Whether the request sends `Cache-Control: max-age=0`.
pub fn asks_for_invalidation(head: &crate::http1::head::RequestHead) -> bool {
    head.headers().any(|(name, value)| {
        name.eq_ignore_ascii_case("cache-control")
            && value
                .split(|b| *b == b',')
                .any(|directive| directive.trim_ascii().eq_ignore_ascii_case(b"max-age=0"))
    })
}

/// Namespace, the request's method, then each key parameter: a tag byte and its values,
/// each length-prefixed, so that no two different requests share a key whatever their
/// values contain (`\0`, commas) and an absent value differs from an empty one.
fn cache_key(invocation: &Invocation<'_>, policy: &CachePolicy) -> Vec<u8> {
    let mut key = Vec::with_capacity(64);
    push_value(&mut key, policy.namespace.as_bytes());
    push_value(&mut key, invocation.head.method.as_str().as_bytes());
    for parameter in &policy.key_parameters {
        match parameter {
            CacheKeyParameter::Header(name) => {
                key.push(b'h');
                push_optional(&mut key, invocation.head.header_last(name));
            }
            CacheKeyParameter::Query(name) => {
                key.push(b'q');
                let values = invocation.query_values(name);
                push_len(&mut key, values.len());
                for value in &values {
                    push_value(&mut key, value.as_bytes());
                }
            }
            CacheKeyParameter::Path(name) => {
                key.push(b'p');
                let value = invocation.path_param(name);
                push_optional(&mut key, value.as_deref().map(str::as_bytes));
            }
        }
    }
    key
}

fn push_len(key: &mut Vec<u8>, len: usize) {
    key.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
}

fn push_value(key: &mut Vec<u8>, value: &[u8]) {
    push_len(key, value.len());
    key.extend_from_slice(value);
}

fn push_optional(key: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        Some(value) => {
            key.push(1);
            push_value(key, value);
        }
        None => key.push(0),
    }
}

fn store(policy: &CachePolicy, key: Vec<u8>, response: &Response<Bytes>, clock: Monotonic) {
    if let Some(entry) = to_entry(response, policy, clock) {
        policy.cache.insert(key, entry);
    }
}

fn to_entry(
    response: &Response<Bytes>,
    policy: &CachePolicy,
    clock: Monotonic,
) -> Option<CachedResponse> {
    let headers: Vec<(HeaderName, HeaderValue)> = response
        .headers()
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    Some(CachedResponse {
        status: response.status(),
        headers,
        body: response.body().clone(),
        expires_at: clock.now().saturating_add(policy.ttl_nanos),
    })
}

fn from_entry(entry: &Arc<CachedResponse>) -> Response<Bytes> {
    let mut response = Response::new(entry.body.clone());
    *response.status_mut() = entry.status;
    let headers = response.headers_mut();
    headers.reserve(entry.headers.len());
    for (name, value) in &entry.headers {
        headers.append(name.clone(), value.clone());
    }
    response
}

/// Monotonic nanoseconds since the process's first cache use: entry expiry is compared in
/// this clock, so wall-clock jumps never serve stale entries.
#[derive(Debug, Clone, Copy)]
struct Monotonic(Instant);

fn monotonic() -> Monotonic {
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    Monotonic(*ORIGIN.get_or_init(Instant::now))
}

impl Monotonic {
    fn now(self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}
