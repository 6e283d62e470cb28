//! `policy_parse`: any UTF-8 text is parsed as an identity and as a resource policy; whatever
//! parses is evaluated against fixed requests. Nothing may panic.

use portico_policy::{ConditionKeys, Policy, PolicyKind, Principal, RequestContext, evaluate};

/// Runs one fuzz input. Bytes that are not UTF-8 are skipped: policies arrive as JSON text.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut keys = ConditionKeys::default();
    keys.insert("aws:SourceIp", "203.0.113.7");
    keys.insert("aws:username", "alice");
    keys.insert("aws:CurrentTime", "2026-03-14T15:09:26Z");
    keys.insert("aws:EpochTime", "1773500966");
    keys.insert("aws:TagKeys", "team");
    keys.insert("aws:TagKeys", "env");
    let principals = [
        Principal::Anonymous,
        Principal::Aws {
            arn: "arn:aws:iam::123456789012:user/alice",
            account: "123456789012",
        },
        Principal::Service("lambda.amazonaws.com"),
    ];
    for kind in [PolicyKind::Identity, PolicyKind::Resource] {
        let Ok(policy) = Policy::parse(text, kind) else {
            continue;
        };
        for principal in principals {
            let ctx = RequestContext {
                principal,
                action: "execute-api:Invoke",
                resource: "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets",
                keys: &keys,
            };
            let _ = evaluate([&policy], &ctx);
        }
    }
}
