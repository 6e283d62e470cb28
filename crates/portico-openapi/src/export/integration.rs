//! A method's Integration as `x-amazon-apigateway-integration`, in the lowercase spellings
//! AWS's export uses for types and passthrough behaviours.

use portico_model::{Integration, Resource};
use serde_json::{Map, Value, json};

/// The integration extension of a method on `resource`.
pub(super) fn export(integration: &Integration, resource: &Resource) -> Value {
    let mut out = Map::new();
    out.insert(
        "type".into(),
        json!(integration.kind.as_str().to_ascii_lowercase()),
    );
    if let Some(method) = integration.http_method {
        out.insert("httpMethod".into(), json!(method.as_str()));
    }
    if let Some(uri) = &integration.uri {
        out.insert("uri".into(), json!(uri));
    }
    if let Some(credentials) = &integration.credentials {
        out.insert("credentials".into(), json!(credentials));
    }
    let mut responses = Map::new();
    for response in integration
        .integration_responses
        .iter()
        .flat_map(|r| r.values())
    {
        let key = response
            .selection_pattern
            .clone()
            .filter(|pattern| !pattern.is_empty())
            .unwrap_or_else(|| "default".to_owned());
        let mut entry = Map::new();
        entry.insert("statusCode".into(), json!(response.status_code));
        if let Some(parameters) = &response.response_parameters {
            entry.insert("responseParameters".into(), json!(parameters));
        }
        if let Some(templates) = &response.response_templates {
            entry.insert("responseTemplates".into(), json!(templates));
        }
        if let Some(handling) = response.content_handling {
            entry.insert("contentHandling".into(), json!(handling.as_str()));
        }
        responses.insert(key, Value::Object(entry));
    }
    if !responses.is_empty() {
        out.insert("responses".into(), Value::Object(responses));
    }
    if let Some(parameters) = &integration.request_parameters {
        out.insert("requestParameters".into(), json!(parameters));
    }
    if let Some(templates) = &integration.request_templates {
        out.insert("requestTemplates".into(), json!(templates));
    }
    if let Some(behavior) = integration.passthrough_behavior {
        out.insert(
            "passthroughBehavior".into(),
            json!(behavior.as_str().to_ascii_lowercase()),
        );
    }
    if let Some(handling) = integration.content_handling {
        out.insert("contentHandling".into(), json!(handling.as_str()));
    }
    out.insert(
        "timeoutInMillis".into(),
        json!(integration.timeout_in_millis),
    );
    // The default namespace is the resource's own id, which a new import assigns again.
    if let Some(namespace) = integration
        .cache_namespace
        .as_ref()
        .filter(|namespace| *namespace != resource.id.as_str())
    {
        out.insert("cacheNamespace".into(), json!(namespace));
    }
    if !integration.cache_key_parameters.is_empty() {
        out.insert(
            "cacheKeyParameters".into(),
            json!(integration.cache_key_parameters),
        );
    }
    if let Some(connection_type) = integration.connection_type {
        out.insert("connectionType".into(), json!(connection_type.as_str()));
    }
    if let Some(connection_id) = &integration.connection_id {
        out.insert("connectionId".into(), json!(connection_id));
    }
    if let Some(tls) = &integration.tls_config {
        out.insert("tlsConfig".into(), json!(tls));
    }
    if let Some(mode) = integration.response_transfer_mode {
        out.insert("responseTransferMode".into(), json!(mode.as_str()));
    }
    if let Some(target) = &integration.integration_target {
        out.insert("integrationTarget".into(), json!(target));
    }
    Value::Object(out)
}
