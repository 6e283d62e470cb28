//! API Gateway's template variables: `$input`, `$util`, `$context` and `$stageVariables`.
//!
//! The data plane fills a [`Variables`] per request, turns it into a [`Context`] with
//! [`Variables::into_context`], renders, and reads what the template asked for with
//! [`overrides`].
//!
//! - `$input.body` is the payload as text; `$input.json(path)` is the JSONPath result as JSON
//!   text; `$input.path(path)` is the result as a value (objects are maps, arrays lists), so
//!   `.size()` and `.keySet()` work. The payload is parsed once per context, on first use; an
//!   empty payload reads as `{}`. A definite path that matches nothing gives `""` from `json`
//!   and null from `path` (AWS's exact output here is unverified).
//! - `$input.params()` is `{path={…}, querystring={…}, header={…}}`; `$input.params('x')`
//!   looks in path parameters, then the query string, then headers (ignoring case), and is `""`
//!   when absent.
//! - `$util.escapeJavaScript`, `parseJson`, `urlEncode`, `urlDecode`, `base64Encode` and
//!   `base64Decode` follow the Java libraries API Gateway uses (Commons Lang's
//!   `escapeJavaScript`, `URLEncoder`/`URLDecoder` in UTF-8, `java.util.Base64`).

mod jsonpath;
mod payload;

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::Context;
use crate::error::RenderError;
use crate::value::{Env, Heap, NativeObject, SLOT_BYTES, Value};

use jsonpath::{JsonPath, Selection};

/// The keys of `$context` a template may set to change the request or response.
const REQUEST_OVERRIDE: &str = "requestOverride";
const RESPONSE_OVERRIDE: &str = "responseOverride";

/// `java.util.Base64.getDecoder()`: standard alphabet, padding optional.
const BASE64_DECODER: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What a request (or integration response) offers its mapping template.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    /// The payload as text (binary payloads arrive base64-encoded, as in API Gateway).
    pub body: String,
    /// Path parameters (`{id}` → `id`).
    pub path: Vec<(String, String)>,
    /// Query-string parameters, one value each.
    pub querystring: Vec<(String, String)>,
    /// Headers, one value each.
    pub header: Vec<(String, String)>,
    /// `$context`: `requestId`, `identity.sourceIp`, `authorizer.claims`, `error.message`…
    /// `requestOverride.{header,path,querystring}` and `responseOverride.header` are added as
    /// empty maps if missing, so that templates can set them.
    pub context: serde_json::Map<String, serde_json::Value>,
    /// `$stageVariables`.
    pub stage_variables: Vec<(String, String)>,
}

/// What a template set under `$context.requestOverride` and `$context.responseOverride`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `$context.requestOverride.header.*`.
    pub request_headers: Vec<(String, String)>,
    /// `$context.requestOverride.path.*`.
    pub request_path: Vec<(String, String)>,
    /// `$context.requestOverride.querystring.*`.
    pub request_querystring: Vec<(String, String)>,
    /// `$context.responseOverride.header.*`.
    pub response_headers: Vec<(String, String)>,
    /// `$context.responseOverride.status`, if it is an integer from 100 to 599 (AWS ignores other
    /// values).
    pub response_status: Option<u16>,
}

/// `$input`.
struct Input {
    body: Arc<str>,
    path: Vec<(Arc<str>, Arc<str>)>,
    querystring: Vec<(Arc<str>, Arc<str>)>,
    header: Vec<(Arc<str>, Arc<str>)>,
    /// The parsed payload, once a template asked for it.
    payload: RefCell<Option<Value>>,
    /// `$input.params()`, once built.
    params: RefCell<Option<Value>>,
}

/// `$util`.
struct Util;

// === impl Variables ===

impl Variables {
    /// Builds the render context: `$input`, `$util`, `$context` and `$stageVariables`.
    pub fn into_context(self) -> Context {
        let mut context = Context::default();
        let heap = context.heap_mut();
        let context_map = heap.value_from_json(&serde_json::Value::Object(self.context));
        if let Value::Map(id) = context_map {
            ensure_map(
                heap,
                id,
                REQUEST_OVERRIDE,
                &["header", "path", "querystring"],
            );
            ensure_map(heap, id, RESPONSE_OVERRIDE, &["header"]);
        }
        let stage_variables = string_map(heap, &self.stage_variables);
        let shared = |pairs: Vec<(String, String)>| {
            pairs
                .into_iter()
                .map(|(k, v)| (Arc::from(k), Arc::from(v)))
                .collect()
        };
        let input = Input {
            body: Arc::from(self.body),
            path: shared(self.path),
            querystring: shared(self.querystring),
            header: shared(self.header),
            payload: RefCell::new(None),
            params: RefCell::new(None),
        };
        context.insert("input", Value::Native(Rc::new(input)));
        context.insert("util", Value::Native(Rc::new(Util)));
        context.insert("context", context_map);
        context.insert("stageVariables", stage_variables);
        context
    }
}

fn string_map(heap: &mut Heap, pairs: &[(String, String)]) -> Value {
    heap.new_map_from(
        pairs
            .iter()
            .map(|(k, v)| (Arc::from(k.as_str()), Value::string(v)))
            .collect(),
    )
}

/// Makes sure `$context.<key>` is a map holding an (empty) map under each of `children`.
fn ensure_map(heap: &mut Heap, context: crate::MapId, key: &str, children: &[&str]) {
    let id = match heap.map_get(context, key) {
        Some(Value::Map(id)) => *id,
        _ => {
            let Value::Map(id) = heap.new_map() else {
                return;
            };
            heap.map_insert(context, Arc::from(key), Value::Map(id));
            id
        }
    };
    for child in children {
        if !matches!(heap.map_get(id, child), Some(Value::Map(_))) {
            let map = heap.new_map();
            heap.map_insert(id, Arc::from(*child), map);
        }
    }
}

/// Reads `$context.requestOverride` and `$context.responseOverride` after a render.
pub fn overrides(context: &Context) -> Overrides {
    let heap = context.heap();
    let Some(Value::Map(root)) = context.get("context") else {
        return Overrides::default();
    };
    let section = |key: &str| match heap.map_get(*root, key) {
        Some(Value::Map(id)) => Some(*id),
        _ => None,
    };
    let pairs = |parent: Option<crate::MapId>, key: &str| -> Vec<(String, String)> {
        match parent.and_then(|p| heap.map_get(p, key)) {
            Some(Value::Map(id)) => heap
                .map_entries(*id)
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.to_string(), heap.to_text(v)))
                .collect(),
            _ => Vec::new(),
        }
    };
    let request = section(REQUEST_OVERRIDE);
    let response = section(RESPONSE_OVERRIDE);
    let status = response
        .and_then(|id| heap.map_get(id, "status"))
        .and_then(|status| match status {
            Value::Int(i) => Some(*i),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
        .and_then(|status| u16::try_from(status).ok())
        .filter(|status| (100..=599).contains(status));
    Overrides {
        request_headers: pairs(request, "header"),
        request_path: pairs(request, "path"),
        request_querystring: pairs(request, "querystring"),
        response_headers: pairs(response, "header"),
        response_status: status,
    }
}

// === impl Input ===

impl Input {
    /// The parsed payload, parsing it on first use.
    fn payload(&self, env: &mut Env<'_>) -> Result<Value, RenderError> {
        if let Some(payload) = &*self.payload.borrow() {
            return Ok(payload.clone());
        }
        let text = if self.body.trim().is_empty() {
            "{}"
        } else {
            &*self.body
        };
        env.budget.allocate(text.len().saturating_mul(2))?;
        let payload =
            payload::parse(env.heap, text).map_err(|err| RenderError::PayloadNotJson {
                message: err.to_string(),
            })?;
        *self.payload.borrow_mut() = Some(payload.clone());
        Ok(payload)
    }

    fn select(
        &self,
        method: &str,
        path: &str,
        env: &mut Env<'_>,
    ) -> Result<Selection, RenderError> {
        let path = JsonPath::parse(path).map_err(|message| {
            RenderError::method(
                method,
                format!("com.jayway.jsonpath.InvalidPathException: {message}"),
            )
        })?;
        let root = self.payload(env)?;
        path.select(env.heap, &root, env.budget)
    }

    fn params_map(&self, env: &mut Env<'_>) -> Result<Value, RenderError> {
        if let Some(params) = &*self.params.borrow() {
            return Ok(params.clone());
        }
        let count = self.path.len() + self.querystring.len() + self.header.len();
        env.budget.allocate((count + 3) * 2 * SLOT_BYTES)?;
        let mut section = |pairs: &[(Arc<str>, Arc<str>)]| {
            env.heap.new_map_from(
                pairs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            )
        };
        let entries = vec![
            (Arc::from("path"), section(&self.path)),
            (Arc::from("querystring"), section(&self.querystring)),
            (Arc::from("header"), section(&self.header)),
        ];
        let params = env.heap.new_map_from(entries);
        *self.params.borrow_mut() = Some(params.clone());
        Ok(params)
    }

    fn param(&self, name: &str) -> Value {
        let exact = |pairs: &[(Arc<str>, Arc<str>)]| {
            pairs
                .iter()
                .find(|(k, _)| &**k == name)
                .map(|(_, v)| v.clone())
        };
        let found = exact(&self.path)
            .or_else(|| exact(&self.querystring))
            .or_else(|| {
                self.header
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            });
        Value::String(found.unwrap_or_else(|| Arc::from("")))
    }
}

impl NativeObject for Input {
    fn property(&self, name: &str, _env: &mut Env<'_>) -> Result<Value, RenderError> {
        Ok(match name {
            // AWS renders an empty payload as `{}` here (so `$util.parseJson($input.body)` and
            // `$util.urlEncode($input.body)` still work on bodiless requests).
            "body" if self.body.is_empty() => Value::string("{}"),
            "body" => Value::String(self.body.clone()),
            _ => Value::Null,
        })
    }

    fn call(&self, name: &str, args: &[Value], env: &mut Env<'_>) -> Result<Value, RenderError> {
        Ok(match (name, args) {
            ("getBody", []) => Value::String(self.body.clone()),
            ("json", [Value::String(path)]) => match self.select(name, path, env)? {
                Selection::Missing => Value::string(""),
                selection => {
                    let value = selection.into_value(env.heap);
                    let mut text = String::new();
                    if env
                        .heap
                        .write_json(&value, &mut text, env.budget.limits().max_depth)
                        .is_err()
                    {
                        return Err(env.budget.depth_error());
                    }
                    env.budget.allocate(text.len())?;
                    Value::from(text)
                }
            },
            ("path", [Value::String(path)]) => self.select(name, path, env)?.into_value(env.heap),
            ("params", []) => self.params_map(env)?,
            ("params", [Value::String(param)]) => self.param(param),
            _ => Value::Null,
        })
    }

    fn write_text(&self, _heap: &Heap, out: &mut String) {
        out.push_str("$input");
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

// === impl Util ===

impl NativeObject for Util {
    fn call(&self, name: &str, args: &[Value], env: &mut Env<'_>) -> Result<Value, RenderError> {
        let text = match args {
            [Value::String(text)] => text,
            [Value::Null] if name == "escapeJavaScript" => return Ok(Value::Null),
            [Value::Null] => {
                return Err(RenderError::method(name, "java.lang.NullPointerException"));
            }
            _ => return Ok(Value::Null),
        };
        env.budget.scan(text.len())?;
        let result = match name {
            "escapeJavaScript" => escape_javascript(text),
            "urlEncode" => url_encode(text),
            "urlDecode" => {
                url_decode(text).map_err(|message| RenderError::method(name, message))?
            }
            "base64Encode" => base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
            "base64Decode" => {
                let bytes = BASE64_DECODER.decode(text.as_bytes()).map_err(|err| {
                    RenderError::method(name, format!("java.lang.IllegalArgumentException: {err}"))
                })?;
                String::from_utf8_lossy(&bytes).into_owned()
            }
            "parseJson" => {
                env.budget.allocate(text.len().saturating_mul(2))?;
                return payload::parse(env.heap, text).map_err(|err| {
                    RenderError::method(
                        name,
                        format!("com.fasterxml.jackson.core.JsonParseException: {err}"),
                    )
                });
            }
            _ => return Ok(Value::Null),
        };
        env.budget.allocate(result.len())?;
        Ok(Value::from(result))
    }

    fn write_text(&self, _heap: &Heap, out: &mut String) {
        out.push_str("$util");
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Commons Lang 2's `StringEscapeUtils.escapeJavaScript`: backslash escapes for `'`, `"`, `\`
/// and `/`, short escapes for `\b \t \n \f \r`, and `\uXXXX` (upper-case hex, per UTF-16 unit)
/// for other control characters and everything outside ASCII.
pub(crate) fn escape_javascript(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (' '..='\u{7e}').contains(&c) => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{:04X}", unit);
                }
            }
        }
    }
    out
}

/// `URLEncoder.encode(text, "UTF-8")`: letters, digits and `.-*_` stay, space becomes `+`,
/// everything else is `%XX` of its UTF-8 bytes.
pub(crate) fn url_encode(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            byte => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// `URLDecoder.decode(text, "UTF-8")`: `+` becomes a space and `%XX` sequences are decoded as
/// UTF-8; a malformed escape is an `IllegalArgumentException`.
pub(crate) fn url_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or_else(|| {
                    "java.lang.IllegalArgumentException: URLDecoder: Incomplete trailing escape (%) pattern".to_owned()
                })?;
                let value = std::str::from_utf8(hex)
                    .ok()
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        "java.lang.IllegalArgumentException: URLDecoder: Illegal hex characters in escape (%) pattern".to_owned()
                    })?;
                out.push(value);
                i += 3;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_javascript_follows_commons_lang() {
        assert_eq!(
            escape_javascript("it's \"q\" \\ /"),
            "it\\'s \\\"q\\\" \\\\ \\/"
        );
        assert_eq!(
            escape_javascript("a\nb\tc\r\u{8}\u{c}"),
            "a\\nb\\tc\\r\\b\\f"
        );
        assert_eq!(
            escape_javascript("\u{1}é€😀"),
            "\\u0001\\u00E9\\u20AC\\uD83D\\uDE00"
        );
    }

    #[test]
    fn url_coding_follows_java() {
        assert_eq!(url_encode("a b&c=d/é~*"), "a+b%26c%3Dd%2F%C3%A9%7E*");
        assert_eq!(
            url_decode("a+b%26c%3Dd%2F%C3%A9%7E*").unwrap(),
            "a b&c=d/é~*"
        );
        assert!(url_decode("100%").is_err());
        assert!(url_decode("%zz").is_err());
    }
}
