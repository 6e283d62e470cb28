//! IAM identities as AWS's IAM API (2010-05-08) shapes them: users with their access keys,
//! inline policies and attached managed policies, and customer managed policies; their
//! validation with IAM's error codes and messages; and IAM's `Marker`/`MaxItems` paging.
//!
//! Wire-independent: the control plane parses the Query protocol and renders XML; this module
//! only decides. Ids, secrets and times are passed in.

mod policy;
mod user;
mod validate;

pub use policy::{CreatePolicyInput, ManagedPolicy, policy_name_from_arn};
pub use user::{AccessKey, AccessKeyStatus, CreateUserInput, StoredUser, User};
pub use validate::{
    check_max_items, check_name, check_path, check_path_prefix, check_policy_name,
    check_policy_path, check_user_name, missing,
};

/// Most access keys one user may have.
pub const MAX_ACCESS_KEYS_PER_USER: usize = 2;
/// Most managed policies attached to one user.
pub const MAX_ATTACHED_POLICIES_PER_USER: usize = 10;
/// Aggregate size of a user's inline policies, in non-whitespace characters.
pub const MAX_INLINE_POLICY_CHARS_PER_USER: usize = 2048;
/// Size of one managed policy document, in non-whitespace characters.
pub const MAX_MANAGED_POLICY_CHARS: usize = 6144;
/// Most tags on one user or policy.
pub const MAX_TAGS: usize = 50;
/// `MaxItems` when a list request gives none.
pub const DEFAULT_MAX_ITEMS: usize = 100;
/// The only policy version Portico keeps (no `CreatePolicyVersion` yet).
pub const DEFAULT_VERSION_ID: &str = "v1";

/// Length of the random part of user, policy and access key ids.
const UNIQUE_ID_RANDOM_LEN: usize = 16;
/// Length of a generated secret access key.
const SECRET_LEN: usize = 40;

/// Why IAM refuses a request, with the error code IAM reports and its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamError {
    /// `ValidationError` (400): a parameter breaks its modelled constraint.
    #[error("{0}")]
    Validation(String),
    /// `InvalidInput` (400): a parameter is well-formed but not acceptable.
    #[error("{0}")]
    InvalidInput(String),
    /// `NoSuchEntity` (404).
    #[error("{0}")]
    NoSuchEntity(String),
    /// `EntityAlreadyExists` (409).
    #[error("{0}")]
    EntityAlreadyExists(String),
    /// `DeleteConflict` (409): the entity still has subordinate entities.
    #[error("{0}")]
    DeleteConflict(String),
    /// `LimitExceeded` (409): a quota would be exceeded.
    #[error("{0}")]
    LimitExceeded(String),
    /// `MalformedPolicyDocument` (400).
    #[error("{0}")]
    MalformedPolicyDocument(String),
}

/// A tag as the IAM API lists it; tag keys are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// One page of a listing: the items and, when more follow, the marker that continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `Some` exactly when the listing is truncated (`IsTruncated`).
    pub marker: Option<String>,
}

// === impl IamError ===

impl IamError {
    /// The `Code` IAM puts in its error response.
    pub fn code(&self) -> &'static str {
        match self {
            IamError::Validation(_) => "ValidationError",
            IamError::InvalidInput(_) => "InvalidInput",
            IamError::NoSuchEntity(_) => "NoSuchEntity",
            IamError::EntityAlreadyExists(_) => "EntityAlreadyExists",
            IamError::DeleteConflict(_) => "DeleteConflict",
            IamError::LimitExceeded(_) => "LimitExceeded",
            IamError::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
        }
    }

    /// AWS's NoSuchEntity for an unknown user.
    pub fn no_such_user(name: &str) -> IamError {
        IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
    }

    /// AWS's NoSuchEntity for an unknown managed policy.
    pub fn no_such_policy(arn: &str) -> IamError {
        IamError::NoSuchEntity(format!("Policy {arn} was not found."))
    }
}

// === impl Page ===

impl<T> Page<T> {
    /// Pages `items`, which are sorted by their key (the first element): the page starts
    /// after `marker` (a key returned by an earlier page) and holds at most `max_items`.
    pub fn of(items: Vec<(String, T)>, marker: Option<&str>, max_items: usize) -> Page<T> {
        let mut rest = items
            .into_iter()
            .filter(|(key, _)| marker.is_none_or(|marker| key.as_str() > marker))
            .peekable();
        let mut page = Vec::new();
        let mut last_key = None;
        while page.len() < max_items {
            let Some((key, item)) = rest.next() else {
                break;
            };
            page.push(item);
            last_key = Some(key);
        }
        let marker = rest.peek().and(last_key);
        Page {
            items: page,
            marker,
        }
    }
}

/// The store key of a user: IAM user names are unique regardless of case.
pub fn user_key(user_name: &str) -> String {
    user_name.to_lowercase()
}

/// The store key of a managed policy: names are unique in the account regardless of case.
pub fn policy_key(policy_name: &str) -> String {
    policy_name.to_lowercase()
}

/// `arn:aws:iam::ACCOUNT:user/PATH/NAME`.
pub fn user_arn(path: &str, user_name: &str) -> String {
    format!("arn:aws:iam::{}:user{path}{user_name}", crate::ACCOUNT_ID)
}

/// `arn:aws:iam::ACCOUNT:policy/PATH/NAME`.
pub fn policy_arn(path: &str, policy_name: &str) -> String {
    format!(
        "arn:aws:iam::{}:policy{path}{policy_name}",
        crate::ACCOUNT_ID
    )
}

/// An IAM unique id: `prefix` (`AIDA` users, `ANPA` policies, `AKIA` access keys) and 16
/// uppercase letters and digits drawn from the caller's random bytes.
pub fn unique_id(prefix: &str, random: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut id = String::with_capacity(prefix.len() + UNIQUE_ID_RANDOM_LEN);
    id.push_str(prefix);
    id.extend(
        random
            .iter()
            .take(UNIQUE_ID_RANDOM_LEN)
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])),
    );
    id
}

/// A secret access key: 40 characters of `[A-Za-z0-9+/]` from the caller's random bytes.
pub fn secret_from_random(random: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    random
        .iter()
        .take(SECRET_LEN)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

#[cfg(test)]
mod tests;
