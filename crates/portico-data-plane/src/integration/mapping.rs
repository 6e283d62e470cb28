//! Parameter mapping: evaluates `integration.request.*` ← source mappings against the
//! request, and assembles the backend URI from the integration's URI template.

use std::borrow::Cow;

use http::{HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use portico_snapshot::integration::{HttpTarget, ParameterMapping, Source, Target, UriPart};

use crate::invocation::Invocation;

/// Characters kept as they are in a path (RFC 3986 pchar and `/`).
const PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/');

/// Characters kept as they are in a query name or value.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The evaluated mappings of one request.
#[derive(Debug, Default)]
pub struct Mapped<'m> {
    pub path: Vec<(Cow<'m, str>, String)>,
    pub query: Vec<(Cow<'m, str>, String)>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

// === impl Mapped ===

impl Mapped<'_> {
    /// Applies what a request template set under `$context.requestOverride` (it wins over
    /// parameter mappings).
    pub fn apply_overrides(&mut self, overrides: &portico_vtl::aws::Overrides) {
        for (name, value) in &overrides.request_path {
            self.path.retain(|(key, _)| key != name);
            self.path.push((Cow::Owned(name.clone()), value.clone()));
        }
        for (name, value) in &overrides.request_querystring {
            self.query.retain(|(key, _)| key != name);
            self.query.push((Cow::Owned(name.clone()), value.clone()));
        }
        for (name, value) in &overrides.request_headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                self.headers.retain(|(key, _)| *key != name);
                self.headers.push((name, value));
            }
        }
    }
}

/// True if any mapping reads the request body (which then has to be buffered).
pub fn reads_body(mappings: &[ParameterMapping]) -> bool {
    mappings.iter().any(|m| matches!(m.source, Source::Body(_)))
}

/// Evaluates the mappings; a source the request lacks maps to nothing, as on AWS.
pub fn evaluate<'m>(
    invocation: &Invocation<'_>,
    mappings: &'m [ParameterMapping],
    body: Option<&[u8]>,
) -> Mapped<'m> {
    let mut mapped = Mapped::default();
    for mapping in mappings {
        let values = source_values(invocation, &mapping.source, body);
        if values.is_empty() {
            continue;
        }
        match &mapping.target {
            Target::Path(name) => mapped.path.push((Cow::Borrowed(&**name), values.join(","))),
            Target::QueryString(name) => mapped
                .query
                .push((Cow::Borrowed(&**name), values.join(","))),
            Target::MultiValueQueryString(name) => {
                mapped.query.extend(
                    values
                        .into_iter()
                        .map(|value| (Cow::Borrowed(&**name), value.into_owned())),
                );
            }
            Target::Header(name) => {
                if let Ok(value) = HeaderValue::from_str(&values.join(",")) {
                    mapped.headers.push((name.clone(), value));
                }
            }
            Target::MultiValueHeader(name) => {
                for value in values {
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        mapped.headers.push((name.clone(), value));
                    }
                }
            }
        }
    }
    mapped
}

fn source_values<'a>(
    invocation: &'a Invocation<'_>,
    source: &'a Source,
    body: Option<&[u8]>,
) -> Vec<Cow<'a, str>> {
    match source {
        Source::Path(name) => invocation.path_param(name).into_iter().collect(),
        Source::QueryString(name) => invocation.query_values(name).pop().into_iter().collect(),
        Source::MultiValueQueryString(name) => invocation.query_values(name),
        Source::Header(name) => invocation.header_value(name.as_str()).into_iter().collect(),
        Source::MultiValueHeader(name) => invocation
            .head
            .header_all(name.as_str())
            .map(String::from_utf8_lossy)
            .collect(),
        Source::Body(path) => body
            .and_then(|body| body_value(body, path.as_deref()))
            .map(Cow::Owned)
            .into_iter()
            .collect(),
        Source::Literal(value) => vec![Cow::Borrowed(&**value)],
        Source::Context(variable) => invocation.context_value(variable).into_iter().collect(),
    }
}

/// `method.request.body` (whole body) or `method.request.body.{JSONPath}`: strings map to
/// their text, other JSON values to their JSON form.
pub fn body_value(body: &[u8], path: Option<&str>) -> Option<String> {
    let Some(path) = path else {
        return Some(String::from_utf8_lossy(body).into_owned());
    };
    let document: serde_json::Value = serde_json::from_slice(body).ok()?;
    let found = json_path(&document, path)?;
    Some(match found {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    })
}

/// Follows a dotted path with `[index]` steps (`a.b[0].c`), the subset mappings use.
pub fn json_path<'v>(document: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    let path = path
        .strip_prefix("$")
        .unwrap_or(path)
        .trim_start_matches('.');
    let mut current = document;
    for step in path.split('.').filter(|step| !step.is_empty()) {
        let (name, mut indexes) = match step.find('[') {
            Some(at) => (&step[..at], &step[at..]),
            None => (step, ""),
        };
        if !name.is_empty() {
            current = current.get(name)?;
        }
        while let Some(rest) = indexes.strip_prefix('[') {
            let end = rest.find(']')?;
            let index: usize = rest[..end].trim().parse().ok()?;
            current = current.get(index)?;
            indexes = &rest[end + 1..];
        }
    }
    Some(current)
}

/// Assembles the backend request target (path and query): the template path with
/// placeholders filled (mapped values first, else the method's path parameter of the same
/// name), then the static query, the pass-through query and the mapped query parameters.
pub fn request_target(
    out: &mut Vec<u8>,
    target: &HttpTarget,
    invocation: &Invocation<'_>,
    mapped: &Mapped<'_>,
    pass_through_query: Option<&str>,
) {
    let template = &target.uri;
    let encode = |out: &mut Vec<u8>, text: &str, set: &'static AsciiSet| {
        for piece in utf8_percent_encode(text, set) {
            out.extend_from_slice(piece.as_bytes());
        }
    };
    for part in &template.path {
        match part {
            UriPart::Literal(text) => out.extend_from_slice(text.as_bytes()),
            UriPart::Placeholder(name) => {
                if let Some((_, value)) =
                    mapped.path.iter().find(|(key, _)| key.as_ref() == &**name)
                {
                    encode(out, value, PATH);
                } else if let Some(raw) = invocation.raw_path_param(name) {
                    out.extend_from_slice(raw.as_bytes());
                }
            }
        }
    }
    let mut separator = b'?';
    for query in [template.query.as_deref(), pass_through_query]
        .into_iter()
        .flatten()
    {
        if !query.is_empty() {
            out.push(separator);
            out.extend_from_slice(query.as_bytes());
            separator = b'&';
        }
    }
    for (name, value) in &mapped.query {
        out.push(separator);
        encode(out, name, QUERY);
        out.push(b'=');
        encode(out, value, QUERY);
        separator = b'&';
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_paths_follow_keys_and_indexes() {
        let doc = json!({"a": {"b": [10, {"c": "x"}]}});
        assert_eq!(json_path(&doc, "a.b[1].c"), Some(&json!("x")));
        assert_eq!(json_path(&doc, "$.a.b[0]"), Some(&json!(10)));
        assert_eq!(json_path(&doc, "a.missing"), None);
    }

    #[test]
    fn body_values_are_text_for_strings_and_json_otherwise() {
        let body = br#"{"id": "42", "tags": ["a"]}"#;
        assert_eq!(body_value(body, Some("id")).as_deref(), Some("42"));
        assert_eq!(body_value(body, Some("tags")).as_deref(), Some(r#"["a"]"#));
        assert_eq!(body_value(b"raw", None).as_deref(), Some("raw"));
    }
}
