//! Operation `responses` become MethodResponses: numeric status codes, `headers` declared
//! as `method.response.header.{name}`, and response schemas as `responseModels`.

use std::collections::BTreeMap;

use portico_model::mapping::parse_method_response_header;
use portico_model::method::validate_status_code;

use super::models::model_for_schema;
use super::{Flavor, Importer};
use crate::error::ImportError;
use crate::node::Node;

/// One method response as the document declares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ResponseDecl {
    pub parameters: BTreeMap<String, bool>,
    pub models: BTreeMap<String, String>,
    pub location: String,
}

/// The method responses of an operation, by status code.
pub(super) fn read<'a>(
    importer: &mut Importer<'a>,
    operation: &Node<'a>,
    hint: &str,
    label: &str,
) -> Result<BTreeMap<String, ResponseDecl>, ImportError> {
    let mut responses = BTreeMap::new();
    let Some(node) = operation.get("responses") else {
        return Ok(responses);
    };
    for (status, response) in node.entries()? {
        if status.starts_with("x-") {
            continue;
        }
        if validate_status_code(status).is_err() {
            importer.warn(
                response.location.clone(),
                format!(
                    "Ignoring response '{status}' of method '{label}': method responses need a status code from 100 to 599"
                ),
            );
            continue;
        }
        let location = response.location.clone();
        let response = importer.resolve(response)?;
        response.object()?;
        let mut declared = ResponseDecl {
            location,
            ..Default::default()
        };
        if let Some(headers) = response.get("headers") {
            for (name, header) in headers.entries()? {
                let header = importer.resolve(header)?;
                let key = format!("method.response.header.{name}");
                parse_method_response_header(&key).map_err(|err| header.error(err.to_string()))?;
                let required = header.bool_field("required")?.unwrap_or(false);
                declared.parameters.insert(key, required);
            }
        }
        let model_hint = format!("{hint}{status}Response");
        match importer.flavor {
            Flavor::OpenApi3 => {
                if let Some(content) = response.get("content") {
                    for (content_type, media) in content.entries()? {
                        if let Some(schema) = media.get("schema") {
                            let model = model_for_schema(importer, &schema, &model_hint)?;
                            declared.models.insert(content_type.to_owned(), model);
                        }
                    }
                }
            }
            Flavor::Swagger2 => {
                if let Some(schema) = response.get("schema") {
                    let model = model_for_schema(importer, &schema, &model_hint)?;
                    for content_type in media_types(importer, operation, "produces")? {
                        declared.models.insert(content_type, model.clone());
                    }
                }
            }
        }
        responses.insert(status.to_owned(), declared);
    }
    Ok(responses)
}

/// Swagger 2 `consumes` / `produces` of the operation, else of the document, else JSON.
pub(super) fn media_types(
    importer: &Importer<'_>,
    operation: &Node<'_>,
    key: &str,
) -> Result<Vec<String>, ImportError> {
    let list = match operation.get(key) {
        Some(node) => node.string_list()?,
        None => match importer.root().get(key) {
            Some(node) => node.string_list()?,
            None => Vec::new(),
        },
    };
    if list.is_empty() {
        Ok(vec!["application/json".to_owned()])
    } else {
        Ok(list)
    }
}
