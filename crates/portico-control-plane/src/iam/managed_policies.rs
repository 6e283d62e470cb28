//! Customer managed policies and their attachment to users: CreatePolicy, GetPolicy,
//! GetPolicyVersion, ListPolicies, DeletePolicy, AttachUserPolicy, DetachUserPolicy,
//! ListAttachedUserPolicies.
//!
//! Attaching bumps the policy's record, so a DeletePolicy that checked "attached nowhere"
//! before a concurrent attach fails its expectation, retries and sees the attachment.

use portico_model::iam::{
    self, CreatePolicyInput, IamError, ManagedPolicy, Page, StoredUser, policy_arn, policy_key,
    policy_name_from_arn, unique_id, user_key,
};
use portico_store::{Expect, StoreError, Versioned, Write, typed};

use super::xml::{self, Xml};
use super::{IamApiError, IamRequest, Output, all_users, commit, random_bytes, update_user};
use crate::definitions::MAX_ATTEMPTS;
use crate::wire::{iso8601, now};

/// CreatePolicy: names are unique in the account regardless of case and path.
pub(super) async fn create_policy(request: &IamRequest<'_>) -> Output {
    let params = request.params;
    let name = params.required("PolicyName", "policyName")?;
    let input = CreatePolicyInput {
        policy_name: name.to_owned(),
        path: params.get("Path").map(str::to_owned),
        document: params
            .required("PolicyDocument", "policyDocument")?
            .to_owned(),
        description: params.get("Description").map(str::to_owned),
        tags: params.tags("Tags")?,
    };
    let arn = policy_arn(input.path.as_deref().unwrap_or("/"), name);
    request.authorize("iam:CreatePolicy", &arn)?;
    let policy = ManagedPolicy::create(input, unique_id("ANPA", &random_bytes()), now())?;
    let write = typed::put("", &policy_key(name), &policy, Expect::Absent)?;
    match commit(request.control_plane, vec![write]).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(IamError::EntityAlreadyExists(format!(
                "A policy called {name} already exists. Duplicate names are not allowed."
            ))
            .into());
        }
        Err(err) => return Err(err.into()),
    }
    let mut result = Xml::default();
    result.element("Policy", |xml| xml::policy_fields(xml, &policy, 0));
    Ok(Some(result.into_string()))
}

/// GetPolicy, with its current `AttachmentCount`.
pub(super) async fn get_policy(request: &IamRequest<'_>) -> Output {
    let arn = request.params.required("PolicyArn", "policyArn")?;
    request.authorize("iam:GetPolicy", arn)?;
    let policy = load_policy(request, arn).await?.value;
    let users = all_users(request.control_plane).await?;
    let count = policy.attachment_count(users.iter().map(|record| &record.value));
    let mut result = Xml::default();
    result.element("Policy", |xml| xml::policy_fields(xml, &policy, count));
    Ok(Some(result.into_string()))
}

/// GetPolicyVersion: `v1` is the only version.
pub(super) async fn get_policy_version(request: &IamRequest<'_>) -> Output {
    let arn = request.params.required("PolicyArn", "policyArn")?;
    let version_id = request.params.required("VersionId", "versionId")?;
    request.authorize("iam:GetPolicyVersion", arn)?;
    let policy = load_policy(request, arn).await?.value;
    let document = policy.version(version_id)?;
    let mut result = Xml::default();
    result.element("PolicyVersion", |xml| {
        xml.text("Document", &xml::encode_document(document))
            .text("VersionId", version_id)
            .text("IsDefaultVersion", "true")
            .text("CreateDate", &iso8601(policy.create_date));
    });
    Ok(Some(result.into_string()))
}

/// ListPolicies: only customer managed policies exist (`Scope=AWS` lists none).
pub(super) async fn list_policies(request: &IamRequest<'_>) -> Output {
    let params = request.params;
    let scope = params.get("Scope").unwrap_or("All");
    if !["All", "AWS", "Local"].contains(&scope) {
        return Err(enum_violation("scope", scope, "[All, AWS, Local]").into());
    }
    let usage = params.get("PolicyUsageFilter");
    if let Some(usage) = usage
        && !["PermissionsPolicy", "PermissionsBoundary"].contains(&usage)
    {
        return Err(enum_violation(
            "policyUsageFilter",
            usage,
            "[PermissionsPolicy, PermissionsBoundary]",
        )
        .into());
    }
    let only_attached = params
        .get("OnlyAttached")
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let prefix = params.get("PathPrefix").unwrap_or("/");
    iam::check_policy_path("pathPrefix", prefix)?;
    let (max_items, marker) = params.paging()?;
    request.authorize("iam:ListPolicies", &policy_arn("/", ""))?;
    let users = all_users(request.control_plane).await?;
    let listed = scope != "AWS" && usage != Some("PermissionsBoundary");
    let policies = if listed {
        typed::list::<ManagedPolicy>(request.control_plane.store(), "", Default::default()).await?
    } else {
        Vec::new()
    };
    let items = policies
        .into_iter()
        .map(|record| {
            let policy = record.value;
            let count = policy.attachment_count(users.iter().map(|record| &record.value));
            (policy_key(&policy.policy_name), (policy, count))
        })
        .filter(|(_, (policy, count))| {
            policy.path.starts_with(prefix) && (!only_attached || *count > 0)
        })
        .collect();
    let page = Page::of(items, marker, max_items);
    let mut result = Xml::default();
    result
        .members("Policies", &page.items, |xml, (policy, count)| {
            xml::policy_fields(xml, policy, *count);
        })
        .page_end(page.marker.as_deref());
    Ok(Some(result.into_string()))
}

/// DeletePolicy: only once it is attached to no user.
pub(super) async fn delete_policy(request: &IamRequest<'_>) -> Output {
    let arn = request.params.required("PolicyArn", "policyArn")?;
    request.authorize("iam:DeletePolicy", arn)?;
    for _ in 0..MAX_ATTEMPTS {
        let policy = load_policy(request, arn).await?;
        let users = all_users(request.control_plane).await?;
        if policy
            .value
            .attachment_count(users.iter().map(|record| &record.value))
            > 0
        {
            return Err(IamError::DeleteConflict(
                "Cannot delete a policy attached to entities.".into(),
            )
            .into());
        }
        let write = Write::Delete {
            key: typed::key::<ManagedPolicy>("", &policy_key(&policy.value.policy_name)),
            expect: Expect::Version(policy.version),
        };
        match commit(request.control_plane, vec![write]).await {
            Ok(()) => return Ok(None),
            Err(StoreError::Conflict(_)) => tokio::task::yield_now().await,
            Err(err) => return Err(err.into()),
        }
    }
    Err(IamApiError::ConcurrentModification)
}

/// AttachUserPolicy: at most ten per user; attaching twice changes nothing.
pub(super) async fn attach_user_policy(request: &IamRequest<'_>) -> Output {
    let name = request.params.required("UserName", "userName")?;
    iam::check_user_name("userName", name)?;
    let arn = request.params.required("PolicyArn", "policyArn")?;
    request.authorize_user("iam:AttachUserPolicy", name).await?;
    let control_plane = request.control_plane;
    for _ in 0..MAX_ATTEMPTS {
        let policy = load_policy(request, arn).await.map_err(|err| match err {
            IamApiError::Model(IamError::NoSuchEntity(_)) => {
                IamError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
                    .into()
            }
            other => other,
        })?;
        let key = user_key(name);
        let user = typed::get::<StoredUser>(control_plane.store(), "", &key)
            .await?
            .ok_or_else(|| IamError::no_such_user(name))?;
        let mut stored = user.value;
        stored.attach_policy(arn)?;
        let writes = vec![
            typed::put("", &key, &stored, Expect::Version(user.version))?,
            Write::Touch {
                key: typed::key::<ManagedPolicy>("", &policy_key(&policy.value.policy_name)),
                expect: Expect::Version(policy.version),
            },
        ];
        match commit(control_plane, writes).await {
            Ok(()) => return Ok(None),
            Err(StoreError::Conflict(_)) => tokio::task::yield_now().await,
            Err(err) => return Err(err.into()),
        }
    }
    Err(IamApiError::ConcurrentModification)
}

/// DetachUserPolicy.
pub(super) async fn detach_user_policy(request: &IamRequest<'_>) -> Output {
    let name = request.params.required("UserName", "userName")?;
    iam::check_user_name("userName", name)?;
    let arn = request.params.required("PolicyArn", "policyArn")?;
    policy_name_from_arn(arn)?;
    request.authorize_user("iam:DetachUserPolicy", name).await?;
    update_user(request.control_plane, name, |user| user.detach_policy(arn)).await?;
    Ok(None)
}

/// ListAttachedUserPolicies: `PathPrefix` filters on the policies' paths.
pub(super) async fn list_attached_user_policies(request: &IamRequest<'_>) -> Output {
    let name = request.params.required("UserName", "userName")?;
    iam::check_user_name("userName", name)?;
    let prefix = request.params.get("PathPrefix").unwrap_or("/");
    iam::check_policy_path("pathPrefix", prefix)?;
    let (max_items, marker) = request.params.paging()?;
    let stored = request
        .authorize_user("iam:ListAttachedUserPolicies", name)
        .await?
        .value;
    let mut attached: Vec<(String, (String, String))> = stored
        .attached_policies
        .into_iter()
        .filter_map(|arn| {
            let (path, policy_name) = arn_path_and_name(&arn)?;
            path.starts_with(prefix)
                .then(|| (arn.clone(), (policy_name.to_owned(), arn.clone())))
        })
        .collect();
    attached.sort_by(|a, b| a.0.cmp(&b.0));
    let page = Page::of(attached, marker, max_items);
    let mut result = Xml::default();
    result
        .members(
            "AttachedPolicies",
            &page.items,
            |xml, (policy_name, arn)| {
                xml.text("PolicyName", policy_name).text("PolicyArn", arn);
            },
        )
        .page_end(page.marker.as_deref());
    Ok(Some(result.into_string()))
}

/// The managed policy `arn` of this account, or AWS's NoSuchEntity.
async fn load_policy(
    request: &IamRequest<'_>,
    arn: &str,
) -> Result<Versioned<ManagedPolicy>, IamApiError> {
    let Some(name) = policy_name_from_arn(arn)? else {
        return Err(IamError::no_such_policy(arn).into());
    };
    typed::get::<ManagedPolicy>(request.control_plane.store(), "", &policy_key(name))
        .await?
        .filter(|record| record.value.arn == arn)
        .ok_or_else(|| IamError::no_such_policy(arn).into())
}

/// `("/path/", "Name")` of `arn:aws:iam::ACCOUNT:policy/path/Name`.
fn arn_path_and_name(arn: &str) -> Option<(&str, &str)> {
    let (_, resource) = arn.split_once(":policy")?;
    let split = resource.rfind('/')? + 1;
    Some((&resource[..split], &resource[split..]))
}

fn enum_violation(field: &str, value: &str, allowed: &str) -> IamError {
    IamError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy \
         constraint: Member must satisfy enum value set: {allowed}"
    ))
}
