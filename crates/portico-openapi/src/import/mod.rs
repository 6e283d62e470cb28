//! ImportRestApi and PutRestApi: a parsed document becomes an [`ApiDefinition`], built through
//! the model's own operations so that every AWS rule the model checks applies to imports too.
//!
//! Order matters because methods refer to the rest: API settings, kept extensions, models,
//! request validators, authorizers (from security schemes), gateway responses, then paths.

pub(crate) mod api;
pub(crate) mod extensions;
pub(crate) mod integration;
pub(crate) mod models;
mod operation;
mod parameters;
pub(crate) mod paths;
mod responses;
pub(crate) mod security;

use std::collections::{BTreeMap, BTreeSet};

use portico_model::rest_api::{CreateRestApiInput, EndpointType};
use portico_model::{ApiDefinition, HttpMethod, ModelError, ResourceId, RestApiId};
use serde_json::Value;

use crate::error::{ImportError, WARNINGS_HEADING, Warning};
use crate::node::Node;

/// How `basePath` (Swagger 2) or the path of `servers[0].url` (OpenAPI 3) shapes resource
/// paths, as ImportRestApi's `basepath` parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BasePath {
    /// The base path is not part of the resource paths (AWS's default).
    #[default]
    Ignore,
    /// The whole base path is prepended to every resource path.
    Prepend,
    /// The first segment of the base path is dropped (it names a stage) and the rest prepended.
    Split,
}

/// The ImportRestApi / PutRestApi parameters that shape an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// `basepath=ignore|prepend|split`.
    pub basepath: BasePath,
    /// `endpointConfigurationTypes=EDGE|REGIONAL|PRIVATE`; `None` keeps EDGE for new APIs and
    /// the current type for PutRestApi.
    pub endpoint_type: Option<EndpointType>,
    /// `failonwarnings=true`: any warning fails the import.
    pub fail_on_warnings: bool,
    /// `ignore=documentation`: drop `x-amazon-apigateway-documentation`.
    pub ignore_documentation: bool,
}

/// PutRestApi's `mode`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PutMode {
    /// Add what the document defines, replacing same-named parts, and keep the rest (default).
    #[default]
    Merge,
    /// Replace resources, methods, models, validators, gateway responses and authorizers
    /// with the document's; keep the API id, root resource id, creation date and tags.
    Overwrite,
}

/// The kind of id import asks the caller's generator for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    RestApi,
    RootResource,
    Resource,
    Model,
    RequestValidator,
    Authorizer,
}

/// A successful import: the definition to store and the warnings to report (AWS returns them
/// in the RestApi's `warnings`).
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub definition: ApiDefinition,
    pub warnings: Vec<String>,
}

/// The two document flavours import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Swagger2,
    OpenApi3,
}

/// State of one import run: the definition being built and what later steps need to know.
pub(crate) struct Importer<'a> {
    pub document: &'a Value,
    pub flavor: Flavor,
    pub options: &'a ImportOptions,
    pub ids: &'a mut dyn FnMut(IdKind) -> String,
    pub definition: ApiDefinition,
    pub warnings: Vec<Warning>,
    /// Schema names of the document → model names.
    pub model_names: BTreeMap<String, String>,
    /// Schemas of models generated from inline schemas → their names, to reuse equal ones.
    pub generated_models: BTreeMap<String, String>,
    /// Request validator names → ids.
    pub validators: BTreeMap<String, String>,
    /// The document-level default request validator's id.
    pub default_validator: Option<String>,
    pub schemes: BTreeMap<String, security::Scheme>,
    /// Methods this document defined, so that a second definition is an error, not a merge.
    pub defined_methods: BTreeSet<(ResourceId, HttpMethod)>,
    /// Schema nodes import may still convert (see [`models::SCHEMA_BUDGET`]).
    pub schema_budget: usize,
}

// === impl ImportOptions ===

impl ImportOptions {
    /// Reads ImportRestApi / PutRestApi query parameters (`basepath`, `endpointConfigurationTypes`,
    /// `ignore`, `failonwarnings`); other parameters are ignored.
    pub fn from_parameters<'p>(
        parameters: impl IntoIterator<Item = (&'p str, &'p str)>,
    ) -> Result<ImportOptions, ImportError> {
        let mut options = ImportOptions::default();
        for (key, value) in parameters {
            match key {
                "basepath" => {
                    options.basepath = match value.to_ascii_lowercase().as_str() {
                        "ignore" => BasePath::Ignore,
                        "prepend" => BasePath::Prepend,
                        "split" => BasePath::Split,
                        _ => {
                            return Err(ImportError::new(
                                "",
                                format!(
                                    "Invalid basepath parameter value '{value}'. Valid values are ignore, prepend, split"
                                ),
                            ));
                        }
                    }
                }
                "endpointConfigurationTypes" => {
                    let parsed = EndpointType::parse(&value.to_ascii_uppercase()).ok_or_else(|| {
                        ImportError::new(
                            "",
                            format!(
                                "Invalid endpointConfigurationTypes parameter value '{value}'. Valid values are EDGE, REGIONAL, PRIVATE"
                            ),
                        )
                    })?;
                    options.endpoint_type = Some(parsed);
                }
                "ignore" => options.ignore_documentation = value == "documentation",
                "failonwarnings" => options.fail_on_warnings = value.eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        Ok(options)
    }
}

/// ImportRestApi: a new API from `document`. `ids` supplies every new id and `now` the
/// creation date; nothing else is read, so equal inputs give equal definitions.
pub fn import(
    document: &Value,
    options: &ImportOptions,
    ids: &mut dyn FnMut(IdKind) -> String,
    now: i64,
) -> Result<Imported, ImportError> {
    crate::parse::check_depth(document)?;
    let flavor = Flavor::detect(document)?;
    let settings = api::read(document, flavor)?;
    let name = settings.name.clone().ok_or_else(|| {
        ImportError::new(
            "info.title",
            "Invalid OpenAPI input: the API needs a name in info.title",
        )
    })?;
    let id = RestApiId::new(ids(IdKind::RestApi));
    let root = ResourceId::new(ids(IdKind::RootResource));
    let input = CreateRestApiInput {
        name: Some(name),
        endpoint_configuration: None,
        ..Default::default()
    };
    let mut rest_api = portico_model::RestApi::create(input, id, root, now)
        .map_err(|err| ImportError::new("info.title", err.to_string()))?;
    settings.apply(&mut rest_api, options)?;
    let definition = ApiDefinition::new(rest_api);
    Importer::new(
        document,
        flavor,
        options,
        ids,
        definition,
        settings.warnings,
    )
    .run()
}

/// PutRestApi: `existing` updated from `document` in `mode`. Ids of what is kept stay; new
/// parts get ids from `ids`.
pub fn put(
    existing: &ApiDefinition,
    document: &Value,
    mode: PutMode,
    options: &ImportOptions,
    ids: &mut dyn FnMut(IdKind) -> String,
) -> Result<Imported, ImportError> {
    crate::parse::check_depth(document)?;
    let flavor = Flavor::detect(document)?;
    let settings = api::read(document, flavor)?;
    let base = match mode {
        PutMode::Merge => {
            let mut definition = existing.clone();
            settings.apply(&mut definition.rest_api, options)?;
            definition
        }
        PutMode::Overwrite => {
            let mut rest_api = api::reset(&existing.rest_api);
            settings.apply(&mut rest_api, options)?;
            ApiDefinition::new(rest_api)
        }
    };
    Importer::new(document, flavor, options, ids, base, settings.warnings).run()
}

// === impl Flavor ===

impl Flavor {
    /// Swagger 2.0 or OpenAPI 3.0 from the `swagger` / `openapi` member.
    fn detect(document: &Value) -> Result<Flavor, ImportError> {
        let root = Node::root(document);
        let version_text = |node: &Node<'_>| match node.value {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        };
        if let Some(node) = root.get("swagger") {
            return match version_text(&node).as_deref() {
                Some("2.0" | "2") => Ok(Flavor::Swagger2),
                _ => Err(node.error(
                    "Invalid OpenAPI input: unsupported swagger version (only 2.0 is supported)",
                )),
            };
        }
        if let Some(node) = root.get("openapi") {
            return match version_text(&node) {
                Some(version) if version == "3" || version.starts_with("3.") => {
                    Ok(Flavor::OpenApi3)
                }
                _ => Err(node.error(
                    "Invalid OpenAPI input: unsupported openapi version (only 3.0.x is supported)",
                )),
            };
        }
        Err(ImportError::new(
            "",
            "Invalid OpenAPI input: the document declares neither 'openapi' nor 'swagger'",
        ))
    }

    /// Where reusable schemas live.
    pub fn schemas_path(self) -> &'static [&'static str] {
        match self {
            Flavor::Swagger2 => &["definitions"],
            Flavor::OpenApi3 => &["components", "schemas"],
        }
    }

    /// Where security schemes live.
    pub fn security_schemes_path(self) -> &'static [&'static str] {
        match self {
            Flavor::Swagger2 => &["securityDefinitions"],
            Flavor::OpenApi3 => &["components", "securitySchemes"],
        }
    }
}

// === impl Importer ===

impl<'a> Importer<'a> {
    fn new(
        document: &'a Value,
        flavor: Flavor,
        options: &'a ImportOptions,
        ids: &'a mut dyn FnMut(IdKind) -> String,
        definition: ApiDefinition,
        warnings: Vec<Warning>,
    ) -> Self {
        Self {
            document,
            flavor,
            options,
            ids,
            definition,
            warnings,
            model_names: BTreeMap::new(),
            generated_models: BTreeMap::new(),
            validators: BTreeMap::new(),
            default_validator: None,
            schemes: BTreeMap::new(),
            defined_methods: BTreeSet::new(),
            schema_budget: models::SCHEMA_BUDGET,
        }
    }

    fn run(mut self) -> Result<Imported, ImportError> {
        if self.flavor == Flavor::OpenApi3
            && let Some(version) = self.root().str_field("openapi")?
            && !version.starts_with("3.0")
        {
            self.warn(
                "openapi",
                format!("OpenAPI {version} is not supported by API Gateway; importing it as 3.0"),
            );
        }
        extensions::import_root(&mut self)?;
        models::import_components(&mut self)?;
        extensions::import_validators(&mut self)?;
        security::import_schemes(&mut self)?;
        extensions::import_gateway_responses(&mut self)?;
        paths::import_paths(&mut self)?;
        security::check_root_security(&mut self)?;
        self.finish()
    }

    fn finish(self) -> Result<Imported, ImportError> {
        if self.options.fail_on_warnings
            && let Some(first) = self.warnings.first()
        {
            let all: Vec<String> = self.warnings.iter().map(ToString::to_string).collect();
            return Err(ImportError::new(
                first.location.clone(),
                format!("{WARNINGS_HEADING}\n\t{}", all.join("\n\t")),
            ));
        }
        Ok(Imported {
            definition: self.definition,
            warnings: self.warnings.iter().map(ToString::to_string).collect(),
        })
    }

    pub fn root(&self) -> Node<'a> {
        Node::root(self.document)
    }

    /// The value at `path` (a list of member names) from the root, if present.
    pub fn at_path(&self, path: &[&str]) -> Option<Node<'a>> {
        let mut node = self.root();
        for key in path {
            node = node.get(key)?;
        }
        Some(node)
    }

    pub fn warn(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning::new(location, message));
    }

    pub fn new_id(&mut self, kind: IdKind) -> String {
        (self.ids)(kind)
    }

    /// Follows `$ref`s from `node`.
    pub fn resolve(&self, node: Node<'a>) -> Result<Node<'a>, ImportError> {
        crate::refs::resolve(self.document, node)
    }
}

/// Turns a model error into an import error at `location`, prefixed the way AWS names the
/// step that failed ("Unable to put method 'GET' on resource at path '/pets'").
pub(crate) fn model_error(location: String, step: &str, err: &ModelError) -> ImportError {
    ImportError::new(location, format!("{step}: {err}"))
}

#[cfg(test)]
mod tests;
