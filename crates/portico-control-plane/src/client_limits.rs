//! Rebuilds the data plane's view of API keys, usage plans and the account throttle after
//! every change to them, so that keys and plans take effect without a redeployment.

use portico_limits::{Limits, UsageCounter};
use portico_model::usage_plan::{
    AccountSettings, ApiKey, StoredUsagePlan, UsagePlanKeyRecord, UsageRecord,
};
use portico_snapshot::Live;
use portico_snapshot::clients::{ClientLimits, ClientLimitsInput};
use portico_store::{Kind, Store, StoreError, typed};

use crate::{ApiError, ControlPlane};

/// The id of the account settings record.
pub const ACCOUNT_RECORD_ID: &str = "account";

/// Reloads keys, plans, plan keys and account settings from the store and publishes them.
/// Republishes run one at a time, each reading after the previous one published, so a slow
/// one can never put back an index older than a change already published (a disabled key
/// must stay disabled).
pub(crate) async fn republish(control_plane: &ControlPlane) -> Result<(), ApiError> {
    let _in_order = control_plane.republish_lock().lock().await;
    publish_index(
        control_plane.store(),
        control_plane.live(),
        control_plane.limits(),
    )
    .await?;
    Ok(())
}

/// Start-up: resumes stored usage into counters, then publishes the index.
pub async fn load(store: &dyn Store, live: &Live, limits: &Limits) -> Result<(), StoreError> {
    for record in store.list_all(Kind::Usage).await? {
        let plan_id = record.key.scope.clone();
        let key_id = record.key.id.clone();
        let usage = typed::decode::<UsageRecord>(record)?.value;
        limits.resume_usage(
            &plan_id,
            &key_id,
            UsageCounter::resume(usage.quota_period_start, usage.quota_used),
        );
    }
    publish_index(store, live, limits).await
}

/// Reads keys, plans, plan keys and the account and publishes the index built from them.
async fn publish_index(store: &dyn Store, live: &Live, limits: &Limits) -> Result<(), StoreError> {
    let keys: Vec<ApiKey> = typed::list_all::<ApiKey>(store)
        .await?
        .into_iter()
        .map(|(_, record)| record.value)
        .collect();
    let plans: Vec<StoredUsagePlan> = typed::list_all::<StoredUsagePlan>(store)
        .await?
        .into_iter()
        .map(|(_, record)| record.value)
        .collect();
    let plan_keys: Vec<(String, String)> = typed::list_all::<UsagePlanKeyRecord>(store)
        .await?
        .into_iter()
        .map(|(plan_id, record)| (plan_id, record.value.key_id))
        .collect();
    let account = typed::get::<AccountSettings>(store, "", ACCOUNT_RECORD_ID)
        .await?
        .map(|record| record.value)
        .unwrap_or_default();
    let index = ClientLimits::compile(
        &ClientLimitsInput {
            keys: &keys,
            plans: &plans,
            plan_keys: &plan_keys,
            account: &account,
        },
        limits,
    );
    live.publish_clients(index);
    Ok(())
}
