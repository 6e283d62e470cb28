//! Runtime values with Java semantics, and the per-render heap that holds lists and maps.
//!
//! Lists and maps live in a [`Heap`] owned by the [`crate::Context`] and are referred to by id,
//! which gives templates Java's reference semantics (`#set($a = $b)` then `$a.put(…)` changes
//! `$b`), lets a huge JSON payload be shared by every access without copying, and makes cycles
//! (`$list.add($list)`) and deep nesting harmless: the heap is flat and is freed as a whole.

use std::any::Any;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::error::RenderError;
use crate::limits::Budget;

/// A value as a template sees it: Velocity's view of a Java object.
#[derive(Clone, Default)]
pub enum Value {
    /// Java `null`, and also "not defined": Velocity does not tell them apart.
    #[default]
    Null,
    /// `java.lang.Boolean`.
    Bool(bool),
    /// `java.lang.Integer` or `java.lang.Long`.
    Int(i64),
    /// `java.lang.Double`.
    Float(f64),
    /// `java.lang.String`.
    String(Arc<str>),
    /// A `java.util.List` held in the [`Heap`].
    List(ListId),
    /// An insertion-ordered `java.util.Map` (`LinkedHashMap`) held in the [`Heap`].
    Map(MapId),
    /// Any other object, such as `$input` or `$util`.
    Native(Rc<dyn NativeObject>),
}

/// The id of a list in a [`Heap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListId(u32);

/// The id of a map in a [`Heap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MapId(u32);

/// How a list prints itself, which is the only difference between the Java classes involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// `java.util.ArrayList` (list literals, `keySet()`, `split`…): prints as `[a, b]`.
    Java,
    /// A JSON array from a payload (json-smart's `JSONArray`): prints as JSON text, `["a","b"]`.
    Json,
}

/// An object implemented in Rust that templates can call, such as `$input` and `$util`.
pub trait NativeObject {
    /// The value of `$object.name`; [`Value::Null`] when there is no such property.
    fn property(&self, name: &str, env: &mut Env<'_>) -> Result<Value, RenderError> {
        let _ = (name, env);
        Ok(Value::Null)
    }

    /// The result of `$object.name(args…)`; [`Value::Null`] when there is no such method, in
    /// which case the reference renders as its source text, as Velocity does.
    fn call(&self, name: &str, args: &[Value], env: &mut Env<'_>) -> Result<Value, RenderError> {
        let _ = (name, args, env);
        Ok(Value::Null)
    }

    /// Writes what Java's `toString()` would return.
    fn write_text(&self, heap: &Heap, out: &mut String);

    /// Lets the renderer recognise its own native objects.
    fn as_any(&self) -> &dyn Any;
}

/// What a native method may use: the heap (to read arguments and create results) and the
/// budget (to charge its work).
pub struct Env<'a> {
    /// Where the render's lists and maps live.
    pub heap: &'a mut Heap,
    /// The render's meter; charge work proportional to input sizes here.
    pub budget: &'a mut Budget,
}

/// The lists and maps of one [`crate::Context`].
#[derive(Debug, Default)]
pub struct Heap {
    lists: Vec<ListData>,
    maps: Vec<IndexMap<Arc<str>, Value>>,
}

#[derive(Debug)]
struct ListData {
    items: Vec<Value>,
    kind: ListKind,
}

/// Printing gave up because values nest deeper than the limit (or contain themselves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep;

/// How deep [`Heap::to_json`] and the public printing helpers follow nested values.
const PUBLIC_PRINT_DEPTH: usize = 128;

/// The rough size of one value slot, for allocation accounting.
pub(crate) const SLOT_BYTES: usize = 16;

// === impl Value ===

impl Value {
    /// Makes a string value.
    pub fn string(text: &str) -> Value {
        Value::String(Arc::from(text))
    }

    /// Velocity's truth: `null` and `false` are false, everything else (including `""`, `0` and
    /// empty collections, as in Velocity 1.7) is true.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            _ => true,
        }
    }

    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Float(_))
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::List(id) => write!(f, "List({})", id.0),
            Value::Map(id) => write!(f, "Map({})", id.0),
            Value::Native(_) => f.write_str("Native(..)"),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::string(text)
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::String(Arc::from(text))
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

// === impl Heap ===

impl Heap {
    /// Creates a `java.util.ArrayList` holding `items`.
    pub fn new_list(&mut self, items: Vec<Value>) -> Value {
        self.new_list_of_kind(items, ListKind::Java)
    }

    /// Creates a list that prints as `kind` says.
    pub fn new_list_of_kind(&mut self, items: Vec<Value>, kind: ListKind) -> Value {
        // Invariant: ids index `lists`; a heap with 2^32 lists would need far more memory than
        // any render budget allows, so the cast cannot truncate in practice.
        let id = ListId(self.lists.len() as u32);
        self.lists.push(ListData { items, kind });
        Value::List(id)
    }

    /// Creates an empty `LinkedHashMap`.
    pub fn new_map(&mut self) -> Value {
        self.new_map_from(Vec::new())
    }

    /// Creates a `LinkedHashMap` holding `entries` in order (a repeated key keeps its first
    /// position and its last value, as `put` does).
    pub fn new_map_from(&mut self, entries: Vec<(Arc<str>, Value)>) -> Value {
        let id = MapId(self.maps.len() as u32);
        self.maps.push(entries.into_iter().collect());
        Value::Map(id)
    }

    /// The items of a list (empty for an id from another heap).
    pub fn list(&self, id: ListId) -> &[Value] {
        self.lists
            .get(id.0 as usize)
            .map_or(&[][..], |l| &l.items[..])
    }

    /// How a list prints.
    pub fn list_kind(&self, id: ListId) -> ListKind {
        self.lists
            .get(id.0 as usize)
            .map_or(ListKind::Java, |l| l.kind)
    }

    /// The items of a list, to change them.
    pub fn list_mut(&mut self, id: ListId) -> Option<&mut Vec<Value>> {
        self.lists.get_mut(id.0 as usize).map(|l| &mut l.items)
    }

    /// The value under `key`, if the map has it.
    pub fn map_get(&self, id: MapId, key: &str) -> Option<&Value> {
        self.maps.get(id.0 as usize).and_then(|m| m.get(key))
    }

    /// Puts `value` under `key` (keeping the key's position if present) and returns the previous
    /// value.
    pub fn map_insert(&mut self, id: MapId, key: Arc<str>, value: Value) -> Option<Value> {
        self.maps
            .get_mut(id.0 as usize)
            .and_then(|m| m.insert(key, value))
    }

    /// The number of entries of a map.
    pub fn map_len(&self, id: MapId) -> usize {
        self.maps.get(id.0 as usize).map_or(0, IndexMap::len)
    }

    /// The entries of a map, in insertion order.
    pub fn map_entries(&self, id: MapId) -> impl Iterator<Item = (&Arc<str>, &Value)> + '_ {
        self.maps.get(id.0 as usize).into_iter().flatten()
    }

    pub(crate) fn map_ref(&self, id: MapId) -> Option<&IndexMap<Arc<str>, Value>> {
        self.maps.get(id.0 as usize)
    }

    pub(crate) fn map_mut(&mut self, id: MapId) -> Option<&mut IndexMap<Arc<str>, Value>> {
        self.maps.get_mut(id.0 as usize)
    }

    /// Converts JSON into values: objects become maps, arrays become `java.util.List`s (printing
    /// as `[a, b]`), numbers become `Int` when they fit an `i64` and `Float` otherwise.
    pub fn value_from_json(&mut self, json: &serde_json::Value) -> Value {
        self.value_from_json_of_kind(json, ListKind::Java)
    }

    pub(crate) fn value_from_json_of_kind(
        &mut self,
        json: &serde_json::Value,
        kind: ListKind,
    ) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => number_value(n),
            serde_json::Value::String(s) => Value::string(s),
            serde_json::Value::Array(items) => {
                let items = items
                    .iter()
                    .map(|item| self.value_from_json_of_kind(item, kind))
                    .collect();
                self.new_list_of_kind(items, kind)
            }
            serde_json::Value::Object(entries) => {
                let entries = entries
                    .iter()
                    .map(|(k, v)| (Arc::from(k.as_str()), self.value_from_json_of_kind(v, kind)))
                    .collect();
                self.new_map_from(entries)
            }
        }
    }

    /// Converts a value back into JSON, for reading results such as `$context.responseOverride`
    /// after a render. Native objects become their text; nesting deeper than 128 levels (or a
    /// collection that contains itself) becomes `null` below that depth.
    pub fn to_json(&self, value: &Value) -> serde_json::Value {
        self.to_json_at(value, 0)
    }

    fn to_json_at(&self, value: &Value, depth: usize) -> serde_json::Value {
        if depth > PUBLIC_PRINT_DEPTH {
            return serde_json::Value::Null;
        }
        match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(id) => serde_json::Value::Array(
                self.list(*id)
                    .iter()
                    .map(|item| self.to_json_at(item, depth + 1))
                    .collect(),
            ),
            Value::Map(id) => serde_json::Value::Object(
                self.map_entries(*id)
                    .map(|(k, v)| (k.to_string(), self.to_json_at(v, depth + 1)))
                    .collect(),
            ),
            Value::Native(native) => {
                let mut text = String::new();
                native.write_text(self, &mut text);
                serde_json::Value::String(text)
            }
        }
    }

    /// What Java's `String.valueOf(value)` returns (`null` for null). Nesting deeper than 128
    /// levels prints as `...`.
    pub fn to_text(&self, value: &Value) -> String {
        let mut out = String::new();
        if self
            .write_text(value, &mut out, PUBLIC_PRINT_DEPTH)
            .is_err()
        {
            out.push_str("...");
        }
        out
    }

    /// Appends Java's `toString()` of `value`, following at most `depth` levels of nesting.
    pub(crate) fn write_text(
        &self,
        value: &Value,
        out: &mut String,
        depth: usize,
    ) -> Result<(), TooDeep> {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => push_int(out, *i),
            Value::Float(f) => write_java_double(*f, out),
            Value::String(s) => out.push_str(s),
            Value::List(id) => {
                let depth = depth.checked_sub(1).ok_or(TooDeep)?;
                if self.list_kind(*id) == ListKind::Json {
                    return self.write_json(value, out, depth + 1);
                }
                out.push('[');
                for (i, item) in self.list(*id).iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.write_text(item, out, depth)?;
                }
                out.push(']');
            }
            Value::Map(id) => {
                let depth = depth.checked_sub(1).ok_or(TooDeep)?;
                out.push('{');
                for (i, (k, v)) in self.map_entries(*id).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push('=');
                    self.write_text(v, out, depth)?;
                }
                out.push('}');
            }
            Value::Native(native) => native.write_text(self, out),
        }
        Ok(())
    }

    /// Appends `value` as compact JSON, following at most `depth` levels of nesting.
    pub(crate) fn write_json(
        &self,
        value: &Value,
        out: &mut String,
        depth: usize,
    ) -> Result<(), TooDeep> {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => push_int(out, *i),
            Value::Float(f) => write_java_double(*f, out),
            Value::String(s) => write_json_string(s, out),
            Value::List(id) => {
                let depth = depth.checked_sub(1).ok_or(TooDeep)?;
                out.push('[');
                for (i, item) in self.list(*id).iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write_json(item, out, depth)?;
                }
                out.push(']');
            }
            Value::Map(id) => {
                let depth = depth.checked_sub(1).ok_or(TooDeep)?;
                out.push('{');
                for (i, (k, v)) in self.map_entries(*id).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(k, out);
                    out.push(':');
                    self.write_json(v, out, depth)?;
                }
                out.push('}');
            }
            Value::Native(native) => {
                let mut text = String::new();
                native.write_text(self, &mut text);
                write_json_string(&text, out);
            }
        }
        Ok(())
    }

    /// Velocity's `==`: numbers compare by value whatever their types; objects of the same class
    /// use `equals`; anything else compares `toString()` (so `1 == "1"` is true); `null` equals
    /// only `null`.
    pub(crate) fn velocity_eq(&self, left: &Value, right: &Value) -> bool {
        match (left, right) {
            (Value::Null, Value::Null) => true,
            (Value::Null, _) | (_, Value::Null) => false,
            (a, b) if a.is_number() && b.is_number() => compare_numbers(a, b) == Some(0),
            (Value::String(_), Value::String(_))
            | (Value::Bool(_), Value::Bool(_))
            | (Value::List(_), Value::List(_))
            | (Value::Map(_), Value::Map(_))
            | (Value::Native(_), Value::Native(_)) => self.java_equals(left, right, 32),
            _ => {
                let mut a = String::new();
                let mut b = String::new();
                self.write_text(left, &mut a, 32).is_ok()
                    && self.write_text(right, &mut b, 32).is_ok()
                    && a == b
            }
        }
    }

    /// Java's `equals`: `Integer` never equals `Double`, collections compare element-wise.
    pub(crate) fn java_equals(&self, left: &Value, right: &Value, depth: usize) -> bool {
        let Some(depth) = depth.checked_sub(1) else {
            return false;
        };
        match (left, right) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits() || a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                a == b || {
                    let (a, b) = (self.list(*a), self.list(*b));
                    a.len() == b.len()
                        && a.iter().zip(b).all(|(x, y)| self.java_equals(x, y, depth))
                }
            }
            (Value::Map(a), Value::Map(b)) => {
                a == b
                    || self.map_len(*a) == self.map_len(*b)
                        && self.map_entries(*a).all(|(k, v)| {
                            self.map_get(*b, k)
                                .is_some_and(|w| self.java_equals(v, w, depth))
                        })
            }
            (Value::Native(a), Value::Native(b)) => std::ptr::addr_eq(Rc::as_ptr(a), Rc::as_ptr(b)),
            _ => false,
        }
    }
}

/// Compares two numbers as Velocity's `MathUtils.compare` does; `None` if either is not a number
/// or the comparison involves NaN.
pub(crate) fn compare_numbers(left: &Value, right: &Value) -> Option<i32> {
    match (left, right) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b) as i32),
        _ => {
            let (a, b) = (left.as_f64()?, right.as_f64()?);
            a.partial_cmp(&b).map(|o| o as i32)
        }
    }
}

fn number_value(n: &serde_json::Number) -> Value {
    match n.as_i64() {
        Some(i) => Value::Int(i),
        None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

pub(crate) fn push_int(out: &mut String, i: i64) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(out, "{i}");
}

/// Appends `x` as Java's `Double.toString` writes it: plain decimals with at least one digit
/// after the point for magnitudes in [10^-3, 10^7), otherwise `d.dddE±n`; the shortest digits
/// that read back as the same double.
pub(crate) fn write_java_double(x: f64, out: &mut String) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    if x.is_sign_negative() {
        out.push('-');
    }
    let abs = x.abs();
    if abs == 0.0 {
        out.push_str("0.0");
        return;
    }
    let scientific = format!("{abs:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (1e-3..1e7).contains(&abs) {
        let point = exponent + 1;
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..-point {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = point as usize;
            if point >= digits.len() {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        if digits.len() > 1 {
            out.push_str(&digits[1..]);
        } else {
            out.push('0');
        }
        out.push('E');
        push_int(out, i64::from(exponent));
    }
}

/// Appends `text` as a JSON string literal, escaping only what JSON requires.
pub(crate) fn write_json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(x: f64) -> String {
        let mut out = String::new();
        write_java_double(x, &mut out);
        out
    }

    #[test]
    fn doubles_print_like_java() {
        let cases = [
            (1.0, "1.0"),
            (0.5, "0.5"),
            (249.99, "249.99"),
            (100.0, "100.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1e7, "1.0E7"),
            (1e10, "1.0E10"),
            (1234567.0, "1234567.0"),
            (12345678.9, "1.23456789E7"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (1.0 / 3.0, "0.3333333333333333"),
            (123.456e-10, "1.23456E-8"),
        ];
        for (x, expected) in cases {
            assert_eq!(double(x), expected, "{x}");
        }
    }
}
