//! `compile`: a deployment's frozen definition plus its stage become a [`StageSnapshot`].
//!
//! Everything expensive happens here, once per deploy or stage update: the route trie,
//! stage-variable substitution, URI parsing, header names, selection regexes. Problems that
//! would make a deployment unusable as a whole are [`CompileError`]s, all reported at once;
//! problems that only break one method at run time (a URI that a stage variable makes
//! invalid) compile into [`CompiledIntegration::Misconfigured`], as AWS also lets such
//! deployments through and fails the calls.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue, StatusCode};
use portico_model::integration::request_target;
use portico_model::mapping::{self, Location, RequestSource, ResponseSource};
use portico_model::resource::PathPart;
use portico_model::{
    ApiDefinition, HttpMethod, Integration, IntegrationResponse, IntegrationType, Stage,
};
use regex::RegexBuilder;

use crate::authorizer::CompiledAuthorizer;
use crate::context::ContextVariable;
use crate::integration::{
    CompiledIntegration, CompiledIntegrationResponse, HttpTarget, IntegrationResponses,
    LambdaTarget, ParameterMapping, RequestMapping, ResponseValue, Source, Target, UriPart,
    UriTemplate,
};
use crate::route::{MethodRoute, RouteTable};
use crate::{Canary, StageSnapshot};

/// What a stage snapshot is compiled from.
#[derive(Debug, Clone, Copy)]
pub struct CompileInput<'a> {
    /// The frozen definition of the stage's deployment.
    pub definition: &'a ApiDefinition,
    pub deployment_id: &'a str,
    pub stage: &'a Stage,
    /// The frozen definition of the canary deployment, when the stage has a canary.
    pub canary_definition: Option<&'a ApiDefinition>,
    /// Where buckets and caches live; absent when compiling only to check a deployment.
    pub limits: Option<&'a portico_limits::Limits>,
}

/// A problem that prevents the deployment from being served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct CompileError {
    /// Where: `GET /items/{id}` or `GET /items/{id} 200`.
    pub location: String,
    pub message: String,
}

/// Largest compiled size of one selection pattern (hostile patterns cannot eat memory).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Compiles a stage; reports every problem at once.
pub fn compile(input: &CompileInput<'_>) -> Result<StageSnapshot, Vec<CompileError>> {
    let variables = input.stage.variables.clone().unwrap_or_default();
    let mut errors = Vec::new();
    let mut snapshot = compile_deployment(
        input.definition,
        input.deployment_id,
        input.stage,
        &variables,
        (input.limits, crate::limits::CacheUse::Stage),
        &mut errors,
    );
    if let (Some(canary), Some(definition)) =
        (&input.stage.canary_settings, input.canary_definition)
    {
        let deployment_id = canary
            .deployment_id
            .as_ref()
            .map_or(input.deployment_id, |id| id.as_str());
        let canary_variables = input.stage.canary_variables();
        let cache_use = if canary.use_stage_cache == Some(true) {
            crate::limits::CacheUse::Canary {
                deployment_prefix: (deployment_id != input.deployment_id).then_some(deployment_id),
            }
        } else {
            crate::limits::CacheUse::None
        };
        let canary_snapshot = compile_deployment(
            definition,
            deployment_id,
            input.stage,
            &canary_variables,
            (input.limits, cache_use),
            &mut errors,
        );
        snapshot.canary = Some(Canary {
            percent_traffic: canary.percent_traffic.unwrap_or(0.0),
            snapshot: Box::new(canary_snapshot),
        });
    }
    if errors.is_empty() {
        Ok(snapshot)
    } else {
        Err(errors)
    }
}

fn compile_deployment(
    definition: &ApiDefinition,
    deployment_id: &str,
    stage: &Stage,
    variables: &BTreeMap<String, String>,
    (limits, cache_use): (Option<&portico_limits::Limits>, crate::limits::CacheUse<'_>),
    errors: &mut Vec<CompileError>,
) -> StageSnapshot {
    let mut routes = RouteTable::new();
    let mut authorizers: HashMap<&str, Option<Arc<CompiledAuthorizer>>> = HashMap::new();
    for resource in definition.resources.values() {
        if resource.resource_methods.is_empty() {
            continue;
        }
        let parts: Result<Vec<PathPart<'_>>, _> = resource
            .path
            .split('/')
            .filter(|part| !part.is_empty())
            .map(PathPart::parse)
            .collect();
        let parts = match parts {
            Ok(parts) => parts,
            Err(err) => {
                errors.push(CompileError {
                    location: resource.path.clone(),
                    message: err.to_string(),
                });
                continue;
            }
        };
        let node = routes.insert_path(&parts);
        for method in resource.resource_methods.values() {
            let location = format!("{} {}", method.http_method, resource.path);
            let method_limits = method.method_integration.as_ref().map(|integration| {
                let scope = crate::limits::MethodScope {
                    api_id: definition.rest_api.id.as_str(),
                    stage,
                    resource_path: &resource.path,
                    method: method.http_method,
                    cache_use,
                };
                crate::limits::compile(&scope, integration, limits)
            });
            let integration = match &method.method_integration {
                Some(integration) => compile_integration(integration, variables, &location, errors),
                None => {
                    errors.push(CompileError {
                        location,
                        message: "No integration defined for method".into(),
                    });
                    continue;
                }
            };
            let validation = match crate::validation::compile(definition, method) {
                Ok(validation) => validation,
                Err(message) => {
                    errors.push(CompileError {
                        location: location.clone(),
                        message,
                    });
                    None
                }
            };
            let authorizer = match method.authorizer_id.as_deref() {
                Some(id)
                    if method.authorization_type.as_str() == "CUSTOM"
                        || method.authorization_type.as_str() == "COGNITO_USER_POOLS" =>
                {
                    let compiled = authorizers.entry(id).or_insert_with(|| {
                        let Some(authorizer) = definition.authorizers.get(id) else {
                            errors.push(CompileError {
                                location: location.clone(),
                                message: format!("Invalid authorizer id specified: {id}"),
                            });
                            return None;
                        };
                        let cache = limits.map(|limits| {
                            limits.authorizer_cache(
                                definition.rest_api.id.as_str(),
                                &stage.stage_name,
                            )
                        });
                        match crate::authorizer::compile(authorizer, variables, cache) {
                            Ok(compiled) => Some(Arc::new(compiled)),
                            Err(message) => {
                                errors.push(CompileError {
                                    location: format!("authorizer {id}"),
                                    message,
                                });
                                None
                            }
                        }
                    });
                    compiled.clone()
                }
                _ => None,
            };
            routes.set_method(
                node,
                MethodRoute {
                    authorizer,
                    authorization_scopes: method
                        .authorization_scopes
                        .iter()
                        .flatten()
                        .cloned()
                        .collect(),
                    validation,
                    resource_id: resource.id.as_str().into(),
                    resource_path: resource.path.as_str().into(),
                    http_method: method.http_method,
                    authorization_type: method.authorization_type.as_str().into(),
                    api_key_required: method.api_key_required,
                    operation_name: method.operation_name.as_deref().map(Into::into),
                    integration,
                    throttle_key: format!("{}/{}", resource.path, method.http_method).into(),
                    limits: method_limits.unwrap_or_default(),
                },
            );
        }
    }
    let api = &definition.rest_api;
    StageSnapshot {
        api_id: api.id.as_str().into(),
        api_id_header: HeaderValue::from_str(api.id.as_str())
            .unwrap_or(HeaderValue::from_static("invalid")),
        stage_name: stage.stage_name.as_str().into(),
        deployment_id: deployment_id.into(),
        routes,
        variables: variables
            .iter()
            .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
            .collect(),
        binary_media_types: api
            .binary_media_types
            .iter()
            .flatten()
            .map(|t| t.as_str().into())
            .collect(),
        execute_api_endpoint_disabled: api.disable_execute_api_endpoint,
        minimum_compression_size: api
            .minimum_compression_size
            .and_then(|size| usize::try_from(size).ok()),
        edge_endpoint: api
            .endpoint_configuration
            .types
            .contains(&portico_model::rest_api::EndpointType::Edge),
        api_key_source: api.api_key_source,
        canary: None,
        gateway_responses: crate::gateway::compile(definition, variables, errors),
        access: crate::access::StageAccess::compile(definition, stage, errors),
    }
}

fn compile_integration(
    integration: &Integration,
    variables: &BTreeMap<String, String>,
    location: &str,
    errors: &mut Vec<CompileError>,
) -> CompiledIntegration {
    match integration.kind {
        IntegrationType::HttpProxy | IntegrationType::Http => {
            let target = match compile_http_target(integration, variables) {
                Ok(target) => target,
                Err(TargetError::Stage(reason)) => {
                    return CompiledIntegration::Misconfigured {
                        reason: reason.into(),
                    };
                }
                Err(TargetError::Definition(message)) => {
                    errors.push(CompileError {
                        location: location.to_owned(),
                        message,
                    });
                    return CompiledIntegration::Misconfigured {
                        reason: "invalid mapping".into(),
                    };
                }
            };
            if integration.kind == IntegrationType::HttpProxy {
                CompiledIntegration::HttpProxy(target)
            } else {
                CompiledIntegration::Http {
                    target,
                    request: request_mapping(integration),
                    responses: compile_responses(integration, variables, location, errors),
                }
            }
        }
        IntegrationType::Mock => CompiledIntegration::Mock {
            request: request_mapping(integration),
            responses: compile_responses(integration, variables, location, errors),
        },
        IntegrationType::Aws | IntegrationType::AwsProxy => {
            let raw_uri = integration.uri.as_deref().unwrap_or_default();
            let uri = match substitute_stage_variables(raw_uri, variables) {
                Ok(uri) => uri,
                Err(reason) => {
                    return CompiledIntegration::Misconfigured {
                        reason: reason.into(),
                    };
                }
            };
            let Some(function) = lambda_function(&uri) else {
                return if integration.kind == IntegrationType::AwsProxy {
                    CompiledIntegration::Misconfigured {
                        reason: format!(
                            "AWS_PROXY integration URI is not a Lambda function: {uri}"
                        )
                        .into(),
                    }
                } else {
                    CompiledIntegration::Unsupported {
                        kind: integration.kind.as_str(),
                    }
                };
            };
            let parameters = match compile_request_parameters(integration, variables) {
                Ok(parameters) => parameters,
                Err(message) => {
                    errors.push(CompileError {
                        location: location.to_owned(),
                        message,
                    });
                    return CompiledIntegration::Misconfigured {
                        reason: "invalid mapping".into(),
                    };
                }
            };
            let timeout_ms = u64::try_from(integration.timeout_in_millis).unwrap_or(29_000);
            let target = LambdaTarget {
                function: function.into(),
                timeout: Duration::from_millis(timeout_ms),
                parameters,
                with_credentials: integration
                    .credentials
                    .as_deref()
                    .is_some_and(|credentials| !credentials.is_empty()),
            };
            if integration.kind == IntegrationType::AwsProxy {
                CompiledIntegration::LambdaProxy(target)
            } else {
                CompiledIntegration::Lambda {
                    target,
                    request: request_mapping(integration),
                    responses: compile_responses(integration, variables, location, errors),
                }
            }
        }
    }
}

/// The function ARN of a Lambda invocation URI
/// (`arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations`).
pub fn lambda_function(uri: &str) -> Option<&str> {
    let rest = uri.strip_prefix("arn:aws:apigateway:")?;
    let (_region, rest) = rest.split_once(':')?;
    let function = rest
        .strip_prefix("lambda:path/2015-03-31/functions/")?
        .strip_suffix("/invocations")?;
    (!function.is_empty()).then_some(function)
}

fn request_mapping(integration: &Integration) -> RequestMapping {
    RequestMapping {
        templates: integration
            .request_templates
            .iter()
            .flatten()
            .map(|(content_type, template)| {
                (
                    content_type.as_str().into(),
                    crate::integration::CompiledTemplate::compile(template.as_deref()),
                )
            })
            .collect(),
        passthrough: integration.passthrough_behavior,
        content_handling: integration.content_handling,
    }
}

/// Why an HTTP target did not compile.
enum TargetError {
    /// The stage makes the URI unusable: the method fails at run time.
    Stage(String),
    /// The definition itself is broken: the deployment fails.
    Definition(String),
}

fn compile_http_target(
    integration: &Integration,
    variables: &BTreeMap<String, String>,
) -> Result<HttpTarget, TargetError> {
    let raw_uri = integration.uri.as_deref().unwrap_or_default();
    let uri = substitute_stage_variables(raw_uri, variables).map_err(TargetError::Stage)?;
    let uri = parse_uri(&uri).map_err(TargetError::Stage)?;
    let parameters =
        compile_request_parameters(integration, variables).map_err(TargetError::Definition)?;
    let method = match integration.http_method {
        None | Some(HttpMethod::Any) => None,
        Some(verb) => http::Method::from_bytes(verb.as_str().as_bytes()).ok(),
    };
    let timeout_ms = u64::try_from(integration.timeout_in_millis).unwrap_or(29_000);
    let insecure_skip_verification = integration
        .tls_config
        .as_ref()
        .and_then(|tls| tls.insecure_skip_verification)
        .unwrap_or(false);
    let pool_key = format!(
        "{}://{}{}",
        uri.scheme,
        uri.authority,
        if insecure_skip_verification {
            "#insecure"
        } else {
            ""
        }
    )
    .into();
    Ok(HttpTarget {
        method,
        uri,
        timeout: Duration::from_millis(timeout_ms),
        parameters,
        insecure_skip_verification,
        pool_key,
    })
}

/// Replaces `${stageVariables.name}`; a variable the stage does not define is an error.
pub fn substitute_stage_variables(
    uri: &str,
    variables: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    while let Some(start) = rest.find("${stageVariables.") {
        out.push_str(&rest[..start]);
        let after = &rest[start + "${stageVariables.".len()..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated stage variable in {uri}"))?;
        let name = &after[..end];
        let value = variables.get(name).ok_or_else(|| {
            format!("stage variable '{name}' used by the integration URI is not defined")
        })?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Splits an absolute http(s) URI into the pieces the data plane needs per request.
fn parse_uri(uri: &str) -> Result<UriTemplate, String> {
    let invalid = || format!("invalid HTTP endpoint '{uri}'");
    let (scheme, rest) = if let Some(rest) = uri.strip_prefix("http://") {
        (http::uri::Scheme::HTTP, rest)
    } else if let Some(rest) = uri.strip_prefix("https://") {
        (http::uri::Scheme::HTTPS, rest)
    } else {
        return Err(invalid());
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority =
        http::uri::Authority::from_str(&rest[..authority_end]).map_err(|_| invalid())?;
    let host_header = HeaderValue::from_str(authority.as_str()).map_err(|_| invalid())?;
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    if host.is_empty() {
        return Err(invalid());
    }
    let default_port = if scheme == http::uri::Scheme::HTTPS {
        443
    } else {
        80
    };
    let port = authority.port_u16().unwrap_or(default_port);
    let after = &rest[authority_end..];
    let (path, query) = match after.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (after, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    let parts = split_placeholders(path);
    let static_path = parts.iter().all(|part| matches!(part, UriPart::Literal(_)));
    Ok(UriTemplate {
        host: host.into(),
        port,
        scheme,
        authority,
        host_header,
        path: parts,
        query: query.filter(|q| !q.is_empty()).map(Into::into),
        static_path,
    })
}

/// `/a/{id}/b` → [Literal("/a/"), Placeholder("id"), Literal("/b")].
fn split_placeholders(path: &str) -> Vec<UriPart> {
    let mut parts = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        if start > 0 {
            parts.push(UriPart::Literal(rest[..start].into()));
        }
        let name = rest[start + 1..start + len].trim_end_matches('+');
        parts.push(UriPart::Placeholder(name.into()));
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        parts.push(UriPart::Literal(rest.into()));
    }
    parts
}

fn compile_request_parameters(
    integration: &Integration,
    variables: &BTreeMap<String, String>,
) -> Result<Vec<ParameterMapping>, String> {
    let mut compiled = Vec::new();
    for (target_key, source_value) in integration.request_parameters.iter().flatten() {
        let (location, name) = request_target(target_key).map_err(|err| err.to_string())?;
        let header = |name: &str| {
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name '{name}'"))
        };
        let target = match location {
            Location::Path => Target::Path(name.as_str().into()),
            Location::QueryString => Target::QueryString(name.as_str().into()),
            Location::Header => Target::Header(header(&name)?),
            Location::MultiValueQueryString => Target::MultiValueQueryString(name.as_str().into()),
            Location::MultiValueHeader => Target::MultiValueHeader(header(&name)?),
        };
        let source =
            match mapping::parse_request_source(source_value).map_err(|err| err.to_string())? {
                RequestSource::MethodRequest(location, name) => match location {
                    Location::Path => Source::Path(name.into()),
                    Location::QueryString => Source::QueryString(name.into()),
                    Location::Header => Source::Header(header(&name)?),
                    Location::MultiValueQueryString => Source::MultiValueQueryString(name.into()),
                    Location::MultiValueHeader => Source::MultiValueHeader(header(&name)?),
                },
                RequestSource::MethodRequestBody(path) => Source::Body(path.map(Into::into)),
                RequestSource::StageVariable(name) => Source::Literal(
                    variables
                        .get(&name)
                        .map(String::as_str)
                        .unwrap_or_default()
                        .into(),
                ),
                RequestSource::Context(name) => Source::Context(ContextVariable::parse(&name)),
                RequestSource::Literal(value) => Source::Literal(value.into()),
            };
        compiled.push(ParameterMapping { target, source });
    }
    Ok(compiled)
}

fn compile_responses(
    integration: &Integration,
    variables: &BTreeMap<String, String>,
    location: &str,
    errors: &mut Vec<CompileError>,
) -> IntegrationResponses {
    let mut responses = IntegrationResponses::default();
    for (status_code, response) in integration.integration_responses.iter().flatten() {
        let location = format!("{location} {status_code}");
        match compile_response(response, variables) {
            Ok(compiled) if compiled.pattern.is_some() => responses.patterned.push(compiled),
            Ok(compiled) => responses.default = Some(compiled),
            Err(message) => errors.push(CompileError { location, message }),
        }
    }
    responses
}

fn compile_response(
    response: &IntegrationResponse,
    variables: &BTreeMap<String, String>,
) -> Result<CompiledIntegrationResponse, String> {
    let status = StatusCode::from_bytes(response.status_code.as_bytes())
        .map_err(|_| format!("invalid status code '{}'", response.status_code))?;
    let pattern = match response
        .selection_pattern
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        Some(pattern) => Some(
            RegexBuilder::new(&format!("^(?:{pattern})$"))
                .size_limit(REGEX_SIZE_LIMIT)
                .dot_matches_new_line(false)
                .build()
                .map_err(|err| format!("invalid selection pattern '{pattern}': {err}"))?,
        ),
        None => None,
    };
    let mut headers = Vec::new();
    for (target, source) in response.response_parameters.iter().flatten() {
        let name = mapping::parse_method_response_header(target).map_err(|err| err.to_string())?;
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name '{name}'"))?;
        let value = match mapping::parse_response_source(source).map_err(|err| err.to_string())? {
            ResponseSource::Literal(text) => ResponseValue::Literal(
                HeaderValue::from_str(&text)
                    .map_err(|_| format!("invalid header value for '{name}'"))?,
            ),
            ResponseSource::StageVariable(variable) => ResponseValue::Literal(
                HeaderValue::from_str(
                    variables
                        .get(&variable)
                        .map(String::as_str)
                        .unwrap_or_default(),
                )
                .map_err(|_| format!("invalid header value for '{name}'"))?,
            ),
            ResponseSource::IntegrationHeader(from) => ResponseValue::IntegrationHeader(
                HeaderName::from_bytes(from.as_bytes())
                    .map_err(|_| format!("invalid header name '{from}'"))?,
            ),
            ResponseSource::IntegrationMultiValueHeader(from) => {
                ResponseValue::IntegrationMultiValueHeader(
                    HeaderName::from_bytes(from.as_bytes())
                        .map_err(|_| format!("invalid header name '{from}'"))?,
                )
            }
            ResponseSource::IntegrationBody(path) => {
                ResponseValue::IntegrationBody(path.map(Into::into))
            }
            ResponseSource::Context(variable) => {
                ResponseValue::Context(ContextVariable::parse(&variable))
            }
        };
        headers.push((header, value));
    }
    Ok(CompiledIntegrationResponse {
        status,
        pattern,
        headers,
        templates: response
            .response_templates
            .iter()
            .flatten()
            .map(|(content_type, template)| {
                (
                    content_type.as_str().into(),
                    crate::integration::CompiledTemplate::compile(template.as_deref()),
                )
            })
            .collect(),
        content_handling: response.content_handling,
    })
}

impl fmt::Display for UriPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UriPart::Literal(text) => f.write_str(text),
            UriPart::Placeholder(name) => write!(f, "{{{name}}}"),
        }
    }
}

#[cfg(test)]
mod tests;
