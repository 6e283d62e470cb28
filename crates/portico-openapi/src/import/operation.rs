//! One operation becomes one Method with its MethodResponses, Integration and
//! IntegrationResponses. Parameters and responses the integration maps but the operation
//! forgot to declare are declared for it, with a warning, rather than failing the import.

use std::collections::BTreeMap;

use portico_model::mapping::{
    Location, RequestSource, parse_method_request_parameter, parse_request_source,
};
use portico_model::method::{PutMethodInput, PutMethodResponseInput};
use portico_model::resource::PathPart;
use portico_model::{HttpMethod, ResourceId};

use super::extensions::{EXTENSION_PREFIX, REQUEST_VALIDATOR, validator_id};
use super::integration::{self, INTEGRATION, ParsedIntegration};
use super::models::{capitalize, model_for_schema, sanitize};
use super::responses::{self, ResponseDecl};
use super::security::{self, AUTH};
use super::{Flavor, Importer, model_error, parameters};
use crate::error::ImportError;
use crate::node::Node;

/// Where an operation sits: its resource and method, and the path item's shared parameters.
pub(super) struct Site<'a> {
    pub resource_id: ResourceId,
    pub resource_path: String,
    pub http_method: HttpMethod,
    pub operation: Node<'a>,
    pub shared_parameters: Option<Node<'a>>,
}

/// Operation-level extensions import understands.
const OPERATION_EXTENSIONS: &[&str] = &[INTEGRATION, REQUEST_VALIDATOR, AUTH];

/// Imports one operation as a method (replacing a method the API already had there when
/// PutRestApi merges).
pub(super) fn import_operation<'a>(
    importer: &mut Importer<'a>,
    site: &Site<'a>,
) -> Result<(), ImportError> {
    let operation = importer.resolve(site.operation.clone())?;
    operation.object()?;
    let verb = site.http_method.as_str();
    let label = format!("{verb} {}", site.resource_path);
    if !importer
        .defined_methods
        .insert((site.resource_id.clone(), site.http_method))
    {
        return Err(operation.error(format!("Method '{label}' is defined more than once")));
    }
    for (key, node) in operation.entries()? {
        if key.starts_with(EXTENSION_PREFIX) && !OPERATION_EXTENSIONS.contains(&key) {
            importer.warn(
                node.location.clone(),
                format!("Ignoring unsupported operation extension '{key}'"),
            );
        }
    }
    let operation_name = operation.str_field("operationId")?.map(str::to_owned);
    let hint = model_hint(operation_name.as_deref(), site);
    let parameters = parameters::read(importer, site.shared_parameters.as_ref(), &operation)?;
    let request_models = request_models(importer, &operation, parameters.body_schema, &hint)?;
    let auth = security::method_auth(importer, &operation, &label)?;
    let validator = match operation.get(REQUEST_VALIDATOR) {
        Some(node) => Some(validator_id(importer, &node)?),
        None => importer.default_validator.clone(),
    };
    let mut method_responses = responses::read(importer, &operation, &hint, &label)?;
    let integration = operation
        .get(INTEGRATION)
        .map(|node| integration::read(importer, &node))
        .transpose()?;
    let mut request_parameters = parameters.request_parameters;
    if let Some(integration) = &integration {
        declare_mapped_parameters(importer, integration, &mut request_parameters, site, &label);
        declare_mapped_responses(importer, integration, &mut method_responses, &label);
    }

    let definition = &mut importer.definition;
    let exists = definition
        .resource(&site.resource_id)
        .is_ok_and(|resource| resource.resource_methods.contains_key(verb));
    if exists {
        definition
            .delete_method(&site.resource_id, site.http_method)
            .map_err(|err| {
                model_error(operation.location.clone(), "Unable to replace method", &err)
            })?;
    }
    let input = PutMethodInput {
        authorization_type: Some(auth.authorization_type),
        authorizer_id: auth.authorizer_id,
        api_key_required: Some(auth.api_key_required),
        operation_name,
        request_parameters: Some(request_parameters),
        request_models: Some(request_models),
        request_validator_id: validator,
        authorization_scopes: auth.scopes,
    };
    let path = &site.resource_path;
    definition
        .put_method(&site.resource_id, site.http_method, input)
        .map_err(|err| {
            model_error(
                operation.location.clone(),
                &format!("Unable to put method '{verb}' on resource at path '{path}'"),
                &err,
            )
        })?;
    for (status, declared) in method_responses {
        let input = PutMethodResponseInput {
            response_parameters: Some(declared.parameters),
            response_models: Some(declared.models),
        };
        definition
            .put_method_response(&site.resource_id, site.http_method, &status, input)
            .map_err(|err| {
                model_error(
                    declared.location,
                    &format!("Unable to put method response '{status}' on '{verb}' for resource at path '{path}'"),
                    &err,
                )
            })?;
    }
    let Some(integration) = integration else {
        return Ok(());
    };
    definition
        .put_integration(&site.resource_id, site.http_method, integration.input)
        .map_err(|err| {
            let message = err.to_string();
            let location = match integration::field_of(&message) {
                Some(field) => format!("{}.{field}", integration.location),
                None => integration.location.clone(),
            };
            model_error(
                location,
                &format!("Unable to put integration on '{verb}' for resource at path '{path}'"),
                &err,
            )
        })?;
    for response in integration.responses {
        definition
            .put_integration_response(&site.resource_id, site.http_method, &response.status, response.input)
            .map_err(|err| {
                model_error(
                    response.location,
                    &format!("Unable to put integration response on '{verb}' for resource at path '{path}'"),
                    &err,
                )
            })?;
    }
    Ok(())
}

/// Request models: OpenAPI 3 `requestBody` content, or the Swagger 2 body parameter's schema
/// under each type the operation `consumes`.
fn request_models<'a>(
    importer: &mut Importer<'a>,
    operation: &Node<'a>,
    body_schema: Option<Node<'a>>,
    hint: &str,
) -> Result<BTreeMap<String, String>, ImportError> {
    let mut models = BTreeMap::new();
    let model_hint = format!("{hint}Request");
    match importer.flavor {
        Flavor::OpenApi3 => {
            if let Some(body) = operation.get("requestBody") {
                let body = importer.resolve(body)?;
                if let Some(content) = body.get("content") {
                    for (content_type, media) in content.entries()? {
                        if let Some(schema) = media.get("schema") {
                            let model = model_for_schema(importer, &schema, &model_hint)?;
                            models.insert(content_type.to_owned(), model);
                        }
                    }
                }
            }
        }
        Flavor::Swagger2 => {
            if let Some(schema) = body_schema {
                let model = model_for_schema(importer, &schema, &model_hint)?;
                for content_type in responses::media_types(importer, operation, "consumes")? {
                    models.insert(content_type, model.clone());
                }
            }
        }
    }
    Ok(models)
}

/// The stem of generated model names: the operationId, else verb and path words
/// (`GET /pets/{petId}` → `GetPetsPetId`).
fn model_hint(operation_name: Option<&str>, site: &Site<'_>) -> String {
    if let Some(name) = operation_name {
        let cleaned = sanitize(name);
        if cleaned != "Model" {
            return capitalize(&cleaned);
        }
    }
    let verb = site.http_method.as_str().to_ascii_lowercase();
    let mut hint = capitalize(&verb);
    let words: Vec<String> = site
        .resource_path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| capitalize(&sanitize(segment)))
        .collect();
    if words.is_empty() {
        hint.push_str("Root");
    } else {
        hint.push_str(&words.concat());
    }
    hint
}

/// Declares the method request parameters the integration reads but the operation did not
/// declare: query strings and headers as optional, path variables of the resource as required.
fn declare_mapped_parameters(
    importer: &mut Importer<'_>,
    integration: &ParsedIntegration,
    parameters: &mut BTreeMap<String, bool>,
    site: &Site<'_>,
    label: &str,
) {
    let mut needed: Vec<(String, Location, String)> = Vec::new();
    for source in integration
        .input
        .request_parameters
        .iter()
        .flat_map(|p| p.values())
    {
        if let Ok(RequestSource::MethodRequest(location, name)) = parse_request_source(source) {
            let declared = format!("method.request.{}.{name}", location.declared_as().as_str());
            needed.push((declared, location.declared_as(), name));
        }
    }
    for key in integration.input.cache_key_parameters.iter().flatten() {
        if let Ok((location, name)) = parse_method_request_parameter(key) {
            needed.push((key.clone(), location, name));
        }
    }
    for (declared, location, name) in needed {
        if parameters.contains_key(&declared) {
            continue;
        }
        let path_variable = site.resource_path.split('/').any(|segment| {
            matches!(PathPart::parse(segment), Ok(PathPart::Param(v) | PathPart::Greedy(v)) if v == name)
        });
        if location == Location::Path && !path_variable {
            continue; // The model reports it: the path has no such variable.
        }
        importer.warn(
            integration.location.clone(),
            format!(
                "Method '{label}' does not declare parameter '{declared}' that its integration maps; declaring it"
            ),
        );
        parameters.insert(declared, location == Location::Path);
    }
}

/// Declares the method responses and response headers the integration responses need.
fn declare_mapped_responses(
    importer: &mut Importer<'_>,
    integration: &ParsedIntegration,
    method_responses: &mut BTreeMap<String, ResponseDecl>,
    label: &str,
) {
    for response in &integration.responses {
        if !method_responses.contains_key(&response.status) {
            importer.warn(
                response.location.clone(),
                format!(
                    "Method '{label}' has no response '{}' for its integration response; adding it",
                    response.status
                ),
            );
            method_responses.insert(
                response.status.clone(),
                ResponseDecl {
                    location: response.location.clone(),
                    ..Default::default()
                },
            );
        }
        let Some(declared) = method_responses.get_mut(&response.status) else {
            continue;
        };
        for key in response
            .input
            .response_parameters
            .iter()
            .flat_map(|p| p.keys())
        {
            if key.starts_with("method.response.header.") && !declared.parameters.contains_key(key)
            {
                importer.warn(
                    response.location.clone(),
                    format!(
                        "Method '{label}' response '{}' does not declare header '{key}' that its integration response maps; declaring it",
                        response.status
                    ),
                );
                declared.parameters.insert(key.clone(), false);
            }
        }
    }
}
