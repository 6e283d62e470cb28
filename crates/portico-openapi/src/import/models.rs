//! Schemas become Models: `components.schemas` / `definitions` by name, inline request and
//! response schemas as generated models. Schema `$ref`s to named schemas are rewritten to the
//! model URLs API Gateway stores (`https://apigateway.amazonaws.com/restapis/{id}/models/{name}`);
//! other local `$ref`s are inlined, with cycles and blow-ups rejected.

use std::collections::BTreeSet;

use portico_model::models::{CreateModelInput, Model};
use serde_json::{Map, Value};

use super::{Flavor, IdKind, Importer, model_error};
use crate::error::ImportError;
use crate::node::Node;
use crate::refs;

/// Where API Gateway's model URLs start; the API id and `/models/{name}` follow.
pub(crate) const MODEL_URL_PREFIX: &str = "https://apigateway.amazonaws.com/restapis/";

/// Most non-model `$ref`s inlined inside one another.
const MAX_INLINE_DEPTH: usize = 8;

/// Most schema nodes converted in one import (inlining may multiply the document's nodes).
pub(super) const SCHEMA_BUDGET: usize = 1_000_000;

/// The stored `$ref` of model `name` of API `api_id`.
pub(crate) fn model_url(api_id: &str, name: &str) -> String {
    format!("{MODEL_URL_PREFIX}{api_id}/models/{name}")
}

/// Creates a model for every named schema of the document.
pub(super) fn import_components(importer: &mut Importer<'_>) -> Result<(), ImportError> {
    let Some(schemas) = importer.at_path(importer.flavor.schemas_path()) else {
        return Ok(());
    };
    let entries = schemas.entries()?;
    // Names first, so that schemas may refer to each other in any order.
    for (name, node) in &entries {
        let model_name = unique_name(importer, &sanitize(name));
        if model_name != *name {
            importer.warn(
                node.location.clone(),
                format!(
                    "Model names must be alphanumeric: schema '{name}' is imported as model '{model_name}'"
                ),
            );
        }
        importer.model_names.insert((*name).to_owned(), model_name);
    }
    for (name, node) in entries {
        let schema = convert(importer, &node, &mut Vec::new())?;
        let model_name = importer.model_names.get(name).cloned().unwrap_or_default();
        put_model(importer, &model_name, &schema, &node.location)?;
    }
    Ok(())
}

/// The model a request or response schema refers to: a named schema's model, or a model
/// generated from an inline schema and named `hint` (equal inline schemas share one model).
pub(super) fn model_for_schema(
    importer: &mut Importer<'_>,
    node: &Node<'_>,
    hint: &str,
) -> Result<String, ImportError> {
    if let Some(target) = refs::reference(node.value)
        && let Some(name) = named_schema(importer.flavor, target)
    {
        return importer.model_names.get(&name).cloned().ok_or_else(|| {
            ImportError::new(
                node.child_location("$ref"),
                format!("Invalid $ref '{target}': no such schema in the document"),
            )
        });
    }
    let schema = convert(importer, node, &mut Vec::new())?;
    let key = schema.to_string();
    if let Some(name) = importer.generated_models.get(&key) {
        return Ok(name.clone());
    }
    let name = unique_name(importer, &sanitize(hint));
    put_model(importer, &name, &schema, &node.location)?;
    importer.generated_models.insert(key, name.clone());
    Ok(name)
}

/// Creates (or, in PutRestApi's merge mode, replaces) model `name`, keeping an existing id.
fn put_model(
    importer: &mut Importer<'_>,
    name: &str,
    schema: &Value,
    location: &str,
) -> Result<(), ImportError> {
    let id = match importer.definition.models.get(name) {
        Some(existing) => existing.id.clone(),
        None => importer.new_id(IdKind::Model),
    };
    let input = CreateModelInput {
        name: Some(name.to_owned()),
        description: None,
        schema: Some(schema.to_string()),
        content_type: Some("application/json".into()),
    };
    let model = Model::create(input, id).map_err(|err| {
        model_error(
            location.to_owned(),
            &format!("Unable to create model '{name}'"),
            &err,
        )
    })?;
    importer.definition.models.insert(name.to_owned(), model);
    Ok(())
}

/// The schema name of `#/components/schemas/{name}` (or `#/definitions/{name}`).
fn named_schema(flavor: Flavor, target: &str) -> Option<String> {
    let prefix = match flavor {
        Flavor::OpenApi3 => "#/components/schemas/",
        Flavor::Swagger2 => "#/definitions/",
    };
    let rest = target.strip_prefix(prefix)?;
    if rest.contains('/') || rest.is_empty() {
        return None;
    }
    Some(refs::decode_token(rest))
}

/// A JSON Schema (draft 4) for a model from an OpenAPI schema: references to named schemas
/// become model URLs, other local references are inlined.
fn convert(
    importer: &mut Importer<'_>,
    node: &Node<'_>,
    stack: &mut Vec<String>,
) -> Result<Value, ImportError> {
    match node.value {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                return convert_reference(importer, node, target, stack);
            }
            importer.schema_budget = importer.schema_budget.checked_sub(1).ok_or_else(|| {
                node.error("The schemas of this document are too large once $refs are inlined")
            })?;
            let mut converted = Map::with_capacity(map.len());
            for (key, value) in map {
                let child = Node::at(value, node.child_location(key));
                converted.insert(key.clone(), convert(importer, &child, stack)?);
            }
            Ok(Value::Object(converted))
        }
        Value::Array(items) => {
            let mut converted = Vec::with_capacity(items.len());
            for (index, value) in items.iter().enumerate() {
                let child = Node::at(value, format!("{}[{index}]", node.location));
                converted.push(convert(importer, &child, stack)?);
            }
            Ok(Value::Array(converted))
        }
        other => Ok(other.clone()),
    }
}

fn convert_reference(
    importer: &mut Importer<'_>,
    node: &Node<'_>,
    target: &str,
    stack: &mut Vec<String>,
) -> Result<Value, ImportError> {
    let location = node.child_location("$ref");
    if let Some(name) = named_schema(importer.flavor, target) {
        let model = importer.model_names.get(&name).ok_or_else(|| {
            ImportError::new(
                location.clone(),
                format!("Invalid $ref '{target}': no such schema in the document"),
            )
        })?;
        let url = model_url(importer.definition.rest_api.id.as_str(), model);
        return Ok(Value::Object(Map::from_iter([(
            "$ref".to_owned(),
            Value::String(url),
        )])));
    }
    if stack.iter().any(|seen| seen == target) {
        stack.push(target.to_owned());
        return Err(ImportError::new(
            location,
            format!("Circular $ref: {}", stack.join(" -> ")),
        ));
    }
    if stack.len() >= MAX_INLINE_DEPTH {
        return Err(ImportError::new(
            location,
            format!("Too many nested $refs (more than {MAX_INLINE_DEPTH})"),
        ));
    }
    let resolved = refs::lookup(importer.document, target)
        .map_err(|message| ImportError::new(location.clone(), message))?;
    stack.push(target.to_owned());
    let converted = convert(importer, &resolved, stack);
    stack.pop();
    converted
}

/// Model names are alphanumeric: other characters are dropped, and a name that starts with
/// a lowercase letter is kept as it is.
pub(super) fn sanitize(name: &str) -> String {
    let cleaned: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    if cleaned.is_empty() {
        "Model".to_owned()
    } else {
        cleaned.chars().take(128).collect()
    }
}

/// `name`, or `name2`, `name3`… if this import already uses it.
fn unique_name(importer: &Importer<'_>, name: &str) -> String {
    let taken: BTreeSet<&String> = importer
        .model_names
        .values()
        .chain(importer.generated_models.values())
        .collect();
    if !taken.contains(&name.to_owned()) {
        return name.to_owned();
    }
    (2..)
        .map(|n| format!("{name}{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| name.to_owned())
}

/// `listPets` → `ListPets`; used to build names of generated models.
pub(super) fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_alphanumeric() {
        assert_eq!(sanitize("Pet_Response-v2"), "PetResponsev2");
        assert_eq!(sanitize("__"), "Model");
        assert_eq!(capitalize("listPets"), "ListPets");
    }

    #[test]
    fn named_schema_references_are_recognised_per_flavor() {
        assert_eq!(
            named_schema(Flavor::OpenApi3, "#/components/schemas/Pet").as_deref(),
            Some("Pet")
        );
        assert_eq!(named_schema(Flavor::OpenApi3, "#/definitions/Pet"), None);
        assert_eq!(
            named_schema(Flavor::Swagger2, "#/definitions/Pet").as_deref(),
            Some("Pet")
        );
        assert_eq!(
            named_schema(Flavor::OpenApi3, "#/components/schemas/Pet/properties/a"),
            None
        );
    }
}
