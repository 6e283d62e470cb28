//! GetExport: an [`ApiDefinition`] as an OpenAPI 3.0.1 or Swagger 2.0 document in the shapes
//! AWS's export produces (`info.title` = API name, `servers[0].url` with a `{basePath}`
//! variable set to the stage), with the `x-amazon-apigateway-*` extensions the caller asks for.
//! Importing the result gives the same definition again, up to ids.

mod api;
mod integration;
mod models;
mod paths;
mod security;

use portico_model::{ApiDefinition, region};
use serde_json::{Map, Value, json};

/// The document format GetExport's `exportType` names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExportFormat {
    /// `oas30`: OpenAPI 3.0.1.
    #[default]
    Oas30,
    /// `swagger`: Swagger (OpenAPI) 2.0.
    Swagger2,
}

/// Which extensions to write (GetExport's `extensions` parameter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportExtensions {
    /// `x-amazon-apigateway-integration` on operations.
    pub integrations: bool,
    /// `x-amazon-apigateway-authorizer` / `-authtype` on security schemes.
    pub authorizers: bool,
    /// `x-amazon-apigateway-request-validators` and per-operation validators.
    pub validators: bool,
    /// Every extension: the three above plus gateway responses, binary media types, API key
    /// source, policy, minimum compression size, endpoint configuration, tags and the kept
    /// extensions (documentation…).
    pub apigateway: bool,
}

/// What GetExport asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub extensions: ExportExtensions,
    /// The exported stage; it becomes the base path (`/prod`).
    pub stage_name: Option<String>,
    /// Scheme and host of the invoke URL (`https://abc.execute-api.us-east-1.amazonaws.com`);
    /// defaults to the AWS form of the API's invoke host.
    pub base_url: Option<String>,
    /// When the exported deployment was made (epoch seconds); `info.version` when the API
    /// has no version, as AWS does.
    pub deployed_at: Option<i64>,
}

// === impl ExportExtensions ===

impl ExportExtensions {
    /// Everything (`extensions=apigateway`).
    pub fn all() -> Self {
        Self {
            apigateway: true,
            ..Self::default()
        }
    }

    /// Parses GetExport's comma-separated `extensions` parameter (`integrations`,
    /// `authorizers`, `validators`, `apigateway`; `postman` and unknown words are ignored).
    pub fn parse(value: &str) -> Self {
        let mut extensions = Self::default();
        for word in value.split(',').map(str::trim) {
            match word {
                "integrations" => extensions.integrations = true,
                "authorizers" => extensions.authorizers = true,
                "validators" => extensions.validators = true,
                "apigateway" => extensions.apigateway = true,
                _ => {}
            }
        }
        extensions
    }

    pub(crate) fn integrations(self) -> bool {
        self.integrations || self.apigateway
    }

    pub(crate) fn authorizers(self) -> bool {
        self.authorizers || self.apigateway
    }

    pub(crate) fn validators(self) -> bool {
        self.validators || self.apigateway
    }
}

/// The document of `definition`.
pub fn export(definition: &ApiDefinition, options: &ExportOptions) -> Value {
    let api = &definition.rest_api;
    let mut document = Map::new();
    match options.format {
        ExportFormat::Oas30 => document.insert("openapi".into(), json!("3.0.1")),
        ExportFormat::Swagger2 => document.insert("swagger".into(), json!("2.0")),
    };
    let mut info = Map::new();
    if let Some(description) = &api.description {
        info.insert("description".into(), json!(description));
    }
    info.insert("title".into(), json!(api.name));
    let version = api
        .version
        .clone()
        .or_else(|| options.deployed_at.map(iso_date_time))
        .unwrap_or_else(|| "1.0".to_owned());
    info.insert("version".into(), json!(version));
    document.insert("info".into(), Value::Object(info));

    let base_url = options
        .base_url
        .clone()
        .unwrap_or_else(|| format!("https://{}.execute-api.{}.amazonaws.com", api.id, region()));
    let base_url = base_url.trim_end_matches('/');
    match options.format {
        ExportFormat::Oas30 => {
            let mut server = Map::new();
            match &options.stage_name {
                Some(stage) => {
                    server.insert("url".into(), json!(format!("{base_url}/{{basePath}}")));
                    server.insert("variables".into(), json!({"basePath": {"default": stage}}));
                }
                None => {
                    server.insert("url".into(), json!(base_url));
                }
            }
            if options.extensions.apigateway {
                api::endpoint_configuration(definition, &mut server);
            }
            document.insert("servers".into(), json!([server]));
        }
        ExportFormat::Swagger2 => {
            let (scheme, host) = base_url.split_once("://").unwrap_or(("https", base_url));
            document.insert("host".into(), json!(host));
            let base_path = options
                .stage_name
                .as_ref()
                .map_or_else(|| "/".to_owned(), |stage| format!("/{stage}"));
            document.insert("basePath".into(), json!(base_path));
            document.insert("schemes".into(), json!([scheme]));
        }
    }
    if options.extensions.apigateway
        && let Some(tags) = api::tags(definition)
    {
        document.insert("tags".into(), tags);
    }
    document.insert("paths".into(), paths::export(definition, options));
    let schemas = models::export(definition, options.format);
    let schemes = security::schemes(definition, options);
    match options.format {
        ExportFormat::Oas30 => {
            let mut components = Map::new();
            if !schemas.is_empty() {
                components.insert("schemas".into(), Value::Object(schemas));
            }
            if !schemes.is_empty() {
                components.insert("securitySchemes".into(), Value::Object(schemes));
            }
            document.insert("components".into(), Value::Object(components));
        }
        ExportFormat::Swagger2 => {
            if !schemes.is_empty() {
                document.insert("securityDefinitions".into(), Value::Object(schemes));
            }
            if !schemas.is_empty() {
                document.insert("definitions".into(), Value::Object(schemas));
            }
        }
    }
    api::root_extensions(definition, options, &mut document);
    Value::Object(document)
}

/// `2024-05-01T12:30:00Z` for epoch seconds.
fn iso_date_time(epoch_seconds: i64) -> String {
    let days = epoch_seconds.div_euclid(86_400);
    let seconds = epoch_seconds.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests;
