//! Root extensions that are parts of the API rather than RestApi fields: request validators,
//! gateway responses, documentation, and the ones Portico keeps without acting on them.

use portico_model::gateway_response::{GatewayResponseType, PutGatewayResponseInput};
use portico_model::models::{CreateRequestValidatorInput, RequestValidator};

use super::{IdKind, Importer, api, model_error};
use crate::error::ImportError;

pub(crate) const REQUEST_VALIDATORS: &str = "x-amazon-apigateway-request-validators";
pub(crate) const REQUEST_VALIDATOR: &str = "x-amazon-apigateway-request-validator";
pub(crate) const GATEWAY_RESPONSES: &str = "x-amazon-apigateway-gateway-responses";
pub(crate) const DOCUMENTATION: &str = "x-amazon-apigateway-documentation";
pub(crate) const EXTENSION_PREFIX: &str = "x-amazon-apigateway-";

/// Root extensions import turns into parts of the definition.
const MODELLED: &[&str] = &[
    api::API_KEY_SOURCE,
    api::BINARY_MEDIA_TYPES,
    api::MINIMUM_COMPRESSION_SIZE,
    api::POLICY,
    api::ENDPOINT_CONFIGURATION,
    REQUEST_VALIDATORS,
    REQUEST_VALIDATOR,
    GATEWAY_RESPONSES,
];

/// Keeps `x-amazon-apigateway-documentation` (unless ignored) and every unmodelled root
/// `x-amazon-apigateway-*` extension in `definition.extensions`, so export writes them back.
pub(super) fn import_root(importer: &mut Importer<'_>) -> Result<(), ImportError> {
    for (key, node) in importer.root().entries()? {
        if !key.starts_with(EXTENSION_PREFIX) || MODELLED.contains(&key) {
            continue;
        }
        if key == DOCUMENTATION {
            if !importer.options.ignore_documentation {
                importer
                    .definition
                    .extensions
                    .insert(key.to_owned(), node.value.clone());
            }
            continue;
        }
        importer.warn(
            node.location.clone(),
            format!("Portico does not act on the extension '{key}'; it is kept for export only"),
        );
        importer
            .definition
            .extensions
            .insert(key.to_owned(), node.value.clone());
    }
    Ok(())
}

/// `x-amazon-apigateway-request-validators` and the document-level default
/// `x-amazon-apigateway-request-validator`.
pub(super) fn import_validators(importer: &mut Importer<'_>) -> Result<(), ImportError> {
    for validator in importer.definition.request_validators.values() {
        if let Some(name) = &validator.name {
            importer
                .validators
                .insert(name.clone(), validator.id.clone());
        }
    }
    if let Some(node) = importer.root().get(REQUEST_VALIDATORS) {
        for (name, entry) in node.entries()? {
            let mut input = CreateRequestValidatorInput {
                name: Some(name.to_owned()),
                ..Default::default()
            };
            for (key, field) in entry.entries()? {
                match key {
                    "validateRequestBody" => input.validate_request_body = Some(field.as_bool()?),
                    "validateRequestParameters" => {
                        input.validate_request_parameters = Some(field.as_bool()?);
                    }
                    _ => importer.warn(
                        field.location.clone(),
                        format!("Ignoring unsupported request validator property '{key}'"),
                    ),
                }
            }
            let id = match importer.validators.get(name) {
                Some(id) => id.clone(),
                None => importer.new_id(IdKind::RequestValidator),
            };
            let validator = RequestValidator::create(input, id.clone());
            importer
                .definition
                .request_validators
                .insert(id.clone(), validator);
            importer.validators.insert(name.to_owned(), id);
        }
    }
    if let Some(node) = importer.root().get(REQUEST_VALIDATOR) {
        importer.default_validator = Some(validator_id(importer, &node)?);
    }
    Ok(())
}

/// The id of the validator a `x-amazon-apigateway-request-validator` value names.
pub(super) fn validator_id(
    importer: &Importer<'_>,
    node: &crate::node::Node<'_>,
) -> Result<String, ImportError> {
    let name = node.as_str()?;
    importer.validators.get(name).cloned().ok_or_else(|| {
        node.error(format!(
            "Invalid request validator '{name}': it is not defined in {REQUEST_VALIDATORS}"
        ))
    })
}

/// `x-amazon-apigateway-gateway-responses`: response type → status, headers and templates.
pub(super) fn import_gateway_responses(importer: &mut Importer<'_>) -> Result<(), ImportError> {
    let Some(node) = importer.root().get(GATEWAY_RESPONSES) else {
        return Ok(());
    };
    for (type_name, entry) in node.entries()? {
        let response_type = GatewayResponseType::parse(type_name).ok_or_else(|| {
            entry.error(format!(
                "Invalid gateway response type '{type_name}'. Valid values are {}",
                GatewayResponseType::ALL.join(", ")
            ))
        })?;
        let mut input = PutGatewayResponseInput::default();
        for (key, field) in entry.entries()? {
            match key {
                "statusCode" => input.status_code = Some(field.as_text()?),
                "responseParameters" => input.response_parameters = Some(field.string_map()?),
                "responseTemplates" => input.response_templates = Some(field.string_map()?),
                _ => importer.warn(
                    field.location.clone(),
                    format!("Ignoring unsupported gateway response property '{key}'"),
                ),
            }
        }
        importer
            .definition
            .put_gateway_response(response_type, input)
            .map_err(|err| {
                model_error(
                    entry.location.clone(),
                    &format!("Unable to put gateway response '{type_name}'"),
                    &err,
                )
            })?;
    }
    Ok(())
}
