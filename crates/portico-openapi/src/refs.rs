//! Local `$ref`s (`#/components/parameters/Limit`): following them through the document with
//! a bound on hops, and rejecting cycles, external references and dangling ones.

use serde_json::Value;

use crate::error::ImportError;
use crate::node::Node;

/// Most `$ref` hops followed for one value before import gives up.
pub(crate) const MAX_HOPS: usize = 32;

/// The `$ref` string of a reference object.
pub(crate) fn reference(value: &Value) -> Option<&str> {
    value.as_object()?.get("$ref")?.as_str()
}

/// Follows `$ref`s from `node` until a value that is not a reference; returns `node` itself
/// when it is not one.
pub(crate) fn resolve<'a>(document: &'a Value, node: Node<'a>) -> Result<Node<'a>, ImportError> {
    let start = node.location.clone();
    let mut current = node;
    let mut seen: Vec<String> = Vec::new();
    while let Some(target) = reference(current.value) {
        if seen.iter().any(|s| s == target) {
            seen.push(target.to_owned());
            let message = format!("Circular $ref: {}", seen.join(" -> "));
            return Err(ImportError::new(start, message));
        }
        if seen.len() >= MAX_HOPS {
            let message = format!("Too many nested $refs (more than {MAX_HOPS})");
            return Err(ImportError::new(start, message));
        }
        seen.push(target.to_owned());
        current = lookup(document, target).map_err(|message| current.error(message))?;
    }
    Ok(current)
}

/// The value a local reference points at, with its location.
pub(crate) fn lookup<'a>(document: &'a Value, target: &str) -> Result<Node<'a>, String> {
    let Some(pointer) = target.strip_prefix('#') else {
        return Err(format!(
            "Unsupported $ref '{target}': only references within the document (#/...) are supported"
        ));
    };
    if pointer.is_empty() {
        return Err(format!(
            "Invalid $ref '{target}': it refers to the whole document"
        ));
    }
    let mut value = document;
    let mut location = Vec::new();
    for token in pointer.split('/').skip(1) {
        let token = decode_token(token);
        let next = match value {
            Value::Object(map) => map.get(&token),
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        value =
            next.ok_or_else(|| format!("Invalid $ref '{target}': no such value in the document"))?;
        location.push(token);
    }
    Ok(Node::at(value, location.join(".")))
}

/// JSON Pointer unescaping (`~1` → `/`, `~0` → `~`) after URI percent-decoding, as `$ref`s
/// are URI fragments.
pub(crate) fn decode_token(token: &str) -> String {
    percent_decode(token).replace("~1", "/").replace("~0", "~")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let decoded = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn resolve_at<'a>(document: &'a Value, value: &'a Value) -> Result<Node<'a>, ImportError> {
        resolve(document, Node::at(value, "here".into()))
    }

    #[test]
    fn chains_of_references_are_followed() {
        let document = json!({"components": {"parameters": {
            "A": {"$ref": "#/components/parameters/B"},
            "B": {"name": "limit"}
        }}});
        let start = json!({"$ref": "#/components/parameters/A"});
        let node = resolve_at(&document, &start).unwrap();
        assert_eq!(node.value, &json!({"name": "limit"}));
        assert_eq!(node.location, "components.parameters.B");
    }

    #[test]
    fn cycles_are_rejected() {
        let document = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}});
        let start = json!({"$ref": "#/a"});
        let err = resolve_at(&document, &start).unwrap_err();
        assert_eq!(err.message, "Circular $ref: #/a -> #/b -> #/a");
    }

    #[test]
    fn dangling_and_external_references_are_rejected() {
        let document = json!({});
        let err = resolve_at(&document, &json!({"$ref": "#/nope"})).unwrap_err();
        assert_eq!(err.location, "here");
        assert!(err.message.contains("no such value"));
        let err = resolve_at(&document, &json!({"$ref": "other.yaml#/a"})).unwrap_err();
        assert!(err.message.contains("Unsupported $ref"));
    }

    #[test]
    fn pointer_tokens_are_unescaped() {
        let document = json!({"paths": {"/pets/{id}": {"get": 1}}});
        let node = lookup(&document, "#/paths/~1pets~1%7Bid%7D/get").unwrap();
        assert_eq!(node.value, &json!(1));
    }
}
