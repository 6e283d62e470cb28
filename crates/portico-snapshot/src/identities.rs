//! Who may sign requests: every access key (the root key and IAM users' keys) mapped to its
//! identity, secret and compiled identity policies.
//!
//! The control plane rebuilds and publishes this index (through [`crate::Live`]) whenever a
//! user, access key or policy changes; the admin listener's SigV4 check and the data plane's
//! `AWS_IAM` methods read it with one atomic load and one hash lookup.

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwapOption;
use portico_policy::{ConditionKeys, Decision, Policy, Principal, RequestContext, evaluate};
use portico_sigv4::SigningKey;

use crate::access::KeyNeeds;

/// Access key id → identity.
#[derive(Debug, Default)]
pub struct Identities {
    by_access_key: foldhash::HashMap<Box<str>, Arc<Identity>>,
}

/// One signing identity as seen through one of its access keys.
pub struct Identity {
    /// The access key id the request names in its credential scope.
    pub access_key_id: Box<str>,
    secret_access_key: Box<str>,
    /// An inactive key is known but refused (`UpdateAccessKey --status Inactive`).
    pub active: bool,
    /// Root or an IAM user.
    pub kind: IdentityKind,
    /// `arn:aws:iam::ACCOUNT:root` or `arn:aws:iam::ACCOUNT:user/PATH/NAME`.
    pub arn: Box<str>,
    /// The owning account id.
    pub account: Box<str>,
    /// The user's unique id (`AIDA…`), or the account id for root (as AWS reports the caller).
    pub user_id: Box<str>,
    /// Inline and attached managed policies, compiled. Ignored for root.
    pub policies: Vec<Arc<Policy>>,
    /// The user's tags, for `aws:PrincipalTag/KEY`.
    pub tags: Vec<(Box<str>, Box<str>)>,
    /// The condition keys the identity's policies read.
    pub needs: KeyNeeds,
    /// The signing key of the last scope (day, region, service) this key signed for: a
    /// verification reuses it instead of deriving it again (four HMACs). A republished
    /// index starts empty, so a changed secret is never verified with an old key.
    signing_key: ArcSwapOption<SigningKey>,
}

/// The kind of principal an access key belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityKind {
    /// The account's root credentials: every action is allowed by identity.
    Root,
    /// An IAM user.
    User {
        /// The user name (`aws:username`).
        name: Box<str>,
    },
}

// === impl Identities ===

impl Identities {
    /// An index over `identities`; a later identity with the same key id replaces an earlier.
    pub fn new(identities: impl IntoIterator<Item = Identity>) -> Identities {
        let by_access_key = identities
            .into_iter()
            .map(|identity| (identity.access_key_id.clone(), Arc::new(identity)))
            .collect();
        Identities { by_access_key }
    }

    /// The identity that owns `access_key_id`, active or not.
    pub fn get(&self, access_key_id: &str) -> Option<&Arc<Identity>> {
        self.by_access_key.get(access_key_id)
    }

    /// Number of access keys known.
    pub fn len(&self) -> usize {
        self.by_access_key.len()
    }

    /// True when no access key is known.
    pub fn is_empty(&self) -> bool {
        self.by_access_key.is_empty()
    }
}

// === impl Identity ===

impl Identity {
    /// The root identity of `account` signing with the given key pair.
    pub fn root(access_key_id: &str, secret_access_key: &str, account: &str) -> Identity {
        Identity {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            active: true,
            kind: IdentityKind::Root,
            arn: format!("arn:aws:iam::{account}:root").into(),
            account: account.into(),
            user_id: account.into(),
            policies: Vec::new(),
            tags: Vec::new(),
            needs: KeyNeeds::default(),
            signing_key: ArcSwapOption::empty(),
        }
    }

    /// An IAM user's access key.
    pub fn user(user: UserIdentity<'_>, access_key_id: &str, secret_access_key: &str) -> Identity {
        Identity {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            active: user.active,
            kind: IdentityKind::User {
                name: user.name.into(),
            },
            arn: user.arn.into(),
            account: user.account.into(),
            user_id: user.user_id.into(),
            policies: user.policies.to_vec(),
            needs: user
                .policies
                .iter()
                .fold(KeyNeeds::default(), |needs, policy| {
                    needs.union(KeyNeeds::of(policy))
                }),
            tags: user
                .tags
                .iter()
                .map(|(key, value)| (key.as_str().into(), value.as_str().into()))
                .collect(),
            signing_key: ArcSwapOption::empty(),
        }
    }

    /// The secret that keys this identity's SigV4 signatures.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// Runs `f` with the signing key for `authorization`'s scope, derived once per scope and
    /// kept. The kept key is read without touching its reference count, which every worker
    /// thread would otherwise write on every request.
    pub fn with_signing_key<A, R>(&self, authorization: &A, f: impl FnOnce(&SigningKey) -> R) -> R
    where
        A: portico_sigv4::AsAuthorizationRef + ?Sized,
    {
        let authorization = authorization.as_authorization_ref();
        let kept = self.signing_key.load();
        if let Some(key) = kept.as_deref()
            && key.is_for(&*authorization)
        {
            return f(key);
        }
        drop(kept);
        let key = Arc::new(SigningKey::derive(
            &self.secret_access_key,
            &authorization.date,
            &authorization.region,
            &authorization.service,
        ));
        self.signing_key.store(Some(Arc::clone(&key)));
        f(&key)
    }

    /// True for the account's root credentials.
    pub fn is_root(&self) -> bool {
        self.kind == IdentityKind::Root
    }

    /// The user name, for IAM users.
    pub fn user_name(&self) -> Option<&str> {
        match &self.kind {
            IdentityKind::Root => None,
            IdentityKind::User { name } => Some(name),
        }
    }

    /// The principal as policies match it.
    pub fn principal(&self) -> Principal<'_> {
        Principal::Aws {
            arn: &self.arn,
            account: &self.account,
        }
    }

    /// Adds the condition keys that describe this caller (`aws:username`, `aws:userid`,
    /// `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:PrincipalTag/*`).
    pub fn add_condition_keys(&self, keys: &mut ConditionKeys) {
        keys.insert("aws:userid", &*self.user_id);
        keys.insert("aws:PrincipalArn", &*self.arn);
        keys.insert("aws:PrincipalAccount", &*self.account);
        match &self.kind {
            IdentityKind::Root => keys.insert("aws:PrincipalType", "Account"),
            IdentityKind::User { name } => {
                keys.insert("aws:PrincipalType", "User");
                keys.insert("aws:username", &**name);
            }
        }
        for (key, value) in &self.tags {
            keys.insert(&format!("aws:PrincipalTag/{key}"), &**value);
        }
    }

    /// What this identity's own policies decide for `action` on `resource`: root is allowed
    /// everything; a user needs an allowing statement and no denying one.
    pub fn authorize(&self, action: &str, resource: &str, keys: &ConditionKeys) -> Decision {
        if self.is_root() {
            return Decision::Allow;
        }
        evaluate(
            self.policies.iter().map(Arc::as_ref),
            &RequestContext {
                principal: self.principal(),
                action,
                resource,
                keys,
            },
        )
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The secret never reaches a log.
        f.debug_struct("Identity")
            .field("access_key_id", &self.access_key_id)
            .field("active", &self.active)
            .field("arn", &self.arn)
            .field("policies", &self.policies.len())
            .finish_non_exhaustive()
    }
}

/// What the index needs to know of an IAM user.
#[derive(Debug, Clone, Copy)]
pub struct UserIdentity<'a> {
    pub name: &'a str,
    pub user_id: &'a str,
    pub arn: &'a str,
    pub account: &'a str,
    /// Whether this access key is `Active`.
    pub active: bool,
    pub policies: &'a [Arc<Policy>],
    pub tags: &'a std::collections::BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_policy::PolicyKind;

    fn allow_get_policy() -> Arc<Policy> {
        Arc::new(
            Policy::parse(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"apigateway:GET","Resource":"*"}}"#,
                PolicyKind::Identity,
            )
            .unwrap(),
        )
    }

    #[test]
    fn root_is_allowed_everything_and_users_only_what_their_policies_allow() {
        let tags = std::collections::BTreeMap::new();
        let policies = [allow_get_policy()];
        let identities = Identities::new([
            Identity::root("ROOTKEY", "rootsecret", "000000000000"),
            Identity::user(
                UserIdentity {
                    name: "alice",
                    user_id: "AIDAALICE",
                    arn: "arn:aws:iam::000000000000:user/alice",
                    account: "000000000000",
                    active: true,
                    policies: &policies,
                    tags: &tags,
                },
                "AKIAALICE",
                "alicesecret",
            ),
        ]);
        let keys = ConditionKeys::default();
        let root = identities.get("ROOTKEY").unwrap();
        assert_eq!(
            root.authorize("iam:CreateUser", "*", &keys),
            Decision::Allow
        );
        let alice = identities.get("AKIAALICE").unwrap();
        assert_eq!(alice.secret_access_key(), "alicesecret");
        assert_eq!(
            alice.authorize(
                "apigateway:GET",
                "arn:aws:apigateway:us-east-1::/restapis",
                &keys
            ),
            Decision::Allow
        );
        assert_eq!(
            alice.authorize(
                "apigateway:POST",
                "arn:aws:apigateway:us-east-1::/restapis",
                &keys
            ),
            Decision::ImplicitDeny
        );
        assert!(identities.get("AKIAUNKNOWN").is_none());
        assert!(!format!("{alice:?}").contains("alicesecret"));
    }

    #[test]
    fn user_condition_keys_name_the_caller() {
        let mut tags = std::collections::BTreeMap::new();
        tags.insert("team".to_string(), "payments".to_string());
        let user = Identity::user(
            UserIdentity {
                name: "bob",
                user_id: "AIDABOB",
                arn: "arn:aws:iam::000000000000:user/bob",
                account: "000000000000",
                active: true,
                policies: &[],
                tags: &tags,
            },
            "AKIABOB",
            "s",
        );
        let mut keys = ConditionKeys::default();
        user.add_condition_keys(&mut keys);
        assert_eq!(keys.get("aws:username"), Some(&["bob".to_string()][..]));
        assert_eq!(
            keys.get("aws:principaltag/team"),
            Some(&["payments".to_string()][..])
        );
        assert_eq!(
            keys.get("aws:PrincipalType"),
            Some(&["User".to_string()][..])
        );
    }
}
