//! User operations: CreateUser, GetUser, ListUsers, DeleteUser, TagUser, UntagUser,
//! ListUserTags.

use portico_model::iam::{
    self, CreateUserInput, IamError, Page, StoredUser, unique_id, user_arn, user_key,
};
use portico_store::{Expect, StoreError, Write, typed};

use super::xml::{self, Xml};
use super::{IamApiError, IamRequest, Output, all_users, commit, random_bytes, update_user};
use crate::definitions::MAX_ATTEMPTS;
use crate::wire::now;

/// CreateUser: names are unique regardless of case.
pub(super) async fn create_user(request: &IamRequest<'_>) -> Output {
    let params = request.params;
    let name = params.required("UserName", "userName")?;
    if params.get("PermissionsBoundary").is_some() {
        // Ignoring a boundary would grant more than the caller meant to.
        return Err(IamError::InvalidInput(
            "Permissions boundaries are not supported by Portico.".into(),
        )
        .into());
    }
    let input = CreateUserInput {
        user_name: name.to_owned(),
        path: params.get("Path").map(str::to_owned),
        tags: params.tags("Tags")?,
    };
    let arn = user_arn(input.path.as_deref().unwrap_or("/"), name);
    request.authorize("iam:CreateUser", &arn)?;
    let stored = StoredUser::create(input, unique_id("AIDA", &random_bytes()), now())?;
    let write = typed::put("", &user_key(name), &stored, Expect::Absent)?;
    match commit(request.control_plane, vec![write]).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(IamError::EntityAlreadyExists(format!(
                "User with name {name} already exists."
            ))
            .into());
        }
        Err(err) => return Err(err.into()),
    }
    let mut result = Xml::default();
    result.element("User", |xml| xml::user_fields(xml, &stored.user, true));
    Ok(Some(result.into_string()))
}

/// GetUser: without `UserName`, the caller itself (root is reported as AWS reports it).
pub(super) async fn get_user(request: &IamRequest<'_>) -> Output {
    let mut result = Xml::default();
    match request.user_name_or_caller()? {
        Some(name) => {
            let stored = request.authorize_user("iam:GetUser", name).await?.value;
            result.element("User", |xml| xml::user_fields(xml, &stored.user, true));
        }
        None => {
            let identity = &request.caller.identity;
            request.authorize("iam:GetUser", &identity.arn)?;
            result.element("User", |xml| {
                xml.text("UserId", &identity.user_id)
                    .text("Arn", &identity.arn)
                    .text("CreateDate", &crate::wire::iso8601(0));
            });
        }
    }
    Ok(Some(result.into_string()))
}

/// ListUsers: `PathPrefix` filter, `Marker`/`MaxItems` paging by name.
pub(super) async fn list_users(request: &IamRequest<'_>) -> Output {
    let prefix = request.params.get("PathPrefix").unwrap_or("/");
    iam::check_path_prefix("pathPrefix", prefix)?;
    let (max_items, marker) = request.params.paging()?;
    request.authorize("iam:ListUsers", &user_arn(prefix, ""))?;
    let users = all_users(request.control_plane)
        .await?
        .into_iter()
        .map(|record| record.value.user)
        .filter(|user| user.path.starts_with(prefix))
        .map(|user| (user_key(&user.user_name), user))
        .collect();
    let page = Page::of(users, marker, max_items);
    let mut result = Xml::default();
    result
        .members("Users", &page.items, |xml, user| {
            xml::user_fields(xml, user, false);
        })
        .page_end(page.marker.as_deref());
    Ok(Some(result.into_string()))
}

/// DeleteUser: only once its access keys and policies are gone.
pub(super) async fn delete_user(request: &IamRequest<'_>) -> Output {
    let name = request.user_name()?;
    request.authorize_user("iam:DeleteUser", name).await?;
    let key = user_key(name);
    for _ in 0..MAX_ATTEMPTS {
        let current = typed::get::<StoredUser>(request.control_plane.store(), "", &key)
            .await?
            .ok_or_else(|| IamError::no_such_user(name))?;
        current.value.check_deletable()?;
        let write = Write::Delete {
            key: typed::key::<StoredUser>("", &key),
            expect: Expect::Version(current.version),
        };
        match commit(request.control_plane, vec![write]).await {
            Ok(()) => return Ok(None),
            Err(StoreError::Conflict(_)) => tokio::task::yield_now().await,
            Err(err) => return Err(err.into()),
        }
    }
    Err(IamApiError::ConcurrentModification)
}

/// TagUser: adds or replaces tags (keys ignore case).
pub(super) async fn tag_user(request: &IamRequest<'_>) -> Output {
    let name = request.user_name()?;
    let tags = request.params.tags("Tags")?;
    request.authorize_user("iam:TagUser", name).await?;
    update_user(request.control_plane, name, |user| user.tag(&tags)).await?;
    Ok(None)
}

/// UntagUser: removes tags; unknown keys are ignored.
pub(super) async fn untag_user(request: &IamRequest<'_>) -> Output {
    let name = request.user_name()?;
    let keys = request.params.list("TagKeys");
    if keys.is_empty() {
        return Err(iam::missing("tagKeys").into());
    }
    request.authorize_user("iam:UntagUser", name).await?;
    update_user(request.control_plane, name, |user| {
        user.untag(&keys);
        Ok(())
    })
    .await?;
    Ok(None)
}

/// ListUserTags: paged by tag key.
pub(super) async fn list_user_tags(request: &IamRequest<'_>) -> Output {
    let name = request.user_name()?;
    let (max_items, marker) = request.params.paging()?;
    let stored = request
        .authorize_user("iam:ListUserTags", name)
        .await?
        .value;
    let tags = stored
        .user
        .tags
        .into_iter()
        .map(|(key, value)| (key.clone(), (key, value)))
        .collect();
    let page = Page::of(tags, marker, max_items);
    let mut result = Xml::default();
    result
        .members("Tags", &page.items, |xml, (key, value)| {
            xml.text("Key", key).text("Value", value);
        })
        .page_end(page.marker.as_deref());
    Ok(Some(result.into_string()))
}
