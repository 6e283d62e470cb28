//! Operation and path-item `parameters`: path, query and header parameters become the
//! method's `requestParameters` (`method.request.{path|querystring|header}.{name}` →
//! required); a Swagger 2 `in: body` parameter carries the request body schema.

use std::collections::BTreeMap;

use portico_model::mapping::parse_method_request_parameter;

use super::{Flavor, Importer};
use crate::error::ImportError;
use crate::node::Node;

/// The parameters of one method.
pub(super) struct MethodParameters<'a> {
    pub request_parameters: BTreeMap<String, bool>,
    /// The schema of a Swagger 2 body parameter.
    pub body_schema: Option<Node<'a>>,
}

/// Reads path-item parameters, then operation parameters (which override same-named ones).
pub(super) fn read<'a>(
    importer: &mut Importer<'a>,
    shared: Option<&Node<'a>>,
    operation: &Node<'a>,
) -> Result<MethodParameters<'a>, ImportError> {
    let mut parameters = MethodParameters {
        request_parameters: BTreeMap::new(),
        body_schema: None,
    };
    let lists = [shared.cloned(), operation.get("parameters")];
    for list in lists.into_iter().flatten() {
        for parameter in list.items()? {
            let parameter = importer.resolve(parameter)?;
            read_one(importer, &parameter, &mut parameters)?;
        }
    }
    Ok(parameters)
}

fn read_one<'a>(
    importer: &mut Importer<'a>,
    parameter: &Node<'a>,
    parameters: &mut MethodParameters<'a>,
) -> Result<(), ImportError> {
    parameter.object()?;
    let name = parameter
        .get("name")
        .ok_or_else(|| parameter.error("A parameter needs a name"))?;
    let name_text = name.as_str()?;
    let location = parameter
        .get("in")
        .ok_or_else(|| parameter.error("A parameter needs 'in'"))?;
    let kind = match location.as_str()? {
        "path" => "path",
        "query" => "querystring",
        "header" => "header",
        "body" if importer.flavor == Flavor::Swagger2 => {
            let schema = parameter
                .get("schema")
                .ok_or_else(|| parameter.error("A body parameter needs a schema"))?;
            parameters.body_schema = Some(schema);
            return Ok(());
        }
        other @ ("cookie" | "formData" | "body") => {
            importer.warn(
                parameter.location.clone(),
                format!(
                    "Ignoring parameter '{name_text}' in '{other}': API Gateway maps path, query and header parameters"
                ),
            );
            return Ok(());
        }
        other => {
            return Err(location.error(format!(
                "Invalid parameter location '{other}'. Valid values are path, query, header{}",
                if importer.flavor == Flavor::Swagger2 {
                    ", body, formData"
                } else {
                    ", cookie"
                }
            )));
        }
    };
    let required = parameter.bool_field("required")?.unwrap_or(false);
    let key = format!("method.request.{kind}.{name_text}");
    parse_method_request_parameter(&key).map_err(|err| name.error(err.to_string()))?;
    parameters.request_parameters.insert(key, required);
    Ok(())
}
