//! Pagination of list operations: `?position=<opaque>&limit=<n>` (default 25, at most 500).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::ModelError;

/// Page size when the caller gives none.
pub const DEFAULT_LIMIT: usize = 25;
/// Largest page size AWS accepts.
pub const MAX_LIMIT: usize = 500;

/// One page of a list and the position of the next one, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub position: Option<String>,
}

/// Parses the `limit` query parameter.
pub fn parse_limit(limit: Option<&str>) -> Result<usize, ModelError> {
    let Some(limit) = limit else {
        return Ok(DEFAULT_LIMIT);
    };
    let value: i64 = limit
        .parse()
        .map_err(|_| ModelError::bad_request(format!("Invalid limit specified: {limit}")))?;
    if value < 1 || value > MAX_LIMIT as i64 {
        return Err(ModelError::bad_request(format!(
            "1 validation error detected: Value '{value}' at 'limit' failed to satisfy \
             constraint: Member must have value between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(value as usize)
}

/// Decodes a position token into the sort key it continues after.
pub fn decode_position(position: Option<&str>) -> Result<Option<String>, ModelError> {
    let Some(position) = position.filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let invalid = || ModelError::bad_request("Invalid position parameter");
    let bytes = URL_SAFE_NO_PAD.decode(position).map_err(|_| invalid())?;
    String::from_utf8(bytes).map(Some).map_err(|_| invalid())
}

/// Encodes a sort key as an opaque position token.
pub fn encode_position(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// Takes the page after `position` from items sorted by their key.
pub fn paginate<T>(
    sorted: impl IntoIterator<Item = (String, T)>,
    position: Option<&str>,
    limit: usize,
) -> Result<Page<T>, ModelError> {
    let after = decode_position(position)?;
    let mut remaining = sorted
        .into_iter()
        .filter(|(key, _)| after.as_ref().is_none_or(|after| key > after))
        .peekable();
    let mut items = Vec::new();
    let mut last_key = None;
    while items.len() < limit {
        match remaining.next() {
            Some((key, item)) => {
                items.push(item);
                last_key = Some(key);
            }
            None => break,
        }
    }
    let position = match (remaining.peek(), last_key) {
        (Some(_), Some(key)) => Some(encode_position(&key)),
        _ => None,
    };
    Ok(Page { items, position })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize) -> Vec<(String, usize)> {
        (0..n).map(|i| (format!("{i:03}"), i)).collect()
    }

    #[test]
    fn pages_follow_each_other_without_gaps() {
        let first = paginate(keys(5), None, 2).unwrap();
        assert_eq!(first.items, vec![0, 1]);
        let second = paginate(keys(5), first.position.as_deref(), 2).unwrap();
        assert_eq!(second.items, vec![2, 3]);
        let third = paginate(keys(5), second.position.as_deref(), 2).unwrap();
        assert_eq!(third.items, vec![4]);
        assert_eq!(third.position, None);
    }

    #[test]
    fn exact_fit_has_no_next_position() {
        assert_eq!(paginate(keys(2), None, 2).unwrap().position, None);
    }

    #[test]
    fn limits_are_checked() {
        assert_eq!(parse_limit(None).unwrap(), 25);
        assert_eq!(parse_limit(Some("500")).unwrap(), 500);
        assert!(parse_limit(Some("501")).is_err());
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("x")).is_err());
    }

    #[test]
    fn garbage_positions_are_rejected() {
        assert!(paginate(keys(2), Some("!!!"), 2).is_err());
    }
}
