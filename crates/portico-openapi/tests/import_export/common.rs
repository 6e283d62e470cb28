//! Helpers shared by the import/export tests: fixtures, deterministic id generators and a
//! comparison that ignores generated ids.

use std::collections::BTreeMap;
use std::path::PathBuf;

use portico_model::ApiDefinition;
use portico_openapi::{IdKind, ImportOptions, Imported, import, parse};
use serde_json::Value;

/// The bytes of `tests/fixtures/{name}`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Every fixture document.
pub const FIXTURES: &[&str] = &[
    "petstore.yaml",
    "serverless.json",
    "templates.yaml",
    "oai-petstore.yaml",
    "oai-petstore.json",
];

/// An id generator whose ids start with `prefix` and count up (`a-resource-3`).
pub fn ids(prefix: &'static str) -> impl FnMut(IdKind) -> String {
    let mut counter = 0;
    move |kind| {
        counter += 1;
        format!("{prefix}{}{counter}", format!("{kind:?}").to_lowercase())
    }
}

/// Imports `bytes` with default options.
pub fn import_bytes(bytes: &[u8]) -> Imported {
    import_with(bytes, &ImportOptions::default())
}

pub fn import_with(bytes: &[u8], options: &ImportOptions) -> Imported {
    let document = parse(bytes).unwrap_or_else(|err| panic!("{err}"));
    import(&document, options, &mut ids("a"), 1_700_000_000).unwrap_or_else(|err| panic!("{err}"))
}

/// The definition as JSON with every generated id replaced by a name derived from what it
/// identifies (`resource:/pets`, `authorizer:TokenAuthorizer`…) and the creation date zeroed,
/// so that two imports of equal documents compare equal.
pub fn normalized(definition: &ApiDefinition) -> Value {
    let api_id = definition.rest_api.id.to_string();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    names.insert(api_id.clone(), "api".into());
    for resource in definition.resources.values() {
        names.insert(
            resource.id.to_string(),
            format!("resource:{}", resource.path),
        );
    }
    for model in definition.models.values() {
        names.insert(model.id.clone(), format!("model:{}", model.name));
    }
    for validator in definition.request_validators.values() {
        let name = validator.name.clone().unwrap_or_default();
        names.insert(validator.id.clone(), format!("validator:{name}"));
    }
    for authorizer in definition.authorizers.values() {
        names.insert(
            authorizer.id.clone(),
            format!("authorizer:{}", authorizer.name),
        );
    }
    let mut value = serde_json::to_value(definition).expect("definitions serialise");
    value["restApi"]["createdDate"] = Value::from(0);
    rename(value, &names, &api_id)
}

fn rename(value: Value, names: &BTreeMap<String, String>, api_id: &str) -> Value {
    let text = |s: String| match names.get(&s) {
        Some(name) => name.clone(),
        None if s.contains(api_id) => s.replace(api_id, "api"),
        None => s,
    };
    match value {
        Value::String(s) => Value::String(text(s)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| rename(v, names, api_id))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, v)| (text(key), rename(v, names, api_id)))
                .collect(),
        ),
        other => other,
    }
}

/// Asserts two definitions are equal up to ids, naming the first difference.
pub fn assert_same_definition(left: &ApiDefinition, right: &ApiDefinition, context: &str) {
    let left = normalized(left);
    let right = normalized(right);
    if let Some(difference) = first_difference(&left, &right, "") {
        panic!("{context}: definitions differ at {difference}");
    }
}

fn first_difference(left: &Value, right: &Value, path: &str) -> Option<String> {
    match (left, right) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()) {
                let here = format!("{path}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => {
                        if let Some(found) = first_difference(x, y, &here) {
                            return Some(found);
                        }
                    }
                    (x, y) => return Some(format!("{here}: {x:?} vs {y:?}")),
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(index, (x, y))| first_difference(x, y, &format!("{path}/{index}"))),
        _ if left == right => None,
        _ => Some(format!("{path}: {left} vs {right}")),
    }
}
