//! Models as `components.schemas` (OpenAPI 3) or `definitions` (Swagger 2), their model-URL
//! `$ref`s turned back into document references.

use portico_model::ApiDefinition;
use serde_json::{Map, Value, json};

use super::ExportFormat;
use crate::import::models::MODEL_URL_PREFIX;

/// Every model's schema by model name.
pub(super) fn export(definition: &ApiDefinition, format: ExportFormat) -> Map<String, Value> {
    definition
        .models
        .values()
        .map(|model| {
            let schema = model
                .schema
                .as_deref()
                .and_then(|schema| serde_json::from_str::<Value>(schema).ok())
                .unwrap_or_else(|| json!({}));
            (model.name.clone(), rewrite_refs(schema, format))
        })
        .collect()
}

/// The document reference of model `name`.
pub(super) fn schema_ref(format: ExportFormat, name: &str) -> Value {
    let prefix = match format {
        ExportFormat::Oas30 => "#/components/schemas/",
        ExportFormat::Swagger2 => "#/definitions/",
    };
    json!({"$ref": format!("{prefix}{}", name.replace('~', "~0").replace('/', "~1"))})
}

/// `{"$ref": "https://apigateway.amazonaws.com/restapis/{id}/models/Pet"}` →
/// `{"$ref": "#/components/schemas/Pet"}`, anywhere in a schema.
fn rewrite_refs(schema: Value, format: ExportFormat) -> Value {
    match schema {
        Value::Object(map) => {
            let model = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|target| target.strip_prefix(MODEL_URL_PREFIX))
                .and_then(|rest| rest.split_once("/models/"))
                .map(|(_, name)| name.to_owned());
            match model {
                Some(name) => {
                    let mut map = map;
                    if let Some(reference) = schema_ref(format, &name).get("$ref") {
                        map.insert("$ref".into(), reference.clone());
                    }
                    Value::Object(map)
                }
                None => Value::Object(
                    map.into_iter()
                        .map(|(key, value)| (key, rewrite_refs(value, format)))
                        .collect(),
                ),
            }
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| rewrite_refs(item, format))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_urls_become_document_references() {
        let schema = json!({"type": "array", "items": {
            "$ref": "https://apigateway.amazonaws.com/restapis/abc/models/Pet"
        }});
        assert_eq!(
            rewrite_refs(schema, ExportFormat::Swagger2),
            json!({"type": "array", "items": {"$ref": "#/definitions/Pet"}})
        );
    }
}
