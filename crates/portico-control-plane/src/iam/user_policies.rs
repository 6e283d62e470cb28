//! Inline user policies: PutUserPolicy, GetUserPolicy, ListUserPolicies, DeleteUserPolicy.
//! Documents are kept as given and returned URL-encoded, as IAM returns them.

use portico_model::iam::{self, Page};

use super::xml::{self, Xml};
use super::{IamRequest, Output, update_user};

/// PutUserPolicy: creates or replaces; the document must be a valid identity policy and the
/// user's inline policies together stay within 2048 non-whitespace characters.
pub(super) async fn put_user_policy(request: &IamRequest<'_>) -> Output {
    let name = request.user_name()?;
    let policy_name = request.params.required("PolicyName", "policyName")?;
    let document = request
        .params
        .required("PolicyDocument", "policyDocument")?;
    request.authorize_user("iam:PutUserPolicy", name).await?;
    update_user(request.control_plane, name, |user| {
        user.put_inline_policy(policy_name, document)
    })
    .await?;
    Ok(None)
}

/// GetUserPolicy.
pub(super) async fn get_user_policy(request: &IamRequest<'_>) -> Output {
    let name = request.user_name()?;
    let policy_name = request.params.required("PolicyName", "policyName")?;
    iam::check_policy_name("policyName", policy_name)?;
    let stored = request
        .authorize_user("iam:GetUserPolicy", name)
        .await?
        .value;
    let document = stored.inline_policy(policy_name)?;
    let mut result = Xml::default();
    result
        .text("UserName", &stored.user.user_name)
        .text("PolicyName", policy_name)
        .text("PolicyDocument", &xml::encode_document(document));
    Ok(Some(result.into_string()))
}

/// ListUserPolicies: names, paged.
pub(super) async fn list_user_policies(request: &IamRequest<'_>) -> Output {
    let name = request.user_name()?;
    let (max_items, marker) = request.params.paging()?;
    let stored = request
        .authorize_user("iam:ListUserPolicies", name)
        .await?
        .value;
    let names = stored
        .inline_policies
        .into_keys()
        .map(|policy_name| (policy_name.clone(), policy_name))
        .collect();
    let page = Page::of(names, marker, max_items);
    let mut result = Xml::default();
    result
        .element("PolicyNames", |xml| {
            for policy_name in &page.items {
                xml.text("member", policy_name);
            }
        })
        .page_end(page.marker.as_deref());
    Ok(Some(result.into_string()))
}

/// DeleteUserPolicy.
pub(super) async fn delete_user_policy(request: &IamRequest<'_>) -> Output {
    let name = request.user_name()?;
    let policy_name = request.params.required("PolicyName", "policyName")?;
    request.authorize_user("iam:DeleteUserPolicy", name).await?;
    update_user(request.control_plane, name, |user| {
        user.delete_inline_policy(policy_name)
    })
    .await?;
    Ok(None)
}
