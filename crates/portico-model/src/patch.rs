//! AWS `patchOperations`: JSON-Pointer paths into a resource, values always strings.
//!
//! Each resource type lists the paths it accepts as [`PatchRule`]s; [`apply`] checks every
//! operation against them, coerces the string value to the member's type, and edits the
//! resource's JSON form. The caller deserialises the result and validates it, so an update
//! either applies completely or not at all.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{ModelError, wire_enum};

wire_enum!(
    /// A patch operation.
    PatchOp {
        Add => "add",
        Remove => "remove",
        Replace => "replace",
        Move => "move",
        Copy => "copy",
        Test => "test",
    }
);

/// One element of `patchOperations`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct PatchOperation {
    pub op: Option<PatchOp>,
    pub path: Option<String>,
    pub value: Option<String>,
    pub from: Option<String>,
}

/// The body of every `Update*` operation.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInput {
    pub patch_operations: Option<Vec<PatchOperation>>,
}

/// How a rule's string value becomes JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// The value as a JSON string.
    String,
    /// A string that may be absent, stored as `null` (mapping templates).
    NullableString,
    /// `"true"`/`"false"`.
    Bool,
    /// An integer.
    Int,
    /// An integer that an empty or absent value clears (`minimumCompressionSize`).
    NullableInt,
    /// A number.
    Float,
    /// The last path segment is a member of a string list at the parent path:
    /// `add` inserts it, `remove` deletes it, `replace` swaps it for the value.
    PathMember,
    /// The value is a member of the string list at the path: `add` inserts, `remove` deletes.
    ValueMember,
}

/// One accepted path: segments are literals or `*` (any one segment).
#[derive(Debug, Clone, Copy)]
pub struct PatchRule {
    pub path: &'static str,
    pub ops: &'static [PatchOp],
    pub kind: ValueKind,
}

/// `add`, `replace` and `remove`.
pub const ADD_REPLACE_REMOVE: &[PatchOp] = &[PatchOp::Add, PatchOp::Replace, PatchOp::Remove];
/// `replace` only.
pub const REPLACE: &[PatchOp] = &[PatchOp::Replace];
/// `replace` and `remove`.
pub const REPLACE_REMOVE: &[PatchOp] = &[PatchOp::Replace, PatchOp::Remove];
/// `add` and `remove`.
pub const ADD_REMOVE: &[PatchOp] = &[PatchOp::Add, PatchOp::Remove];

/// A validated operation: its kind, the path split into unescaped segments, and its value.
#[derive(Debug, Clone)]
pub struct ParsedOperation<'a> {
    pub op: PatchOp,
    pub path: &'a str,
    pub segments: Vec<String>,
    pub raw_segments: Vec<&'a str>,
    pub value: Option<&'a str>,
    pub from: Option<&'a str>,
}

/// Checks the presence of `op` and `path` and splits the path.
pub fn parse_operation(operation: &PatchOperation) -> Result<ParsedOperation<'_>, ModelError> {
    let op = operation.op.ok_or_else(|| {
        ModelError::bad_request("Invalid patch operation specified: op is required")
    })?;
    let path = operation.path.as_deref().ok_or_else(|| {
        ModelError::bad_request("Invalid patch operation specified: path is required")
    })?;
    let raw = path
        .strip_prefix('/')
        .ok_or_else(|| invalid_path(path, op))?;
    let raw_segments: Vec<&str> = if raw.is_empty() {
        Vec::new()
    } else {
        raw.split('/').collect()
    };
    let segments = raw_segments.iter().map(|s| unescape(s)).collect();
    Ok(ParsedOperation {
        op,
        path,
        segments,
        raw_segments,
        value: operation.value.as_deref(),
        from: operation.from.as_deref(),
    })
}

/// AWS's message for a path that the resource does not accept with this op.
pub fn invalid_path(path: &str, op: PatchOp) -> ModelError {
    ModelError::bad_request(format!(
        "Invalid patch path '{path}' specified for op '{op}'. Please choose supported operations"
    ))
}

/// JSON Pointer unescaping: `~1` is `/`, `~0` is `~`.
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// JSON Pointer escaping: `~` is `~0`, `/` is `~1`.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Applies `operations` to `target` under `rules`; the result is validated only by
/// deserialising, so callers run their own `validate` afterwards.
pub fn apply<T>(
    target: &T,
    operations: &[PatchOperation],
    rules: &[PatchRule],
) -> Result<T, ModelError>
where
    T: serde::Serialize + DeserializeOwned,
{
    let mut json = serde_json::to_value(target)
        .map_err(|err| ModelError::bad_request(format!("internal serialisation failure: {err}")))?;
    for operation in operations {
        let parsed = parse_operation(operation)?;
        apply_one(&mut json, &parsed, rules)?;
    }
    from_json(json)
}

/// Applies one parsed operation to a JSON document under `rules`.
pub fn apply_one(
    json: &mut Value,
    operation: &ParsedOperation<'_>,
    rules: &[PatchRule],
) -> Result<(), ModelError> {
    let rule = rules
        .iter()
        .find(|rule| {
            rule_matches(rule.path, &operation.segments) && rule.ops.contains(&operation.op)
        })
        .ok_or_else(|| invalid_path(operation.path, operation.op))?;
    let segments = &operation.segments;
    match (operation.op, rule.kind) {
        (PatchOp::Remove, ValueKind::PathMember) => {
            let (member, parent) = split_last(segments);
            if let Some(Value::Array(list)) = lookup_mut(json, parent) {
                list.retain(|item| item.as_str() != Some(member));
            }
        }
        (PatchOp::Remove, ValueKind::ValueMember) => {
            let value = require_value(operation)?;
            if let Some(Value::Array(list)) = lookup_mut(json, segments) {
                list.retain(|item| item.as_str() != Some(value));
            }
        }
        (PatchOp::Remove, _) => remove(json, segments),
        (PatchOp::Add, ValueKind::PathMember) => {
            let (member, parent) = split_last(segments);
            let list = list_at(json, parent)?;
            if !list.iter().any(|item| item.as_str() == Some(member)) {
                list.push(Value::String(member.to_owned()));
            }
        }
        (PatchOp::Replace, ValueKind::PathMember) => {
            let value = require_value(operation)?;
            let (member, parent) = split_last(segments);
            let list = list_at(json, parent)?;
            match list.iter_mut().find(|item| item.as_str() == Some(member)) {
                Some(item) => *item = Value::String(value.to_owned()),
                None => {
                    return Err(ModelError::bad_request(format!(
                        "Invalid patch path '{}': '{member}' is not present",
                        operation.path
                    )));
                }
            }
        }
        (PatchOp::Add | PatchOp::Replace, ValueKind::ValueMember) => {
            let value = require_value(operation)?;
            let list = list_at(json, segments)?;
            if !list.iter().any(|item| item.as_str() == Some(value)) {
                list.push(Value::String(value.to_owned()));
            }
        }
        (PatchOp::Add | PatchOp::Replace, kind) => {
            let value = coerce(operation, kind)?;
            set(json, segments, value)?;
        }
        (op, _) => return Err(invalid_path(operation.path, op)),
    }
    Ok(())
}

/// Deserialises a patched JSON document back into its type.
pub fn from_json<T: DeserializeOwned>(json: Value) -> Result<T, ModelError> {
    serde_path_to_error::deserialize(json).map_err(|err| {
        ModelError::bad_request(format!(
            "Invalid patch value for '{}': {}",
            err.path(),
            err.inner()
        ))
    })
}

fn rule_matches(pattern: &str, segments: &[String]) -> bool {
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    let parts: Vec<&str> = pattern.split('/').collect();
    parts.len() == segments.len()
        && parts
            .iter()
            .zip(segments)
            .all(|(part, segment)| *part == "*" || *part == segment)
}

fn split_last(segments: &[String]) -> (&str, &[String]) {
    match segments.split_last() {
        Some((last, parent)) => (last.as_str(), parent),
        None => ("", segments),
    }
}

fn require_value<'a>(operation: &ParsedOperation<'a>) -> Result<&'a str, ModelError> {
    operation.value.ok_or_else(|| {
        ModelError::bad_request(format!(
            "Invalid patch operation specified: a value is required for op '{}' on '{}'",
            operation.op, operation.path
        ))
    })
}

fn coerce(operation: &ParsedOperation<'_>, kind: ValueKind) -> Result<Value, ModelError> {
    if kind == ValueKind::NullableString {
        return Ok(operation
            .value
            .map_or(Value::Null, |v| Value::String(v.to_owned())));
    }
    if kind == ValueKind::NullableInt && operation.value.is_none_or(|v| v.trim().is_empty()) {
        return Ok(Value::Null);
    }
    let value = require_value(operation)?;
    let invalid = |expected: &str| {
        ModelError::bad_request(format!(
            "Invalid value '{value}' for '{}': expected {expected}",
            operation.path
        ))
    };
    Ok(match kind {
        ValueKind::String
        | ValueKind::NullableString
        | ValueKind::PathMember
        | ValueKind::ValueMember => Value::String(value.to_owned()),
        ValueKind::Bool => match value.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(invalid("a boolean")),
        },
        ValueKind::Int | ValueKind::NullableInt => Value::from(
            value
                .trim()
                .parse::<i64>()
                .map_err(|_| invalid("an integer"))?,
        ),
        ValueKind::Float => {
            let number: f64 = value.trim().parse().map_err(|_| invalid("a number"))?;
            serde_json::Number::from_f64(number)
                .map(Value::Number)
                .ok_or_else(|| invalid("a finite number"))?
        }
    })
}

fn lookup_mut<'a>(json: &'a mut Value, segments: &[String]) -> Option<&'a mut Value> {
    let mut current = json;
    for segment in segments {
        current = current.as_object_mut()?.get_mut(segment)?;
    }
    Some(current)
}

/// Sets `value` at `segments`, creating intermediate objects (a `null` member counts as absent).
fn set(json: &mut Value, segments: &[String], value: Value) -> Result<(), ModelError> {
    let Some((last, parents)) = segments.split_last() else {
        return Err(ModelError::bad_request("Invalid patch path '/'"));
    };
    let mut current = json;
    for segment in parents {
        let object = as_object(current)?;
        let entry = object.entry(segment.clone()).or_insert(Value::Null);
        if entry.is_null() {
            *entry = Value::Object(Map::new());
        }
        current = entry;
    }
    as_object(current)?.insert(last.clone(), value);
    Ok(())
}

fn remove(json: &mut Value, segments: &[String]) {
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    if let Some(Value::Object(object)) = lookup_mut(json, parents) {
        object.remove(last);
        // An emptied map is reported as absent, as AWS does.
        if object.is_empty() && !parents.is_empty() {
            remove(json, parents);
        }
    }
}

fn list_at<'a>(json: &'a mut Value, segments: &[String]) -> Result<&'a mut Vec<Value>, ModelError> {
    let Some((last, parents)) = segments.split_last() else {
        return Err(ModelError::bad_request("Invalid patch path '/'"));
    };
    let mut current = json;
    for segment in parents {
        let object = as_object(current)?;
        let entry = object.entry(segment.clone()).or_insert(Value::Null);
        if entry.is_null() {
            *entry = Value::Object(Map::new());
        }
        current = entry;
    }
    let entry = as_object(current)?
        .entry(last.clone())
        .or_insert(Value::Null);
    if entry.is_null() {
        *entry = Value::Array(Vec::new());
    }
    entry.as_array_mut().ok_or_else(|| {
        ModelError::bad_request(format!("Invalid patch path: '{last}' is not a list"))
    })
}

fn as_object(value: &mut Value) -> Result<&mut Map<String, Value>, ModelError> {
    value
        .as_object_mut()
        .ok_or_else(|| ModelError::bad_request("Invalid patch path: not an object"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;

    #[derive(Debug, Serialize, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "camelCase")]
    struct Thing {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        enabled: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        limit: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        params: Option<BTreeMap<String, bool>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        types: Option<Vec<String>>,
    }

    const RULES: &[PatchRule] = &[
        PatchRule {
            path: "/name",
            ops: REPLACE,
            kind: ValueKind::String,
        },
        PatchRule {
            path: "/description",
            ops: ADD_REPLACE_REMOVE,
            kind: ValueKind::String,
        },
        PatchRule {
            path: "/enabled",
            ops: REPLACE,
            kind: ValueKind::Bool,
        },
        PatchRule {
            path: "/limit",
            ops: REPLACE_REMOVE,
            kind: ValueKind::Int,
        },
        PatchRule {
            path: "/params/*",
            ops: ADD_REPLACE_REMOVE,
            kind: ValueKind::Bool,
        },
        PatchRule {
            path: "/types/*",
            ops: ADD_REPLACE_REMOVE,
            kind: ValueKind::PathMember,
        },
    ];

    fn op(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
        PatchOperation {
            op: PatchOp::parse(op),
            path: Some(path.into()),
            value: value.map(Into::into),
            from: None,
        }
    }

    fn check(ops: &[PatchOperation]) -> Result<Thing, ModelError> {
        apply(
            &Thing {
                name: "a".into(),
                ..Default::default()
            },
            ops,
            RULES,
        )
    }

    #[test]
    fn values_are_coerced_from_strings() {
        let thing = check(&[
            op("replace", "/name", Some("b")),
            op("replace", "/enabled", Some("TRUE")),
            op("replace", "/limit", Some("42")),
            op("add", "/params/method.request.header.x", Some("true")),
        ])
        .unwrap();
        assert_eq!(thing.name, "b");
        assert!(thing.enabled);
        assert_eq!(thing.limit, Some(42));
        assert!(thing.params.unwrap()["method.request.header.x"]);
    }

    #[test]
    fn unknown_paths_and_ops_are_rejected() {
        assert!(check(&[op("replace", "/id", Some("x"))]).is_err());
        assert!(check(&[op("remove", "/name", None)]).is_err());
        assert!(check(&[op("replace", "/enabled", Some("maybe"))]).is_err());
        assert!(check(&[op("replace", "name", Some("x"))]).is_err());
    }

    #[test]
    fn escaped_segments_name_list_members() {
        let thing = check(&[
            op("add", "/types/image~1png", None),
            op("add", "/types/text~1*", None),
        ])
        .unwrap();
        assert_eq!(thing.types.clone().unwrap(), vec!["image/png", "text/*"]);
        let thing = apply(&thing, &[op("remove", "/types/image~1png", None)], RULES).unwrap();
        assert_eq!(thing.types.unwrap(), vec!["text/*"]);
    }

    #[test]
    fn removing_the_last_map_entry_drops_the_map() {
        let thing = check(&[op("add", "/params/a", Some("true"))]).unwrap();
        let thing = apply(&thing, &[op("remove", "/params/a", None)], RULES).unwrap();
        assert_eq!(thing.params, None);
    }

    #[test]
    fn a_failing_operation_changes_nothing() {
        let original = Thing {
            name: "a".into(),
            ..Default::default()
        };
        let result = apply(
            &original,
            &[
                op("replace", "/name", Some("b")),
                op("replace", "/bogus", Some("x")),
            ],
            RULES,
        );
        assert!(result.is_err());
        assert_eq!(original.name, "a");
    }
}
