//! `paths` become the resource tree: the base path (per the `basepath` option) and each
//! path's segments are found or created under the root, then every operation of the path
//! item is imported as a method.

use portico_model::{HttpMethod, ResourceId};

use super::extensions::EXTENSION_PREFIX;
use super::operation::{self, Site};
use super::{BasePath, Flavor, IdKind, Importer, model_error};
use crate::error::ImportError;
use crate::node::Node;

/// The path item member that defines the `ANY` method.
pub(crate) const ANY_METHOD: &str = "x-amazon-apigateway-any-method";

/// Imports every path of the document.
pub(super) fn import_paths(importer: &mut Importer<'_>) -> Result<(), ImportError> {
    let paths = importer.root().get("paths").ok_or_else(|| {
        ImportError::new(
            "paths",
            "Invalid OpenAPI input: the document has no 'paths'",
        )
    })?;
    let base = base_segments(importer)?;
    for (path, item) in paths.entries()? {
        if path.starts_with("x-") {
            continue;
        }
        if !path.starts_with('/') {
            return Err(item.error(format!("Invalid path '{path}': paths must start with '/'")));
        }
        let item = importer.resolve(item)?;
        item.object()?;
        let segments: Vec<&str> = base
            .iter()
            .map(String::as_str)
            .chain(path.split('/').filter(|segment| !segment.is_empty()))
            .collect();
        let resource_path = format!("/{}", segments.join("/"));
        let resource_id = ensure_resource(importer, &segments, &resource_path, &item)?;
        let shared_parameters = item.get("parameters");
        for (key, operation) in item.entries()? {
            let http_method = match key {
                "get" => HttpMethod::Get,
                "put" => HttpMethod::Put,
                "post" => HttpMethod::Post,
                "delete" => HttpMethod::Delete,
                "options" => HttpMethod::Options,
                "head" => HttpMethod::Head,
                "patch" => HttpMethod::Patch,
                ANY_METHOD => HttpMethod::Any,
                "parameters" | "summary" | "description" | "servers" | "$ref" => continue,
                _ if key.starts_with(EXTENSION_PREFIX) => {
                    importer.warn(
                        operation.location.clone(),
                        format!("Ignoring unsupported path extension '{key}'"),
                    );
                    continue;
                }
                _ if key.starts_with("x-") => continue,
                _ => {
                    importer.warn(
                        operation.location.clone(),
                        format!("Ignoring unsupported method '{key}' on path '{path}'"),
                    );
                    continue;
                }
            };
            let site = Site {
                resource_id: resource_id.clone(),
                resource_path: resource_path.clone(),
                http_method,
                operation,
                shared_parameters: shared_parameters.clone(),
            };
            operation::import_operation(importer, &site)?;
        }
    }
    Ok(())
}

/// The segments the `basepath` option puts in front of every path.
fn base_segments(importer: &Importer<'_>) -> Result<Vec<String>, ImportError> {
    if importer.options.basepath == BasePath::Ignore {
        return Ok(Vec::new());
    }
    let root = importer.root();
    let base_path = match importer.flavor {
        Flavor::Swagger2 => root
            .str_field("basePath")?
            .map(str::to_owned)
            .unwrap_or_default(),
        Flavor::OpenApi3 => match root.get("servers") {
            Some(servers) => match servers.items()?.first() {
                Some(server) => server_path(server)?,
                None => String::new(),
            },
            None => String::new(),
        },
    };
    let mut segments: Vec<String> = base_path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
        .collect();
    if importer.options.basepath == BasePath::Split && !segments.is_empty() {
        segments.remove(0);
    }
    Ok(segments)
}

/// The path of an OpenAPI 3 server URL with its variables replaced by their defaults
/// (`https://{host}/v1` → `/v1`).
fn server_path(server: &Node<'_>) -> Result<String, ImportError> {
    let Some(url) = server.str_field("url")? else {
        return Ok(String::new());
    };
    let mut url = url.to_owned();
    if let Some(variables) = server.get("variables") {
        for (name, variable) in variables.entries()? {
            if let Some(default) = variable.get("default") {
                url = url.replace(&format!("{{{name}}}"), &default.as_text()?);
            }
        }
    }
    let path = match url.find("://") {
        Some(scheme_end) => {
            let after = &url[scheme_end + 3..];
            after.find('/').map_or("", |start| &after[start..])
        }
        None => url.as_str(),
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    Ok(path.to_owned())
}

/// The resource at `segments`, created with its missing ancestors.
fn ensure_resource(
    importer: &mut Importer<'_>,
    segments: &[&str],
    resource_path: &str,
    item: &Node<'_>,
) -> Result<ResourceId, ImportError> {
    let mut current = importer.definition.rest_api.root_resource_id.clone();
    for segment in segments {
        let existing = importer
            .definition
            .resources
            .values()
            .find(|r| {
                r.parent_id.as_ref() == Some(&current) && r.path_part.as_deref() == Some(segment)
            })
            .map(|r| r.id.clone());
        current = match existing {
            Some(id) => id,
            None => {
                let id = ResourceId::new(importer.new_id(IdKind::Resource));
                importer
                    .definition
                    .create_resource(&current, segment, id)
                    .map_err(|err| {
                        model_error(
                            item.location.clone(),
                            &format!("Unable to create resource at path '{resource_path}'"),
                            &err,
                        )
                    })?
                    .id
                    .clone()
            }
        };
    }
    Ok(current)
}
