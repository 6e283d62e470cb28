//! A value of the document together with its location, and typed reads that report wrong
//! JSON types as [`ImportError`]s naming that location.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::ImportError;

/// One value of the document and where it sits (`paths./pets.get`).
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub value: &'a Value,
    pub location: String,
}

/// Longest integer text accepted where AWS takes a number as a string.
const MAX_NUMBER_TEXT: usize = 19;

// === impl Node ===

impl<'a> Node<'a> {
    /// The document root.
    pub fn root(value: &'a Value) -> Self {
        Self::at(value, String::new())
    }

    pub fn at(value: &'a Value, location: String) -> Self {
        Self { value, location }
    }

    /// The location of member `key` of this value.
    pub fn child_location(&self, key: &str) -> String {
        if self.location.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.location)
        }
    }

    /// An error at this value.
    pub fn error(&self, message: impl Into<String>) -> ImportError {
        ImportError::new(self.location.clone(), message)
    }

    fn type_error(&self, expected: &str) -> ImportError {
        self.error(format!(
            "Invalid value: expected {expected}, found {}",
            describe(self.value)
        ))
    }

    /// Member `key` if this is an object that has it with a non-null value (YAML's `key:`
    /// with nothing after it means absent, as it does for AWS).
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        match self.value {
            Value::Object(map) => match map.get(key) {
                Some(Value::Null) | None => None,
                Some(value) => Some(Node::at(value, self.child_location(key))),
            },
            _ => None,
        }
    }

    pub fn object(&self) -> Result<&'a Map<String, Value>, ImportError> {
        self.value
            .as_object()
            .ok_or_else(|| self.type_error("an object"))
    }

    /// The members of an object, in document order, with their locations.
    pub fn entries(&self) -> Result<Vec<(&'a str, Node<'a>)>, ImportError> {
        Ok(self
            .object()?
            .iter()
            .map(|(key, value)| (key.as_str(), Node::at(value, self.child_location(key))))
            .collect())
    }

    /// The items of an array with their locations.
    pub fn items(&self) -> Result<Vec<Node<'a>>, ImportError> {
        let items = self
            .value
            .as_array()
            .ok_or_else(|| self.type_error("an array"))?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(index, value)| Node::at(value, format!("{}[{index}]", self.location)))
            .collect())
    }

    pub fn as_str(&self) -> Result<&'a str, ImportError> {
        self.value
            .as_str()
            .ok_or_else(|| self.type_error("a string"))
    }

    pub fn as_bool(&self) -> Result<bool, ImportError> {
        self.value
            .as_bool()
            .ok_or_else(|| self.type_error("a boolean"))
    }

    /// An integer; integral floats (`29000.0`) count, as they do for AWS.
    pub fn as_i64(&self) -> Result<i64, ImportError> {
        match self.value {
            Value::Number(number) => number
                .as_i64()
                .or_else(|| {
                    number
                        .as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .ok_or_else(|| self.type_error("an integer")),
            _ => Err(self.type_error("an integer")),
        }
    }

    /// A string, or a number written where AWS expects a string (`statusCode: 200`).
    pub fn as_text(&self) -> Result<String, ImportError> {
        match self.value {
            Value::String(text) => Ok(text.clone()),
            Value::Number(number) if number.to_string().len() <= MAX_NUMBER_TEXT => {
                Ok(number.to_string())
            }
            _ => Err(self.type_error("a string")),
        }
    }

    /// An object whose values are all strings.
    pub fn string_map(&self) -> Result<BTreeMap<String, String>, ImportError> {
        self.entries()?
            .into_iter()
            .map(|(key, node)| Ok((key.to_owned(), node.as_str()?.to_owned())))
            .collect()
    }

    /// An object whose values are strings or null (mapping templates may be null).
    pub fn nullable_string_map(&self) -> Result<BTreeMap<String, Option<String>>, ImportError> {
        self.entries()?
            .into_iter()
            .map(|(key, node)| match node.value {
                Value::Null => Ok((key.to_owned(), None)),
                _ => Ok((key.to_owned(), Some(node.as_str()?.to_owned()))),
            })
            .collect()
    }

    /// An array of strings.
    pub fn string_list(&self) -> Result<Vec<String>, ImportError> {
        self.items()?
            .into_iter()
            .map(|node| Ok(node.as_str()?.to_owned()))
            .collect()
    }

    /// Member `key` as a string, if present.
    pub fn str_field(&self, key: &str) -> Result<Option<&'a str>, ImportError> {
        self.get(key).map(|node| node.as_str()).transpose()
    }

    /// Member `key` as a boolean, if present.
    pub fn bool_field(&self, key: &str) -> Result<Option<bool>, ImportError> {
        self.get(key).map(|node| node.as_bool()).transpose()
    }
}

/// "a string", "an object"… for messages.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn locations_join_keys_with_dots_and_index_arrays() {
        let value = json!({"paths": {"/a": {"parameters": [{"name": 1}]}}});
        let root = Node::root(&value);
        let parameters = root.get("paths").unwrap().get("/a").unwrap();
        let parameters = parameters.get("parameters").unwrap().items().unwrap();
        let name = parameters[0].get("name").unwrap();
        assert_eq!(name.location, "paths./a.parameters[0].name");
        let err = name.as_str().unwrap_err();
        assert_eq!(
            err.message,
            "Invalid value: expected a string, found a number"
        );
    }

    #[test]
    fn null_members_count_as_absent() {
        let value = json!({"a": null});
        assert!(Node::root(&value).get("a").is_none());
    }

    #[test]
    fn numbers_are_accepted_where_aws_takes_text() {
        let value = json!({"statusCode": 200, "timeout": 29000.0});
        let root = Node::root(&value);
        assert_eq!(root.get("statusCode").unwrap().as_text().unwrap(), "200");
        assert_eq!(root.get("timeout").unwrap().as_i64().unwrap(), 29000);
    }
}
