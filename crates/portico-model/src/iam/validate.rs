//! IAM's modelled constraints (length, pattern) with its `ValidationError` wording, and its
//! tag rules. `field` is the camelCase member name IAM puts in the message (`userName`).

use std::collections::BTreeMap;

use super::{IamError, MAX_TAGS, Tag};

/// `[\w+=,.@-]+`: user, policy and inline policy names.
const NAME_PATTERN: &str = r"[\w+=,.@-]+";
/// User paths.
const PATH_PATTERN: &str = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)";
/// Managed policy paths.
const POLICY_PATH_PATTERN: &str = r"((/[A-Za-z0-9\.,\+@=_-]+)*)/";
/// `PathPrefix` of ListUsers.
const PATH_PREFIX_PATTERN: &str = r"\u002F[\u0021-\u007F]*";
/// Policy documents.
const DOCUMENT_PATTERN: &str = r"[\u0009\u000A\u000D\u0020-\u00FF]+";
const TAG_KEY_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+";
const TAG_VALUE_PATTERN: &str = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*";
const MAX_PATH_LEN: usize = 512;
const MAX_DOCUMENT_LEN: usize = 131_072;
const MAX_TAG_KEY_LEN: usize = 128;
const MAX_TAG_VALUE_LEN: usize = 256;
const MAX_MAX_ITEMS: usize = 1000;

/// AWS's message for a missing required parameter.
pub fn missing(field: &str) -> IamError {
    IamError::Validation(format!(
        "1 validation error detected: Value null at '{field}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// A name of 1..=`max` characters matching `[\w+=,.@-]+`.
pub fn check_name(field: &str, value: &str, max: usize) -> Result<(), IamError> {
    check_length(field, value, 1, max)?;
    if !value.chars().all(is_name_char) {
        return Err(violation(field, value, &pattern(NAME_PATTERN)));
    }
    Ok(())
}

/// A new user's name: 1–64 characters.
pub fn check_user_name(field: &str, value: &str) -> Result<(), IamError> {
    check_name(field, value, 64)
}

/// A policy name (managed or inline): 1–128 characters.
pub fn check_policy_name(field: &str, value: &str) -> Result<(), IamError> {
    check_name(field, value, 128)
}

/// A user path: `/` or `/a/b/` (printable ASCII between the slashes).
pub fn check_path(field: &str, value: &str) -> Result<(), IamError> {
    check_length(field, value, 1, MAX_PATH_LEN)?;
    let valid = value == "/"
        || (value.len() >= 3
            && value.starts_with('/')
            && value.ends_with('/')
            && value.bytes().all(|b| (0x21..=0x7e).contains(&b)));
    if !valid {
        return Err(violation(field, value, &pattern(PATH_PATTERN)));
    }
    Ok(())
}

/// A managed policy path: `/` or `/a/b/` with segments of `[A-Za-z0-9.,+@=_-]`.
pub fn check_policy_path(field: &str, value: &str) -> Result<(), IamError> {
    check_length(field, value, 1, MAX_PATH_LEN)?;
    let valid = value
        .strip_prefix('/')
        .and_then(|inner| {
            if inner.is_empty() {
                return Some(true);
            }
            inner.strip_suffix('/').map(|segments| {
                segments.split('/').all(|segment| {
                    !segment.is_empty()
                        && segment
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || ".,+@=_-".contains(c))
                })
            })
        })
        .unwrap_or(false);
    if !valid {
        return Err(violation(field, value, &pattern(POLICY_PATH_PATTERN)));
    }
    Ok(())
}

/// A `PathPrefix` of ListUsers: `/` followed by printable ASCII.
pub fn check_path_prefix(field: &str, value: &str) -> Result<(), IamError> {
    check_length(field, value, 1, MAX_PATH_LEN)?;
    if !value.starts_with('/') || !value.bytes().all(|b| (0x21..=0x7f).contains(&b)) {
        return Err(violation(field, value, &pattern(PATH_PREFIX_PATTERN)));
    }
    Ok(())
}

/// `MaxItems`: an integer in 1..=1000.
pub fn check_max_items(field: &str, value: &str) -> Result<usize, IamError> {
    let parsed: i64 = value.trim().parse().map_err(|_| {
        IamError::Validation(format!("Invalid value '{value}' for parameter {field}"))
    })?;
    if parsed < 1 {
        return Err(violation(
            field,
            value,
            "Member must have value greater than or equal to 1",
        ));
    }
    if parsed > MAX_MAX_ITEMS as i64 {
        return Err(violation(
            field,
            value,
            "Member must have value less than or equal to 1000",
        ));
    }
    usize::try_from(parsed).map_err(|_| violation(field, value, "Member must be an integer"))
}

/// A policy document's characters and length (its grammar is `portico-policy`'s job).
pub(super) fn check_document(field: &str, value: &str) -> Result<(), IamError> {
    check_length(field, value, 1, MAX_DOCUMENT_LEN)?;
    let valid = value
        .chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'));
    if !valid {
        // Documents are long; IAM does not echo them.
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: {}",
            pattern(DOCUMENT_PATTERN)
        )));
    }
    Ok(())
}

/// Tags of a create or TagX request: each key and value valid, no key twice (ignoring case),
/// no reserved `aws:` prefix.
pub(super) fn check_tags(tags: &[Tag]) -> Result<(), IamError> {
    if tags.len() > MAX_TAGS {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member \
             must have length less than or equal to {MAX_TAGS}"
        )));
    }
    for (index, tag) in tags.iter().enumerate() {
        let key_field = format!("tags.{}.member.key", index + 1);
        let value_field = format!("tags.{}.member.value", index + 1);
        check_length(&key_field, &tag.key, 1, MAX_TAG_KEY_LEN)?;
        if !tag.key.chars().all(is_tag_char) {
            return Err(violation(&key_field, &tag.key, &pattern(TAG_KEY_PATTERN)));
        }
        check_length(&value_field, &tag.value, 0, MAX_TAG_VALUE_LEN)?;
        if !tag.value.chars().all(is_tag_char) {
            return Err(violation(
                &value_field,
                &tag.value,
                &pattern(TAG_VALUE_PATTERN),
            ));
        }
        if tag.key.to_lowercase().starts_with("aws:") {
            return Err(IamError::InvalidInput(
                "Tag keys starting with 'aws:' are reserved for AWS use.".into(),
            ));
        }
        if tags[..index]
            .iter()
            .any(|earlier| earlier.key.to_lowercase() == tag.key.to_lowercase())
        {
            return Err(IamError::InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.".into(),
            ));
        }
    }
    Ok(())
}

/// Sets `tags` on `current` (replacing a key that differs only in case), keeping at most
/// [`MAX_TAGS`].
pub(super) fn merge_tags(
    current: &mut BTreeMap<String, String>,
    tags: &[Tag],
) -> Result<(), IamError> {
    check_tags(tags)?;
    let mut merged = current.clone();
    for tag in tags {
        merged.retain(|key, _| key.to_lowercase() != tag.key.to_lowercase());
        merged.insert(tag.key.clone(), tag.value.clone());
    }
    if merged.len() > MAX_TAGS {
        return Err(IamError::LimitExceeded(format!(
            "Cannot exceed quota for TagsPerEntity: {MAX_TAGS}"
        )));
    }
    *current = merged;
    Ok(())
}

/// Removes the tags with `keys` (ignoring case); unknown keys are fine.
pub(super) fn remove_tags(current: &mut BTreeMap<String, String>, keys: &[String]) {
    current.retain(|key, _| {
        !keys
            .iter()
            .any(|gone| gone.to_lowercase() == key.to_lowercase())
    });
}

fn check_length(field: &str, value: &str, min: usize, max: usize) -> Result<(), IamError> {
    let len = value.chars().count();
    if len < min {
        return Err(violation(
            field,
            value,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if len > max {
        return Err(violation(
            field,
            value,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

fn violation(field: &str, value: &str, constraint: &str) -> IamError {
    IamError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy \
         constraint: {constraint}"
    ))
}

fn pattern(regex: &str) -> String {
    format!("Member must satisfy regular expression pattern: {regex}")
}

/// `\w` in IAM's (Java) patterns is ASCII.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`: letters, separators, numbers and a few symbols.
fn is_tag_char(c: char) -> bool {
    c.is_alphabetic()
        || c.is_numeric()
        || (c.is_whitespace() && !c.is_control())
        || "_.:/=+-@".contains(c)
}
