//! The Lambda proxy event, payload format 1.0 (reference §4.1): what an `AWS_PROXY`
//! function receives, and (without `body`) what a `REQUEST` authorizer receives.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::invocation::{Invocation, query_pairs};

/// The request parts every proxy-style event carries (`headers`, `multiValueHeaders`,
/// query strings, path parameters, stage variables), each `null` when empty as AWS sends them.
pub fn request_fields(invocation: &Invocation<'_>, event: &mut Map<String, Value>) {
    let mut headers = Map::new();
    let mut multi_headers: Map<String, Value> = Map::new();
    for (name, value) in invocation.head.headers() {
        let value = String::from_utf8_lossy(value).into_owned();
        let name = if invocation.stage.edge_endpoint {
            portico_model::wire::capitalised_header_name(name)
        } else {
            name.to_owned()
        };
        push_multi(&mut multi_headers, &name, &value);
        headers.insert(name, Value::String(value));
    }
    let mut query = Map::new();
    let mut multi_query: Map<String, Value> = Map::new();
    for (name, value) in query_pairs(invocation.head.query()) {
        push_multi(&mut multi_query, &name, &value);
        query.insert(name.into_owned(), Value::String(value.into_owned()));
    }
    let path_parameters: Map<String, Value> = invocation
        .params
        .iter(invocation.path)
        .map(|(name, raw)| {
            let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
            (name.to_owned(), Value::String(decoded.into_owned()))
        })
        .collect();
    let stage_variables: Map<String, Value> = invocation
        .stage
        .variables
        .iter()
        .map(|(name, value)| (name.to_string(), Value::String(value.to_string())))
        .collect();
    event.insert("headers".into(), null_if_empty(headers));
    event.insert("multiValueHeaders".into(), null_if_empty(multi_headers));
    event.insert("queryStringParameters".into(), null_if_empty(query));
    event.insert(
        "multiValueQueryStringParameters".into(),
        null_if_empty(multi_query),
    );
    event.insert("pathParameters".into(), null_if_empty(path_parameters));
    event.insert("stageVariables".into(), null_if_empty(stage_variables));
}

/// `requestContext`: the `$context` values of the request, plus `operationName` when the
/// method has one and the authorizer's output when one ran.
pub fn request_context(invocation: &Invocation<'_>, authorizer: Option<Value>) -> Value {
    let mut context = crate::templates::context_map(invocation);
    if let Some(Value::Object(identity)) = context.get_mut("identity") {
        identity.insert("clientCert".into(), Value::Null);
    }
    if let Some(operation) = &invocation.route.operation_name {
        context.insert("operationName".into(), Value::String(operation.to_string()));
    }
    if let Some(authorizer) = authorizer {
        context.insert("authorizer".into(), authorizer);
    }
    Value::Object(context)
}

/// The whole `AWS_PROXY` event for a request with `body`.
pub fn proxy_event(invocation: &Invocation<'_>, body: &[u8], authorizer: Option<Value>) -> Value {
    let content_type = invocation.head.header_str("content-type");
    let binary = crate::binary::is_binary(&invocation.stage.binary_media_types, content_type);
    let (body, encoded) = if body.is_empty() {
        (Value::Null, false)
    } else if binary {
        (
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
            true,
        )
    } else {
        (
            Value::String(String::from_utf8_lossy(body).into_owned()),
            false,
        )
    };
    let mut event = Map::new();
    event.insert(
        "resource".into(),
        Value::String(invocation.route.resource_path.to_string()),
    );
    event.insert("path".into(), Value::String(decoded_path(invocation)));
    event.insert(
        "httpMethod".into(),
        Value::String(invocation.head.method.as_str().to_owned()),
    );
    request_fields(invocation, &mut event);
    event.insert(
        "requestContext".into(),
        request_context(invocation, authorizer),
    );
    event.insert("body".into(), body);
    event.insert("isBase64Encoded".into(), json!(encoded));
    Value::Object(event)
}

/// The request path after the stage, percent-decoded (`/pets/a b`), as AWS puts it in `path`;
/// through a custom domain AWS puts the whole request path there, base path included
/// (`/v1/pets`).
fn decoded_path(invocation: &Invocation<'_>) -> String {
    let path = match invocation.base_path {
        Some(_) => invocation.head.path(),
        None if invocation.path.is_empty() => "/",
        None => invocation.path,
    };
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

fn push_multi(map: &mut Map<String, Value>, name: &str, value: &str) {
    match map.get_mut(name) {
        Some(Value::Array(values)) => values.push(Value::String(value.to_owned())),
        _ => {
            map.insert(
                name.to_owned(),
                Value::Array(vec![Value::String(value.to_owned())]),
            );
        }
    }
}

fn null_if_empty(map: Map<String, Value>) -> Value {
    if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    }
}
