//! Account operations: GetAccount, UpdateAccount (with Portico's `/throttleSettings/*`
//! extension, which sets the account-wide throttle).

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use portico_model::patch::UpdateInput;
use portico_model::usage_plan::AccountSettings;
use portico_model::wire::parse_input;
use portico_store::{Expect, StoreError, typed};

use crate::client_limits;
use crate::definitions::MAX_ATTEMPTS;
use crate::wire::json_response;
use crate::{ApiError, ControlPlane};

/// The id of the one account record (scope `""`).
pub(crate) const ACCOUNT_RECORD_ID: &str = "account";

/// `GET /account`: AWS's defaults until something is changed.
pub async fn get_account(State(control_plane): State<ControlPlane>) -> Result<Response, ApiError> {
    let settings = typed::get::<AccountSettings>(control_plane.store(), "", ACCOUNT_RECORD_ID)
        .await?
        .map(|record| record.value)
        .unwrap_or_default();
    Ok(json_response(StatusCode::OK, &settings.to_account()))
}

/// `PATCH /account`.
pub async fn update_account(
    State(control_plane): State<ControlPlane>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: UpdateInput = parse_input("updateAccountInput", &body)?;
    let operations = input.patch_operations.unwrap_or_default();
    for _ in 0..MAX_ATTEMPTS {
        let current =
            typed::get::<AccountSettings>(control_plane.store(), "", ACCOUNT_RECORD_ID).await?;
        let expect = current
            .as_ref()
            .map_or(Expect::Absent, |record| Expect::Version(record.version));
        let settings = current.map(|record| record.value).unwrap_or_default();
        let updated = settings.patch(&operations)?;
        let write = typed::put("", ACCOUNT_RECORD_ID, &updated, expect)?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => {
                client_limits::republish(&control_plane).await?;
                return Ok(json_response(StatusCode::OK, &updated.to_account()));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(StoreError::Conflict(typed::key::<AccountSettings>("", ACCOUNT_RECORD_ID)).into())
}
