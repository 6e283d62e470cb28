//! Bytes to a JSON value: JSON or YAML (sniffed), within AWS's size limit and a nesting limit
//! checked before or while parsing, so that hostile documents fail cleanly.

use serde_json::Value;
use serde_saphyr::budget::BudgetBreach;

use crate::error::ImportError;

/// Largest document accepted (AWS's limit for ImportRestApi and PutRestApi bodies).
pub const MAX_DOCUMENT_BYTES: usize = 6 * 1024 * 1024;

/// Deepest nesting of objects and arrays accepted. Real definitions stay far below it; the
/// limit keeps every recursive walk over the document shallow.
pub const MAX_DEPTH: usize = 64;

/// Most YAML nodes (scalars, mappings, sequences) one document may have.
const MAX_YAML_NODES: usize = 1_000_000;

/// Parses an OpenAPI document sent as JSON or YAML. The format is sniffed as AWS does for
/// the raw bodies of ImportRestApi: a document that starts with `{` is JSON, anything else
/// YAML. The result is always a JSON object.
pub fn parse(bytes: &[u8]) -> Result<Value, ImportError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(ImportError::new(
            "",
            format!(
                "The API definition is too large: {} bytes (the limit is {MAX_DOCUMENT_BYTES})",
                bytes.len()
            ),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|err| ImportError::new("", format!("The API definition is not UTF-8: {err}")))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(ImportError::new("", "The API definition is empty"));
    }
    let value = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        parse_json(text)?
    } else {
        parse_yaml(text)?
    };
    if !value.is_object() {
        return Err(ImportError::new(
            "",
            "Invalid OpenAPI input: the document must be an object",
        ));
    }
    Ok(value)
}

/// Rejects values nested deeper than [`MAX_DEPTH`], without recursing, for documents that
/// did not come through [`parse`].
pub(crate) fn check_depth(document: &Value) -> Result<(), ImportError> {
    let mut pending = vec![(document, 1usize)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth > MAX_DEPTH {
            return Err(too_deep(String::new()));
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

fn too_deep(location: String) -> ImportError {
    ImportError::new(
        location,
        format!("The API definition is nested too deeply (more than {MAX_DEPTH} levels)"),
    )
}

fn parse_json(text: &str) -> Result<Value, ImportError> {
    check_json_depth(text)?;
    serde_json::from_str(text).map_err(|err| {
        let message = err.to_string();
        let message = message
            .rfind(" at line ")
            .map_or(message.as_str(), |index| &message[..index]);
        ImportError::new(
            format!("line {}, column {}", err.line(), err.column()),
            format!("Invalid JSON: {message}"),
        )
    })
}

/// Rejects JSON nested deeper than [`MAX_DEPTH`] before parsing it, with one pass over the
/// bytes that skips strings.
fn check_json_depth(text: &str) -> Result<(), ImportError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut line = 1;
    let mut line_start = 0;
    for (index, byte) in text.bytes().enumerate() {
        if byte == b'\n' {
            line += 1;
            line_start = index + 1;
        }
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep(format!(
                        "line {line}, column {}",
                        index - line_start + 1
                    )));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn parse_yaml(text: &str) -> Result<Value, ImportError> {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    budget.max_nodes = MAX_YAML_NODES;
    budget.max_events = 3 * MAX_YAML_NODES;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.with_snippet = false;
    serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|err| {
        let location = err
            .location()
            .map(|at| format!("line {}, column {}", at.line(), at.column()))
            .unwrap_or_default();
        let message = err.to_string();
        let depth_breach = matches!(
            err,
            serde_saphyr::Error::Budget {
                breach: BudgetBreach::Depth { .. },
                ..
            }
        );
        // The scanner meets deep flow collections (`[[[…`) before the budget sees them.
        if depth_breach || message.contains("recursion limit") {
            return too_deep(location);
        }
        let message = first_line(&message);
        let message = message
            .rfind(" at line ")
            .map_or(message, |index| &message[..index]);
        ImportError::new(location, format!("Invalid YAML: {message}"))
    })
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_and_yaml_are_sniffed() {
        assert_eq!(parse(br#" {"a": 1}"#).unwrap(), json!({"a": 1}));
        assert_eq!(
            parse(b"a: 1\nb: [x]\n").unwrap(),
            json!({"a": 1, "b": ["x"]})
        );
        assert_eq!(parse("\u{feff}a: 1".as_bytes()).unwrap(), json!({"a": 1}));
    }

    #[test]
    fn yaml_status_code_keys_become_strings() {
        let value = parse(b"responses:\n  200:\n    description: ok\n").unwrap();
        assert_eq!(value, json!({"responses": {"200": {"description": "ok"}}}));
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let err = parse(b"{\"a\": }").unwrap_err();
        assert_eq!(err.location, "line 1, column 7");
        assert!(err.message.starts_with("Invalid JSON"), "{}", err.message);
        let err = parse(b"a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.message.starts_with("Invalid YAML"), "{}", err.message);
        assert!(err.location.starts_with("line "), "{}", err.location);
    }

    #[test]
    fn non_objects_empty_documents_and_oversized_ones_are_rejected() {
        assert!(parse(b"[1]").is_err());
        assert!(parse(b"just text").is_err());
        assert!(parse(b"  \n").is_err());
        let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        assert!(parse(&big).unwrap_err().message.contains("too large"));
    }

    #[test]
    fn deep_nesting_is_rejected_in_both_syntaxes() {
        let json = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert!(
            parse(json.as_bytes())
                .unwrap_err()
                .message
                .contains("nested too deeply")
        );
        let ok = format!("{{\"a\":{}{}}}", "[".repeat(63), "]".repeat(63));
        assert!(parse(ok.as_bytes()).is_ok());
        let yaml = format!("a: {}{}", "[".repeat(70), "]".repeat(70));
        let err = parse(yaml.as_bytes()).unwrap_err();
        assert!(err.message.contains("nested too deeply"), "{}", err.message);
    }

    #[test]
    fn depth_of_built_values_is_checked_without_recursion() {
        let mut value = json!(1);
        for _ in 0..MAX_DEPTH {
            value = json!([value]);
        }
        assert!(check_depth(&value).is_ok());
        assert!(check_depth(&json!({"a": value})).is_err());
    }

    #[test]
    fn brackets_inside_strings_do_not_count_as_nesting() {
        let json = format!("{{\"a\": \"{}\\\"\"}}", "[".repeat(100));
        assert!(parse(json.as_bytes()).is_ok());
    }
}
