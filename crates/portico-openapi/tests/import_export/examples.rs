//! The example APIs answer something useful: their mapping templates parse, and the MOCK
//! methods render the answers the comments in `examples/` promise.

use portico_model::{ApiDefinition, HttpMethod};
use portico_vtl::aws::Variables;
use portico_vtl::{Limits, Template};
use serde_json::{Value, json};

use crate::common::{FIXTURES, fixture, import_bytes};

fn render(source: &str, variables: Variables) -> String {
    let template = Template::parse(source).unwrap_or_else(|err| panic!("{err}: {source}"));
    template
        .render(&mut variables.into_context(), &Limits::default())
        .unwrap_or_else(|err| panic!("{err}: {source}"))
}

fn variables(path: &[(&str, &str)], body: &str) -> Variables {
    let mut context = serde_json::Map::new();
    context.insert("requestId".into(), json!("req-1"));
    context.insert("stage".into(), json!("prod"));
    Variables {
        body: body.to_owned(),
        path: path
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        // Test parameters stand for path and query parameters alike.
        querystring: path
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        header: Vec::new(),
        context,
        stage_variables: Vec::new(),
    }
}

/// What a MOCK method answers: the status its request template picks and the body of the
/// integration response selected for it.
fn call_mock(
    definition: &ApiDefinition,
    path: &str,
    verb: HttpMethod,
    params: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let resource = definition
        .resources
        .values()
        .find(|r| r.path == path)
        .expect("the example defines this mock");
    let integration = resource.resource_methods[verb.as_str()]
        .method_integration
        .as_ref()
        .expect("the example defines this mock");
    let request = integration
        .request_templates
        .as_ref()
        .expect("the example defines this mock")["application/json"]
        .as_deref()
        .expect("the example defines this mock");
    let selected: Value = serde_json::from_str(&render(request, variables(params, body)))
        .expect("the example defines this mock");
    let status = selected["statusCode"]
        .as_u64()
        .expect("the example defines this mock")
        .to_string();
    let responses = integration
        .integration_responses
        .as_ref()
        .expect("the example defines this mock");
    let response = responses
        .values()
        .find(|r| r.selection_pattern.as_deref() == Some(status.as_str()))
        .or_else(|| responses.values().find(|r| r.selection_pattern.is_none()))
        .expect("the example defines this mock");
    let template = response
        .response_templates
        .as_ref()
        .expect("the example defines this mock")["application/json"]
        .as_deref()
        .expect("the example defines this mock");
    // A MOCK integration has no response payload: response templates see an empty body.
    let output = render(template, variables(params, ""));
    let parsed = serde_json::from_str(&output).unwrap_or_else(|err| panic!("{err}: {output}"));
    (
        response
            .status_code
            .parse()
            .expect("the example defines this mock"),
        parsed,
    )
}

#[test]
fn every_mapping_template_of_the_fixtures_parses() {
    for name in FIXTURES {
        let definition = import_bytes(&fixture(name)).definition;
        let integrations = definition
            .resources
            .values()
            .flat_map(|r| r.resource_methods.values())
            .filter_map(|m| m.method_integration.as_ref());
        for integration in integrations {
            let request = integration.request_templates.iter().flatten();
            let response = integration
                .integration_responses
                .iter()
                .flatten()
                .flat_map(|(_, r)| r.response_templates.iter().flatten());
            for (_, template) in request.chain(response) {
                if let Some(source) = template {
                    Template::parse(source).unwrap_or_else(|err| panic!("{name}: {err}: {source}"));
                }
            }
        }
    }
}

#[test]
fn petstore_mocks_answer_without_a_backend() {
    let definition = import_bytes(&fixture("petstore.yaml")).definition;
    let (status, body) = call_mock(&definition, "/", HttpMethod::Get, &[], "");
    assert_eq!(status, 200);
    assert!(body["message"].as_str().unwrap().starts_with("Welcome"));
    let (_, body) = call_mock(&definition, "/ping", HttpMethod::Get, &[], "");
    assert_eq!(
        body,
        json!({"message": "pong", "requestId": "req-1", "stage": "prod"})
    );
    let (status, body) = call_mock(
        &definition,
        "/mock/pets/{petId}",
        HttpMethod::Get,
        &[("petId", "2")],
        "",
    );
    assert_eq!(
        (status, body),
        (200, json!({"id": 2, "type": "cat", "price": 249.99}))
    );
    let (status, body) = call_mock(
        &definition,
        "/mock/pets/{petId}",
        HttpMethod::Get,
        &[("petId", "7")],
        "",
    );
    assert_eq!(
        (status, body),
        (404, json!({"message": "No pet with id 7"}))
    );
}

#[test]
fn templates_greeting_mock_greets_in_the_requested_language() {
    let definition = import_bytes(&fixture("templates.yaml")).definition;
    let body = r#"{"name": "Ada", "language": "fr"}"#;
    let (status, answer) = call_mock(
        &definition,
        "/greetings",
        HttpMethod::Post,
        &[("lang", "fr")],
        body,
    );
    assert_eq!((status, answer), (200, json!({"greeting": "Bonjour!"})));
    let (_, answer) = call_mock(&definition, "/greetings", HttpMethod::Post, &[], body);
    assert_eq!(answer, json!({"greeting": "Hello!"}));
}
