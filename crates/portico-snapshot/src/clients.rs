//! The data plane's view of API keys, usage plans and the account throttle: which keys exist,
//! which stages each may call under which plan, and the buckets and counters that apply.
//! Account-wide, rebuilt by the control plane whenever a key, plan, plan key or the account
//! changes, and swapped in whole; the request path does one hash lookup by key value.

use std::collections::HashMap;
use std::sync::Arc;

use portico_limits::quota::{Period, Quota};
use portico_limits::{Bucket, Clock, Gcra, Limits, SystemClock, Throttle, UsageCounter};
use portico_model::usage_plan::{
    AccountSettings, ApiKey, QuotaPeriod, StoredUsagePlan, ThrottleSettings,
};

/// Keys, plans and the account bucket at one instant.
#[derive(Debug)]
pub struct ClientLimits {
    /// The account-wide bucket every request takes a token from.
    pub account: Arc<dyn Bucket>,
    pub clock: Arc<dyn Clock>,
    keys: foldhash::HashMap<Box<str>, Arc<ClientKey>>,
}

/// One API key.
#[derive(Debug)]
pub struct ClientKey {
    pub id: Box<str>,
    pub value: Box<str>,
    pub enabled: bool,
    /// The stages the key may call, each under exactly one plan.
    pub stages: Vec<PlanStage>,
}

/// A key's admission to one API stage under one usage plan.
#[derive(Debug)]
pub struct PlanStage {
    pub api_id: Box<str>,
    pub stage: Box<str>,
    pub plan_id: Box<str>,
    /// The plan's per-key bucket (`throttle`), shared by all the plan's stages.
    pub client: Option<Arc<dyn Bucket>>,
    /// Per-key per-method buckets, keyed `/{resourcePath}/{METHOD}`.
    pub methods: Vec<(Box<str>, Arc<dyn Bucket>)>,
    pub quota: Option<Quota>,
    /// Usage of the key under the plan (quota and reports), shared by the plan's stages.
    pub usage: Arc<UsageCounter>,
}

/// What the index is built from.
#[derive(Debug, Clone, Copy)]
pub struct ClientLimitsInput<'a> {
    pub keys: &'a [ApiKey],
    pub plans: &'a [StoredUsagePlan],
    /// `(plan id, key id)` memberships.
    pub plan_keys: &'a [(String, String)],
    pub account: &'a AccountSettings,
}

impl Default for ClientLimits {
    /// Account defaults, no keys (before the control plane publishes).
    fn default() -> Self {
        let (rate, burst) = AccountSettings::default().throttle();
        ClientLimits {
            account: Arc::new(Gcra::new(throttle(rate, burst))),
            clock: Arc::new(SystemClock::default()),
            keys: foldhash::HashMap::default(),
        }
    }
}

// === impl ClientLimits ===

impl ClientLimits {
    /// Builds the index with state handles from `limits`.
    pub fn compile(input: &ClientLimitsInput<'_>, limits: &Limits) -> ClientLimits {
        let (rate, burst) = input.account.throttle();
        let plans: HashMap<&str, &StoredUsagePlan> = input
            .plans
            .iter()
            .map(|stored| (stored.plan.id.as_str(), stored))
            .collect();
        let mut plans_of_key: HashMap<&str, Vec<&StoredUsagePlan>> = HashMap::new();
        for (plan_id, key_id) in input.plan_keys {
            if let Some(stored) = plans.get(plan_id.as_str()) {
                plans_of_key
                    .entry(key_id.as_str())
                    .or_default()
                    .push(stored);
            }
        }
        let mut keys =
            foldhash::HashMap::with_capacity_and_hasher(input.keys.len(), Default::default());
        for key in input.keys {
            let Some(value) = &key.value else { continue };
            let mut stages = Vec::new();
            for stored in plans_of_key.get(key.id.as_str()).into_iter().flatten() {
                stages.extend(plan_stages(stored, &key.id, limits));
            }
            keys.insert(
                value.as_str().into(),
                Arc::new(ClientKey {
                    id: key.id.as_str().into(),
                    value: value.as_str().into(),
                    enabled: key.enabled,
                    stages,
                }),
            );
        }
        ClientLimits {
            account: limits.bucket("account", throttle(rate, burst)),
            clock: Arc::clone(limits.clock()),
            keys,
        }
    }

    /// The key with this value.
    pub fn key(&self, value: &str) -> Option<&Arc<ClientKey>> {
        self.keys.get(value)
    }
}

fn plan_stages(stored: &StoredUsagePlan, key_id: &str, limits: &Limits) -> Vec<PlanStage> {
    let plan = &stored.plan;
    let client: Option<Arc<dyn Bucket>> = plan.throttle.and_then(settings_throttle).map(|t| {
        let bucket: Arc<dyn Bucket> = limits.bucket(&format!("plan:{}/{key_id}", plan.id), t);
        bucket
    });
    let quota = quota_of(stored);
    let usage = limits.usage(&plan.id, key_id);
    plan.api_stages
        .iter()
        .filter_map(|api_stage| {
            let api_id = api_stage.api_id.as_deref()?;
            let stage = api_stage.stage.as_deref()?;
            let methods = api_stage
                .throttle
                .iter()
                .flatten()
                .filter_map(|(method_key, settings)| {
                    let throttle = settings_throttle(*settings)?;
                    let id = format!("plan:{}/{key_id}/{api_id}/{stage}{method_key}", plan.id);
                    let bucket: Arc<dyn Bucket> = limits.bucket(&id, throttle);
                    Some((method_key.as_str().into(), bucket))
                })
                .collect();
            Some(PlanStage {
                api_id: api_id.into(),
                stage: stage.into(),
                plan_id: plan.id.as_str().into(),
                client: client.clone(),
                methods,
                quota,
                usage: Arc::clone(&usage),
            })
        })
        .collect()
}

/// A plan's quota in limiter terms (absent when the plan has none or it is incomplete).
pub fn quota_of(stored: &StoredUsagePlan) -> Option<Quota> {
    let quota = stored.plan.quota?;
    Some(Quota {
        limit: u64::try_from(quota.limit?).ok()?,
        offset: quota
            .offset
            .and_then(|o| u64::try_from(o).ok())
            .unwrap_or(0),
        period: match quota.period? {
            QuotaPeriod::Day => Period::Day,
            QuotaPeriod::Week => Period::Week,
            QuotaPeriod::Month => Period::Month,
        },
        set_at: stored.quota_set_at,
    })
}

// === impl ClientKey ===

impl ClientKey {
    /// The key's admission to `api_id`/`stage`, if a plan of the key covers it.
    pub fn stage(&self, api_id: &str, stage: &str) -> Option<&PlanStage> {
        self.stages
            .iter()
            .find(|s| &*s.api_id == api_id && &*s.stage == stage)
    }
}

// === impl PlanStage ===

impl PlanStage {
    /// The per-key bucket for a method (`/{resourcePath}/{METHOD}`): its own, else the plan's.
    pub fn bucket_for(&self, method_key: &str) -> Option<&Arc<dyn Bucket>> {
        self.methods
            .iter()
            .find(|(key, _)| &**key == method_key)
            .map(|(_, bucket)| bucket)
            .or(self.client.as_ref())
    }
}

fn settings_throttle(settings: ThrottleSettings) -> Option<Throttle> {
    if settings.rate_limit.is_none() && settings.burst_limit.is_none() {
        return None;
    }
    // A plan that sets only one member leaves the other unbounded in practice.
    Some(throttle(
        settings.rate_limit.unwrap_or(f64::from(u32::MAX)),
        settings.burst_limit.unwrap_or(i64::from(u32::MAX)),
    ))
}

fn throttle(rate: f64, burst: i64) -> Throttle {
    Throttle {
        rate: rate.max(0.0),
        burst: u64::try_from(burst).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, value: &str, enabled: bool) -> ApiKey {
        serde_json::from_value(serde_json::json!({
            "id": id, "value": value, "enabled": enabled, "createdDate": 0, "lastUpdatedDate": 0
        }))
        .unwrap()
    }

    fn plan() -> StoredUsagePlan {
        serde_json::from_value(serde_json::json!({
            "id": "p1", "name": "gold",
            "apiStages": [
                {"apiId": "a", "stage": "dev", "throttle": {"/pets/GET": {"rateLimit": 1.0, "burstLimit": 1}}},
                {"apiId": "a", "stage": "prod"}
            ],
            "throttle": {"rateLimit": 100.0, "burstLimit": 2},
            "quota": {"limit": 5, "period": "DAY"},
            "quotaSetAt": 0
        }))
        .unwrap()
    }

    #[test]
    fn keys_resolve_to_their_plan_stages_and_buckets() {
        let limits = Limits::default();
        let keys = [
            key("k1", "value-one-0123456789", true),
            key("k2", "value-two-0123456789", false),
        ];
        let memberships = [("p1".to_owned(), "k1".to_owned())];
        let index = ClientLimits::compile(
            &ClientLimitsInput {
                keys: &keys,
                plans: &[plan()],
                plan_keys: &memberships,
                account: &AccountSettings::default(),
            },
            &limits,
        );
        let k1 = index.key("value-one-0123456789").unwrap();
        assert!(k1.enabled);
        let dev = k1.stage("a", "dev").unwrap();
        assert_eq!(dev.quota.unwrap().limit, 5);
        let method = dev.bucket_for("/pets/GET").unwrap();
        assert!(
            method.try_acquire(1) && !method.try_acquire(1),
            "method bucket: burst 1"
        );
        let plan_bucket = dev.bucket_for("/pets/POST").unwrap();
        assert!(
            plan_bucket.try_acquire(1) && plan_bucket.try_acquire(1) && !plan_bucket.try_acquire(1)
        );
        let prod = k1.stage("a", "prod").unwrap();
        assert!(
            !prod.bucket_for("/x/GET").unwrap().try_acquire(1),
            "the per-key bucket is shared across stages"
        );
        assert!(Arc::ptr_eq(&dev.usage, &prod.usage));
        assert!(k1.stage("b", "dev").is_none());
        assert!(index.key("value-two-0123456789").unwrap().stages.is_empty());
        assert!(index.key("nope").is_none());
    }
}
