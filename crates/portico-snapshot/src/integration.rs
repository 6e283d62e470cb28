//! Compiled integrations: targets, mappings and response selection, ready for the data plane.

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue, StatusCode};
use portico_model::ContentHandling;
use portico_model::PassthroughBehavior;
use regex::Regex;

use crate::context::ContextVariable;

/// What a method's integration does, compiled.
#[derive(Debug)]
pub enum CompiledIntegration {
    /// `HTTP_PROXY`: the request passes through to the backend, the answer back unmapped.
    HttpProxy(HttpTarget),
    /// `HTTP`: mapped request to the backend, integration responses select and map the answer.
    Http {
        target: HttpTarget,
        request: RequestMapping,
        responses: IntegrationResponses,
    },
    /// `MOCK`: the request template's `statusCode` selects an integration response.
    Mock {
        request: RequestMapping,
        responses: IntegrationResponses,
    },
    /// `AWS_PROXY` to a Lambda function: the request becomes the proxy event (format 1.0),
    /// the function's answer the response.
    LambdaProxy(LambdaTarget),
    /// `AWS` (non-proxy) to a Lambda function: the request template's output is the event,
    /// integration responses are selected by the function's `errorMessage`.
    Lambda {
        target: LambdaTarget,
        request: RequestMapping,
        responses: IntegrationResponses,
    },
    /// A type Portico cannot run (`AWS` integrations with services other than Lambda):
    /// answers 500 like a misconfigured integration on AWS.
    Unsupported { kind: &'static str },
    /// The integration cannot run as configured for this stage (say a stage variable
    /// missing from the URI); the reason goes to the log, the client gets AWS's 500.
    Misconfigured { reason: Box<str> },
}

/// The function a Lambda integration invokes.
#[derive(Debug)]
pub struct LambdaTarget {
    /// The function ARN from the integration URI (stage variables substituted), possibly
    /// qualified by a version or alias.
    pub function: Box<str>,
    pub timeout: Duration,
    /// `integration.request.*` mappings (non-proxy: `X-Amz-Invocation-Type` picks `Event`).
    pub parameters: Vec<ParameterMapping>,
    /// Whether the gateway invokes with credentials of its own (`credentials` /
    /// `authorizerCredentials`, an IAM role); without them the function's resource-based
    /// policy must allow `apigateway.amazonaws.com`.
    pub with_credentials: bool,
}

/// Where an HTTP integration sends requests.
#[derive(Debug)]
pub struct HttpTarget {
    /// The backend method; `None` for `ANY`, which forwards the client's method.
    pub method: Option<http::Method>,
    pub uri: UriTemplate,
    pub timeout: Duration,
    /// `integration.request.*` mappings.
    pub parameters: Vec<ParameterMapping>,
    /// `tlsConfig.insecureSkipVerification`.
    pub insecure_skip_verification: bool,
    /// Identifies the backend connection pool (scheme, authority, TLS verification).
    pub pool_key: Box<str>,
}

/// An integration URI with stage variables already substituted.
#[derive(Debug)]
pub struct UriTemplate {
    pub scheme: http::uri::Scheme,
    pub authority: http::uri::Authority,
    /// Host to connect to (IPv6 literals without brackets) and its port.
    pub host: Box<str>,
    pub port: u16,
    /// Value for the `Host` header sent to the backend.
    pub host_header: HeaderValue,
    /// Path pieces; placeholders are filled from `integration.request.path.*`.
    pub path: Vec<UriPart>,
    /// The static query string of the URI, without `?`.
    pub query: Option<Box<str>>,
    /// True if the path has no placeholders (the common case: no per-request formatting).
    pub static_path: bool,
}

/// A piece of an integration URI's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UriPart {
    Literal(Box<str>),
    /// `{name}`: replaced by the mapped path parameter `name`.
    Placeholder(Box<str>),
}

/// One `integration.request.{location}.{name}` ← source mapping.
#[derive(Debug, Clone)]
pub struct ParameterMapping {
    pub target: Target,
    pub source: Source,
}

/// Where a mapped request parameter goes.
#[derive(Debug, Clone)]
pub enum Target {
    Path(Box<str>),
    QueryString(Box<str>),
    Header(HeaderName),
    MultiValueQueryString(Box<str>),
    MultiValueHeader(HeaderName),
}

/// Where a mapped value comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Path(Box<str>),
    QueryString(Box<str>),
    Header(HeaderName),
    MultiValueQueryString(Box<str>),
    MultiValueHeader(HeaderName),
    /// `method.request.body` or a JSONPath into it.
    Body(Option<Box<str>>),
    /// A literal, or a stage variable resolved when compiling.
    Literal(Box<str>),
    Context(ContextVariable),
}

/// A mapping template, parsed once when the snapshot is compiled.
#[derive(Debug, Clone)]
pub enum CompiledTemplate {
    /// A template given as null or empty: it renders nothing.
    Empty,
    Vtl(Arc<portico_vtl::Template>),
    /// The template does not parse; calls that select it fail with AWS's 500 and the reason
    /// goes to the log (AWS accepts such templates and fails at run time too).
    Broken(Box<str>),
}

impl CompiledTemplate {
    /// Parses a template (or records why it cannot be used).
    pub fn compile(source: Option<&str>) -> CompiledTemplate {
        match source {
            None | Some("") => CompiledTemplate::Empty,
            Some(source) => match portico_vtl::Template::parse(source) {
                Ok(template) => CompiledTemplate::Vtl(Arc::new(template)),
                Err(err) => CompiledTemplate::Broken(err.to_string().into()),
            },
        }
    }
}

/// Request templates and passthrough rules of a non-proxy integration.
#[derive(Debug, Default)]
pub struct RequestMapping {
    /// (content type, template) pairs.
    pub templates: Vec<(Box<str>, CompiledTemplate)>,
    pub passthrough: Option<PassthroughBehavior>,
    pub content_handling: Option<ContentHandling>,
}

/// The integration responses of a non-proxy integration.
#[derive(Debug, Default)]
pub struct IntegrationResponses {
    /// Responses with a selection pattern, tried in status-code order.
    pub patterned: Vec<CompiledIntegrationResponse>,
    /// The response without a pattern, if any.
    pub default: Option<CompiledIntegrationResponse>,
}

/// One integration response.
#[derive(Debug)]
pub struct CompiledIntegrationResponse {
    pub status: StatusCode,
    /// Full-match regex over the selection value.
    pub pattern: Option<Regex>,
    /// `method.response.header.X` ← source.
    pub headers: Vec<(HeaderName, ResponseValue)>,
    /// (content type, template) pairs.
    pub templates: Vec<(Box<str>, CompiledTemplate)>,
    pub content_handling: Option<ContentHandling>,
}

/// Where a mapped response header comes from.
#[derive(Debug, Clone)]
pub enum ResponseValue {
    Literal(HeaderValue),
    IntegrationHeader(HeaderName),
    IntegrationMultiValueHeader(HeaderName),
    IntegrationBody(Option<Box<str>>),
    Context(ContextVariable),
}

// === impl IntegrationResponses ===

impl IntegrationResponses {
    /// Selects the response for `value` (the backend status code, or a Lambda error
    /// message): the first pattern that matches the whole value, else the default.
    pub fn select(&self, value: &str) -> Option<&CompiledIntegrationResponse> {
        self.patterned
            .iter()
            .find(|response| response.pattern.as_ref().is_some_and(|p| p.is_match(value)))
            .or(self.default.as_ref())
    }
}

// === impl RequestMapping ===

impl RequestMapping {
    /// The template for a request content type (parameters such as `charset` ignored).
    pub fn template_for(&self, content_type: &str) -> Option<&CompiledTemplate> {
        let mime = content_type.split(';').next().unwrap_or_default().trim();
        self.templates
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(mime))
            .map(|(_, template)| template)
    }
}
