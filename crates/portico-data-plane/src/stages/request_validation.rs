//! Request validation: after authorisation and throttling, before the integration. A method
//! whose request validator asks for it must carry its required parameters (400
//! `BAD_REQUEST_PARAMETERS`, `Missing required request parameters: [a, b]`) and a body that
//! matches the model for its content type (400 `BAD_REQUEST_BODY`, `Invalid request body`,
//! details in `$context.error.validationErrorString`). Reference §15.

use portico_model::mapping::Location;

use crate::gateway_response::{GatewayResponseType, Reject};
use crate::invocation::Invocation;
use crate::pipeline::Client;

/// Checks the request against its method's validator; reads the body only when a schema
/// applies.
pub async fn validate(invocation: &Invocation<'_>, client: &mut Client<'_>) -> Result<(), Reject> {
    let Some(validation) = &invocation.route.validation else {
        return Ok(());
    };
    let missing: Vec<&str> = validation
        .required
        .iter()
        .filter(|(location, name)| !present(invocation, *location, name))
        .map(|(_, name)| &**name)
        .collect();
    if !missing.is_empty() {
        let mut reject = Reject::new(GatewayResponseType::BadRequestParameters);
        reject.message = Some(format!(
            "Missing required request parameters: [{}]",
            missing.join(", ")
        ));
        return Err(reject);
    }
    let content_type = invocation
        .head
        .header_str("content-type")
        .unwrap_or("application/json");
    let Some(schema) = validation.schema_for(content_type) else {
        return Ok(());
    };
    let body = client
        .mapped_body(invocation.head.header_str("content-encoding"))
        .await?;
    let outcome = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(document) => {
            let errors: Vec<String> = schema
                .iter_errors(&document)
                .map(|err| describe(&err))
                .collect();
            if errors.is_empty() {
                Ok(())
            } else {
                Err(format!("[{}]", errors.join(", ")))
            }
        }
        Err(err) => Err(format!("[Invalid input: {err}]")),
    };
    // AWS hands the string out ready to sit inside a JSON string: quotes come escaped.
    let outcome = outcome.map_err(|text| text.replace('\\', "\\\\").replace('"', "\\\""));
    outcome.map_err(|validation_error| {
        let mut reject = Reject::new(GatewayResponseType::BadRequestBody);
        reject.validation_error = Some(validation_error);
        reject
    })
}

/// A required parameter must be present and not blank.
fn present(invocation: &Invocation<'_>, location: Location, name: &str) -> bool {
    match location {
        Location::Path => invocation
            .path_param(name)
            .is_some_and(|value| !value.trim().is_empty()),
        Location::QueryString | Location::MultiValueQueryString => invocation
            .query_values(name)
            .iter()
            .any(|value| !value.trim().is_empty()),
        Location::Header | Location::MultiValueHeader => invocation
            .head
            .header_all(name)
            .any(|value| !crate::http1::head::trim(value).is_empty()),
    }
}

/// A validation failure in the words AWS's validator uses.
fn describe(error: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as Kind;
    let instance = error.instance();
    let json = |value: &serde_json::Value| value.to_string();
    match error.kind() {
        Kind::Required { property } => format!(
            "object has missing required properties ([{}])",
            json(property)
        ),
        Kind::Type { .. } => format!(
            "instance type ({}) does not match any allowed primitive type",
            match instance.as_ref() {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "boolean",
                serde_json::Value::Number(number) if number.is_i64() || number.is_u64() =>
                    "integer",
                serde_json::Value::Number(_) => "number",
                serde_json::Value::String(_) => "string",
                serde_json::Value::Array(_) => "array",
                serde_json::Value::Object(_) => "object",
            }
        ),
        Kind::Minimum { limit } => {
            format!(
                "numeric instance is lower than the required minimum (minimum: {limit}, found: {})",
                json(instance)
            )
        }
        Kind::Maximum { limit } => {
            format!(
                "numeric instance is greater than the required maximum (maximum: {limit}, found: {})",
                json(instance)
            )
        }
        Kind::MinLength { limit } => format!(
            "string {} is too short (required minimum: {limit})",
            json(instance)
        ),
        Kind::MaxLength { limit } => format!(
            "string {} is too long (maximum allowed: {limit})",
            json(instance)
        ),
        Kind::Enum { options } => {
            format!(
                "instance value ({}) not found in enum (possible values: {})",
                json(instance),
                json(options)
            )
        }
        Kind::Pattern { pattern } => {
            format!(
                "ECMA 262 regex {} does not match input string {}",
                json(&serde_json::Value::from(pattern.as_str())),
                json(instance)
            )
        }
        Kind::AdditionalProperties { unexpected } => format!(
            "object instance has properties which are not allowed by the schema: {}",
            json(&serde_json::Value::from(unexpected.clone()))
        ),
        _ => error.to_string(),
    }
}
