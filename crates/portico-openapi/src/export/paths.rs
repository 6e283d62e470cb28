//! Resources and methods as `paths`: parameters, request bodies, responses, security and the
//! operation extensions.

use std::collections::BTreeMap;

use portico_model::{ApiDefinition, HttpMethod, Method, Resource};
use serde_json::{Map, Value, json};

use super::models::schema_ref;
use super::{ExportFormat, ExportOptions, integration, security};
use crate::import::extensions::REQUEST_VALIDATOR;
use crate::import::paths::ANY_METHOD;

/// The `paths` object: every resource with methods, and empty leaf resources (which import
/// would not create otherwise).
pub(super) fn export(definition: &ApiDefinition, options: &ExportOptions) -> Value {
    let mut paths = Map::new();
    for resource in definition.resources_by_path() {
        let is_leaf = !definition
            .resources
            .values()
            .any(|r| r.parent_id.as_ref() == Some(&resource.id));
        let is_root = resource.parent_id.is_none();
        if resource.resource_methods.is_empty() && (is_root || !is_leaf) {
            continue;
        }
        let mut item = Map::new();
        for method in resource.resource_methods.values() {
            let key = match method.http_method {
                HttpMethod::Any => ANY_METHOD.to_owned(),
                other => other.as_str().to_ascii_lowercase(),
            };
            item.insert(key, operation(definition, resource, method, options));
        }
        paths.insert(resource.path.clone(), Value::Object(item));
    }
    Value::Object(paths)
}

fn operation(
    definition: &ApiDefinition,
    resource: &Resource,
    method: &Method,
    options: &ExportOptions,
) -> Value {
    let format = options.format;
    let mut operation = Map::new();
    if let Some(name) = &method.operation_name {
        operation.insert("operationId".into(), json!(name));
    }
    let request_models = method.request_models.clone().unwrap_or_default();
    if format == ExportFormat::Swagger2 {
        if !request_models.is_empty() {
            operation.insert(
                "consumes".into(),
                json!(request_models.keys().collect::<Vec<_>>()),
            );
        }
        let produces: Vec<&String> = method
            .method_responses
            .iter()
            .flat_map(|responses| responses.values())
            .flat_map(|response| response.response_models.iter().flat_map(|m| m.keys()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if !produces.is_empty() {
            operation.insert("produces".into(), json!(produces));
        }
    }
    let mut parameters = parameters(method, format);
    if format == ExportFormat::Swagger2
        && let Some(model) = request_models.values().next()
    {
        parameters.push(json!({
            "in": "body",
            "name": model,
            "required": true,
            "schema": schema_ref(format, model),
        }));
    }
    if !parameters.is_empty() {
        operation.insert("parameters".into(), Value::Array(parameters));
    }
    if format == ExportFormat::Oas30 && !request_models.is_empty() {
        operation.insert(
            "requestBody".into(),
            json!({"content": content(&request_models, format), "required": true}),
        );
    }
    operation.insert("responses".into(), responses(method, format));
    let requirements = security::requirements(definition, method);
    if !requirements.is_empty() {
        operation.insert("security".into(), Value::Array(requirements));
    }
    if options.extensions.validators()
        && let Some(validator) = method
            .request_validator_id
            .as_deref()
            .and_then(|id| definition.request_validators.get(id))
    {
        let name = validator
            .name
            .clone()
            .unwrap_or_else(|| validator.id.clone());
        operation.insert(REQUEST_VALIDATOR.into(), json!(name));
    }
    if options.extensions.integrations()
        && let Some(found) = &method.method_integration
    {
        operation.insert(
            crate::import::integration::INTEGRATION.into(),
            integration::export(found, resource),
        );
    }
    Value::Object(operation)
}

/// Path, query and header parameters, with `required` as the method declares it.
fn parameters(method: &Method, format: ExportFormat) -> Vec<Value> {
    let mut parameters = Vec::new();
    for (key, required) in method.request_parameters.iter().flatten() {
        let Some(rest) = key.strip_prefix("method.request.") else {
            continue;
        };
        let Some((location, name)) = rest.split_once('.') else {
            continue;
        };
        let location = match location {
            "path" => "path",
            "querystring" => "query",
            "header" => "header",
            _ => continue,
        };
        let mut parameter = Map::new();
        parameter.insert("name".into(), json!(name));
        parameter.insert("in".into(), json!(location));
        parameter.insert("required".into(), json!(required));
        match format {
            ExportFormat::Oas30 => parameter.insert("schema".into(), json!({"type": "string"})),
            ExportFormat::Swagger2 => parameter.insert("type".into(), json!("string")),
        };
        parameters.push(Value::Object(parameter));
    }
    parameters
}

fn content(models: &BTreeMap<String, String>, format: ExportFormat) -> Value {
    Value::Object(
        models
            .iter()
            .map(|(content_type, model)| {
                (
                    content_type.clone(),
                    json!({"schema": schema_ref(format, model)}),
                )
            })
            .collect(),
    )
}

fn responses(method: &Method, format: ExportFormat) -> Value {
    let mut responses = Map::new();
    for (status, response) in method.method_responses.iter().flatten() {
        let mut entry = Map::new();
        entry.insert("description".into(), json!(format!("{status} response")));
        let models = response.response_models.clone().unwrap_or_default();
        match format {
            ExportFormat::Oas30 => {}
            ExportFormat::Swagger2 => {
                if let Some(model) = models.values().next() {
                    entry.insert("schema".into(), schema_ref(format, model));
                }
            }
        }
        let headers: Map<String, Value> = response
            .response_parameters
            .iter()
            .flatten()
            .filter_map(|(key, required)| {
                let name = key.strip_prefix("method.response.header.")?;
                let header = match format {
                    ExportFormat::Oas30 if *required => {
                        json!({"required": true, "schema": {"type": "string"}})
                    }
                    ExportFormat::Oas30 => json!({"schema": {"type": "string"}}),
                    ExportFormat::Swagger2 => json!({"type": "string"}),
                };
                Some((name.to_owned(), header))
            })
            .collect();
        if !headers.is_empty() {
            entry.insert("headers".into(), Value::Object(headers));
        }
        if format == ExportFormat::Oas30 && !models.is_empty() {
            entry.insert("content".into(), content(&models, format));
        }
        responses.insert(status.clone(), Value::Object(entry));
    }
    Value::Object(responses)
}
