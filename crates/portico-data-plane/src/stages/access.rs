//! Access control, after routing and before API keys (reference §10, §17 steps 4–5):
//! private endpoints, `AWS_IAM` SigV4 authorization, the API's resource policy and the
//! listener's endpoint policy, combined by AWS's table for one account:
//!
//! | identity policy | resource policy | result |
//! |---|---|---|
//! | any | explicit deny | explicit deny |
//! | explicit deny | any | explicit deny |
//! | allow | allow / silent / none | allow |
//! | silent / not IAM | allow | allow |
//! | silent | silent / none | implicit deny |
//! | not IAM | silent | implicit deny |
//! | not IAM | none | allow (no policy step at all) |
//!
//! An endpoint policy (private listeners) must allow as well. Denials are 403
//! `User: {caller} is not authorized to perform: execute-api:Invoke on resource: {arn}`,
//! with ` with an explicit deny` when a statement denied. SigV4 failures are AWS's 403s
//! (`Missing Authentication Token`, `IncompleteSignatureException`,
//! `InvalidSignatureException`, `UnrecognizedClientException`).
//!
//! Where authorization or a resource policy applies, a method ARN longer than 1600 bytes
//! (a long request path) is answered 414, as AWS limits it.
//!
//! Only the condition keys the policies read are built for a request; a method without
//! authorization on an API without policies costs nothing here.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::SystemTime;

use portico_policy::{Cidr, ConditionKeys, Decision, Policy, Principal, RequestContext};
use portico_sigv4::{RequestParts, Sigv4Error};
use portico_snapshot::access::KeyNeeds;
use portico_snapshot::{Identities, Identity, MethodRoute, StageSnapshot};

use crate::gateway_response::{GatewayResponseType, Reject};
use crate::http1::head::{Framing, RequestHead};
use crate::pipeline::Client;

/// The action every invocation is authorized for.
pub const INVOKE: &str = "execute-api:Invoke";
/// The action a `Cache-Control: max-age=0` request needs when the method requires it.
pub const INVALIDATE_CACHE: &str = "execute-api:InvalidateCache";
/// AWS's limit on a method ARN where authorization or a resource policy applies: a longer
/// request path is answered 414 (reference §10).
const MAX_METHOD_ARN_BYTES: usize = 1600;

/// How the data plane's listeners and clients are set up for access control.
#[derive(Debug, Default)]
pub struct AccessConfig {
    /// Private listeners, indexed by [`crate::invocation::ConnectionInfo::endpoint`].
    pub private_endpoints: Vec<PrivateEndpoint>,
    /// Proxies whose `X-Forwarded-For` is believed: the client address is the last hop
    /// before them.
    pub trusted_proxies: Vec<Cidr>,
}

/// A listener that plays an interface VPC endpoint: only PRIVATE APIs are served on it.
#[derive(Debug)]
pub struct PrivateEndpoint {
    /// `vpce-…`: the value of `aws:SourceVpce`.
    pub id: String,
    /// The endpoint policy; none means full access, as AWS's default endpoint policy.
    pub policy: Option<Policy>,
    needs: KeyNeeds,
}

/// What the access stage established about the caller.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// The IAM identity that signed the request (`AWS_IAM` methods).
    pub caller: Option<Arc<Identity>>,
    /// The client address policies and `$context.identity.sourceIp` see.
    pub source_ip: Option<IpAddr>,
    /// Policies grant `execute-api:InvalidateCache` (asked only for `Cache-Control:
    /// max-age=0` requests to methods that require authorization to invalidate).
    pub may_invalidate_cache: bool,
}

/// The request as the access stage sees it.
pub struct AccessRequest<'a> {
    pub stage: &'a StageSnapshot,
    pub route: &'a MethodRoute,
    pub head: &'a RequestHead,
    /// The path after the stage, still percent-encoded.
    pub path: &'a str,
    pub source_ip: IpAddr,
    pub endpoint: Option<&'a PrivateEndpoint>,
    pub secure: bool,
    pub now: SystemTime,
}

/// Whether policies allow or deny, and whether a statement said so.
enum Outcome {
    Allow,
    Deny { explicit: bool },
}

// === impl PrivateEndpoint ===

impl PrivateEndpoint {
    /// A private listener named `id` with an optional endpoint policy.
    pub fn new(id: String, policy: Option<Policy>) -> PrivateEndpoint {
        let needs = policy.as_ref().map(KeyNeeds::of).unwrap_or_default();
        PrivateEndpoint { id, policy, needs }
    }
}

// === impl AccessConfig ===

impl AccessConfig {
    /// The client address: the TCP peer, or — when the peer is a trusted proxy — the last
    /// `X-Forwarded-For` hop that is not one.
    pub fn source_ip(&self, peer: IpAddr, head: &RequestHead) -> IpAddr {
        if self.trusted_proxies.is_empty() || !self.is_trusted(peer) {
            return peer;
        }
        let mut client = peer;
        for value in head
            .header_all("x-forwarded-for")
            .collect::<Vec<_>>()
            .iter()
            .rev()
        {
            let Ok(value) = std::str::from_utf8(value) else {
                return client;
            };
            for hop in value.rsplit(',') {
                let Ok(hop) = hop.trim().parse::<IpAddr>() else {
                    return client;
                };
                client = hop;
                if !self.is_trusted(hop) {
                    return client;
                }
            }
        }
        client
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|cidr| cidr.contains_ip(address))
    }
}

/// Runs the access checks; returns who called (for `$context.identity`) or the rejection.
pub async fn check(
    identities: &Identities,
    request: &AccessRequest<'_>,
    client: &mut Client<'_>,
) -> Result<Access, Reject> {
    let access = &request.stage.access;
    if access.private != request.endpoint.is_some() {
        // A PRIVATE API is not reachable from a public listener, and a private listener
        // reaches only PRIVATE APIs (AWS answers 403 Forbidden either way).
        return Err(Reject::new(GatewayResponseType::InvalidApiKey));
    }
    let has_authorization = &*request.route.authorization_type != "NONE";
    if (has_authorization || access.resource_policy.is_some())
        && access.method_arn_len(request.head.method.as_str(), request.path) > MAX_METHOD_ARN_BYTES
    {
        return Err(Reject::new(GatewayResponseType::Default4xx)
            .with_status(http::StatusCode::URI_TOO_LONG)
            .with_message("Request URI too long"));
    }
    let caller = match &*request.route.authorization_type {
        "NONE" => None,
        "AWS_IAM" => Some(authenticate(identities, request, client).await?),
        _ => {
            // Lambda and Cognito authorizers: the resource policy may only refuse with an
            // explicit deny here; its silence leaves the decision to the authorizer stage
            // (AWS's table for resource policies with Lambda authorizers).
            authorize(request, None, INVOKE, PolicyScope::DenyOnly)?;
            return Ok(Access {
                caller: None,
                source_ip: Some(request.source_ip),
                may_invalidate_cache: false,
            });
        }
    };
    authorize(request, caller.as_deref(), INVOKE, PolicyScope::Full)?;
    let may_invalidate_cache = request
        .route
        .limits
        .cache
        .as_ref()
        .is_some_and(|policy| policy.require_authorization)
        && crate::stages::cache::asks_for_invalidation(request.head)
        && allows(request, caller.as_deref(), INVALIDATE_CACHE);
    Ok(Access {
        caller,
        source_ip: Some(request.source_ip),
        may_invalidate_cache,
    })
}

/// Whether policies let `caller` perform `action` (`execute-api:InvalidateCache`).
fn allows(request: &AccessRequest<'_>, caller: Option<&Identity>, action: &str) -> bool {
    // Invalidation needs a grant: with no policy at all, nobody is authorized.
    let access = &request.stage.access;
    if caller.is_none() && access.resource_policy.is_none() {
        return false;
    }
    authorize(request, caller, action, PolicyScope::Full).is_ok()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PolicyScope {
    /// Evaluate the whole table.
    Full,
    /// Only refuse explicit denies (before a Lambda authorizer runs).
    DenyOnly,
}

fn authorize(
    request: &AccessRequest<'_>,
    caller: Option<&Identity>,
    action: &str,
    scope: PolicyScope,
) -> Result<(), Reject> {
    let access = &request.stage.access;
    let endpoint_policy = request
        .endpoint
        .and_then(|endpoint| endpoint.policy.as_ref());
    if caller.is_none() && access.resource_policy.is_none() && endpoint_policy.is_none() {
        return Ok(());
    }
    let arn = access.method_arn(request.head.method.as_str(), request.path);
    let needs = request
        .endpoint
        .map_or(access.needs, |endpoint| access.needs.union(endpoint.needs));
    let needs = caller.map_or(needs, |caller| needs.union(caller.needs));
    let keys = condition_keys(request, caller, needs);
    let ctx = RequestContext {
        principal: caller.map_or(Principal::Anonymous, Identity::principal),
        action,
        resource: &arn,
        keys: &keys,
    };
    let identity = caller.map(|caller| caller.authorize(action, &arn, &keys));
    let resource = access
        .resource_policy
        .as_ref()
        .map(|policy| policy.decide(&ctx));
    let endpoint = endpoint_policy.map(|policy| policy.decide(&ctx));
    let outcome = combine(identity, resource, endpoint);
    match (outcome, scope) {
        (Outcome::Allow, _) | (Outcome::Deny { explicit: false }, PolicyScope::DenyOnly) => Ok(()),
        (Outcome::Deny { explicit }, _) => Err(denied(caller, action, &arn, explicit)),
    }
}

/// AWS's combination table for callers of the API's own account.
fn combine(
    identity: Option<Decision>,
    resource: Option<Decision>,
    endpoint: Option<Decision>,
) -> Outcome {
    let decisions = [identity, resource, endpoint];
    if decisions.contains(&Some(Decision::ExplicitDeny)) {
        return Outcome::Deny { explicit: true };
    }
    if endpoint == Some(Decision::ImplicitDeny) {
        return Outcome::Deny { explicit: false };
    }
    let allowed = match (identity, resource) {
        (None, None) | (Some(Decision::Allow), _) | (_, Some(Decision::Allow)) => true,
        (None | Some(_), Some(_)) | (Some(_), None) => false,
    };
    if allowed {
        Outcome::Allow
    } else {
        Outcome::Deny { explicit: false }
    }
}

fn denied(caller: Option<&Identity>, action: &str, arn: &str, explicit: bool) -> Reject {
    let user = caller.map_or("anonymous", |caller| &*caller.arn);
    let suffix = if explicit {
        " with an explicit deny"
    } else {
        ""
    };
    Reject::new(GatewayResponseType::AccessDenied).with_message(format!(
        "User: {user} is not authorized to perform: {action} on resource: {arn}{suffix}"
    ))
}

/// The condition keys `needs` asks for, for this request.
fn condition_keys(
    request: &AccessRequest<'_>,
    caller: Option<&Identity>,
    needs: KeyNeeds,
) -> ConditionKeys {
    let mut keys = ConditionKeys::default();
    if needs.source_ip {
        keys.insert("aws:SourceIp", request.source_ip.to_canonical().to_string());
    }
    let epoch = request
        .now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    if needs.epoch_time {
        keys.insert("aws:EpochTime", epoch.to_string());
    }
    if needs.current_time {
        keys.insert(
            "aws:CurrentTime",
            portico_limits::quota::iso8601(i64::try_from(epoch).unwrap_or(i64::MAX)),
        );
    }
    if needs.secure_transport {
        keys.insert(
            "aws:SecureTransport",
            if request.secure { "true" } else { "false" },
        );
    }
    if needs.user_agent
        && let Some(agent) = request.head.header_str("user-agent")
    {
        keys.insert("aws:UserAgent", agent);
    }
    if needs.referer
        && let Some(referer) = request.head.header_str("referer")
    {
        keys.insert("aws:Referer", referer);
    }
    if needs.source_vpce
        && let Some(endpoint) = request.endpoint
    {
        keys.insert("aws:SourceVpce", endpoint.id.as_str());
    }
    if needs.resource_tags {
        for (key, value) in &request.stage.access.resource_tags {
            keys.insert(&format!("aws:ResourceTag/{key}"), &**value);
        }
    }
    if needs.principal
        && let Some(caller) = caller
    {
        caller.add_condition_keys(&mut keys);
    }
    keys
}

/// Verifies the request's SigV4 signature (service `execute-api`, the gateway's region,
/// a known and active access key) and returns the identity that signed it.
async fn authenticate(
    identities: &Identities,
    request: &AccessRequest<'_>,
    client: &mut Client<'_>,
) -> Result<Arc<Identity>, Reject> {
    let head = request.head;
    // The signature is parsed borrowing from the request.
    let parts = RequestParts {
        method: head.method.as_str(),
        path: head.path(),
        query: head.query(),
        headers: head,
    };
    let authorization = portico_sigv4::parse_borrowed(&parts)
        .map_err(|err| sigv4_reject(&err))?
        .ok_or_else(|| Reject::new(GatewayResponseType::MissingAuthenticationToken))?;
    portico_sigv4::check_scope(&authorization, "execute-api").map_err(|err| sigv4_reject(&err))?;
    portico_sigv4::check_region(&authorization, portico_model::region())
        .map_err(|err| sigv4_reject(&err))?;
    let identity = identities
        .get(&authorization.access_key_id)
        .filter(|identity| identity.active)
        .cloned()
        .ok_or_else(|| {
            Reject::new(GatewayResponseType::InvalidSignature)
                .with_message("The security token included in the request is invalid.")
                .with_error_type("UnrecognizedClientException")
        })?;
    let body_hash;
    let payload_hash = if matches!(head.framing, Framing::Empty | Framing::Length(0)) {
        portico_sigv4::EMPTY_PAYLOAD_SHA256
    } else {
        body_hash = portico_sigv4::sha256_hex(&client.whole_body().await?);
        &body_hash
    };
    let now = request
        .now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    identity
        .with_signing_key(&authorization, |key| {
            portico_sigv4::verify_with_key(&parts, &authorization, key, payload_hash, now)
        })
        .map_err(|err| sigv4_reject(&err))?;
    Ok(identity)
}

fn sigv4_reject(err: &Sigv4Error) -> Reject {
    // AWS answers every SigV4 failure with the INVALID_SIGNATURE gateway response type,
    // naming the exact exception in `x-amzn-ErrorType`.
    Reject::new(GatewayResponseType::InvalidSignature)
        .with_message(err.to_string())
        .with_error_type(err.error_type())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(
        identity: Option<Decision>,
        resource: Option<Decision>,
        endpoint: Option<Decision>,
    ) -> &'static str {
        match combine(identity, resource, endpoint) {
            Outcome::Allow => "allow",
            Outcome::Deny { explicit: true } => "explicit deny",
            Outcome::Deny { explicit: false } => "implicit deny",
        }
    }

    #[test]
    fn combination_follows_aws_table_a() {
        use Decision::*;
        let cases = [
            // (IAM, resource policy) → same-account result
            (Some(Allow), Some(Allow), "allow"),
            (Some(Allow), Some(ImplicitDeny), "allow"),
            (Some(Allow), None, "allow"),
            (Some(Allow), Some(ExplicitDeny), "explicit deny"),
            (Some(ImplicitDeny), Some(Allow), "allow"),
            (Some(ImplicitDeny), Some(ImplicitDeny), "implicit deny"),
            (Some(ImplicitDeny), None, "implicit deny"),
            (Some(ExplicitDeny), Some(Allow), "explicit deny"),
            (None, Some(Allow), "allow"),
            (None, Some(ImplicitDeny), "implicit deny"),
            (None, Some(ExplicitDeny), "explicit deny"),
            (None, None, "allow"),
        ];
        for (identity, resource, expected) in cases {
            assert_eq!(
                outcome(identity, resource, None),
                expected,
                "{identity:?} × {resource:?}"
            );
        }
    }

    #[test]
    fn an_endpoint_policy_must_allow_too() {
        use Decision::*;
        assert_eq!(
            outcome(None, Some(Allow), Some(ImplicitDeny)),
            "implicit deny"
        );
        assert_eq!(
            outcome(None, Some(Allow), Some(ExplicitDeny)),
            "explicit deny"
        );
        assert_eq!(outcome(None, Some(Allow), Some(Allow)), "allow");
        assert_eq!(outcome(Some(Allow), None, Some(Allow)), "allow");
    }

    #[test]
    fn trusted_proxies_reveal_the_client_behind_them() {
        let config = AccessConfig {
            trusted_proxies: vec![Cidr::parse("10.0.0.0/8").unwrap()],
            ..AccessConfig::default()
        };
        let head = RequestHead::synthetic(
            "GET",
            "/",
            &[("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.1.1.1")],
        );
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            config.source_ip(proxy, &head),
            "203.0.113.9".parse::<IpAddr>().unwrap(),
            "the last untrusted hop, not the first (which the client may forge)"
        );
        let stranger: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(config.source_ip(stranger, &head), stranger);
        let untrusted = AccessConfig::default();
        assert_eq!(untrusted.source_ip(proxy, &head), proxy);
    }
}
