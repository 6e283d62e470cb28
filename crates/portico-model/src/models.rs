//! Models (JSON Schema draft 4 documents that describe payloads) and RequestValidators.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::ModelError;
use crate::patch::{ADD_REPLACE_REMOVE, PatchRule, REPLACE, ValueKind};

/// A Model as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub schema: Option<String>,
    pub content_type: String,
}

/// The members of `CreateModel`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateModelInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub schema: Option<String>,
    pub content_type: Option<String>,
}

/// A RequestValidator as AWS returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestValidator {
    pub id: String,
    pub name: Option<String>,
    pub validate_request_body: bool,
    pub validate_request_parameters: bool,
}

/// The members of `CreateRequestValidator`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRequestValidatorInput {
    pub name: Option<String>,
    pub validate_request_body: Option<bool>,
    pub validate_request_parameters: Option<bool>,
}

/// Patch paths `UpdateModel` accepts.
pub const MODEL_PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/schema",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/description",
        ops: ADD_REPLACE_REMOVE,
        kind: ValueKind::String,
    },
];

/// Patch paths `UpdateRequestValidator` accepts.
pub const VALIDATOR_PATCH_RULES: &[PatchRule] = &[
    PatchRule {
        path: "/name",
        ops: REPLACE,
        kind: ValueKind::String,
    },
    PatchRule {
        path: "/validateRequestBody",
        ops: REPLACE,
        kind: ValueKind::Bool,
    },
    PatchRule {
        path: "/validateRequestParameters",
        ops: REPLACE,
        kind: ValueKind::Bool,
    },
];

/// The schema of the `Empty` model every new API has.
pub const EMPTY_SCHEMA: &str = "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}";
/// The schema of the `Error` model every new API has.
pub const ERROR_SCHEMA: &str = "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}";

// === impl Model ===

impl Model {
    /// A model from `CreateModel` input.
    pub fn create(input: CreateModelInput, id: String) -> Result<Model, ModelError> {
        let name = crate::wire::required("createModelInput.name", input.name)?;
        let content_type =
            crate::wire::required("createModelInput.contentType", input.content_type)?;
        let model = Model {
            id,
            name,
            description: input.description,
            schema: input.schema,
            content_type,
        };
        model.validate()?;
        Ok(model)
    }

    /// The two models AWS creates with every API.
    pub fn defaults(ids: [String; 2]) -> [Model; 2] {
        let [empty, error] = ids;
        [
            Model {
                id: empty,
                name: "Empty".into(),
                description: Some("This is a default empty schema model".into()),
                schema: Some(EMPTY_SCHEMA.into()),
                content_type: "application/json".into(),
            },
            Model {
                id: error,
                name: "Error".into(),
                description: Some("This is a default error schema model".into()),
                schema: Some(ERROR_SCHEMA.into()),
                content_type: "application/json".into(),
            },
        ]
    }

    /// Names are alphanumeric; schemas are JSON objects.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.name.is_empty()
            || self.name.len() > 128
            || !self.name.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(ModelError::bad_request("Model name must be alphanumeric"));
        }
        if let Some(schema) = &self.schema
            && !matches!(
                serde_json::from_str::<serde_json::Value>(schema),
                Ok(serde_json::Value::Object(_))
            )
        {
            return Err(ModelError::bad_request(
                "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]",
            ));
        }
        Ok(())
    }
}

// === impl RequestValidator ===

impl RequestValidator {
    /// A validator from `CreateRequestValidator` input.
    pub fn create(input: CreateRequestValidatorInput, id: String) -> RequestValidator {
        RequestValidator {
            id,
            name: input.name,
            validate_request_body: input.validate_request_body.unwrap_or(false),
            validate_request_parameters: input.validate_request_parameters.unwrap_or(false),
        }
    }
}

/// Most `$ref` levels inlined by [`flatten`]; deeper (or cyclic) references stay references.
pub const MAX_FLATTEN_DEPTH: usize = 16;

/// Replaces `{"$ref": "https://apigateway.amazonaws.com/restapis/{id}/models/{name}"}` with
/// the referenced model's schema (what `GetModel` with `flatten=true` returns, and what
/// request validation checks against).
pub fn flatten(
    models: &std::collections::BTreeMap<String, Model>,
    schema: serde_json::Value,
    depth: usize,
) -> serde_json::Value {
    use serde_json::Value;
    match schema {
        Value::Object(mut object) => {
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                let name = reference.rsplit('/').next().unwrap_or_default();
                let referenced = models
                    .get(name)
                    .and_then(|model| model.schema.as_deref())
                    .and_then(|schema| serde_json::from_str::<Value>(schema).ok());
                if let (Some(mut referenced), true) = (referenced, depth < MAX_FLATTEN_DEPTH) {
                    if let Value::Object(inner) = &mut referenced {
                        inner.remove("$schema");
                    }
                    return flatten(models, referenced, depth + 1);
                }
                return Value::Object(object);
            }
            for value in object.values_mut() {
                *value = flatten(models, value.take(), depth);
            }
            Value::Object(object)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| flatten(models, item, depth))
                .collect(),
        ),
        other => other,
    }
}

/// The schema of model `name` with every `$ref` inlined, if the model has a JSON schema.
pub fn flattened_schema(
    models: &std::collections::BTreeMap<String, Model>,
    name: &str,
) -> Option<serde_json::Value> {
    let schema = models.get(name)?.schema.as_deref()?;
    let schema: serde_json::Value = serde_json::from_str(schema).ok()?;
    Some(flatten(models, schema, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_models_are_valid() {
        for model in Model::defaults(["a".into(), "b".into()]) {
            model.validate().unwrap();
        }
    }

    #[test]
    fn bad_names_and_schemas_are_rejected() {
        let input = |name: &str, schema: &str| CreateModelInput {
            name: Some(name.into()),
            schema: Some(schema.into()),
            content_type: Some("application/json".into()),
            ..Default::default()
        };
        assert!(Model::create(input("Pet", "{}"), "1".into()).is_ok());
        assert!(Model::create(input("my-pet", "{}"), "1".into()).is_err());
        assert!(Model::create(input("Pet", "not json"), "1".into()).is_err());
        assert!(
            Model::create(
                CreateModelInput {
                    name: Some("X".into()),
                    ..Default::default()
                },
                "1".into()
            )
            .is_err()
        );
    }
}
