//! The Java methods templates call on strings, numbers, booleans, lists and maps, with Java's
//! results and exceptions. A method that does not exist (or whose arguments have the wrong
//! types) returns null, which makes the reference render as its source text, as in Velocity.

use std::rc::Rc;
use std::sync::Arc;

use regex::Regex;

use crate::error::RenderError;
use crate::java_regex;
use crate::render::{MapEntry, Renderer};
use crate::value::{ListId, MapId, SLOT_BYTES, Value};

/// What a `void` Java method returns through Velocity 1.7: an empty string.
fn void() -> Value {
    Value::String(Arc::from(""))
}

fn npe(method: &str) -> RenderError {
    RenderError::method(method, "java.lang.NullPointerException")
}

pub(crate) fn index_out_of_bounds(method: &str, index: i64, len: usize) -> RenderError {
    RenderError::method(
        method,
        format!("java.lang.IndexOutOfBoundsException: Index: {index}, Size: {len}"),
    )
}

fn string_index_out_of_bounds(method: &str, index: i64) -> RenderError {
    RenderError::method(
        method,
        format!("java.lang.StringIndexOutOfBoundsException: String index out of range: {index}"),
    )
}

/// A list position for `$list[i]` and `#set($list[i] = …)`: negative indexes count from the end.
pub(crate) fn list_index(index: i64, len: usize) -> Option<usize> {
    let index = if index < 0 { index + len as i64 } else { index };
    usize::try_from(index).ok().filter(|i| *i < len)
}

/// `$value.name`: a map's entry, or a getter (`isEmpty` as `empty`) of the other types.
pub(crate) fn property(
    r: &mut Renderer<'_>,
    value: &Value,
    name: &str,
) -> Result<Value, RenderError> {
    Ok(match value {
        Value::Map(id) => r.heap.map_get(*id, name).cloned().unwrap_or_default(),
        Value::Native(native) => native.property(name, &mut r.env())?,
        Value::String(s) if name == "empty" => Value::Bool(s.is_empty()),
        Value::List(id) if name == "empty" => Value::Bool(r.heap.list(*id).is_empty()),
        _ => Value::Null,
    })
}

/// `$value[key]`.
pub(crate) fn index(
    r: &mut Renderer<'_>,
    value: &Value,
    key: &Value,
) -> Result<Value, RenderError> {
    match (value, key) {
        (Value::List(id), Value::Int(i)) => {
            let list = r.heap.list(*id);
            match list_index(*i, list.len()) {
                Some(i) => Ok(list[i].clone()),
                None => Err(index_out_of_bounds("get", *i, list.len())),
            }
        }
        (Value::Map(id), key) if !key.is_null() => {
            let key = r.text_of(key)?;
            Ok(r.heap.map_get(*id, &key).cloned().unwrap_or_default())
        }
        _ => Ok(Value::Null),
    }
}

/// `$value.name(args)`.
pub(crate) fn call(
    r: &mut Renderer<'_>,
    value: &Value,
    name: &str,
    args: &[Value],
    regex: Option<&Regex>,
) -> Result<Value, RenderError> {
    let result = match value {
        Value::String(s) => string_method(r, s, name, args, regex)?,
        Value::Int(_) | Value::Float(_) => number_method(value, name, args),
        Value::Bool(b) => match (name, args) {
            ("booleanValue", []) => Value::Bool(*b),
            _ => Value::Null,
        },
        Value::List(id) => list_method(r, *id, name, args)?,
        Value::Map(id) => map_method(r, *id, name, args)?,
        Value::Native(native) => native.call(name, args, &mut r.env())?,
        Value::Null => Value::Null,
    };
    if !result.is_null() {
        return Ok(result);
    }
    // Methods of java.lang.Object.
    Ok(match (name, args) {
        ("toString", []) => Value::String(r.text_of(value)?),
        ("equals", [other]) => Value::Bool(r.heap.java_equals(value, other, 32)),
        _ => Value::Null,
    })
}

/// A string argument: `Ok(Some)`, `Ok(None)` for a non-string (no such overload) or a
/// `NullPointerException` for null.
fn str_arg<'v>(method: &str, value: &'v Value) -> Result<Option<&'v str>, RenderError> {
    match value {
        Value::String(s) => Ok(Some(s)),
        Value::Null => Err(npe(method)),
        _ => Ok(None),
    }
}

fn int_arg(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

/// Length in UTF-16 code units, as Java counts.
fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// The byte offset of the first character starting at or after UTF-16 index `index`.
fn byte_at(s: &str, index: usize) -> usize {
    if s.is_ascii() {
        return index.min(s.len());
    }
    let mut units = 0;
    for (byte, c) in s.char_indices() {
        if units >= index {
            return byte;
        }
        units += c.len_utf16();
    }
    s.len()
}

/// The UTF-16 index of byte offset `byte`.
fn utf16_at(s: &str, byte: usize) -> i64 {
    utf16_len(&s[..byte]) as i64
}

/// Java's `substring(begin, end)` in UTF-16 units.
fn substring(s: &str, begin: usize, end: usize) -> String {
    if s.is_ascii() {
        return s[begin..end].to_owned();
    }
    let units: Vec<u16> = s.encode_utf16().collect();
    String::from_utf16_lossy(&units[begin..end])
}

fn char_at(s: &str, index: usize) -> Option<String> {
    if s.is_ascii() {
        return s.get(index..index + 1).map(str::to_owned);
    }
    let unit = s.encode_utf16().nth(index)?;
    Some(
        char::from_u32(u32::from(unit))
            .unwrap_or('\u{fffd}')
            .to_string(),
    )
}

/// Java's `String.trim`: strips characters up to U+0020.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

fn equals_ignore_case(a: &str, b: &str) -> bool {
    let fold = |c: char| c.to_lowercase().next().unwrap_or(c);
    a.chars().count() == b.chars().count()
        && a.chars()
            .zip(b.chars())
            .all(|(x, y)| x == y || fold(x) == fold(y))
}

fn compare_to(a: &str, b: &str) -> i64 {
    let mut a_units = a.encode_utf16();
    let mut b_units = b.encode_utf16();
    loop {
        match (a_units.next(), b_units.next()) {
            (Some(x), Some(y)) if x != y => return i64::from(x) - i64::from(y),
            (Some(_), Some(_)) => {}
            _ => return utf16_len(a) as i64 - utf16_len(b) as i64,
        }
    }
}

fn index_of(s: &str, needle: &str, from: i64) -> i64 {
    let start = byte_at(s, from.max(0) as usize);
    match s[start..].find(needle) {
        Some(found) => utf16_at(s, start + found),
        None => -1,
    }
}

fn last_index_of(s: &str, needle: &str, from: i64) -> i64 {
    if from < 0 {
        return -1;
    }
    // The match may start at `from` at the latest.
    let limit = byte_at(s, from as usize);
    let end = (limit + needle.len()).min(s.len());
    let end = (end..=s.len())
        .find(|e| s.is_char_boundary(*e))
        .unwrap_or(s.len());
    match s[..end].rfind(needle) {
        Some(found) => utf16_at(s, found),
        None => -1,
    }
}

fn char_needle(code: i64) -> Option<String> {
    u32::try_from(code)
        .ok()
        .and_then(char::from_u32)
        .map(String::from)
}

fn string_method(
    r: &mut Renderer<'_>,
    s: &Arc<str>,
    name: &str,
    args: &[Value],
    regex: Option<&Regex>,
) -> Result<Value, RenderError> {
    r.budget.scan(s.len())?;
    let text: &str = s;
    let len = utf16_len(text) as i64;
    Ok(match (name, args) {
        ("length", []) => Value::Int(len),
        ("isEmpty", []) => Value::Bool(text.is_empty()),
        ("toString" | "intern", []) => Value::String(s.clone()),
        ("substring", [begin]) => {
            let Some(begin) = int_arg(begin) else {
                return Ok(Value::Null);
            };
            if begin < 0 || begin > len {
                return Err(string_index_out_of_bounds(name, begin));
            }
            r.budget.allocate(text.len())?;
            Value::from(substring(text, begin as usize, len as usize))
        }
        ("substring", [begin, end]) => {
            let (Some(begin), Some(end)) = (int_arg(begin), int_arg(end)) else {
                return Ok(Value::Null);
            };
            if begin < 0 || end > len || begin > end {
                let bad = if begin < 0 {
                    begin
                } else if end > len {
                    end
                } else {
                    end - begin
                };
                return Err(string_index_out_of_bounds(name, bad));
            }
            r.budget.allocate(text.len())?;
            Value::from(substring(text, begin as usize, end as usize))
        }
        ("indexOf" | "lastIndexOf", [needle]) | ("indexOf" | "lastIndexOf", [needle, _]) => {
            let needle = match needle {
                Value::Int(code) => match char_needle(*code) {
                    Some(c) => c,
                    None => return Ok(Value::Int(-1)),
                },
                other => match str_arg(name, other)? {
                    Some(needle) => needle.to_owned(),
                    None => return Ok(Value::Null),
                },
            };
            let from = match args.get(1) {
                None => None,
                Some(from) => match int_arg(from) {
                    Some(from) => Some(from),
                    None => return Ok(Value::Null),
                },
            };
            Value::Int(if name == "indexOf" {
                index_of(text, &needle, from.unwrap_or(0))
            } else {
                last_index_of(text, &needle, from.unwrap_or(len))
            })
        }
        ("contains", [needle]) => match str_arg(name, needle)? {
            Some(needle) => Value::Bool(text.contains(needle)),
            None => Value::Null,
        },
        ("startsWith", [prefix]) => match str_arg(name, prefix)? {
            Some(prefix) => Value::Bool(text.starts_with(prefix)),
            None => Value::Null,
        },
        ("startsWith", [prefix, offset]) => {
            let (Some(prefix), Some(offset)) = (str_arg(name, prefix)?, int_arg(offset)) else {
                return Ok(Value::Null);
            };
            Value::Bool(
                offset >= 0
                    && offset <= len
                    && text[byte_at(text, offset as usize)..].starts_with(prefix),
            )
        }
        ("endsWith", [suffix]) => match str_arg(name, suffix)? {
            Some(suffix) => Value::Bool(text.ends_with(suffix)),
            None => Value::Null,
        },
        ("toLowerCase", []) => {
            r.budget.allocate(text.len())?;
            Value::from(text.to_lowercase())
        }
        ("toUpperCase", []) => {
            r.budget.allocate(text.len())?;
            Value::from(text.to_uppercase())
        }
        ("trim", []) => Value::string(java_trim(text)),
        ("equals", [other]) => Value::Bool(other.as_str() == Some(text)),
        ("equalsIgnoreCase", [other]) => {
            Value::Bool(other.as_str().is_some_and(|o| equals_ignore_case(text, o)))
        }
        ("compareTo", [other]) => match str_arg(name, other)? {
            Some(other) => Value::Int(compare_to(text, other)),
            None => Value::Null,
        },
        ("concat", [other]) => match str_arg(name, other)? {
            Some(other) => {
                r.budget.allocate(text.len() + other.len())?;
                Value::from(format!("{text}{other}"))
            }
            None => Value::Null,
        },
        ("charAt", [index]) => {
            let Some(index) = int_arg(index) else {
                return Ok(Value::Null);
            };
            match usize::try_from(index).ok().and_then(|i| char_at(text, i)) {
                Some(c) => Value::from(c),
                None => return Err(string_index_out_of_bounds(name, index)),
            }
        }
        ("replace", [target, replacement]) => {
            let (Some(target), Some(replacement)) =
                (str_arg(name, target)?, str_arg(name, replacement)?)
            else {
                return Ok(Value::Null);
            };
            let replaced = text.replace(target, replacement);
            r.budget.allocate(replaced.len())?;
            Value::from(replaced)
        }
        ("replaceAll" | "replaceFirst", [pattern, replacement]) => {
            let (Some(pattern), Some(replacement)) =
                (str_arg(name, pattern)?, str_arg(name, replacement)?)
            else {
                return Ok(Value::Null);
            };
            let regex = r.regex(name, pattern, false, regex)?;
            let replaced = java_regex::replace(&regex, text, replacement, name == "replaceFirst")
                .map_err(|message| RenderError::method(name, message))?;
            r.budget.allocate(replaced.len())?;
            Value::from(replaced)
        }
        ("matches", [pattern]) => {
            let Some(pattern) = str_arg(name, pattern)? else {
                return Ok(Value::Null);
            };
            let regex = r.regex(name, pattern, true, regex)?;
            Value::Bool(regex.is_match(text))
        }
        ("split", [pattern]) | ("split", [pattern, _]) => {
            let Some(pattern) = str_arg(name, pattern)? else {
                return Ok(Value::Null);
            };
            let limit = match args.get(1) {
                None => 0,
                Some(limit) => match int_arg(limit) {
                    Some(limit) => limit,
                    None => return Ok(Value::Null),
                },
            };
            let regex = r.regex(name, pattern, false, regex)?;
            let parts = java_regex::split(&regex, text, limit);
            r.budget.allocate(text.len() + parts.len() * SLOT_BYTES)?;
            let items = parts.into_iter().map(Value::string).collect();
            r.heap.new_list(items)
        }
        ("toCharArray", []) => {
            let items: Vec<Value> = text.chars().map(|c| Value::from(c.to_string())).collect();
            r.budget.allocate(items.len() * SLOT_BYTES * 2)?;
            r.heap.new_list(items)
        }
        _ => Value::Null,
    })
}

fn number_method(value: &Value, name: &str, args: &[Value]) -> Value {
    match (value, name, args) {
        (Value::Int(i), "intValue", []) => Value::Int(i64::from(*i as i32)),
        (Value::Int(i), "longValue", []) => Value::Int(*i),
        (Value::Int(i), "doubleValue", []) => Value::Float(*i as f64),
        (Value::Float(f), "intValue", []) => Value::Int(i64::from(*f as i32)),
        (Value::Float(f), "longValue", []) => Value::Int(*f as i64),
        (Value::Float(f), "doubleValue", []) => Value::Float(*f),
        (Value::Float(f), "isNaN", []) => Value::Bool(f.is_nan()),
        (Value::Float(f), "isInfinite", []) => Value::Bool(f.is_infinite()),
        (Value::Int(a), "compareTo", [Value::Int(b)]) => Value::Int(a.cmp(b) as i64),
        (Value::Float(a), "compareTo", [Value::Float(b)]) => Value::Int(a.total_cmp(b) as i64),
        _ => Value::Null,
    }
}

fn list_method(
    r: &mut Renderer<'_>,
    id: ListId,
    name: &str,
    args: &[Value],
) -> Result<Value, RenderError> {
    let len = r.heap.list(id).len();
    r.budget.steps(1)?;
    Ok(match (name, args) {
        ("size", []) => Value::Int(len as i64),
        ("isEmpty", []) => Value::Bool(len == 0),
        ("get", [index]) => {
            let Some(index) = int_arg(index) else {
                return Ok(Value::Null);
            };
            match usize::try_from(index).ok().filter(|i| *i < len) {
                Some(i) => r.heap.list(id)[i].clone(),
                None => return Err(index_out_of_bounds(name, index, len)),
            }
        }
        ("contains", [item]) => {
            r.budget.scan(len * SLOT_BYTES)?;
            Value::Bool(
                r.heap
                    .list(id)
                    .iter()
                    .any(|x| r.heap.java_equals(x, item, 32)),
            )
        }
        ("indexOf" | "lastIndexOf", [item]) => {
            r.budget.scan(len * SLOT_BYTES)?;
            let list = r.heap.list(id);
            let found = if name == "indexOf" {
                list.iter().position(|x| r.heap.java_equals(x, item, 32))
            } else {
                list.iter().rposition(|x| r.heap.java_equals(x, item, 32))
            };
            Value::Int(found.map_or(-1, |i| i as i64))
        }
        ("add", [item]) => {
            r.budget.allocate(SLOT_BYTES)?;
            if let Some(items) = r.heap.list_mut(id) {
                items.push(item.clone());
            }
            Value::Bool(true)
        }
        ("add", [index, item]) => {
            let Some(index) = int_arg(index) else {
                return Ok(Value::Null);
            };
            let Some(at) = usize::try_from(index).ok().filter(|i| *i <= len) else {
                return Err(index_out_of_bounds(name, index, len));
            };
            r.budget.allocate(SLOT_BYTES)?;
            if let Some(items) = r.heap.list_mut(id) {
                items.insert(at, item.clone());
            }
            void()
        }
        ("addAll", [Value::List(other)]) => {
            let added = r.heap.list(*other).to_vec();
            r.budget.allocate(added.len() * SLOT_BYTES)?;
            let changed = !added.is_empty();
            if let Some(items) = r.heap.list_mut(id) {
                items.extend(added);
            }
            Value::Bool(changed)
        }
        ("addAll", [index, Value::List(other)]) => {
            let Some(index) = int_arg(index) else {
                return Ok(Value::Null);
            };
            let Some(at) = usize::try_from(index).ok().filter(|i| *i <= len) else {
                return Err(index_out_of_bounds(name, index, len));
            };
            let added = r.heap.list(*other).to_vec();
            r.budget.allocate(added.len() * SLOT_BYTES)?;
            let changed = !added.is_empty();
            if let Some(items) = r.heap.list_mut(id) {
                items.splice(at..at, added);
            }
            Value::Bool(changed)
        }
        ("remove", [Value::Int(index)]) => {
            let Some(at) = usize::try_from(*index).ok().filter(|i| *i < len) else {
                return Err(index_out_of_bounds(name, *index, len));
            };
            r.budget.scan(len * SLOT_BYTES)?;
            r.heap
                .list_mut(id)
                .map_or(Value::Null, |items| items.remove(at))
        }
        ("remove", [item]) => {
            r.budget.scan(len * SLOT_BYTES)?;
            let found = r
                .heap
                .list(id)
                .iter()
                .position(|x| r.heap.java_equals(x, item, 32));
            if let (Some(at), Some(items)) = (found, r.heap.list_mut(id)) {
                items.remove(at);
            }
            Value::Bool(found.is_some())
        }
        ("set", [index, item]) => {
            let Some(index) = int_arg(index) else {
                return Ok(Value::Null);
            };
            let Some(at) = usize::try_from(index).ok().filter(|i| *i < len) else {
                return Err(index_out_of_bounds(name, index, len));
            };
            r.heap.list_mut(id).map_or(Value::Null, |items| {
                std::mem::replace(&mut items[at], item.clone())
            })
        }
        ("clear", []) => {
            if let Some(items) = r.heap.list_mut(id) {
                items.clear();
            }
            void()
        }
        ("subList", [from, to]) => {
            let (Some(from), Some(to)) = (int_arg(from), int_arg(to)) else {
                return Ok(Value::Null);
            };
            if from < 0 || to > len as i64 || from > to {
                return Err(RenderError::method(
                    name,
                    format!(
                        "java.lang.IndexOutOfBoundsException: fromIndex: {from}, toIndex: {to}, size: {len}"
                    ),
                ));
            }
            let items = r.heap.list(id)[from as usize..to as usize].to_vec();
            r.budget.allocate(items.len() * SLOT_BYTES)?;
            let kind = r.heap.list_kind(id);
            r.heap.new_list_of_kind(items, kind)
        }
        ("containsAll", [Value::List(other)]) => {
            r.budget
                .scan(len * r.heap.list(*other).len() * SLOT_BYTES)?;
            let list = r.heap.list(id);
            Value::Bool(
                r.heap
                    .list(*other)
                    .iter()
                    .all(|x| list.iter().any(|y| r.heap.java_equals(x, y, 32))),
            )
        }
        _ => Value::Null,
    })
}

/// A map key from an argument; Java maps from templates and payloads have string keys.
fn map_key(r: &mut Renderer<'_>, key: &Value) -> Result<Option<Arc<str>>, RenderError> {
    match key {
        Value::Null => Ok(None),
        key => r.text_of(key).map(Some),
    }
}

fn map_method(
    r: &mut Renderer<'_>,
    id: MapId,
    name: &str,
    args: &[Value],
) -> Result<Value, RenderError> {
    let len = r.heap.map_len(id);
    r.budget.steps(1)?;
    Ok(match (name, args) {
        ("size", []) => Value::Int(len as i64),
        ("isEmpty", []) => Value::Bool(len == 0),
        ("get", [key]) => match map_key(r, key)? {
            Some(key) => r.heap.map_get(id, &key).cloned().unwrap_or_default(),
            None => Value::Null,
        },
        ("getOrDefault", [key, default]) => match map_key(r, key)? {
            Some(key) => r
                .heap
                .map_get(id, &key)
                .cloned()
                .unwrap_or_else(|| default.clone()),
            None => default.clone(),
        },
        ("containsKey", [key]) => match map_key(r, key)? {
            Some(key) => Value::Bool(r.heap.map_get(id, &key).is_some()),
            None => Value::Bool(false),
        },
        ("containsValue", [value]) => {
            r.budget.scan(len * SLOT_BYTES)?;
            Value::Bool(
                r.heap
                    .map_entries(id)
                    .any(|(_, v)| r.heap.java_equals(v, value, 32)),
            )
        }
        ("put", [key, value]) => {
            let Some(key) = map_key(r, key)? else {
                return Ok(Value::Null);
            };
            r.budget.allocate(key.len() + 2 * SLOT_BYTES)?;
            r.heap
                .map_insert(id, key, value.clone())
                .unwrap_or_default()
        }
        ("putIfAbsent", [key, value]) => {
            let Some(key) = map_key(r, key)? else {
                return Ok(Value::Null);
            };
            match r.heap.map_get(id, &key) {
                Some(existing) if !existing.is_null() => existing.clone(),
                _ => {
                    r.budget.allocate(key.len() + 2 * SLOT_BYTES)?;
                    r.heap.map_insert(id, key, value.clone());
                    Value::Null
                }
            }
        }
        ("putAll", [Value::Map(other)]) => {
            let entries: Vec<(Arc<str>, Value)> = r
                .heap
                .map_entries(*other)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            r.budget.allocate(entries.len() * 2 * SLOT_BYTES)?;
            for (key, value) in entries {
                r.heap.map_insert(id, key, value);
            }
            void()
        }
        ("remove", [key]) => match map_key(r, key)? {
            Some(key) => {
                r.budget.scan(len * SLOT_BYTES)?;
                r.heap
                    .map_mut(id)
                    .and_then(|map| map.shift_remove(&*key))
                    .unwrap_or_default()
            }
            None => Value::Null,
        },
        ("clear", []) => {
            if let Some(map) = r.heap.map_mut(id) {
                map.clear();
            }
            void()
        }
        ("keySet", []) => {
            let keys: Vec<Value> = r
                .heap
                .map_entries(id)
                .map(|(k, _)| Value::String(k.clone()))
                .collect();
            r.budget.allocate(keys.len() * SLOT_BYTES)?;
            r.heap.new_list(keys)
        }
        ("values", []) => {
            let values: Vec<Value> = r.heap.map_entries(id).map(|(_, v)| v.clone()).collect();
            r.budget.allocate(values.len() * SLOT_BYTES)?;
            r.heap.new_list(values)
        }
        ("entrySet", []) => {
            let entries: Vec<Value> = r
                .heap
                .map_entries(id)
                .map(|(k, _)| {
                    Value::Native(Rc::new(MapEntry {
                        map: id,
                        key: k.clone(),
                    }))
                })
                .collect();
            r.budget.allocate(entries.len() * 4 * SLOT_BYTES)?;
            r.heap.new_list(entries)
        }
        _ => Value::Null,
    })
}
