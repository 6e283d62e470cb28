//! `x-amazon-apigateway-integration`: the method's Integration and, from its `responses`
//! (selection pattern or `default` → status code and mappings), its IntegrationResponses.
//! Enumerations are case-insensitive, as AWS reads them.

use portico_model::HttpMethod;
use portico_model::integration::{
    ConnectionType, ContentHandling, IntegrationType, PassthroughBehavior, PutIntegrationInput,
    PutIntegrationResponseInput, ResponseTransferMode, TlsConfig,
};

use super::Importer;
use crate::error::ImportError;
use crate::node::Node;

pub(crate) const INTEGRATION: &str = "x-amazon-apigateway-integration";

/// An integration as the document states it, with where each part sits.
pub(super) struct ParsedIntegration {
    pub location: String,
    pub input: PutIntegrationInput,
    pub responses: Vec<ParsedResponse>,
}

/// One entry of the integration's `responses`.
pub(super) struct ParsedResponse {
    pub status: String,
    pub location: String,
    pub input: PutIntegrationResponseInput,
}

/// Reads the integration extension of an operation.
pub(super) fn read(
    importer: &mut Importer<'_>,
    node: &Node<'_>,
) -> Result<ParsedIntegration, ImportError> {
    let mut input = PutIntegrationInput::default();
    let mut responses = Vec::new();
    for (key, field) in node.entries()? {
        match key {
            "type" => {
                let value = field.as_str()?;
                input.kind = Some(IntegrationType::parse(&value.to_ascii_uppercase()).ok_or_else(
                    || {
                        field.error(format!(
                            "Invalid integration type '{value}'. Valid values are aws, aws_proxy, http, http_proxy, mock"
                        ))
                    },
                )?);
            }
            "httpMethod" => {
                let value = field.as_str()?;
                input.http_method = Some(
                    HttpMethod::parse(&value.to_ascii_uppercase()).ok_or_else(|| {
                        field.error(format!(
                            "Invalid integration httpMethod '{value}'. Valid values are {}",
                            HttpMethod::ALL.join(", ")
                        ))
                    })?,
                );
            }
            "uri" => input.uri = Some(field.as_str()?.to_owned()),
            "credentials" => input.credentials = Some(field.as_str()?.to_owned()),
            "requestParameters" => input.request_parameters = Some(field.string_map()?),
            "requestTemplates" => input.request_templates = Some(field.nullable_string_map()?),
            "passthroughBehavior" => {
                input.passthrough_behavior = Some(enumeration(
                    &field,
                    PassthroughBehavior::parse,
                    PassthroughBehavior::ALL,
                )?);
            }
            "contentHandling" => {
                input.content_handling = Some(enumeration(
                    &field,
                    ContentHandling::parse,
                    ContentHandling::ALL,
                )?);
            }
            "timeoutInMillis" => input.timeout_in_millis = Some(field.as_i64()?),
            "cacheNamespace" => input.cache_namespace = Some(field.as_str()?.to_owned()),
            "cacheKeyParameters" => input.cache_key_parameters = Some(field.string_list()?),
            "connectionType" => {
                input.connection_type = Some(enumeration(
                    &field,
                    ConnectionType::parse,
                    ConnectionType::ALL,
                )?);
            }
            "connectionId" => input.connection_id = Some(field.as_str()?.to_owned()),
            "tlsConfig" => input.tls_config = Some(tls_config(importer, &field)?),
            "responseTransferMode" => {
                input.response_transfer_mode = Some(enumeration(
                    &field,
                    ResponseTransferMode::parse,
                    ResponseTransferMode::ALL,
                )?);
            }
            "integrationTarget" => input.integration_target = Some(field.as_str()?.to_owned()),
            "responses" => {
                for (pattern, response) in field.entries()? {
                    responses.push(read_response(importer, pattern, &response)?);
                }
            }
            _ => importer.warn(
                field.location.clone(),
                format!("Ignoring unsupported integration property '{key}'"),
            ),
        }
    }
    if input.kind.is_none() {
        return Err(
            node.error("The integration needs a type (aws, aws_proxy, http, http_proxy or mock)")
        );
    }
    warn_on_shared_status_codes(importer, &responses);
    Ok(ParsedIntegration {
        location: node.location.clone(),
        input,
        responses,
    })
}

fn read_response(
    importer: &mut Importer<'_>,
    pattern: &str,
    node: &Node<'_>,
) -> Result<ParsedResponse, ImportError> {
    let mut input = PutIntegrationResponseInput {
        selection_pattern: (pattern != "default").then(|| pattern.to_owned()),
        ..Default::default()
    };
    let mut status = None;
    for (key, field) in node.entries()? {
        match key {
            "statusCode" => status = Some(field.as_text()?),
            "responseParameters" => input.response_parameters = Some(field.string_map()?),
            "responseTemplates" => input.response_templates = Some(field.nullable_string_map()?),
            "contentHandling" => {
                input.content_handling = Some(enumeration(
                    &field,
                    ContentHandling::parse,
                    ContentHandling::ALL,
                )?);
            }
            _ => importer.warn(
                field.location.clone(),
                format!("Ignoring unsupported integration response property '{key}'"),
            ),
        }
    }
    let status = status.ok_or_else(|| node.error("The integration response needs a statusCode"))?;
    Ok(ParsedResponse {
        status,
        location: node.location.clone(),
        input,
    })
}

/// Integration responses are keyed by status code, so a later pattern for the same status
/// replaces an earlier one.
fn warn_on_shared_status_codes(importer: &mut Importer<'_>, responses: &[ParsedResponse]) {
    for (index, response) in responses.iter().enumerate() {
        if responses[index + 1..]
            .iter()
            .any(|later| later.status == response.status)
        {
            importer.warn(
                response.location.clone(),
                format!(
                    "Another integration response also answers status {}; only the last one is kept",
                    response.status
                ),
            );
        }
    }
}

fn tls_config(importer: &mut Importer<'_>, node: &Node<'_>) -> Result<TlsConfig, ImportError> {
    let mut config = TlsConfig::default();
    for (key, field) in node.entries()? {
        match key {
            "insecureSkipVerification" => {
                config.insecure_skip_verification = Some(field.as_bool()?)
            }
            _ => importer.warn(
                field.location.clone(),
                format!("Ignoring unsupported tlsConfig property '{key}'"),
            ),
        }
    }
    Ok(config)
}

/// A case-insensitive AWS enumeration value.
fn enumeration<T>(
    node: &Node<'_>,
    parse: fn(&str) -> Option<T>,
    allowed: &[&str],
) -> Result<T, ImportError> {
    let value = node.as_str()?;
    parse(&value.to_ascii_uppercase()).ok_or_else(|| {
        node.error(format!(
            "Invalid value '{value}'. Valid values are {}",
            allowed.join(", ")
        ))
    })
}

/// The integration field a model error is about, to point the error there.
pub(super) fn field_of(message: &str) -> Option<&'static str> {
    if message.contains("URI") || message.contains("ARN") || message.contains("AWS_PROXY") {
        Some("uri")
    } else if message.contains("Timeout") {
        Some("timeoutInMillis")
    } else if message.contains("HttpMethod") || message.contains("HTTP method") {
        Some("httpMethod")
    } else if message.contains("ConnectionId") {
        Some("connectionId")
    } else if message.contains("cache key") {
        Some("cacheKeyParameters")
    } else if message.contains("mapping expression") {
        Some("requestParameters")
    } else {
        None
    }
}
