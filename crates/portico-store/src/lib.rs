//! The store: Portico's source of truth for everything the control plane writes.
//!
//! [`Store`] is a small versioned record store with atomic multi-record commits and
//! optimistic concurrency: callers read records with their versions, compute changes in pure
//! model code, and commit them with expectations; a failed expectation rejects the whole
//! commit with [`StoreError::Conflict`] and the caller retries. This shape fits an embedded
//! SQLite file as well as a PostgreSQL cluster without changing callers.
//!
//! The store never interprets record bodies; [`typed`] maps model types onto records. A
//! commit that returns `Ok` is durable. The control plane and the binary call it; the data
//! plane never does.

pub mod memory;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod typed;

use std::fmt;

use async_trait::async_trait;

pub use memory::MemoryStore;
pub use typed::{Document, Versioned};

/// Boxed error from a backend, kept for logs.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The kinds of record the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An API definition (`ApiDefinition`), scope `""`, id = RestApi id.
    RestApi,
    /// A deployment with its frozen definition, scope = RestApi id.
    Deployment,
    /// A stage, scope = RestApi id, id = stage name.
    Stage,
    /// An API key, scope `""`, id = key id.
    ApiKey,
    /// A usage plan (`StoredUsagePlan`), scope `""`, id = plan id.
    UsagePlan,
    /// A key's membership of a plan, scope = plan id, id = key id.
    UsagePlanKey,
    /// Account settings, scope `""`, id `account`.
    Account,
    /// Usage of a key under a plan (`UsageRecord`), scope = plan id, id = key id.
    Usage,
    /// An IAM user with its access keys and policies (`StoredUser`), scope `""`,
    /// id = lowercased user name (names are unique regardless of case).
    IamUser,
    /// A customer managed IAM policy (`ManagedPolicy`), scope `""`, id = lowercased name.
    IamPolicy,
    /// A Lambda function with its versions, aliases and policy (`StoredFunction`), scope
    /// `""`, id = function name.
    Function,
    /// A custom domain name with its base path mappings (`StoredDomainName`), scope `""`,
    /// id = domain name (lowercase).
    DomainName,
}

/// Identifies one record.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub kind: Kind,
    pub scope: String,
    pub id: String,
}

/// A stored record: its key, its version (1 on creation, +1 per put) and its JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub key: Key,
    pub version: u64,
    pub body: Vec<u8>,
}

/// What a write expects to find, checked atomically with the whole commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Whatever is there.
    Any,
    /// No record with this key.
    Absent,
    /// A record at exactly this version.
    Version(u64),
    /// Some record, at any version.
    Present,
}

/// One write of a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Create or replace a record.
    Put {
        key: Key,
        body: Vec<u8>,
        expect: Expect,
    },
    /// Delete a record (absent records are fine with `Expect::Any`).
    Delete { key: Key, expect: Expect },
    /// Delete every record of `kind` in `scope` (the children of a deleted parent).
    DeleteScope { kind: Kind, scope: String },
    /// Write nothing; only check the expectation (a parent that must still exist).
    Check { key: Key, expect: Expect },
    /// Bump the record's version without changing its body: commits that touch the same
    /// parent with version expectations are serialised against each other.
    Touch { key: Key, expect: Expect },
}

/// A page request for [`Store::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Range {
    /// Only ids strictly greater than this.
    pub after: Option<String>,
    /// At most this many records.
    pub limit: Option<usize>,
}

/// Errors a store reports.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An expectation of the commit did not hold; nothing was written.
    #[error("conflicting write on {0}")]
    Conflict(Key),
    /// A stored body could not be decoded into its type.
    #[error("corrupt record {key}: {reason}")]
    Corrupt { key: Key, reason: String },
    /// The backend failed (IO, connection, constraint); nothing was acknowledged.
    #[error("store unavailable")]
    Unavailable(#[source] BoxError),
}

/// Portico's source of truth. Every method is atomic; a successful `commit` is durable.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The record with `key`, if any.
    async fn get(&self, key: &Key) -> Result<Option<Record>, StoreError>;

    /// Records of `kind` in `scope`, ordered by id, within `range`.
    async fn list(&self, kind: Kind, scope: &str, range: Range) -> Result<Vec<Record>, StoreError>;

    /// Every record of `kind` in every scope, ordered by (scope, id); used at start-up.
    async fn list_all(&self, kind: Kind) -> Result<Vec<Record>, StoreError>;

    /// Applies all writes atomically, or none if any expectation fails.
    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError>;
}

// === impl Kind ===

impl Kind {
    /// Stable name used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RestApi => "restapi",
            Kind::Deployment => "deployment",
            Kind::Stage => "stage",
            Kind::ApiKey => "apikey",
            Kind::UsagePlan => "usageplan",
            Kind::UsagePlanKey => "usageplankey",
            Kind::Account => "account",
            Kind::Usage => "usage",
            Kind::IamUser => "iamuser",
            Kind::IamPolicy => "iampolicy",
            Kind::Function => "function",
            Kind::DomainName => "domainname",
        }
    }

    /// Parses a stored kind name.
    pub fn parse(value: &str) -> Option<Kind> {
        Some(match value {
            "restapi" => Kind::RestApi,
            "deployment" => Kind::Deployment,
            "stage" => Kind::Stage,
            "apikey" => Kind::ApiKey,
            "usageplan" => Kind::UsagePlan,
            "usageplankey" => Kind::UsagePlanKey,
            "account" => Kind::Account,
            "usage" => Kind::Usage,
            "iamuser" => Kind::IamUser,
            "iampolicy" => Kind::IamPolicy,
            "function" => Kind::Function,
            "domainname" => Kind::DomainName,
            _ => return None,
        })
    }
}

// === impl Key ===

impl Key {
    /// A key of `kind` in `scope`.
    pub fn new(kind: Kind, scope: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            kind,
            scope: scope.into(),
            id: id.into(),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.kind.as_str(), self.scope, self.id)
    }
}

// === impl Write ===

impl Write {
    /// The key whose expectation this write checks, if any.
    pub fn checked_key(&self) -> Option<(&Key, Expect)> {
        match self {
            Write::Put { key, expect, .. }
            | Write::Delete { key, expect }
            | Write::Check { key, expect }
            | Write::Touch { key, expect } => Some((key, *expect)),
            Write::DeleteScope { .. } => None,
        }
    }
}

// === impl Expect ===

impl Expect {
    /// True if a record at `version` (None = absent) satisfies the expectation.
    pub fn holds(self, version: Option<u64>) -> bool {
        match self {
            Expect::Any => true,
            Expect::Absent => version.is_none(),
            Expect::Version(expected) => version == Some(expected),
            Expect::Present => version.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_name_parses_back() {
        for kind in [
            Kind::RestApi,
            Kind::Deployment,
            Kind::Stage,
            Kind::ApiKey,
            Kind::UsagePlan,
            Kind::UsagePlanKey,
            Kind::Account,
            Kind::Usage,
            Kind::IamUser,
            Kind::IamPolicy,
        ] {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("nope"), None);
    }
}
