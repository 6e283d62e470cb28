//! Parameter-mapping expressions: the keys and values of `requestParameters` and
//! `responseParameters` on integrations and integration responses.

use crate::ModelError;

/// Where a request parameter lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    Path,
    QueryString,
    Header,
    MultiValueQueryString,
    MultiValueHeader,
}

/// The value side of an integration request mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestSource {
    /// `method.request.{location}.{name}`.
    MethodRequest(Location, String),
    /// `method.request.body` (whole body) or `method.request.body.{JSONPath}`.
    MethodRequestBody(Option<String>),
    /// `stageVariables.{name}`.
    StageVariable(String),
    /// `context.{name}`.
    Context(String),
    /// `'literal'`.
    Literal(String),
}

/// The value side of an integration response mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseSource {
    /// `integration.response.header.{name}`.
    IntegrationHeader(String),
    /// `integration.response.multivalueheader.{name}`.
    IntegrationMultiValueHeader(String),
    /// `integration.response.body` or `integration.response.body.{JSONPath}`.
    IntegrationBody(Option<String>),
    /// `stageVariables.{name}`.
    StageVariable(String),
    /// `context.{name}`.
    Context(String),
    /// `'literal'`.
    Literal(String),
}

// === impl Location ===

impl Location {
    /// Parses the location word of a mapping expression.
    pub fn parse(word: &str) -> Option<Location> {
        Some(match word {
            "path" => Location::Path,
            "querystring" => Location::QueryString,
            "header" => Location::Header,
            "multivaluequerystring" => Location::MultiValueQueryString,
            "multivalueheader" => Location::MultiValueHeader,
            _ => return None,
        })
    }

    /// The location word as it appears in expressions.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::QueryString => "querystring",
            Location::Header => "header",
            Location::MultiValueQueryString => "multivaluequerystring",
            Location::MultiValueHeader => "multivalueheader",
        }
    }

    /// The single-value location a method request parameter is declared under.
    pub fn declared_as(self) -> Location {
        match self {
            Location::MultiValueQueryString => Location::QueryString,
            Location::MultiValueHeader => Location::Header,
            other => other,
        }
    }
}

/// Parses a key such as `integration.request.header.X-Id` into its location and name.
pub fn parse_integration_request_target(key: &str) -> Result<(Location, String), ModelError> {
    parse_located(key, "integration.request.").ok_or_else(|| invalid_expression(key))
}

/// Parses a method request parameter declaration such as `method.request.querystring.page`.
pub fn parse_method_request_parameter(key: &str) -> Result<(Location, String), ModelError> {
    match parse_located(key, "method.request.") {
        Some((location, name))
            if matches!(
                location,
                Location::Path | Location::QueryString | Location::Header
            ) =>
        {
            Ok((location, name))
        }
        _ => Err(ModelError::bad_request(format!(
            "Invalid method request parameter specified: {key}"
        ))),
    }
}

/// Parses a method response header declaration `method.response.header.{name}`.
pub fn parse_method_response_header(key: &str) -> Result<String, ModelError> {
    match key.strip_prefix("method.response.header.") {
        Some(name) if is_parameter_name(name) => Ok(name.to_owned()),
        _ => Err(ModelError::bad_request(format!(
            "Invalid mapping expression specified: Validation Result: warnings : [], errors : \
             [Invalid mapping expression specified: {key}]"
        ))),
    }
}

/// Parses the value side of an integration request mapping.
pub fn parse_request_source(value: &str) -> Result<RequestSource, ModelError> {
    if let Some(literal) = parse_literal(value) {
        return Ok(RequestSource::Literal(literal));
    }
    if value == "method.request.body" {
        return Ok(RequestSource::MethodRequestBody(None));
    }
    if let Some(path) = value.strip_prefix("method.request.body.")
        && !path.is_empty()
    {
        return Ok(RequestSource::MethodRequestBody(Some(path.to_owned())));
    }
    if let Some((location, name)) = parse_located(value, "method.request.") {
        return Ok(RequestSource::MethodRequest(location, name));
    }
    if let Some(name) = named(value, "stageVariables.") {
        return Ok(RequestSource::StageVariable(name));
    }
    if let Some(name) = named(value, "context.") {
        return Ok(RequestSource::Context(name));
    }
    Err(invalid_expression(value))
}

/// Parses the value side of an integration response mapping.
pub fn parse_response_source(value: &str) -> Result<ResponseSource, ModelError> {
    if let Some(literal) = parse_literal(value) {
        return Ok(ResponseSource::Literal(literal));
    }
    if value == "integration.response.body" {
        return Ok(ResponseSource::IntegrationBody(None));
    }
    if let Some(path) = value.strip_prefix("integration.response.body.")
        && !path.is_empty()
    {
        return Ok(ResponseSource::IntegrationBody(Some(path.to_owned())));
    }
    if let Some(name) = named(value, "integration.response.header.") {
        return Ok(ResponseSource::IntegrationHeader(name));
    }
    if let Some(name) = named(value, "integration.response.multivalueheader.") {
        return Ok(ResponseSource::IntegrationMultiValueHeader(name));
    }
    if let Some(name) = named(value, "stageVariables.") {
        return Ok(ResponseSource::StageVariable(name));
    }
    if let Some(name) = named(value, "context.") {
        return Ok(ResponseSource::Context(name));
    }
    Err(invalid_expression(value))
}

/// AWS's message for a mapping expression it cannot parse.
pub fn invalid_expression(expression: &str) -> ModelError {
    ModelError::bad_request(format!(
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : \
         [Invalid mapping expression specified: {expression}]"
    ))
}

/// AWS's message for a mapping that reads a method request parameter the method does not declare.
pub fn undeclared_parameter(expression: &str) -> ModelError {
    ModelError::bad_request(format!(
        "Invalid mapping expression specified: Validation Result: warnings : [], errors : \
         [Invalid mapping expression parameter specified: {expression}]"
    ))
}

/// `'text'` → `text`. AWS literals are single-quoted; the quotes are not part of the value.
fn parse_literal(value: &str) -> Option<String> {
    let inner = value.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.to_owned())
}

fn parse_located(expression: &str, prefix: &str) -> Option<(Location, String)> {
    let rest = expression.strip_prefix(prefix)?;
    let (word, name) = rest.split_once('.')?;
    let location = Location::parse(word)?;
    is_parameter_name(name).then(|| (location, name.to_owned()))
}

fn named(expression: &str, prefix: &str) -> Option<String> {
    let name = expression.strip_prefix(prefix)?;
    is_parameter_name(name).then(|| name.to_owned())
}

/// Parameter names AWS accepts: `^[a-zA-Z0-9._$-]+$`.
fn is_parameter_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._$-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_sources_parse() {
        assert_eq!(
            parse_request_source("method.request.path.proxy").unwrap(),
            RequestSource::MethodRequest(Location::Path, "proxy".into())
        );
        assert_eq!(
            parse_request_source("'static value'").unwrap(),
            RequestSource::Literal("static value".into())
        );
        assert_eq!(
            parse_request_source("stageVariables.backend").unwrap(),
            RequestSource::StageVariable("backend".into())
        );
        assert_eq!(
            parse_request_source("context.requestId").unwrap(),
            RequestSource::Context("requestId".into())
        );
        assert_eq!(
            parse_request_source("method.request.body.user.id").unwrap(),
            RequestSource::MethodRequestBody(Some("user.id".into()))
        );
        assert!(parse_request_source("method.request.cookie.x").is_err());
        assert!(parse_request_source("nonsense").is_err());
    }

    #[test]
    fn integration_targets_parse() {
        assert_eq!(
            parse_integration_request_target("integration.request.header.X-Id").unwrap(),
            (Location::Header, "X-Id".into())
        );
        assert!(parse_integration_request_target("integration.request.body").is_err());
    }

    #[test]
    fn response_sources_parse() {
        assert_eq!(
            parse_response_source("integration.response.header.ETag").unwrap(),
            ResponseSource::IntegrationHeader("ETag".into())
        );
        assert_eq!(
            parse_response_source("'*'").unwrap(),
            ResponseSource::Literal("*".into())
        );
        assert!(parse_response_source("method.request.path.x").is_err());
    }
}
