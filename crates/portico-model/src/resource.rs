//! The Resource: one node of an API's path tree, and the rules for path parts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::{Method, ModelError, ResourceId};

/// A Resource as stored and as AWS returns it (`resourceMethods` keyed by HTTP method).
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: ResourceId,
    pub parent_id: Option<ResourceId>,
    pub path_part: Option<String>,
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_methods: BTreeMap<String, Method>,
}

/// One parsed path part of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPart<'a> {
    /// A literal segment such as `items`.
    Literal(&'a str),
    /// `{name}`: exactly one segment, bound to `name`.
    Param(&'a str),
    /// `{name+}`: one or more remaining segments, bound to `name`.
    Greedy(&'a str),
}

/// AWS's message for a path part that breaks the rules.
pub const INVALID_PATH_PART: &str = "Resource's path part only allow a-zA-Z0-9._- and curly \
     braces at the beginning and the end and an optional plus sign before the closing brace.";

/// Characters AWS allows in a literal path part, besides ASCII letters and digits.
const LITERAL_PUNCTUATION: &[u8] = b"._-:,@";

// === impl PathPart ===

impl<'a> PathPart<'a> {
    /// Parses and validates a `pathPart` as AWS does.
    pub fn parse(part: &'a str) -> Result<PathPart<'a>, ModelError> {
        let invalid = || ModelError::bad_request(INVALID_PATH_PART);
        if part.is_empty() || part.len() > 512 {
            return Err(invalid());
        }
        if let Some(inner) = part.strip_prefix('{') {
            let inner = inner.strip_suffix('}').ok_or_else(invalid)?;
            let (name, greedy) = match inner.strip_suffix('+') {
                Some(name) => (name, true),
                None => (inner, false),
            };
            let valid_name = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !valid_name {
                return Err(invalid());
            }
            return Ok(if greedy {
                PathPart::Greedy(name)
            } else {
                PathPart::Param(name)
            });
        }
        let valid = part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || LITERAL_PUNCTUATION.contains(&b));
        if valid {
            Ok(PathPart::Literal(part))
        } else {
            Err(invalid())
        }
    }

    /// True for `{name}` and `{name+}`.
    pub fn is_variable(self) -> bool {
        !matches!(self, PathPart::Literal(_))
    }
}

/// Joins a parent path and a path part into the child's full path.
pub fn child_path(parent_path: &str, path_part: &str) -> String {
    if parent_path == "/" {
        format!("/{path_part}")
    } else {
        format!("{parent_path}/{path_part}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(part: &str, expected: Option<PathPart<'_>>) {
        assert_eq!(PathPart::parse(part).ok(), expected, "{part}");
    }

    #[test]
    fn literal_parts_are_accepted() {
        check("items", Some(PathPart::Literal("items")));
        check("v1.2_beta-x", Some(PathPart::Literal("v1.2_beta-x")));
    }

    #[test]
    fn variables_and_greedy_variables_are_recognised() {
        check("{id}", Some(PathPart::Param("id")));
        check("{proxy+}", Some(PathPart::Greedy("proxy")));
    }

    #[test]
    fn malformed_parts_are_rejected() {
        for part in [
            "", "a/b", "{}", "{+}", "{id", "id}", "a{id}", "{a b}", "sp ace", "ü",
        ] {
            check(part, None);
        }
    }

    #[test]
    fn child_paths_join_without_double_slashes() {
        assert_eq!(child_path("/", "items"), "/items");
        assert_eq!(child_path("/items", "{id}"), "/items/{id}");
    }
}
