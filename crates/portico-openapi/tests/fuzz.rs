//! Fuzz-style property tests that run on the stable toolchain: no input — random bytes,
//! random JSON built from OpenAPI words, or a fixture with random parts replaced — may make
//! `parse`, `import` or `export` panic. Failing inputs that proptest shrinks belong in
//! `proptest-regressions/` beside this file.

#[path = "../../../fuzz/src/corpus.rs"]
mod corpus;
#[path = "../../../fuzz/src/openapi_import.rs"]
mod openapi_import;

use portico_openapi::{
    ExportExtensions, ExportFormat, ExportOptions, IdKind, ImportOptions, PutMode, export, import,
    parse, put,
};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};

const FIXTURES: &[&str] = &[
    include_str!("fixtures/petstore.yaml"),
    include_str!("fixtures/serverless.json"),
    include_str!("fixtures/templates.yaml"),
    include_str!("fixtures/oai-petstore.yaml"),
    include_str!("fixtures/oai-petstore.json"),
];

const KEYS: &[&str] = &[
    "openapi",
    "swagger",
    "info",
    "title",
    "version",
    "paths",
    "/",
    "/a",
    "/a/{id}",
    "/{proxy+}",
    "get",
    "post",
    "options",
    "x-amazon-apigateway-any-method",
    "parameters",
    "name",
    "in",
    "required",
    "schema",
    "$ref",
    "responses",
    "200",
    "404",
    "default",
    "content",
    "application/json",
    "requestBody",
    "headers",
    "components",
    "schemas",
    "securitySchemes",
    "definitions",
    "securityDefinitions",
    "security",
    "servers",
    "url",
    "variables",
    "basePath",
    "consumes",
    "produces",
    "operationId",
    "type",
    "uri",
    "httpMethod",
    "requestTemplates",
    "requestParameters",
    "responseParameters",
    "responseTemplates",
    "selectionPattern",
    "statusCode",
    "passthroughBehavior",
    "timeoutInMillis",
    "cacheKeyParameters",
    "tlsConfig",
    "x-amazon-apigateway-integration",
    "x-amazon-apigateway-authorizer",
    "x-amazon-apigateway-authtype",
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-request-validators",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-policy",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-endpoint-configuration",
    "x-amazon-apigateway-documentation",
    "x-amazon-apigateway-tag-value",
    "tags",
    "identitySource",
    "providerARNs",
    "authorizerUri",
    "DEFAULT_4XX",
    "items",
    "properties",
];

const WORDS: &[&str] = &[
    "3.0.1",
    "2.0",
    "mock",
    "http",
    "http_proxy",
    "aws",
    "aws_proxy",
    "GET",
    "ANY",
    "path",
    "query",
    "header",
    "body",
    "cookie",
    "apiKey",
    "x-api-key",
    "token",
    "request",
    "cognito_user_pools",
    "awsSigv4",
    "#/components/schemas/A",
    "#/definitions/A",
    "#/components/parameters/P",
    "#/paths",
    "#",
    "http://backend/{id}",
    "{\"statusCode\": 200}",
    "method.request.path.id",
    "method.request.querystring.q",
    "integration.request.path.id",
    "method.response.header.X",
    "'literal'",
    "execute-api:/*",
    "image/png",
    "",
    "{id}",
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        prop::sample::select(WORDS).prop_map(Value::from),
        "[a-z{}/.$#-]{0,12}".prop_map(Value::from),
    ]
}

/// JSON made of OpenAPI's own words, so that random documents reach deep into import.
fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect::<Map<String, Value>>(),
                )
            }),
        ]
    })
}

fn ids() -> impl FnMut(IdKind) -> String {
    let mut counter = 0;
    move |_| {
        counter += 1;
        format!("id{counter}")
    }
}

/// Imports, and when that works exports in both formats and imports again.
fn exercise(document: &Value) {
    let Ok(imported) = import(document, &ImportOptions::default(), &mut ids(), 0) else {
        return;
    };
    for format in [ExportFormat::Oas30, ExportFormat::Swagger2] {
        let options = ExportOptions {
            format,
            extensions: ExportExtensions::all(),
            ..Default::default()
        };
        let exported = export(&imported.definition, &options);
        let _ = import(&exported, &ImportOptions::default(), &mut ids(), 0);
    }
    let _ = put(
        &imported.definition,
        document,
        PutMode::Merge,
        &ImportOptions::default(),
        &mut ids(),
    );
}

/// Every location (as a path of keys and indexes) in `value`.
fn locations(value: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                here.push(key.clone());
                locations(child, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                here.push(index.to_string());
                locations(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'v>(value: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |current, key| match current {
        Value::Object(map) => map.get_mut(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
        _ => None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(document) = parse(&bytes) {
            exercise(&document);
        }
    }

    #[test]
    fn random_text_in_openapi_words_never_panics(words in prop::collection::vec(
        prop_oneof![prop::sample::select(KEYS), prop::sample::select(WORDS),
                    prop::sample::select(&[": ", "\n", "  ", "- ", "{", "}", "[", "]", ",", "'", "\"", "#", "&a", "*a"][..])],
        0..64,
    )) {
        if let Ok(document) = parse(words.concat().as_bytes()) {
            exercise(&document);
        }
    }

    #[test]
    fn random_json_documents_never_panic(mut document in json(), openapi in any::<bool>()) {
        if let Value::Object(map) = &mut document {
            let version = if openapi { ("openapi", "3.0.1") } else { ("swagger", "2.0") };
            map.insert(version.0.to_owned(), Value::from(version.1));
            map.entry("info").or_insert_with(|| serde_json::json!({"title": "t"}));
            map.entry("paths").or_insert_with(|| serde_json::json!({}));
        }
        exercise(&document);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures_never_panic(
        fixture in prop::sample::select(FIXTURES),
        mutations in prop::collection::vec((any::<Index>(), prop::option::of(json())), 1..4),
    ) {
        let mut document = parse(fixture.as_bytes()).expect("fixtures parse");
        for (index, replacement) in mutations {
            let mut all = Vec::new();
            locations(&document, &mut Vec::new(), &mut all);
            let path = index.get(&all).clone();
            match replacement {
                Some(value) => {
                    if let Some(target) = at_mut(&mut document, &path) {
                        *target = value;
                    }
                }
                None => {
                    // Remove the member (or array item) at `path`.
                    if let Some((last, parent)) = path.split_last()
                        && let Some(parent) = at_mut(&mut document, parent)
                    {
                        match parent {
                            Value::Object(map) => {
                                map.shift_remove(last);
                            }
                            Value::Array(items) => {
                                if let Ok(i) = last.parse::<usize>()
                                    && i < items.len()
                                {
                                    items.remove(i);
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        exercise(&document);
    }
}

/// Every input in `fuzz/corpus/openapi_import/` (seeds and saved crashes) goes through the fuzz
/// target's own function, so that a crash the fuzzer found stays fixed without the fuzzer.
#[test]
fn fuzz_corpus_inputs_never_panic() {
    corpus::replay(
        env!("CARGO_MANIFEST_DIR"),
        "openapi_import",
        openapi_import::run,
    );
}
