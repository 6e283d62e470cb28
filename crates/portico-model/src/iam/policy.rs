//! Customer managed policies (one version, `v1`) and their ARNs.

use std::collections::BTreeMap;

use portico_policy::{ParseOptions, Policy, PolicyKind};
use serde::{Deserialize, Serialize};

use super::user::policy_error;
use super::validate::{check_document, check_tags, merge_tags};
use super::{
    DEFAULT_VERSION_ID, IamError, MAX_MANAGED_POLICY_CHARS, StoredUser, Tag, check_policy_name,
    check_policy_path, policy_arn,
};

/// Longest policy description.
const MAX_DESCRIPTION_LEN: usize = 1000;

/// A customer managed policy (the `Policy` shape without the derived `AttachmentCount`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicy {
    pub policy_name: String,
    /// `ANPA` and 16 uppercase alphanumerics.
    pub policy_id: String,
    /// `arn:aws:iam::ACCOUNT:policy` + path + name.
    pub arn: String,
    pub path: String,
    /// Always `v1`: Portico keeps one version.
    pub default_version_id: String,
    /// The document as given.
    pub document: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Epoch seconds.
    pub create_date: i64,
    /// Epoch seconds.
    pub update_date: i64,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// CreatePolicy's parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatePolicyInput {
    pub policy_name: String,
    pub path: Option<String>,
    pub document: String,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

// === impl ManagedPolicy ===

impl ManagedPolicy {
    /// A new policy from CreatePolicy's parameters; the document must be a valid identity
    /// policy of at most 6144 non-whitespace characters.
    pub fn create(
        input: CreatePolicyInput,
        policy_id: String,
        now: i64,
    ) -> Result<ManagedPolicy, IamError> {
        check_policy_name("policyName", &input.policy_name)?;
        let path = input.path.unwrap_or_else(|| "/".to_owned());
        check_policy_path("path", &path)?;
        check_document("policyDocument", &input.document)?;
        if let Some(description) = &input.description
            && description.chars().count() > MAX_DESCRIPTION_LEN
        {
            return Err(IamError::Validation(format!(
                "1 validation error detected: Value '{description}' at 'description' failed to \
                 satisfy constraint: Member must have length less than or equal to \
                 {MAX_DESCRIPTION_LEN}"
            )));
        }
        check_tags(&input.tags)?;
        let options = ParseOptions {
            kind: PolicyKind::Identity,
            max_chars: MAX_MANAGED_POLICY_CHARS,
        };
        Policy::parse_with(&input.document, options).map_err(policy_error)?;
        let mut tags = BTreeMap::new();
        merge_tags(&mut tags, &input.tags)?;
        Ok(ManagedPolicy {
            arn: policy_arn(&path, &input.policy_name),
            policy_name: input.policy_name,
            policy_id,
            path,
            default_version_id: DEFAULT_VERSION_ID.to_owned(),
            document: input.document,
            description: input.description,
            create_date: now,
            update_date: now,
            tags,
        })
    }

    /// How many of `users` have this policy attached (`AttachmentCount`).
    pub fn attachment_count<'a>(&self, users: impl IntoIterator<Item = &'a StoredUser>) -> usize {
        users
            .into_iter()
            .filter(|user| user.has_attached(&self.arn))
            .count()
    }

    /// The version `version_id`, if this policy has it (`GetPolicyVersion`).
    pub fn version(&self, version_id: &str) -> Result<&str, IamError> {
        if version_id == self.default_version_id {
            Ok(&self.document)
        } else {
            Err(IamError::NoSuchEntity(format!(
                "Policy {} version {version_id} does not exist or is not attachable.",
                self.arn
            )))
        }
    }
}

/// The policy name in a customer managed policy ARN of this account
/// (`arn:aws:iam::ACCOUNT:policy/PATH/NAME`): `Ok(None)` for a well-formed ARN that cannot
/// name one of this account's policies (AWS managed, another account), `InvalidInput` for
/// something that is not a policy ARN.
pub fn policy_name_from_arn(arn: &str) -> Result<Option<&str>, IamError> {
    let invalid = || IamError::InvalidInput(format!("ARN {arn} is not valid."));
    let rest = arn.strip_prefix("arn:aws:iam::").ok_or_else(invalid)?;
    let (account, resource) = rest.split_once(':').ok_or_else(invalid)?;
    let path_and_name = resource.strip_prefix("policy/").ok_or_else(invalid)?;
    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    if name.is_empty() {
        return Err(invalid());
    }
    Ok((account == crate::ACCOUNT_ID).then_some(name))
}
