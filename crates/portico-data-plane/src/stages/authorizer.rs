//! Authorizer stage: after access control (whose resource policy already refused explicit
//! denies), before API keys. `CUSTOM` methods run their Lambda authorizer (`TOKEN` or
//! `REQUEST`, reference §11); `COGNITO_USER_POOLS` methods validate a JWT (§12).
//!
//! Lambda: a missing or invalid identity → 401 `Unauthorized` without invoking; the
//! function's `Unauthorized` error → 401; any other failure, a malformed result or a timeout
//! → 500 `{"message":null}` (`AUTHORIZER_CONFIGURATION_ERROR`). The returned policy is
//! evaluated against the method ARN: explicit deny → 403 `... with an explicit deny`, no
//! allow → 403. Results are cached per identity for `authorizerResultTtlInSeconds`, and the
//! cached *policy* is evaluated again for each method ARN, as on AWS.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use portico_policy::{ConditionKeys, Decision, Policy, PolicyKind, Principal, RequestContext};
use portico_snapshot::authorizer::{AuthorizerKind, CompiledAuthorizer, IdentitySource};
use portico_snapshot::integration::LambdaTarget;
use serde_json::{Map, Value, json};

use crate::gateway_response::{GatewayResponseType, Reject};
use crate::integration::lambda::{InvocationType, call};
use crate::integration::proxy_event;
use crate::invocation::Invocation;
use crate::upstream::Backends;

/// What an authorizer established about the caller.
#[derive(Debug, Clone)]
pub struct Authorized {
    /// `requestContext.authorizer` and `$context.authorizer.*`.
    pub context: Value,
    /// `usageIdentifierKey`: the API key when the API's key source is `AUTHORIZER`.
    pub usage_identifier_key: Option<String>,
}

/// A Lambda authorizer's parsed result, as cached.
#[derive(Debug)]
struct LambdaOutcome {
    principal_id: String,
    policy: Policy,
    context: Map<String, Value>,
    usage_identifier_key: Option<String>,
}

/// The message of an explicit deny by an authorizer policy.
const EXPLICIT_DENY: &str = "User is not authorized to access this resource with an explicit deny";

/// Runs the method's authorizer, if it has one.
pub async fn authorize(
    invocation: &Invocation<'_>,
    backends: &Backends,
    now_nanos: u64,
) -> Result<Option<Authorized>, Reject> {
    let Some(authorizer) = invocation.route.authorizer.as_deref() else {
        return Ok(None);
    };
    match &authorizer.kind {
        AuthorizerKind::Token(target) | AuthorizerKind::Request(target) => {
            lambda(invocation, backends, authorizer, target, now_nanos)
                .await
                .map(Some)
        }
        AuthorizerKind::Cognito { providers } => {
            cognito(invocation, backends, authorizer, providers, now_nanos)
                .await
                .map(Some)
        }
    }
}

/// A Cognito (or any OIDC) JWT: signature against the issuer's key set, `iss`, `exp`, `nbf`,
/// `token_use` and scopes, `aud` against `identityValidationExpression`. Every failure is
/// 401 `Unauthorized`; the claims reach `$context.authorizer.claims`.
async fn cognito(
    invocation: &Invocation<'_>,
    backends: &Backends,
    authorizer: &CompiledAuthorizer,
    provider_arns: &[Box<str>],
    now_nanos: u64,
) -> Result<Authorized, Reject> {
    let token = identity(invocation, authorizer)?
        .ok_or_else(|| Reject::new(GatewayResponseType::Unauthorized))?;
    let scopes = &invocation.route.authorization_scopes;
    let cache_key = format!("{}\u{0}{token}\u{0}{}", authorizer.id, scopes.join(" "));
    if let Some(cached) = authorizer
        .cache
        .as_ref()
        .and_then(|cache| cache.get(&cache_key, now_nanos))
        .and_then(|value| value.downcast::<Authorized>().ok())
    {
        return Ok((*cached).clone());
    }
    let now = invocation
        .received_at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    let requirements = portico_jwt::Requirements {
        scopes,
        audience_pattern: authorizer.validation.as_ref(),
        now,
    };
    let validated = backends
        .user_pools()
        .validate(&token, provider_arns, &requirements)
        .await
        .map_err(|err| Reject::with_cause(GatewayResponseType::Unauthorized, err))?;
    let mut context = Map::new();
    context.insert(
        "claims".into(),
        Value::Object(portico_jwt::claims_as_strings(&validated.claims)),
    );
    if !scopes.is_empty() {
        context.insert("scopes".into(), json!(validated.scopes));
    }
    let authorized = Authorized {
        context: Value::Object(context),
        usage_identifier_key: None,
    };
    if let Some(cache) = &authorizer.cache {
        let expires = validated
            .claims
            .get("exp")
            .and_then(Value::as_i64)
            .map_or(u64::MAX, |exp| {
                // Never keep a result past the token's own expiry.
                let left = u64::try_from(exp.saturating_sub(now)).unwrap_or(0);
                now_nanos.saturating_add(left.saturating_mul(1_000_000_000))
            });
        let ttl = u64::try_from(authorizer.ttl.as_nanos()).unwrap_or(u64::MAX);
        cache.insert(
            cache_key,
            Arc::new(authorized.clone()),
            now_nanos.saturating_add(ttl).min(expires),
        );
    }
    Ok(authorized)
}

async fn lambda(
    invocation: &Invocation<'_>,
    backends: &Backends,
    authorizer: &CompiledAuthorizer,
    target: &LambdaTarget,
    now_nanos: u64,
) -> Result<Authorized, Reject> {
    let method_arn = invocation
        .stage
        .access
        .method_arn(invocation.head.method.as_str(), invocation.path);
    let identity = identity(invocation, authorizer)?;
    let cache_key = identity
        .as_deref()
        .map(|identity| format!("{}\u{0}{identity}", authorizer.id));
    let cached = match (&authorizer.cache, &cache_key) {
        (Some(cache), Some(key)) => cache
            .get(key, now_nanos)
            .and_then(|value| value.downcast::<LambdaOutcome>().ok()),
        _ => None,
    };
    let (outcome, latency_ms) = match cached {
        Some(outcome) => (outcome, 0),
        None => {
            let started = Instant::now();
            let event = match &authorizer.kind {
                AuthorizerKind::Token(_) => json!({
                    "type": "TOKEN",
                    "authorizationToken": identity.as_deref().unwrap_or_default(),
                    "methodArn": method_arn,
                }),
                _ => request_event(invocation, &method_arn),
            };
            // AWS's source ARN of an authorizer call: `…:{api}/authorizers/{id}`.
            let source_arn = format!(
                "arn:aws:execute-api:{}:{}:{}/authorizers/{}",
                portico_model::region(),
                portico_model::ACCOUNT_ID,
                invocation.stage.api_id,
                authorizer.id
            );
            let outcome = Arc::new(invoke(backends, target, &event, &source_arn).await?);
            if let (Some(cache), Some(key)) = (&authorizer.cache, cache_key) {
                let ttl = u64::try_from(authorizer.ttl.as_nanos()).unwrap_or(u64::MAX);
                cache.insert(key, outcome.clone(), now_nanos.saturating_add(ttl));
            }
            let latency = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            (outcome, latency)
        }
    };
    let keys = ConditionKeys::default();
    let request = RequestContext {
        principal: Principal::Anonymous,
        action: crate::stages::access::INVOKE,
        resource: &method_arn,
        keys: &keys,
    };
    match outcome.policy.decide(&request) {
        Decision::Allow => {}
        Decision::ExplicitDeny => {
            return Err(Reject::new(GatewayResponseType::AccessDenied).with_message(EXPLICIT_DENY));
        }
        Decision::ImplicitDeny => return Err(Reject::new(GatewayResponseType::AccessDenied)),
    }
    let mut context = outcome.context.clone();
    context.insert(
        "principalId".into(),
        Value::String(outcome.principal_id.clone()),
    );
    context.insert("integrationLatency".into(), json!(latency_ms));
    Ok(Authorized {
        context: Value::Object(context),
        usage_identifier_key: outcome.usage_identifier_key.clone(),
    })
}

/// The identity that keys the cache: the token (TOKEN), or the identity-source values
/// joined (REQUEST). Missing or empty sources, or a token that fails the validation
/// expression → 401 without invoking the function. `None` when a REQUEST authorizer has no
/// identity sources (it runs for every request and nothing is cached).
fn identity(
    invocation: &Invocation<'_>,
    authorizer: &CompiledAuthorizer,
) -> Result<Option<String>, Reject> {
    let unauthorized = || Reject::new(GatewayResponseType::Unauthorized);
    if authorizer.sources.is_empty() {
        return Ok(None);
    }
    let mut values = Vec::with_capacity(authorizer.sources.len());
    for source in &authorizer.sources {
        let value = match source {
            IdentitySource::Header(name) => invocation.header_value(name).map(|v| v.into_owned()),
            IdentitySource::Query(name) => invocation
                .query_values(name)
                .pop()
                .map(std::borrow::Cow::into_owned),
            IdentitySource::StageVariable(value) => value.as_deref().map(str::to_owned),
            IdentitySource::Context(variable) => invocation
                .context_value(variable)
                .map(std::borrow::Cow::into_owned),
        };
        match value {
            Some(value) if !value.is_empty() => values.push(value),
            _ => return Err(unauthorized()),
        }
    }
    if matches!(authorizer.kind, AuthorizerKind::Token(_))
        && let (Some(pattern), Some(token)) = (&authorizer.validation, values.first())
        && !pattern.is_match(token)
    {
        return Err(unauthorized());
    }
    Ok(Some(values.join(",")))
}

/// The REQUEST authorizer's input: the proxy event's request parts without the body.
fn request_event(invocation: &Invocation<'_>, method_arn: &str) -> Value {
    let mut event = Map::new();
    event.insert("type".into(), json!("REQUEST"));
    event.insert("methodArn".into(), json!(method_arn));
    event.insert("resource".into(), json!(&*invocation.route.resource_path));
    event.insert(
        "path".into(),
        json!(
            percent_encoding::percent_decode_str(invocation.path)
                .decode_utf8_lossy()
                .into_owned()
        ),
    );
    event.insert("httpMethod".into(), json!(invocation.head.method.as_str()));
    proxy_event::request_fields(invocation, &mut event);
    event.insert(
        "requestContext".into(),
        proxy_event::request_context(invocation, None),
    );
    Value::Object(event)
}

/// Invokes the authorizer function and parses its result.
async fn invoke(
    backends: &Backends,
    target: &LambdaTarget,
    event: &Value,
    source_arn: &str,
) -> Result<LambdaOutcome, Reject> {
    let configuration = |cause: String| {
        Reject::with_cause(GatewayResponseType::AuthorizerConfigurationError, cause)
    };
    let payload = serde_json::to_vec(event).map_err(|err| configuration(err.to_string()))?;
    let result = call(
        backends,
        target,
        Bytes::from(payload),
        InvocationType::Sync,
        source_arn,
    )
    .await
    .map_err(|reject| {
        configuration(format!(
            "authorizer invocation failed: {}",
            reject.cause.map_or_else(
                || reject.kind.as_str().to_owned(),
                |cause| cause.to_string()
            )
        ))
    })?
    .ok_or_else(|| configuration("no authorizer result".into()))?;
    if result.function_error.is_some() {
        let document: Value = serde_json::from_slice(&result.payload).unwrap_or(Value::Null);
        if document.get("errorMessage").and_then(Value::as_str) == Some("Unauthorized") {
            return Err(Reject::new(GatewayResponseType::Unauthorized));
        }
        return Err(configuration(format!(
            "authorizer function failed: {}",
            String::from_utf8_lossy(&result.payload)
        )));
    }
    parse_outcome(&result.payload).map_err(configuration)
}

/// Parses `{"principalId", "policyDocument", "context", "usageIdentifierKey"}`.
fn parse_outcome(payload: &[u8]) -> Result<LambdaOutcome, String> {
    let Ok(Value::Object(output)) = serde_json::from_slice::<Value>(payload) else {
        return Err("authorizer result is not a JSON object".into());
    };
    let principal_id = match output.get("principalId") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        _ => return Err("authorizer result has no principalId".into()),
    };
    let document = match output.get("policyDocument") {
        Some(document @ Value::Object(_)) => document.to_string(),
        // Some authorizers return the document as a JSON string.
        Some(Value::String(text)) => text.clone(),
        _ => return Err("authorizer result has no policyDocument".into()),
    };
    let policy = Policy::parse(&document, PolicyKind::Identity)
        .map_err(|err| format!("authorizer policy is invalid: {err}"))?;
    let context = match output.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(context)) => {
            if let Some((key, _)) = context
                .iter()
                .find(|(_, value)| matches!(value, Value::Object(_) | Value::Array(_)))
            {
                return Err(format!(
                    "authorizer context value {key:?} is an object or array; only strings, \
                     numbers and booleans are allowed"
                ));
            }
            context.clone()
        }
        Some(_) => return Err("authorizer context is not an object".into()),
    };
    let usage_identifier_key = output
        .get("usageIdentifierKey")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(LambdaOutcome {
        principal_id,
        policy,
        context,
        usage_identifier_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALLOW: &str = r#"{"principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow",
             "Resource": "arn:aws:execute-api:us-east-1:000000000000:api/dev/GET/*"}]},
        "context": {"tier": "gold", "level": 3, "admin": false},
        "usageIdentifierKey": "key-value"}"#;

    #[test]
    fn a_well_formed_result_parses() {
        let outcome = parse_outcome(ALLOW.as_bytes()).expect("valid result");
        assert_eq!(outcome.principal_id, "user-1");
        assert_eq!(outcome.context["level"], 3);
        assert_eq!(outcome.usage_identifier_key.as_deref(), Some("key-value"));
    }

    #[test]
    fn malformed_results_are_configuration_errors() {
        for payload in [
            "not json",
            r#"{"policyDocument": {"Version": "2012-10-17", "Statement": []}}"#,
            r#"{"principalId": "u"}"#,
            r#"{"principalId": "u", "policyDocument": {"Statement": "nonsense"}}"#,
            r#"{"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": []},
                "context": {"nested": {"a": 1}}}"#,
        ] {
            assert!(parse_outcome(payload.as_bytes()).is_err(), "{payload}");
        }
    }
}
