//! API keys, throttling and quotas (reference §7–8), in AWS's precedence: the key must be
//! valid for the stage; then every applicable bucket gives a token — the key's usage-plan
//! bucket (per method if the plan sets one, else per key), the stage's bucket for the method,
//! the account bucket; then the plan's quota. A refusal gives back the tokens already taken,
//! so a rejected request costs no other bucket anything.
//!
//! All of it reads the published [`ClientLimits`] and the compiled route: one atomic load,
//! one hash lookup, a few compare-and-swaps. No lock, no store.

use std::sync::Arc;

use portico_limits::Bucket;
use portico_model::ApiKeySource;
use portico_snapshot::clients::{ClientKey, ClientLimits};
use portico_snapshot::{MethodRoute, StageSnapshot};

use crate::gateway_response::{GatewayResponseType, Reject};
use crate::http1::head::RequestHead;

/// Admits the request or rejects it with 403 (key), 429 (throttle) or 429 (quota). Returns
/// the key it was admitted with, for `$context.identity.apiKey`.
pub fn admit(
    clients: &ClientLimits,
    stage: &StageSnapshot,
    route: &MethodRoute,
    head: &RequestHead,
    authorizer_key: Option<&str>,
) -> Result<Option<Arc<ClientKey>>, Reject> {
    let now = clients.clock.monotonic_nanos();
    let mut taken: [Option<&dyn Bucket>; 2] = [None, None];
    let admitted = if route.api_key_required {
        let key = api_key(clients, stage, head, authorizer_key)?;
        let plan = key
            .stage(&stage.api_id, &stage.stage_name)
            .ok_or_else(forbidden)?;
        if let Some(bucket) = plan.bucket_for(&route.throttle_key) {
            take(bucket.as_ref(), now, &taken)?;
            taken[0] = Some(bucket.as_ref());
        }
        Some((Arc::clone(key), plan))
    } else {
        None
    };
    if let Some(bucket) = &route.limits.throttle {
        take(bucket.as_ref(), now, &taken)?;
        taken[1] = Some(bucket.as_ref());
    }
    take(clients.account.as_ref(), now, &taken)?;
    let Some((key, plan)) = admitted else {
        return Ok(None);
    };
    match &plan.quota {
        Some(quota) => {
            if !plan.usage.try_consume(quota, clients.clock.unix_seconds()) {
                release(&taken);
                clients.account.release();
                return Err(Reject::new(GatewayResponseType::QuotaExceeded));
            }
        }
        None => plan.usage.record(),
    }
    Ok(Some(key))
}

/// The enabled key the request carries, from its `x-api-key` header.
fn api_key<'c>(
    clients: &'c ClientLimits,
    stage: &StageSnapshot,
    head: &RequestHead,
    authorizer_key: Option<&str>,
) -> Result<&'c Arc<ClientKey>, Reject> {
    // With the AUTHORIZER source the key is the Lambda authorizer's `usageIdentifierKey`.
    let value = match stage.api_key_source {
        ApiKeySource::Header => head.header_str("x-api-key"),
        _ => authorizer_key,
    }
    .ok_or_else(forbidden)?;
    let key = clients.key(value).ok_or_else(forbidden)?;
    if !key.enabled {
        return Err(forbidden());
    }
    Ok(key)
}

fn take(bucket: &dyn Bucket, now: u64, taken: &[Option<&dyn Bucket>; 2]) -> Result<(), Reject> {
    if bucket.try_acquire(now) {
        Ok(())
    } else {
        release(taken);
        Err(Reject::new(GatewayResponseType::Throttled))
    }
}

fn release(taken: &[Option<&dyn Bucket>; 2]) {
    for bucket in taken.iter().flatten() {
        bucket.release();
    }
}

fn forbidden() -> Reject {
    Reject::new(GatewayResponseType::InvalidApiKey)
}
