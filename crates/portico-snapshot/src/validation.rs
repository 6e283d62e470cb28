//! Compiled request validation: the required parameters and body schemas of a method whose
//! request validator asks for them (reference §15).

use std::sync::Arc;

use portico_model::mapping::{Location, parse_method_request_parameter};
use portico_model::{ApiDefinition, Method};

/// What a method's validator checks before the integration runs.
#[derive(Debug, Default)]
pub struct RequestValidation {
    /// Parameters that must be present and not blank, in declaration order.
    pub required: Vec<(Location, Box<str>)>,
    /// (content type, schema) pairs for the body.
    pub body_schemas: Vec<(Box<str>, Arc<jsonschema::Validator>)>,
}

// === impl RequestValidation ===

impl RequestValidation {
    /// The schema for a request content type (parameters ignored; `$default` as fallback).
    pub fn schema_for(&self, content_type: &str) -> Option<&jsonschema::Validator> {
        let mime = content_type.split(';').next().unwrap_or_default().trim();
        let find = |wanted: &str| {
            self.body_schemas
                .iter()
                .find(|(candidate, _)| candidate.eq_ignore_ascii_case(wanted))
                .map(|(_, schema)| schema.as_ref())
        };
        find(mime).or_else(|| find("$default"))
    }
}

/// Compiles the validation of `method`, or `None` when no validator applies.
pub fn compile(
    definition: &ApiDefinition,
    method: &Method,
) -> Result<Option<RequestValidation>, String> {
    let Some(validator) = method
        .request_validator_id
        .as_deref()
        .and_then(|id| definition.request_validators.get(id))
    else {
        return Ok(None);
    };
    let mut validation = RequestValidation::default();
    if validator.validate_request_parameters {
        let mut required: Vec<(Location, Box<str>)> = Vec::new();
        for (key, is_required) in method.request_parameters.iter().flatten() {
            if !is_required {
                continue;
            }
            let (location, name) =
                parse_method_request_parameter(key).map_err(|err| err.to_string())?;
            required.push((location, name.into()));
        }
        // AWS lists missing parameters path first, then query string, then headers.
        required.sort_by_key(|(location, _)| match location {
            Location::Path => 0,
            Location::QueryString | Location::MultiValueQueryString => 1,
            Location::Header | Location::MultiValueHeader => 2,
        });
        validation.required = required;
    }
    if validator.validate_request_body {
        for (content_type, model) in method.request_models.iter().flatten() {
            let Some(schema) = portico_model::models::flattened_schema(&definition.models, model)
            else {
                continue;
            };
            let compiled = jsonschema::draft4::new(&schema).map_err(|err| {
                format!("model {model} is not a valid JSON Schema draft 4 document: {err}")
            })?;
            validation
                .body_schemas
                .push((content_type.as_str().into(), Arc::new(compiled)));
        }
    }
    if validation.required.is_empty() && validation.body_schemas.is_empty() {
        return Ok(None);
    }
    Ok(Some(validation))
}
