//! Compiled gateway responses: the API's customised responses per type, with header
//! mappings resolved and templates kept for rendering.

use std::collections::HashMap;

use http::{HeaderName, HeaderValue, StatusCode};
use portico_model::ApiDefinition;
use portico_model::gateway_response::{GatewayResponse, GatewayResponseType};
use portico_model::mapping::Location;

use crate::compile::CompileError;
use crate::context::ContextVariable;

/// One customised gateway response.
#[derive(Debug)]
pub struct CompiledGatewayResponse {
    /// The status, if the customisation sets one.
    pub status: Option<StatusCode>,
    /// `gatewayresponse.header.X` ← value.
    pub headers: Vec<(HeaderName, GatewayValue)>,
    /// (content type, template).
    pub templates: Vec<(Box<str>, Box<str>)>,
}

/// Where a gateway response header value comes from.
#[derive(Debug, Clone)]
pub enum GatewayValue {
    /// A literal, or a stage variable resolved when compiling.
    Literal(HeaderValue),
    /// `method.request.{path|querystring|header}.X`.
    MethodRequest(Location, Box<str>),
    Context(ContextVariable),
}

/// The customised responses of a deployment.
#[derive(Debug, Default)]
pub struct GatewayResponses {
    custom: HashMap<GatewayResponseType, CompiledGatewayResponse>,
}

// === impl GatewayResponses ===

impl GatewayResponses {
    /// The response that applies to `kind` answering with `status`: its own customisation,
    /// else the customised `DEFAULT_4XX`/`DEFAULT_5XX`, else none (AWS's built-in default).
    pub fn for_type(
        &self,
        kind: GatewayResponseType,
        status: u16,
    ) -> Option<&CompiledGatewayResponse> {
        self.custom
            .get(&kind)
            .or_else(|| self.custom.get(&GatewayResponseType::fallback(status)))
    }

    /// True if nothing is customised (the common case; rendering stays on the fast path).
    pub fn is_empty(&self) -> bool {
        self.custom.is_empty()
    }
}

/// Compiles the definition's customised gateway responses.
pub fn compile(
    definition: &ApiDefinition,
    variables: &std::collections::BTreeMap<String, String>,
    errors: &mut Vec<CompileError>,
) -> GatewayResponses {
    let mut custom = HashMap::new();
    for (kind, response) in &definition.gateway_responses {
        match compile_one(response, variables) {
            Ok(compiled) => {
                custom.insert(*kind, compiled);
            }
            Err(message) => errors.push(CompileError {
                location: format!("gateway response {kind}"),
                message,
            }),
        }
    }
    GatewayResponses { custom }
}

fn compile_one(
    response: &GatewayResponse,
    variables: &std::collections::BTreeMap<String, String>,
) -> Result<CompiledGatewayResponse, String> {
    let status = match &response.status_code {
        Some(status) => Some(
            StatusCode::from_bytes(status.as_bytes())
                .map_err(|_| format!("invalid status code {status}"))?,
        ),
        None => None,
    };
    let mut headers = Vec::new();
    for (target, source) in &response.response_parameters {
        // Only headers reach the client; query-string and path targets have nowhere to go.
        let Some(name) = target.strip_prefix("gatewayresponse.header.") else {
            continue;
        };
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name {name}"))?;
        let invalid_value = || format!("invalid header value for {name}");
        let value =
            if let Some(literal) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                GatewayValue::Literal(HeaderValue::from_str(literal).map_err(|_| invalid_value())?)
            } else if let Some(variable) = source.strip_prefix("stageVariables.") {
                let value = variables
                    .get(variable)
                    .map(String::as_str)
                    .unwrap_or_default();
                GatewayValue::Literal(HeaderValue::from_str(value).map_err(|_| invalid_value())?)
            } else if let Some(variable) = source.strip_prefix("context.") {
                GatewayValue::Context(ContextVariable::parse(variable))
            } else if let Some(rest) = source.strip_prefix("method.request.") {
                let (word, parameter) = rest
                    .split_once('.')
                    .ok_or_else(|| format!("invalid mapping {source}"))?;
                let location =
                    Location::parse(word).ok_or_else(|| format!("invalid mapping {source}"))?;
                GatewayValue::MethodRequest(location.declared_as(), parameter.into())
            } else {
                return Err(format!("invalid mapping {source}"));
            };
        headers.push((name, value));
    }
    let templates = response
        .response_templates
        .iter()
        .map(|(content_type, template)| (content_type.as_str().into(), template.as_str().into()))
        .collect();
    Ok(CompiledGatewayResponse {
        status,
        headers,
        templates,
    })
}
