//! Usage: the flusher that persists per-key request counts, and the `GetUsage` and
//! `UpdateUsage` operations that read and adjust them.
//!
//! The data plane counts in memory ([`portico_limits::UsageCounter`]); [`flush_all`] runs at
//! least once a second and on shutdown, adding what was counted since the last flush to the
//! key's day in the store. A crash loses at most the requests of the last second; a failed
//! write gives its counts back to the counter for the next flush.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_limits::UsageCounter;
use portico_limits::quota::{date_of, parse_date, period_start};
use portico_model::patch::{PatchOp, UpdateInput};
use portico_model::usage_plan::{StoredUsagePlan, UsagePlanKeyRecord, UsageRecord};
use portico_model::wire::parse_input;
use portico_snapshot::clients::quota_of;
use portico_store::{Expect, StoreError, Write, typed};
use serde::Serialize;

use crate::wire::{QueryParams, json_response};
use crate::{ApiError, ControlPlane};

/// How often counts reach the store.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// Longest range `GetUsage` reports, in days (AWS allows 90).
const MAX_USAGE_DAYS: i64 = 90;

const DAY: i64 = 86_400;

/// How many days of per-day usage a record keeps (GetUsage reports up to 90 at a time).
const RETAINED_DAYS: i64 = 366;

/// `GetUsage`'s answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Usage {
    usage_plan_id: String,
    start_date: String,
    end_date: String,
    values: BTreeMap<String, Vec<[u64; 2]>>,
}

/// Runs [`flush_all`] every [`FLUSH_INTERVAL`] until the task is dropped.
pub fn spawn_flusher(control_plane: ControlPlane) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(FLUSH_INTERVAL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(err) = flush_all(&control_plane).await {
                tracing::warn!(error = %err, "usage flush failed; counts kept for the next one");
            }
        }
    })
}

/// Writes every counter's new requests to the store.
pub async fn flush_all(control_plane: &ControlPlane) -> Result<(), StoreError> {
    flush_where(control_plane, |_| true).await
}

/// Writes the new requests of the counters whose plan id passes `selected`.
async fn flush_where(
    control_plane: &ControlPlane,
    selected: impl Fn(&str) -> bool,
) -> Result<(), StoreError> {
    let _one_at_a_time = control_plane.usage_flush_lock().lock().await;
    let mut result = Ok(());
    for ((plan_id, key_id), counter) in control_plane.limits().usage_counters() {
        if !selected(&plan_id) {
            continue;
        }
        if let Err(err) = flush_one(control_plane, &plan_id, &key_id, &counter, None).await {
            result = Err(err);
        }
    }
    result
}

/// Gives taken counts back to their counter unless the flush that took them committed —
/// also when the flush is cancelled halfway (a dropped request, shutdown).
struct Unflushed<'c> {
    counter: &'c UsageCounter,
    requests: u64,
    committed: bool,
}

impl Drop for Unflushed<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.counter.unflush(self.requests);
        }
    }
}

/// Writes one counter; `remaining` also records an `UpdateUsage` adjustment.
async fn flush_one(
    control_plane: &ControlPlane,
    plan_id: &str,
    key_id: &str,
    counter: &Arc<UsageCounter>,
    remaining: Option<u64>,
) -> Result<(), StoreError> {
    let delta = counter.take_unflushed();
    let mut taken = Unflushed {
        counter,
        requests: delta,
        committed: false,
    };
    if delta == 0 && remaining.is_none() {
        return Ok(());
    }
    let outcome = write_usage(control_plane, plan_id, key_id, counter, delta).await;
    match outcome {
        Ok(true) => {
            taken.committed = true;
            Ok(())
        }
        Ok(false) => {
            // The plan key is gone: its usage went with it.
            taken.committed = true;
            control_plane.limits().forget_usage(plan_id, key_id);
            Ok(())
        }
        Err(err) => Err(err),
    }
}

/// Adds `delta` requests to today and stores the quota position; false if the key is no
/// longer in the plan.
async fn write_usage(
    control_plane: &ControlPlane,
    plan_id: &str,
    key_id: &str,
    counter: &UsageCounter,
    delta: u64,
) -> Result<bool, StoreError> {
    let store = control_plane.store();
    loop {
        let plan = typed::get::<StoredUsagePlan>(store, "", plan_id).await?;
        let Some(plan) = plan else { return Ok(false) };
        let now = crate::wire::now();
        let existing = typed::get::<UsageRecord>(store, plan_id, key_id).await?;
        let (mut usage, expect) = match existing {
            Some(record) => (record.value, Expect::Version(record.version)),
            None => (UsageRecord::default(), Expect::Absent),
        };
        if delta > 0 {
            *usage.days.entry(date_of(now)).or_default() += delta;
        }
        // Days older than the retention window leave the record, so it stays small.
        let oldest = date_of(now - RETAINED_DAYS * DAY);
        usage.days.retain(|day, _| *day >= oldest);
        if let Some(quota) = quota_of(&plan.value) {
            usage.quota_period_start = period_start(now, quota.period);
            usage.quota_used = counter.used_signed(&quota, now);
        }
        let writes = vec![
            Write::Check {
                key: typed::key::<UsagePlanKeyRecord>(plan_id, key_id),
                expect: Expect::Present,
            },
            typed::put(plan_id, key_id, &usage, expect)?,
        ];
        match store.commit(writes).await {
            Ok(()) => return Ok(true),
            Err(StoreError::Conflict(key)) if key.kind == portico_store::Kind::UsagePlanKey => {
                return Ok(false);
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err),
        }
    }
}

/// `GET /usageplans/{usageplanId}/usage?startDate=&endDate=[&keyId=]`.
pub async fn get_usage(
    State(control_plane): State<ControlPlane>,
    Path(plan_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = QueryParams::parse(query.as_deref());
    let start = required_date(query.get("startDate"), "startDate")?;
    let end = required_date(query.get("endDate"), "endDate")?;
    if end < start {
        return Err(ApiError::BadRequest(
            "The end date must not be before the start date".into(),
        ));
    }
    if (end - start) / DAY >= MAX_USAGE_DAYS {
        return Err(ApiError::BadRequest(format!(
            "The usage data period cannot exceed {MAX_USAGE_DAYS} days"
        )));
    }
    let plan = load_plan(&control_plane, &plan_id).await?;
    // Report what was counted up to now, not up to the last flush.
    flush_where(&control_plane, |plan| plan == plan_id).await?;
    let store = control_plane.store();
    let key_ids: Vec<String> = match query.get("keyId") {
        Some(key_id) => vec![key_id.to_owned()],
        None => typed::list::<UsagePlanKeyRecord>(store, &plan_id, Default::default())
            .await?
            .into_iter()
            .map(|record| record.value.key_id)
            .collect(),
    };
    let quota = quota_of(&plan);
    let now = crate::wire::now();
    let mut values = BTreeMap::new();
    for key_id in key_ids {
        let usage = typed::get::<UsageRecord>(store, &plan_id, &key_id)
            .await?
            .map(|record| record.value)
            .unwrap_or_default();
        let counter = control_plane.limits().existing_usage(&plan_id, &key_id);
        let day_count = |day: i64| usage.days.get(&date_of(day)).copied().unwrap_or(0);
        let today = period_start(now, portico_limits::Period::Day);
        let days = (start..=end)
            .step_by(DAY as usize)
            .map(|day| {
                let used = day_count(day);
                let remaining = quota.as_ref().map_or(0, |quota| {
                    let period = period_start(day, quota.period);
                    if day >= today && period == period_start(now, quota.period) {
                        // Today (and days to come in this period): what is left now.
                        return counter.as_ref().map_or_else(
                            || {
                                quota
                                    .limit
                                    .saturating_sub(usage_in_period(quota, &usage, now))
                            },
                            |counter| counter.remaining(quota, now),
                        );
                    }
                    // A past day: what was left at its end.
                    let mut spent: u64 = (period..=day).step_by(DAY as usize).map(day_count).sum();
                    if period_start(quota.set_at, quota.period) == period {
                        spent += quota.offset;
                    }
                    quota.limit.saturating_sub(spent)
                });
                [used, remaining]
            })
            .collect();
        values.insert(key_id, days);
    }
    Ok(json_response(
        StatusCode::OK,
        &Usage {
            usage_plan_id: plan_id,
            start_date: date_of(start),
            end_date: date_of(end),
            values,
        },
    ))
}

/// `PATCH /usageplans/{usageplanId}/keys/{keyId}/usage`: `replace /remaining`.
pub async fn update_usage(
    State(control_plane): State<ControlPlane>,
    Path((plan_id, key_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateUsageInput", &body)?;
    let plan = load_plan(&control_plane, &plan_id).await?;
    let store = control_plane.store();
    if typed::get::<UsagePlanKeyRecord>(store, &plan_id, &key_id)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound(
            "Invalid Usage Plan Key identifier specified".into(),
        ));
    }
    let quota = quota_of(&plan).ok_or_else(|| {
        ApiError::BadRequest(format!("Usage plan {plan_id} does not have a quota"))
    })?;
    let mut remaining = None;
    for operation in input.patch_operations.unwrap_or_default() {
        match (operation.op, operation.path.as_deref()) {
            (Some(PatchOp::Replace), Some("/remaining")) => {
                let value = operation.value.as_deref().unwrap_or_default();
                remaining = Some(value.parse::<u64>().map_err(|_| {
                    ApiError::BadRequest(format!("Invalid remaining value: {value}"))
                })?);
            }
            (op, path) => {
                return Err(ApiError::BadRequest(format!(
                    "Invalid patch path '{}' specified for op '{}'. Must be one of: [/remaining]",
                    path.unwrap_or_default(),
                    op.map_or("", |op| op.as_str())
                )));
            }
        }
    }
    let now = crate::wire::now();
    let counter = control_plane.limits().usage(&plan_id, &key_id);
    {
        let _one_at_a_time = control_plane.usage_flush_lock().lock().await;
        if let Some(remaining) = remaining {
            counter.set_remaining(&quota, remaining, now);
        }
        flush_one(&control_plane, &plan_id, &key_id, &counter, remaining).await?;
    }
    let today = period_start(now, portico_limits::Period::Day);
    let usage = typed::get::<UsageRecord>(store, &plan_id, &key_id)
        .await?
        .map(|record| record.value)
        .unwrap_or_default();
    let used = usage.days.get(&date_of(today)).copied().unwrap_or(0);
    let left = counter.remaining(&quota, now);
    Ok(json_response(
        StatusCode::OK,
        &Usage {
            usage_plan_id: plan_id,
            start_date: date_of(today),
            end_date: date_of(today),
            values: BTreeMap::from([(key_id, vec![[used, left]])]),
        },
    ))
}

/// Quota used in the current period according to the store (no live counter).
fn usage_in_period(quota: &portico_limits::Quota, usage: &UsageRecord, now: i64) -> u64 {
    if usage.quota_period_start == period_start(now, quota.period) {
        u64::try_from(usage.quota_used).unwrap_or(0)
    } else {
        0
    }
}

async fn load_plan(
    control_plane: &ControlPlane,
    plan_id: &str,
) -> Result<StoredUsagePlan, ApiError> {
    typed::get::<StoredUsagePlan>(control_plane.store(), "", plan_id)
        .await?
        .map(|record| record.value)
        .ok_or_else(|| ApiError::NotFound("Invalid Usage Plan ID specified".into()))
}

fn required_date(value: Option<&str>, name: &str) -> Result<i64, ApiError> {
    let value = value.ok_or_else(|| {
        ApiError::BadRequest(format!(
            "{name} is required and must be of the form YYYY-MM-DD"
        ))
    })?;
    parse_date(value).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "Invalid {name} '{value}': must be of the form YYYY-MM-DD"
        ))
    })
}
