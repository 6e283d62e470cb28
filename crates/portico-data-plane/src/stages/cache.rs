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
        if !policy.require_authorization {
            policy.cache.count_bypass();
            let response = integration::invoke_buffered(invocation, backends, client).await?;
            store(policy, key, &response, clock);
            return Ok(Handled::Full(response));
        }
        match policy.unauthorized_strategy {
            Strategy::FailWith403 => {
                return Err(Reject {
                    message: Some(format!(
                        "User: anonymous is not authorized to perform: execute-api:InvalidateCache on resource: arn:aws:execute-api:{}:{}:{}/{}/{}{}",
                        portico_model::REGION,
                        portico_model::ACCOUNT_ID,
                        invocation.stage.api_id,
                        invocation.stage.stage_name,
                        invocation.head.method,
                        invocation.path,
                    )),
                    ..Reject::new(GatewayResponseType::AccessDenied)
                });
            }
            Strategy::SucceedWithResponseHeader => warn = true,
            Strategy::SucceedWithoutResponseHeader => {}
        }
    }
    let mut response = match policy.cache.lookup(&key, || clock.now()).await {
        Lookup::Hit(entry) => from_entry(&entry),
        Lookup::Fill(guard) => {
            let response = integration::invoke_buffered(invocation, backends, client).await?;
            if let Some(entry) = to_entry(&response, policy, clock) {
                guard.fill(entry);
            }
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

/// True if the client asked to refresh the entry (`Cache-Control: max-age=0`).
fn wants_invalidation(invocation: &Invocation<'_>) -> bool {
    invocation.head.headers().any(|(name, value)| {
        name.eq_ignore_ascii_case("cache-control")
            && value
                .split(|b| *b == b',')
                .any(|directive| directive.trim_ascii().eq_ignore_ascii_case(b"max-age=0"))
    })
}

/// Namespace and method, then each key parameter's value; `\0` separates them.
fn cache_key(invocation: &Invocation<'_>, policy: &CachePolicy) -> Vec<u8> {
    let mut key = Vec::with_capacity(64);
    key.extend_from_slice(policy.namespace.as_bytes());
    // The request's own method: an ANY method serves several.
    key.push(0);
    key.extend_from_slice(invocation.head.method.as_str().as_bytes());
    for parameter in &policy.key_parameters {
        key.push(0);
        match parameter {
            CacheKeyParameter::Header(name) => {
                key.push(b'h');
                if let Some(value) = invocation.head.header_last(name) {
                    key.extend_from_slice(value);
                }
            }
            CacheKeyParameter::Query(name) => {
                key.push(b'q');
                for (i, value) in invocation.query_values(name).iter().enumerate() {
                    if i > 0 {
                        key.push(b',');
                    }
                    key.extend_from_slice(value.as_bytes());
                }
            }
            CacheKeyParameter::Path(name) => {
                key.push(b'p');
                if let Some(value) = invocation.path_param(name) {
                    key.extend_from_slice(value.as_bytes());
                }
            }
        }
    }
    key
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
