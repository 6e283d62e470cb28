//! `Principal` / `NotPrincipal`: who a resource-policy statement is about, parsed and matched.

use serde_json::{Map, Value};

use crate::context::Principal;
use crate::error::PolicyError;
use crate::parse::{PolicyKind, missing, pick, strings};

/// `Principal`/`NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct PrincipalMatcher {
    pub(crate) negated: bool,
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included.
    pub(crate) everyone: bool,
    pub(crate) aws: Vec<AwsPrincipal>,
    pub(crate) service: Vec<String>,
    pub(crate) federated: Vec<String>,
    pub(crate) canonical_user: Vec<String>,
}

/// An `AWS` principal entry: a whole account (`123456789012` or `arn:aws:iam::123456789012:root`)
/// or one user or role ARN.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AwsPrincipal {
    Account(String),
    Arn(String),
}

// === impl PrincipalMatcher ===

impl PrincipalMatcher {
    pub(crate) fn matches(&self, principal: Principal<'_>) -> bool {
        self.names(principal) != self.negated
    }

    fn names(&self, principal: Principal<'_>) -> bool {
        if self.everyone {
            return true;
        }
        match principal {
            Principal::Anonymous => false,
            Principal::Aws { arn, account } => self.aws.iter().any(|entry| match entry {
                AwsPrincipal::Account(id) => id == account,
                AwsPrincipal::Arn(expected) => expected == arn,
            }),
            Principal::Service(name) => self.service.iter().any(|s| s == name),
            Principal::Federated(name) => self.federated.iter().any(|f| f == name),
            Principal::CanonicalUser(id) => self.canonical_user.iter().any(|c| c == id),
        }
    }
}

pub(crate) fn parse_principal(
    statement: &Map<String, Value>,
    kind: PolicyKind,
) -> Result<Option<PrincipalMatcher>, PolicyError> {
    let picked = pick(statement, "Principal", "NotPrincipal")?;
    let (negated, value) = match (picked, kind) {
        (Some(_), PolicyKind::Identity) => {
            return Err(PolicyError::malformed(
                "Policy document should not specify a principal.",
            ));
        }
        (None, PolicyKind::Identity) => return Ok(None),
        (None, PolicyKind::Resource) => return Err(missing("Principal")),
        (Some(picked), PolicyKind::Resource) => picked,
    };
    let invalid = || PolicyError::malformed("Invalid principal in policy");
    let mut principal = PrincipalMatcher {
        negated,
        ..PrincipalMatcher::default()
    };
    match value {
        Value::String(star) if star == "*" => principal.everyone = true,
        Value::Object(map) if !map.is_empty() => {
            for (kind, entries) in map {
                let entries = strings(entries)?;
                if entries.is_empty() || entries.iter().any(String::is_empty) {
                    return Err(invalid());
                }
                match kind.as_str() {
                    "AWS" => {
                        for entry in entries {
                            if entry == "*" {
                                principal.everyone = true;
                            } else {
                                principal
                                    .aws
                                    .push(aws_principal(entry).ok_or_else(invalid)?);
                            }
                        }
                    }
                    "Service" => principal.service.extend(entries),
                    "Federated" => principal.federated.extend(entries),
                    "CanonicalUser" => principal.canonical_user.extend(entries),
                    _ => return Err(invalid()),
                }
            }
        }
        _ => return Err(invalid()),
    }
    Ok(Some(principal))
}

fn aws_principal(entry: String) -> Option<AwsPrincipal> {
    if entry.len() == 12 && entry.bytes().all(|b| b.is_ascii_digit()) {
        return Some(AwsPrincipal::Account(entry));
    }
    let parts: Vec<&str> = entry.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, "root"] => {
            Some(AwsPrincipal::Account((*account).to_string()))
        }
        ["arn", _, _, _, _, _] => Some(AwsPrincipal::Arn(entry)),
        _ => None,
    }
}
