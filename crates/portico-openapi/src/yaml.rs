//! Documents as YAML text, for GetExport with `Accept: application/yaml`.

use serde_json::Value;

/// `document` as YAML. Strings that YAML would read as another type (`"200"`, `"true"`) are
/// quoted, so that parsing the text gives `document` back.
pub fn to_yaml(document: &Value) -> String {
    // Serialising a JSON value cannot fail; should the emitter refuse anyway, JSON is YAML.
    serde_saphyr::to_string(document)
        .unwrap_or_else(|_| serde_json::to_string_pretty(document).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn yaml_round_trips_ambiguous_strings() {
        let document = json!({
            "openapi": "3.0.1",
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
            "values": ["true", "null", "1.0", "", "a: b", "#x", "multi\nline", 12, 1.5, true, null],
            "x-template": "{\"statusCode\": 200}"
        });
        let text = to_yaml(&document);
        assert_eq!(crate::parse(text.as_bytes()).unwrap(), document, "{text}");
    }
}
