//! IAM users and what hangs off them: access keys, inline policies, attached managed policies.

use std::collections::BTreeMap;
use std::fmt;

use portico_policy::{ParseOptions, Policy, PolicyError, PolicyKind};
use serde::{Deserialize, Serialize};

use super::validate::{check_document, check_tags, merge_tags, remove_tags};
use super::{
    IamError, MAX_ACCESS_KEYS_PER_USER, MAX_ATTACHED_POLICIES_PER_USER,
    MAX_INLINE_POLICY_CHARS_PER_USER, Tag, check_path, check_policy_name, check_user_name,
    user_arn,
};

/// An IAM user (the `User` shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    /// As created; lookups ignore case.
    pub user_name: String,
    /// `AIDA` and 16 uppercase alphanumerics.
    pub user_id: String,
    /// `arn:aws:iam::ACCOUNT:user` + path + name.
    pub arn: String,
    /// `/` unless given.
    pub path: String,
    /// Epoch seconds.
    pub create_date: i64,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An access key of a user (the `AccessKey` shape). Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKey {
    /// `AKIA` and 16 uppercase alphanumerics.
    pub access_key_id: String,
    /// 40 characters; returned once, by CreateAccessKey.
    pub secret_access_key: String,
    pub status: AccessKeyStatus,
    /// Epoch seconds.
    pub create_date: i64,
}

/// Whether an access key may sign requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessKeyStatus {
    Active,
    Inactive,
}

/// The stored record of a user: the user and everything that belongs to it, so one
/// versioned write changes it atomically.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StoredUser {
    pub user: User,
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    /// Inline policy name → document as given.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, String>,
    /// ARNs of attached managed policies, in attachment order.
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

/// CreateUser's parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateUserInput {
    pub user_name: String,
    pub path: Option<String>,
    pub tags: Vec<Tag>,
}

// === impl AccessKeyStatus ===

impl AccessKeyStatus {
    /// The wire value (`Active`, `Inactive`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKeyStatus::Active => "Active",
            AccessKeyStatus::Inactive => "Inactive",
        }
    }

    /// Parses the `Status` parameter (`field` names it in the error).
    pub fn parse(field: &str, value: &str) -> Result<AccessKeyStatus, IamError> {
        match value {
            "Active" => Ok(AccessKeyStatus::Active),
            "Inactive" => Ok(AccessKeyStatus::Inactive),
            _ => Err(IamError::Validation(format!(
                "1 validation error detected: Value '{value}' at '{field}' failed to satisfy \
                 constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"
            ))),
        }
    }
}

// === impl AccessKey ===

impl AccessKey {
    /// A new active key.
    pub fn new(access_key_id: String, secret_access_key: String, now: i64) -> AccessKey {
        AccessKey {
            access_key_id,
            secret_access_key,
            status: AccessKeyStatus::Active,
            create_date: now,
        }
    }
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret never reaches a log.
        f.debug_struct("AccessKey")
            .field("access_key_id", &self.access_key_id)
            .field("status", &self.status)
            .field("create_date", &self.create_date)
            .finish_non_exhaustive()
    }
}

// === impl StoredUser ===

impl StoredUser {
    /// A new user from CreateUser's parameters.
    pub fn create(
        input: CreateUserInput,
        user_id: String,
        now: i64,
    ) -> Result<StoredUser, IamError> {
        check_user_name("userName", &input.user_name)?;
        let path = input.path.unwrap_or_else(|| "/".to_owned());
        check_path("path", &path)?;
        check_tags(&input.tags)?;
        let mut tags = BTreeMap::new();
        merge_tags(&mut tags, &input.tags)?;
        Ok(StoredUser {
            user: User {
                arn: user_arn(&path, &input.user_name),
                user_name: input.user_name,
                user_id,
                path,
                create_date: now,
                tags,
            },
            access_keys: Vec::new(),
            inline_policies: BTreeMap::new(),
            attached_policies: Vec::new(),
        })
    }

    /// TagUser: adds or replaces tags.
    pub fn tag(&mut self, tags: &[Tag]) -> Result<(), IamError> {
        merge_tags(&mut self.user.tags, tags)
    }

    /// UntagUser: removes tags; keys that are not there are ignored.
    pub fn untag(&mut self, keys: &[String]) {
        remove_tags(&mut self.user.tags, keys);
    }

    /// CreateAccessKey: at most two keys per user.
    pub fn add_access_key(&mut self, key: AccessKey) -> Result<(), IamError> {
        if self.access_keys.len() >= MAX_ACCESS_KEYS_PER_USER {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS_PER_USER}"
            )));
        }
        self.access_keys.push(key);
        Ok(())
    }

    /// UpdateAccessKey.
    pub fn set_access_key_status(
        &mut self,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), IamError> {
        let key = self
            .access_keys
            .iter_mut()
            .find(|key| key.access_key_id == access_key_id)
            .ok_or_else(|| no_such_access_key(access_key_id))?;
        key.status = status;
        Ok(())
    }

    /// DeleteAccessKey.
    pub fn delete_access_key(&mut self, access_key_id: &str) -> Result<(), IamError> {
        let before = self.access_keys.len();
        self.access_keys
            .retain(|key| key.access_key_id != access_key_id);
        if self.access_keys.len() == before {
            return Err(no_such_access_key(access_key_id));
        }
        Ok(())
    }

    /// PutUserPolicy: validates the document as an identity policy and keeps the user's
    /// inline policies within their aggregate size.
    pub fn put_inline_policy(&mut self, policy_name: &str, document: &str) -> Result<(), IamError> {
        check_policy_name("policyName", policy_name)?;
        check_document("policyDocument", document)?;
        let options = ParseOptions {
            kind: PolicyKind::Identity,
            // The aggregate limit below is the one IAM reports for inline policies.
            max_chars: usize::MAX,
        };
        Policy::parse_with(document, options).map_err(policy_error)?;
        let size: usize = self
            .inline_policies
            .iter()
            .filter(|(name, _)| name.as_str() != policy_name)
            .map(|(_, other)| other.as_str())
            .chain([document])
            .map(policy_size)
            .sum();
        if size > MAX_INLINE_POLICY_CHARS_PER_USER {
            return Err(IamError::LimitExceeded(format!(
                "Maximum policy size of {MAX_INLINE_POLICY_CHARS_PER_USER} bytes exceeded for \
                 user {}",
                self.user.user_name
            )));
        }
        self.inline_policies
            .insert(policy_name.to_owned(), document.to_owned());
        Ok(())
    }

    /// GetUserPolicy.
    pub fn inline_policy(&self, policy_name: &str) -> Result<&str, IamError> {
        self.inline_policies
            .get(policy_name)
            .map(String::as_str)
            .ok_or_else(|| no_such_inline_policy(policy_name))
    }

    /// DeleteUserPolicy.
    pub fn delete_inline_policy(&mut self, policy_name: &str) -> Result<(), IamError> {
        self.inline_policies
            .remove(policy_name)
            .map(drop)
            .ok_or_else(|| no_such_inline_policy(policy_name))
    }

    /// AttachUserPolicy of an existing managed policy; attaching twice changes nothing.
    pub fn attach_policy(&mut self, policy_arn: &str) -> Result<(), IamError> {
        if self.attached_policies.iter().any(|arn| arn == policy_arn) {
            return Ok(());
        }
        if self.attached_policies.len() >= MAX_ATTACHED_POLICIES_PER_USER {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for PoliciesPerUser: {MAX_ATTACHED_POLICIES_PER_USER}"
            )));
        }
        self.attached_policies.push(policy_arn.to_owned());
        Ok(())
    }

    /// DetachUserPolicy.
    pub fn detach_policy(&mut self, policy_arn: &str) -> Result<(), IamError> {
        let before = self.attached_policies.len();
        self.attached_policies.retain(|arn| arn != policy_arn);
        if self.attached_policies.len() == before {
            return Err(IamError::no_such_policy(policy_arn));
        }
        Ok(())
    }

    /// DeleteUser's precondition: no access keys, inline policies or attached policies.
    pub fn check_deletable(&self) -> Result<(), IamError> {
        let conflict = if !self.access_keys.is_empty() {
            "Cannot delete entity, must delete access keys first."
        } else if !self.inline_policies.is_empty() {
            "Cannot delete entity, must delete policies first."
        } else if !self.attached_policies.is_empty() {
            "Cannot delete entity, must detach all policies first."
        } else {
            return Ok(());
        };
        Err(IamError::DeleteConflict(conflict.to_owned()))
    }

    /// Whether a managed policy is attached to this user.
    pub fn has_attached(&self, policy_arn: &str) -> bool {
        self.attached_policies.iter().any(|arn| arn == policy_arn)
    }
}

/// A policy's size as IAM counts it: characters other than whitespace.
pub(super) fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// IAM's error for a document `portico-policy` refuses.
pub(super) fn policy_error(err: PolicyError) -> IamError {
    match err {
        PolicyError::Malformed { message } => IamError::MalformedPolicyDocument(message),
        too_large @ PolicyError::TooLarge { .. } => IamError::LimitExceeded(too_large.to_string()),
    }
}

fn no_such_access_key(access_key_id: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The Access Key with id {access_key_id} cannot be found."
    ))
}

fn no_such_inline_policy(policy_name: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The user policy with name {policy_name} cannot be found."
    ))
}
