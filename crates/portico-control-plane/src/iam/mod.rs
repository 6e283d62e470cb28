//! IAM's Query API (botocore service model `iam` 2010-05-08) on the admin listener: users,
//! access keys, inline user policies and customer managed policies, so that boto3's `iam`
//! client and `aws iam` manage who may sign requests.
//!
//! `POST /` with a form body naming the `Action`; every operation first authorizes the caller
//! (`iam:ACTION` on the user's or policy's ARN), then reads, changes and commits the records
//! with expectations, then rebuilds the access-key index ([`republish`]) that the SigV4
//! check reads.

mod access_keys;
pub mod error;
mod managed_policies;
mod query;
mod user_policies;
mod users;
pub mod xml;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use portico_model::iam::{
    self, AccessKeyStatus, IamError, ManagedPolicy, StoredUser, user_arn, user_key,
};
use portico_policy::{Policy, PolicyKind};
use portico_snapshot::{Identities, Identity, UserIdentity};
use portico_store::{Expect, StoreError, Versioned, typed};
use rand::RngCore;

use crate::auth::Caller;
use crate::definitions::MAX_ATTEMPTS;
use crate::wire::RequestId;
use crate::{ApiError, ControlPlane};
use error::IamApiError;
use query::Params;

/// The only API version IAM has.
pub const VERSION: &str = "2010-05-08";

/// One IAM request as the operations see it.
pub(crate) struct IamRequest<'a> {
    pub control_plane: &'a ControlPlane,
    pub caller: &'a Caller,
    pub params: &'a Params,
}

/// What an operation answers: the inside of its `<ActionResult>`, or `None` for operations
/// without output.
type Output = Result<Option<String>, IamApiError>;

/// `POST /`: runs the operation named by `Action` and renders its result or error as XML.
pub async fn dispatch(
    State(control_plane): State<ControlPlane>,
    Extension(caller): Extension<Caller>,
    Extension(request_id): Extension<RequestId>,
    body: Bytes,
) -> Response {
    let params = Params::parse(&body);
    let action = params.get("Action").unwrap_or_default().to_owned();
    let request = IamRequest {
        control_plane: &control_plane,
        caller: &caller,
        params: &params,
    };
    let result = match params.get("Version") {
        Some(version) if version != VERSION => Err(IamApiError::InvalidAction {
            action: action.clone(),
            version: version.to_owned(),
        }),
        _ => run(&action, &request).await,
    };
    match result {
        Ok(result) => xml::response(&action, result.as_deref(), &request_id.0),
        Err(err) => xml::error_response(&err, &request_id.0),
    }
}

/// Renders a refusal of the SigV4 middleware for an IAM request in IAM's XML.
pub fn authentication_error(err: &ApiError, request_id: Option<&RequestId>) -> Response {
    xml::error_response(
        &IamApiError::from_authentication(err),
        request_id.map_or("", |id| id.0.as_str()),
    )
}

/// Rebuilds the access-key index from the stored users and managed policies and publishes
/// it: the root key plus one identity per user access key, carrying the user's inline and
/// attached policies. Runs one at a time, each reading after the previous one published, so
/// a slow one never puts back an older index (a deleted key must stay deleted).
pub async fn republish(control_plane: &ControlPlane) -> Result<(), StoreError> {
    let _in_order = control_plane.identities_lock().lock().await;
    let store = control_plane.store();
    let managed: HashMap<String, Arc<Policy>> = typed::list_all::<ManagedPolicy>(store)
        .await?
        .into_iter()
        .filter_map(|(_, record)| {
            let policy = record.value;
            compile(&policy.arn, &policy.document).map(|compiled| (policy.arn, compiled))
        })
        .collect();
    let users = typed::list_all::<StoredUser>(store).await?;
    let mut identities = Vec::new();
    for (_, record) in &users {
        let stored = &record.value;
        let user = &stored.user;
        let policies: Vec<Arc<Policy>> = stored
            .inline_policies
            .iter()
            .filter_map(|(name, document)| {
                compile(&format!("{} inline policy {name}", user.arn), document)
            })
            .chain(
                stored
                    .attached_policies
                    .iter()
                    .filter_map(|arn| managed.get(arn).cloned()),
            )
            .collect();
        for key in &stored.access_keys {
            let identity = UserIdentity {
                name: &user.user_name,
                user_id: &user.user_id,
                arn: &user.arn,
                account: portico_model::ACCOUNT_ID,
                active: key.status == AccessKeyStatus::Active,
                policies: &policies,
                tags: &user.tags,
            };
            identities.push(Identity::user(
                identity,
                &key.access_key_id,
                &key.secret_access_key,
            ));
        }
    }
    // Last, so that no user key can shadow the root key.
    let credentials = control_plane.credentials();
    identities.push(Identity::root(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        portico_model::ACCOUNT_ID,
    ));
    control_plane
        .live()
        .publish_identities(Identities::new(identities));
    Ok(())
}

async fn run(action: &str, request: &IamRequest<'_>) -> Output {
    match action {
        "CreateUser" => users::create_user(request).await,
        "GetUser" => users::get_user(request).await,
        "ListUsers" => users::list_users(request).await,
        "DeleteUser" => users::delete_user(request).await,
        "TagUser" => users::tag_user(request).await,
        "UntagUser" => users::untag_user(request).await,
        "ListUserTags" => users::list_user_tags(request).await,
        "CreateAccessKey" => access_keys::create_access_key(request).await,
        "ListAccessKeys" => access_keys::list_access_keys(request).await,
        "UpdateAccessKey" => access_keys::update_access_key(request).await,
        "DeleteAccessKey" => access_keys::delete_access_key(request).await,
        "PutUserPolicy" => user_policies::put_user_policy(request).await,
        "GetUserPolicy" => user_policies::get_user_policy(request).await,
        "ListUserPolicies" => user_policies::list_user_policies(request).await,
        "DeleteUserPolicy" => user_policies::delete_user_policy(request).await,
        "CreatePolicy" => managed_policies::create_policy(request).await,
        "GetPolicy" => managed_policies::get_policy(request).await,
        "GetPolicyVersion" => managed_policies::get_policy_version(request).await,
        "ListPolicies" => managed_policies::list_policies(request).await,
        "DeletePolicy" => managed_policies::delete_policy(request).await,
        "AttachUserPolicy" => managed_policies::attach_user_policy(request).await,
        "DetachUserPolicy" => managed_policies::detach_user_policy(request).await,
        "ListAttachedUserPolicies" => managed_policies::list_attached_user_policies(request).await,
        other => Err(IamApiError::InvalidAction {
            action: other.to_owned(),
            version: VERSION.to_owned(),
        }),
    }
}

/// Compiles a stored policy document; one that no longer parses (it was validated on write)
/// is left out, which can only take permissions away.
fn compile(source: &str, document: &str) -> Option<Arc<Policy>> {
    match Policy::parse(document, PolicyKind::Identity) {
        Ok(policy) => Some(Arc::new(policy)),
        Err(err) => {
            tracing::warn!(policy = source, error = %err, "stored IAM policy does not parse; skipped");
            None
        }
    }
}

// === impl IamRequest ===

impl IamRequest<'_> {
    /// Fails with `AccessDenied` unless the caller may perform `action` on `resource`.
    pub(crate) fn authorize(&self, action: &str, resource: &str) -> Result<(), IamApiError> {
        Ok(self.caller.authorize(action, resource)?)
    }

    /// The required `UserName` parameter of an operation on an existing user.
    pub(crate) fn user_name(&self) -> Result<&str, IamApiError> {
        let name = self.params.required("UserName", "userName")?;
        iam::check_name("userName", name, 128)?;
        Ok(name)
    }

    /// The `UserName` parameter, or the calling user's own name when it is absent
    /// (`None` when the caller is root, which has no user record).
    pub(crate) fn user_name_or_caller(&self) -> Result<Option<&str>, IamApiError> {
        match self.params.get("UserName") {
            Some(name) => {
                iam::check_name("userName", name, 128)?;
                Ok(Some(name))
            }
            None => Ok(self.caller.identity.user_name()),
        }
    }

    /// Loads the user `name` (if it exists) and authorizes `action` on its ARN; a missing
    /// user is authorized against the ARN it would have at path `/`, then reported missing.
    pub(crate) async fn authorize_user(
        &self,
        action: &str,
        name: &str,
    ) -> Result<Versioned<StoredUser>, IamApiError> {
        let found =
            typed::get::<StoredUser>(self.control_plane.store(), "", &user_key(name)).await?;
        let arn = found.as_ref().map_or_else(
            || user_arn("/", name),
            |record| record.value.user.arn.clone(),
        );
        self.authorize(action, &arn)?;
        found.ok_or_else(|| IamError::no_such_user(name).into())
    }
}

/// Applies `change` to the user `name` and commits it if nobody changed the user meanwhile
/// (otherwise re-reads and retries), then republishes the access-key index. `change` may run
/// more than once.
pub(crate) async fn update_user<R>(
    control_plane: &ControlPlane,
    name: &str,
    mut change: impl FnMut(&mut StoredUser) -> Result<R, IamError>,
) -> Result<R, IamApiError> {
    let key = user_key(name);
    for _ in 0..MAX_ATTEMPTS {
        let current = typed::get::<StoredUser>(control_plane.store(), "", &key)
            .await?
            .ok_or_else(|| IamError::no_such_user(name))?;
        let mut user = current.value;
        let result = change(&mut user)?;
        let write = typed::put("", &key, &user, Expect::Version(current.version))?;
        match control_plane.store().commit(vec![write]).await {
            Ok(()) => {
                republish(control_plane).await?;
                return Ok(result);
            }
            Err(StoreError::Conflict(_)) => tokio::task::yield_now().await,
            Err(err) => return Err(err.into()),
        }
    }
    Err(IamApiError::ConcurrentModification)
}

/// Commits `writes` and republishes; a conflict is handed back for the caller to retry.
pub(crate) async fn commit(
    control_plane: &ControlPlane,
    writes: Vec<portico_store::Write>,
) -> Result<(), StoreError> {
    control_plane.store().commit(writes).await?;
    republish(control_plane).await
}

/// Fresh random bytes for ids and secrets.
pub(crate) fn random_bytes() -> [u8; 64] {
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// Every stored user, ordered by (lowercased) name.
pub(crate) async fn all_users(
    control_plane: &ControlPlane,
) -> Result<Vec<Versioned<StoredUser>>, IamApiError> {
    Ok(typed::list::<StoredUser>(control_plane.store(), "", Default::default()).await?)
}
