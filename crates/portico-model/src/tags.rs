//! Tag validation, shared by every taggable resource.

use std::collections::BTreeMap;

use crate::ModelError;

/// Most tags one resource may carry.
pub const MAX_TAGS: usize = 50;

/// Checks AWS's tag rules: keys 1–128 characters not starting with `aws:`, values up to 256.
pub fn validate(tags: &BTreeMap<String, String>) -> Result<(), ModelError> {
    if tags.len() > MAX_TAGS {
        return Err(ModelError::bad_request(format!(
            "Too many tags: a resource can have at most {MAX_TAGS} tags"
        )));
    }
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > 128 {
            return Err(ModelError::bad_request(format!(
                "Invalid tag key: '{key}'. Tag keys must be between 1 and 128 characters"
            )));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(ModelError::bad_request(format!(
                "Invalid tag key: '{key}'. Tag keys cannot start with 'aws:'"
            )));
        }
        if value.chars().count() > 256 {
            return Err(ModelError::bad_request(format!(
                "Invalid tag value for key '{key}'. Tag values can be at most 256 characters"
            )));
        }
    }
    Ok(())
}
