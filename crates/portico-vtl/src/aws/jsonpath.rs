//! The JSONPath subset of `$input.json(…)` and `$input.path(…)` (API Gateway uses Jayway
//! JsonPath): `$`, `.name`, `['name']`, `["name"]`, `['a','b']`, `[n]`, `[-n]`, `[n,m]`,
//! `[start:end]`, `[*]`, `.*` and deep scan `..name` / `..*` / `..[…]`. A path without those
//! wildcards is *definite* and yields one value; otherwise it yields a list of every match.
//! Filters (`[?(…)]`) and functions are not supported and are reported as invalid paths.

use crate::error::RenderError;
use crate::limits::Budget;
use crate::value::{Heap, ListKind, Value};

/// How deep a deep scan descends (payloads nest at most 128 levels).
const MAX_SCAN_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsonPath {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Child(String),
    Index(i64),
    Wildcard,
    Slice(Option<i64>, Option<i64>),
    Union(Vec<Key>),
    /// `..` followed by what is selected among every descendant (and the node itself).
    Deep(Box<Segment>),
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Name(String),
    Index(i64),
}

/// The result of applying a path.
pub(crate) enum Selection {
    /// A definite path that matched.
    One(Value),
    /// A definite path that matched nothing.
    Missing,
    /// An indefinite path: every match, in document order.
    Many(Vec<Value>),
}

// === impl JsonPath ===

impl JsonPath {
    /// Parses a path; a path that does not start with `$` is taken relative to `$`, as Jayway
    /// does.
    pub(crate) fn parse(path: &str) -> Result<JsonPath, String> {
        let path = path.trim();
        let rest = match path.strip_prefix('$') {
            Some(rest) => rest,
            None if path.starts_with('.') || path.starts_with('[') => path,
            None => return JsonPath::parse(&format!("$.{path}")),
        };
        let mut segments = Vec::new();
        let mut chars = rest;
        while !chars.is_empty() {
            if let Some(after) = chars.strip_prefix("..") {
                let (segment, after) = parse_step(after, true)?;
                segments.push(Segment::Deep(Box::new(segment)));
                chars = after;
            } else if chars.starts_with('.') || chars.starts_with('[') {
                let after = chars.strip_prefix('.').unwrap_or(chars);
                let (segment, after) = parse_step(after, chars.starts_with('.'))?;
                segments.push(segment);
                chars = after;
            } else {
                return Err(format!(
                    "Illegal character at position {} in path {path}",
                    path.len() - chars.len()
                ));
            }
        }
        Ok(JsonPath { segments })
    }

    /// Whether the path selects at most one value.
    fn is_definite(&self) -> bool {
        self.segments
            .iter()
            .all(|s| matches!(s, Segment::Child(_) | Segment::Index(_)))
    }

    /// Applies the path to `root`.
    pub(crate) fn select(
        &self,
        heap: &Heap,
        root: &Value,
        budget: &mut Budget,
    ) -> Result<Selection, RenderError> {
        let mut current = vec![root.clone()];
        for segment in &self.segments {
            let mut next = Vec::new();
            for value in &current {
                apply(segment, heap, value, &mut next, budget, 0)?;
            }
            current = next;
        }
        Ok(if self.is_definite() {
            match current.into_iter().next() {
                Some(value) => Selection::One(value),
                None => Selection::Missing,
            }
        } else {
            Selection::Many(current)
        })
    }
}

// === impl Selection ===

impl Selection {
    /// The selection as one value: a list (printing as JSON) for indefinite paths.
    pub(crate) fn into_value(self, heap: &mut Heap) -> Value {
        match self {
            Selection::One(value) => value,
            Selection::Missing => Value::Null,
            Selection::Many(values) => heap.new_list_of_kind(values, ListKind::Json),
        }
    }
}

/// One step after `.` (`dotted`) or at `[`.
fn parse_step(text: &str, dotted: bool) -> Result<(Segment, &str), String> {
    if let Some(rest) = text.strip_prefix('[') {
        let end = bracket_end(rest).ok_or_else(|| format!("Unclosed [ in path at {text}"))?;
        let inner = rest[..end].trim();
        return Ok((parse_bracket(inner)?, &rest[end + 1..]));
    }
    if !dotted {
        return Err(format!("Expected [ at {text}"));
    }
    if let Some(rest) = text.strip_prefix('*') {
        return Ok((Segment::Wildcard, rest));
    }
    let end = text.find(['.', '[']).unwrap_or(text.len());
    let name = text[..end].trim();
    if name.is_empty() {
        return Err(format!("Path must not end with a '.' or '..' at {text}"));
    }
    Ok((Segment::Child(name.to_owned()), &text[end..]))
}

/// The index of the `]` closing a bracket, skipping quoted text.
fn bracket_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ']') => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_bracket(inner: &str) -> Result<Segment, String> {
    if inner == "*" {
        return Ok(Segment::Wildcard);
    }
    if inner.starts_with('?') || inner.starts_with('(') {
        return Err(format!("Unsupported filter or script in path: [{inner}]"));
    }
    if inner.contains(':') && !inner.starts_with(['\'', '"']) {
        let (start, end) = inner.split_once(':').unwrap_or((inner, ""));
        let bound = |s: &str| -> Result<Option<i64>, String> {
            let s = s.trim();
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse()
                    .map(Some)
                    .map_err(|_| format!("Invalid slice [{inner}]"))
            }
        };
        return Ok(Segment::Slice(bound(start)?, bound(end)?));
    }
    let mut keys = Vec::new();
    for part in split_keys(inner) {
        let part = part.trim();
        let quoted = part.len() >= 2
            && ((part.starts_with('\'') && part.ends_with('\''))
                || (part.starts_with('"') && part.ends_with('"')));
        if quoted {
            keys.push(Key::Name(part[1..part.len() - 1].to_owned()));
        } else {
            let index = part
                .parse()
                .map_err(|_| format!("Invalid property or index [{inner}]"))?;
            keys.push(Key::Index(index));
        }
    }
    Ok(match keys.len() {
        1 => match keys.remove(0) {
            Key::Name(name) => Segment::Child(name),
            Key::Index(index) => Segment::Index(index),
        },
        _ => Segment::Union(keys),
    })
}

/// Splits `'a','b'` or `0,1` at commas outside quotes.
fn split_keys(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ',') => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
}

fn apply(
    segment: &Segment,
    heap: &Heap,
    value: &Value,
    out: &mut Vec<Value>,
    budget: &mut Budget,
    depth: usize,
) -> Result<(), RenderError> {
    budget.steps(1)?;
    match segment {
        Segment::Child(name) => {
            if let Value::Map(id) = value
                && let Some(found) = heap.map_get(*id, name)
            {
                out.push(found.clone());
            }
        }
        Segment::Index(index) => {
            if let Value::List(id) = value {
                let list = heap.list(*id);
                if let Some(found) =
                    crate::methods::list_index(*index, list.len()).map(|i| &list[i])
                {
                    out.push(found.clone());
                }
            }
        }
        Segment::Wildcard => children(heap, value, out),
        Segment::Slice(start, end) => {
            if let Value::List(id) = value {
                let list = heap.list(*id);
                let len = list.len() as i64;
                let clamp = |bound: i64| {
                    (if bound < 0 { bound + len } else { bound }).clamp(0, len) as usize
                };
                let from = clamp(start.unwrap_or(0));
                let to = clamp(end.unwrap_or(len));
                if from < to {
                    out.extend_from_slice(&list[from..to]);
                }
            }
        }
        Segment::Union(keys) => {
            for key in keys {
                let step = match key {
                    Key::Name(name) => Segment::Child(name.clone()),
                    Key::Index(index) => Segment::Index(*index),
                };
                apply(&step, heap, value, out, budget, depth)?;
            }
        }
        Segment::Deep(step) => {
            if depth > MAX_SCAN_DEPTH {
                return Ok(());
            }
            apply(step, heap, value, out, budget, depth)?;
            let mut kids = Vec::new();
            children(heap, value, &mut kids);
            for kid in &kids {
                apply(segment, heap, kid, out, budget, depth + 1)?;
            }
        }
    }
    Ok(())
}

fn children(heap: &Heap, value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Map(id) => out.extend(heap.map_entries(*id).map(|(_, v)| v.clone())),
        Value::List(id) => out.extend_from_slice(heap.list(*id)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_into_segments() {
        let parse = |p| JsonPath::parse(p).unwrap().segments;
        assert_eq!(parse("$"), vec![]);
        assert_eq!(
            parse("$.a.b"),
            vec![Segment::Child("a".into()), Segment::Child("b".into())]
        );
        assert_eq!(
            parse("$['a b'][0]"),
            vec![Segment::Child("a b".into()), Segment::Index(0)]
        );
        assert_eq!(
            parse("a.b"),
            vec![Segment::Child("a".into()), Segment::Child("b".into())]
        );
        assert_eq!(
            parse("$..name"),
            vec![Segment::Deep(Box::new(Segment::Child("name".into())))]
        );
        assert_eq!(
            parse("$.a[*]"),
            vec![Segment::Child("a".into()), Segment::Wildcard]
        );
        assert_eq!(
            parse("$.a[1:]"),
            vec![Segment::Child("a".into()), Segment::Slice(Some(1), None)]
        );
        assert_eq!(
            parse("$['a','b']"),
            vec![Segment::Union(vec![
                Key::Name("a".into()),
                Key::Name("b".into())
            ])]
        );
        assert!(JsonPath::parse("$.a[?(@.b)]").is_err());
        assert!(JsonPath::parse("$.a[").is_err());
        assert!(JsonPath::parse("$.").is_err());
    }
}
