//! Access key operations: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey.
//!
//! Without `UserName` they act on the caller's own user. The root key is given at start-up
//! (`--root-credentials`), so it is listed but cannot be created, changed or deleted here.
//! Secrets are returned once, by CreateAccessKey, and never logged.

use portico_model::iam::{
    AccessKey, AccessKeyStatus, IamError, Page, secret_from_random, unique_id,
};

use super::xml::{self, Xml};
use super::{IamRequest, Output, random_bytes, update_user};
use crate::wire::now;

/// CreateAccessKey: at most two per user.
pub(super) async fn create_access_key(request: &IamRequest<'_>) -> Output {
    let name = request
        .user_name_or_caller()?
        .ok_or_else(root_key_is_fixed)?;
    request.authorize_user("iam:CreateAccessKey", name).await?;
    let key = AccessKey::new(
        unique_id("AKIA", &random_bytes()),
        secret_from_random(&random_bytes()),
        now(),
    );
    let user_name = update_user(request.control_plane, name, |user| {
        user.add_access_key(key.clone())?;
        Ok(user.user.user_name.clone())
    })
    .await?;
    let mut result = Xml::default();
    xml::new_access_key(&mut result, &user_name, &key);
    Ok(Some(result.into_string()))
}

/// ListAccessKeys: the user's keys without secrets (root: the root key).
pub(super) async fn list_access_keys(request: &IamRequest<'_>) -> Output {
    let (max_items, marker) = request.params.paging()?;
    let mut result = Xml::default();
    let Some(name) = request.user_name_or_caller()? else {
        let identity = &request.caller.identity;
        request.authorize("iam:ListAccessKeys", &identity.arn)?;
        let root_key = &request.control_plane.credentials().access_key_id;
        result
            .members("AccessKeyMetadata", [root_key], |xml, id| {
                xml::access_key_metadata(xml, None, id, AccessKeyStatus::Active.as_str(), None);
            })
            .page_end(None);
        return Ok(Some(result.into_string()));
    };
    let stored = request
        .authorize_user("iam:ListAccessKeys", name)
        .await?
        .value;
    let mut keys: Vec<(String, AccessKey)> = stored
        .access_keys
        .into_iter()
        .map(|key| (key.access_key_id.clone(), key))
        .collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    let page = Page::of(keys, marker, max_items);
    let user_name = &stored.user.user_name;
    result
        .members("AccessKeyMetadata", &page.items, |xml, key| {
            xml::access_key_metadata(
                xml,
                Some(user_name),
                &key.access_key_id,
                key.status.as_str(),
                Some(key.create_date),
            );
        })
        .page_end(page.marker.as_deref());
    Ok(Some(result.into_string()))
}

/// UpdateAccessKey: `Status` Active or Inactive; an inactive key is refused at once.
pub(super) async fn update_access_key(request: &IamRequest<'_>) -> Output {
    let access_key_id = request.params.required("AccessKeyId", "accessKeyId")?;
    let status = AccessKeyStatus::parse("status", request.params.required("Status", "status")?)?;
    let name = request
        .user_name_or_caller()?
        .ok_or_else(root_key_is_fixed)?;
    request.authorize_user("iam:UpdateAccessKey", name).await?;
    update_user(request.control_plane, name, |user| {
        user.set_access_key_status(access_key_id, status)
    })
    .await?;
    Ok(None)
}

/// DeleteAccessKey.
pub(super) async fn delete_access_key(request: &IamRequest<'_>) -> Output {
    let access_key_id = request.params.required("AccessKeyId", "accessKeyId")?;
    let name = request
        .user_name_or_caller()?
        .ok_or_else(root_key_is_fixed)?;
    request.authorize_user("iam:DeleteAccessKey", name).await?;
    update_user(request.control_plane, name, |user| {
        user.delete_access_key(access_key_id)
    })
    .await?;
    Ok(None)
}

/// Root calls without `UserName`: the root key comes from the command line.
fn root_key_is_fixed() -> IamError {
    IamError::Validation(
        "Must specify userName when calling with non-User credentials: Portico's root access \
         key is set at start-up (--root-credentials)"
            .into(),
    )
}
