//! `vtl_render`: any UTF-8 text is parsed as a mapping template and rendered twice (templates
//! may change their context) with a small fixed context and small limits. Nothing may panic,
//! and the output stays within its limit.

use portico_vtl::aws::Variables;
use portico_vtl::{Limits, Template};

/// Runs one fuzz input.
pub fn run(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = Template::parse(source) else {
        return;
    };
    let mut context = Variables {
        body: r#"{"a": [1, {"x": 2}, "s"], "b": {"x": {"x": 3}}, "k": null, "n": 2.5}"#.to_owned(),
        path: vec![("id".to_owned(), "42".to_owned())],
        querystring: vec![("q".to_owned(), "a b".to_owned())],
        header: vec![("h".to_owned(), "v,w".to_owned())],
        context: serde_json::json!({"requestId": "r", "identity": {"sourceIp": "203.0.113.7"}})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        stage_variables: vec![("v".to_owned(), "stage".to_owned())],
    }
    .into_context();
    // Small limits keep every input fast, so the fuzzer finds more per second; the limits
    // themselves are what is under test here, not their default values.
    let limits = Limits {
        max_foreach_iterations: 50,
        max_depth: 32,
        max_output_bytes: 4096,
        max_steps: 20_000,
        max_allocated_bytes: 256 * 1024,
    };
    for _ in 0..2 {
        if let Ok(output) = template.render(&mut context, &limits) {
            assert!(
                output.len() <= limits.max_output_bytes,
                "output of {} bytes is over the limit",
                output.len()
            );
        }
    }
}
