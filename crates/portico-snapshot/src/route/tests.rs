use portico_model::resource::PathPart;

use super::*;
use crate::integration::CompiledIntegration;

fn table(routes: &[(&str, HttpMethod)]) -> RouteTable {
    let mut table = RouteTable::new();
    for (path, verb) in routes {
        let parts: Vec<PathPart<'_>> = path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(|p| PathPart::parse(p).unwrap())
            .collect();
        let node = table.insert_path(&parts);
        table.set_method(
            node,
            MethodRoute {
                resource_id: (*path).into(),
                resource_path: (*path).into(),
                http_method: *verb,
                authorization_type: "NONE".into(),
                authorizer: None,
                authorization_scopes: Box::default(),
                api_key_required: false,
                operation_name: None,
                validation: None,
                integration: CompiledIntegration::Unsupported { kind: "MOCK" },
                throttle_key: format!("{path}/{verb}").into(),
                limits: Default::default(),
            },
        );
    }
    table
}

/// Looks up `verb path` and returns "resource_path VERB param=value…" or None.
fn check(table: &RouteTable, verb: &str, path: &str, expected: Option<&str>) {
    let method = http::Method::from_bytes(verb.as_bytes()).unwrap();
    let found = table.lookup(&method, path).map(|m| {
        let mut out = format!("{} {}", m.route.resource_path, m.route.http_method);
        for (name, value) in m.params.iter(path) {
            out.push_str(&format!(" {name}={value}"));
        }
        out
    });
    assert_eq!(found.as_deref(), expected, "{verb} {path}");
}

#[test]
fn literal_beats_param_beats_greedy() {
    let t = table(&[
        ("/items/special", HttpMethod::Get),
        ("/items/{id}", HttpMethod::Get),
        ("/{proxy+}", HttpMethod::Any),
    ]);
    check(&t, "GET", "/items/special", Some("/items/special GET"));
    check(&t, "GET", "/items/42", Some("/items/{id} GET id=42"));
    check(
        &t,
        "GET",
        "/other/a/b",
        Some("/{proxy+} ANY proxy=other/a/b"),
    );
}

#[test]
fn greedy_does_not_serve_paths_under_a_literal_sibling() {
    let t = table(&[("/parent", HttpMethod::Get), ("/{proxy+}", HttpMethod::Any)]);
    check(&t, "GET", "/parent", Some("/parent GET"));
    check(&t, "GET", "/parent/child", None);
    check(&t, "POST", "/parent", None);
    check(
        &t,
        "GET",
        "/elsewhere",
        Some("/{proxy+} ANY proxy=elsewhere"),
    );
}

#[test]
fn greedy_needs_at_least_one_segment() {
    let t = table(&[("/{proxy+}", HttpMethod::Any)]);
    check(&t, "GET", "/", None);
    check(&t, "GET", "", None);
    check(&t, "GET", "/a", Some("/{proxy+} ANY proxy=a"));
}

#[test]
fn greedy_keeps_a_trailing_slash() {
    let t = table(&[("/api/{proxy+}", HttpMethod::Any)]);
    check(&t, "GET", "/api/a/b/", Some("/api/{proxy+} ANY proxy=a/b/"));
}

#[test]
fn explicit_verb_wins_over_any() {
    let t = table(&[("/x", HttpMethod::Any), ("/x", HttpMethod::Post)]);
    check(&t, "POST", "/x", Some("/x POST"));
    check(&t, "DELETE", "/x", Some("/x ANY"));
}

#[test]
fn missing_method_is_no_route() {
    let t = table(&[("/x", HttpMethod::Get)]);
    check(&t, "HEAD", "/x", None);
    check(&t, "GET", "/", None);
}

#[test]
fn trailing_slash_is_ignored_for_resources() {
    let t = table(&[("/items", HttpMethod::Get), ("/", HttpMethod::Get)]);
    check(&t, "GET", "/items/", Some("/items GET"));
    check(&t, "GET", "/", Some("/ GET"));
}

#[test]
fn empty_segments_do_not_bind_parameters() {
    let t = table(&[("/items/{id}", HttpMethod::Get)]);
    check(&t, "GET", "/items//", None);
    check(&t, "GET", "//items/1", None);
}

#[test]
fn encoded_literals_match_their_decoded_resource() {
    let t = table(&[("/items", HttpMethod::Get)]);
    check(&t, "GET", "/it%65ms", Some("/items GET"));
}

#[test]
fn params_stay_encoded_until_asked() {
    let t = table(&[("/items/{id}", HttpMethod::Get)]);
    check(&t, "GET", "/items/a%20b", Some("/items/{id} GET id=a%20b"));
}

#[test]
fn unknown_verbs_fall_back_to_any() {
    let t = table(&[("/x", HttpMethod::Any)]);
    check(&t, "PROPFIND", "/x", Some("/x ANY"));
    let t = table(&[("/x", HttpMethod::Get)]);
    check(&t, "PROPFIND", "/x", None);
}
