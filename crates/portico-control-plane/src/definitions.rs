//! Reading and changing an API definition with optimistic concurrency.

use portico_model::ApiDefinition;
use portico_store::{Expect, StoreError, Versioned, typed};

use crate::{ApiError, ControlPlane};

/// Attempts before a write that keeps losing races gives up with ConflictException.
pub(crate) const MAX_ATTEMPTS: usize = 16;

/// The definition of `api_id`, or AWS's NotFound.
pub(crate) async fn load(
    control_plane: &ControlPlane,
    api_id: &str,
) -> Result<Versioned<ApiDefinition>, ApiError> {
    typed::get::<ApiDefinition>(control_plane.store(), "", api_id)
        .await?
        .ok_or_else(|| ApiError::api_not_found(api_id))
}

/// Applies `change` to the current definition and stores it if nobody changed it meanwhile;
/// otherwise re-reads and retries. `change` may run more than once and must not have side
/// effects beyond the definition it is given.
pub(crate) async fn update<R>(
    control_plane: &ControlPlane,
    api_id: &str,
    mut change: impl FnMut(&mut ApiDefinition) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    for _ in 0..MAX_ATTEMPTS {
        let current = load(control_plane, api_id).await?;
        let mut definition = current.value;
        let result = change(&mut definition)?;
        let write = typed::put("", api_id, &definition, Expect::Version(current.version))?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => return Ok(result),
            Err(StoreError::Conflict(_)) => tokio::task::yield_now().await,
            Err(err) => return Err(err.into()),
        }
    }
    Err(ApiError::from(StoreError::Conflict(typed::key::<
        ApiDefinition,
    >("", api_id))))
}
