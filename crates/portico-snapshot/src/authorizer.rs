//! Compiled authorizers: what a `CUSTOM` or `COGNITO_USER_POOLS` method runs before its
//! integration — the Lambda function (TOKEN, REQUEST) or the user pools (COGNITO), the
//! identity sources, the validation expression and the result cache (reference §11, §12).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use portico_model::authorizer::{Authorizer, AuthorizerType, DEFAULT_RESULT_TTL};
use regex::Regex;

use crate::context::ContextVariable;
use crate::integration::LambdaTarget;

/// How long a Lambda authorizer may run (API Gateway gives up after 10 seconds).
pub const LAMBDA_AUTHORIZER_TIMEOUT: Duration = Duration::from_secs(10);

/// One authorizer of the stage's API.
#[derive(Debug)]
pub struct CompiledAuthorizer {
    pub id: Box<str>,
    pub kind: AuthorizerKind,
    /// Where the identity comes from: exactly one header for TOKEN and COGNITO; any number
    /// for REQUEST.
    pub sources: Vec<IdentitySource>,
    /// `identityValidationExpression` (full match): the token (TOKEN) or the `aud` claim of
    /// an ID token (COGNITO).
    pub validation: Option<Regex>,
    /// `authorizerResultTtlInSeconds`; zero disables caching.
    pub ttl: Duration,
    /// The stage's authorizer cache (kept across deployments), when `ttl` is not zero.
    pub cache: Option<Arc<portico_limits::AuthorizerCache>>,
}

/// What runs the authorization.
#[derive(Debug)]
pub enum AuthorizerKind {
    /// A Lambda function receiving `{"type":"TOKEN","authorizationToken":…}`.
    Token(LambdaTarget),
    /// A Lambda function receiving the request's headers, query, path and context.
    Request(LambdaTarget),
    /// JWTs of these user pools (provider ARNs).
    Cognito { providers: Vec<Box<str>> },
}

/// One identity source expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentitySource {
    /// `method.request.header.NAME` (lowercased).
    Header(Box<str>),
    /// `method.request.querystring.NAME`.
    Query(Box<str>),
    /// `stageVariables.NAME`, resolved when compiling.
    StageVariable(Option<Box<str>>),
    /// `context.NAME`.
    Context(ContextVariable),
}

/// Compiles an authorizer for a stage with `variables`; `Err` names the problem.
pub fn compile(
    authorizer: &Authorizer,
    variables: &BTreeMap<String, String>,
    cache: Option<Arc<portico_limits::AuthorizerCache>>,
) -> Result<CompiledAuthorizer, String> {
    let sources = match authorizer.identity_source.as_deref() {
        Some(expressions) if !expressions.trim().is_empty() => expressions
            .split(',')
            .map(|expression| parse_source(expression.trim(), variables))
            .collect::<Result<Vec<_>, _>>()?,
        _ => match authorizer.kind {
            AuthorizerType::Request => Vec::new(),
            _ => vec![IdentitySource::Header("authorization".into())],
        },
    };
    let kind = match authorizer.kind {
        AuthorizerType::Token | AuthorizerType::Request => {
            let uri = authorizer
                .authorizer_uri
                .as_deref()
                .ok_or("authorizerUri is required for Lambda authorizers")?;
            let uri = crate::compile::substitute_stage_variables(uri, variables)?;
            let function = crate::compile::lambda_function(&uri)
                .ok_or_else(|| format!("authorizerUri is not a Lambda function: {uri}"))?;
            let target = LambdaTarget {
                function: function.into(),
                timeout: LAMBDA_AUTHORIZER_TIMEOUT,
                parameters: Vec::new(),
                with_credentials: authorizer
                    .authorizer_credentials
                    .as_deref()
                    .is_some_and(|credentials| !credentials.is_empty()),
            };
            if authorizer.kind == AuthorizerType::Token {
                AuthorizerKind::Token(target)
            } else {
                AuthorizerKind::Request(target)
            }
        }
        AuthorizerType::CognitoUserPools => AuthorizerKind::Cognito {
            providers: authorizer
                .provider_arns
                .iter()
                .flatten()
                .map(|arn| arn.as_str().into())
                .collect(),
        },
    };
    if !matches!(kind, AuthorizerKind::Request(_))
        && !matches!(sources.as_slice(), [IdentitySource::Header(_)])
    {
        return Err("identitySource must be exactly one method.request.header.* expression".into());
    }
    let validation = match authorizer
        .identity_validation_expression
        .as_deref()
        .filter(|expression| !expression.is_empty())
    {
        Some(expression) => Some(
            Regex::new(&format!("^(?:{expression})$"))
                .map_err(|err| format!("identityValidationExpression does not compile: {err}"))?,
        ),
        None => None,
    };
    let ttl_seconds = authorizer
        .authorizer_result_ttl_in_seconds
        .unwrap_or(DEFAULT_RESULT_TTL)
        .clamp(0, portico_model::authorizer::MAX_RESULT_TTL);
    let ttl = Duration::from_secs(u64::try_from(ttl_seconds).unwrap_or(0));
    Ok(CompiledAuthorizer {
        id: authorizer.id.as_str().into(),
        kind,
        sources,
        validation,
        ttl,
        cache: cache.filter(|_| !ttl.is_zero()),
    })
}

fn parse_source(
    expression: &str,
    variables: &BTreeMap<String, String>,
) -> Result<IdentitySource, String> {
    if let Some(name) = expression.strip_prefix("method.request.header.") {
        return Ok(IdentitySource::Header(name.to_ascii_lowercase().into()));
    }
    if let Some(name) = expression.strip_prefix("method.request.querystring.") {
        return Ok(IdentitySource::Query(name.into()));
    }
    if let Some(name) = expression.strip_prefix("stageVariables.") {
        return Ok(IdentitySource::StageVariable(
            variables.get(name).map(|value| value.as_str().into()),
        ));
    }
    if let Some(name) = expression.strip_prefix("context.") {
        return Ok(IdentitySource::Context(ContextVariable::parse(name)));
    }
    Err(format!("Invalid identity source expression: {expression}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorizer(kind: AuthorizerType, source: Option<&str>) -> Authorizer {
        Authorizer {
            id: "abc".into(),
            name: "auth".into(),
            kind,
            provider_arns: None,
            auth_type: None,
            authorizer_uri: Some(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/\
                 arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.fn}/invocations"
                    .into(),
            ),
            authorizer_credentials: None,
            identity_source: source.map(str::to_owned),
            identity_validation_expression: None,
            authorizer_result_ttl_in_seconds: None,
        }
    }

    #[test]
    fn request_sources_parse_and_stage_variables_resolve() {
        let variables = BTreeMap::from([
            ("fn".to_owned(), "auth".to_owned()),
            ("tenant".to_owned(), "t1".to_owned()),
        ]);
        let compiled = compile(
            &authorizer(
                AuthorizerType::Request,
                Some("method.request.header.X-Key, method.request.querystring.q, stageVariables.tenant"),
            ),
            &variables,
            None,
        )
        .expect("valid authorizer");
        assert_eq!(
            compiled.sources,
            [
                IdentitySource::Header("x-key".into()),
                IdentitySource::Query("q".into()),
                IdentitySource::StageVariable(Some("t1".into())),
            ]
        );
        let AuthorizerKind::Request(target) = &compiled.kind else {
            panic!("a REQUEST authorizer");
        };
        assert_eq!(
            &*target.function,
            "arn:aws:lambda:us-east-1:000000000000:function:auth"
        );
        assert_eq!(compiled.ttl, Duration::from_secs(300));
    }

    #[test]
    fn token_authorizers_need_one_header() {
        let variables = BTreeMap::from([("fn".to_owned(), "auth".to_owned())]);
        assert!(
            compile(
                &authorizer(AuthorizerType::Token, Some("method.request.querystring.t")),
                &variables,
                None
            )
            .is_err()
        );
        let default = compile(&authorizer(AuthorizerType::Token, None), &variables, None)
            .expect("defaults to the Authorization header");
        assert_eq!(
            default.sources,
            [IdentitySource::Header("authorization".into())]
        );
    }
}
