//! What a request brings to evaluation: who calls, what action on which resource, and the
//! condition keys (`aws:SourceIp`, `aws:CurrentTime`, `aws:PrincipalTag/team`…).

use std::collections::BTreeMap;

/// Who makes the request, as policy `Principal` elements see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal<'a> {
    /// An unauthenticated caller; only `"*"` (or `{"AWS": "*"}`) matches it.
    Anonymous,
    /// An IAM user, role or account, identified by its ARN and owning account id.
    Aws {
        /// E.g. `arn:aws:iam::123456789012:user/alice`.
        arn: &'a str,
        /// The 12-digit account id.
        account: &'a str,
    },
    /// An AWS service, e.g. `lambda.amazonaws.com`.
    Service(&'a str),
    /// A federated identity provider, e.g. `cognito-identity.amazonaws.com`.
    Federated(&'a str),
    /// An S3-style canonical user id.
    CanonicalUser(&'a str),
}

/// Condition keys and their values. Key names are case-insensitive, as in IAM; a key may carry
/// one value or many (multivalued keys such as `aws:TagKeys`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConditionKeys {
    // Invariant: keys are stored lowercased, so lookups with a lowercased name never allocate.
    values: BTreeMap<String, Vec<String>>,
}

/// One request as policy evaluation sees it.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext<'a> {
    /// The caller.
    pub principal: Principal<'a>,
    /// The action, e.g. `execute-api:Invoke` (matched case-insensitively).
    pub action: &'a str,
    /// The resource ARN (matched case-sensitively).
    pub resource: &'a str,
    /// Condition keys, also the source of policy variables (`${aws:username}`).
    pub keys: &'a ConditionKeys,
}

// === impl ConditionKeys ===

impl ConditionKeys {
    /// Adds one value to `key` (keeping values added before, which makes the key multivalued).
    pub fn insert(&mut self, key: &str, value: impl Into<String>) {
        self.values
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.into());
    }

    /// Sets every value of `key` at once, replacing earlier values. An empty list makes the key
    /// present with no values (which `ForAllValues` treats like a missing key).
    pub fn set(&mut self, key: &str, values: Vec<String>) {
        self.values.insert(key.to_ascii_lowercase(), values);
    }

    /// The values of `key` (any case), or `None` when the request does not carry it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.get_lowercase(&key.to_ascii_lowercase())
    }

    /// Like `get`, for a name already lowercased (policy keys are lowercased at parse time).
    pub(crate) fn get_lowercase(&self, key: &str) -> Option<&[String]> {
        self.values.get(key).map(Vec::as_slice)
    }
}
