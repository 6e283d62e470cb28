//! Runs the behaviour tables in `tests/cases/*.yaml`: each case is a template, the request it
//! sees and the output (or error) expected. A new case is new data, not new code.

use std::collections::BTreeMap;
use std::path::Path;

use portico_vtl::aws::{self, Variables};
use portico_vtl::{Limit, Limits, RenderError, Template};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    template: String,
    #[serde(default)]
    input: Input,
    /// The exact output expected.
    output: Option<String>,
    /// The kind of error expected instead: `parse`, `method`, `payload`, or `limit:<name>`.
    error: Option<String>,
    /// Overrides of the default limits.
    #[serde(default)]
    limits: LimitsPatch,
    /// `$context.responseOverride.status` expected after rendering.
    response_status: Option<u16>,
    /// `$context.responseOverride.header` expected after rendering.
    response_headers: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    #[serde(default)]
    body: String,
    #[serde(default)]
    path: Vec<(String, String)>,
    #[serde(default)]
    querystring: Vec<(String, String)>,
    #[serde(default)]
    header: Vec<(String, String)>,
    /// `$context`, as JSON text.
    #[serde(default)]
    context: Option<String>,
    #[serde(default)]
    stage_variables: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsPatch {
    max_foreach_iterations: Option<usize>,
    max_depth: Option<usize>,
    max_output_bytes: Option<usize>,
    max_steps: Option<u64>,
    max_allocated_bytes: Option<usize>,
}

fn error_kind(err: &RenderError) -> String {
    match err {
        RenderError::LimitExceeded { limit, .. } => format!(
            "limit:{}",
            match limit {
                Limit::ForeachIterations => "foreach",
                Limit::Depth => "depth",
                Limit::OutputBytes => "output",
                Limit::Steps => "steps",
                Limit::AllocatedBytes => "allocated",
            }
        ),
        RenderError::MethodFailed { .. } => "method".to_owned(),
        RenderError::PayloadNotJson { .. } => "payload".to_owned(),
    }
}

/// Runs one case; `Err` describes how it failed.
fn run(case: &Case) -> Result<(), String> {
    let defaults = Limits::default();
    let patch = &case.limits;
    let limits = Limits {
        max_foreach_iterations: patch
            .max_foreach_iterations
            .unwrap_or(defaults.max_foreach_iterations),
        max_depth: patch.max_depth.unwrap_or(defaults.max_depth),
        max_output_bytes: patch.max_output_bytes.unwrap_or(defaults.max_output_bytes),
        max_steps: patch.max_steps.unwrap_or(defaults.max_steps),
        max_allocated_bytes: patch
            .max_allocated_bytes
            .unwrap_or(defaults.max_allocated_bytes),
    };
    let template = match Template::parse(&case.template) {
        Ok(template) => template,
        Err(_) if case.error.as_deref() == Some("parse") => return Ok(()),
        Err(err) => return Err(format!("parse error: {err}")),
    };
    let context = match &case.input.context {
        Some(text) => match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err("input.context must be a JSON object".into()),
        },
        None => serde_json::Map::new(),
    };
    let mut context = Variables {
        body: case.input.body.clone(),
        path: case.input.path.clone(),
        querystring: case.input.querystring.clone(),
        header: case.input.header.clone(),
        context,
        stage_variables: case.input.stage_variables.clone(),
    }
    .into_context();
    let result = template.render(&mut context, &limits);
    match (&result, &case.output, &case.error) {
        (Ok(output), Some(expected), None) if output == expected => {}
        (Err(err), None, Some(kind)) if &error_kind(err) == kind => {}
        (Ok(output), _, _) => {
            return Err(format!(
                "output {output:?}\n   expected {:?}",
                case.output.as_deref().or(case.error.as_deref())
            ));
        }
        (Err(err), _, _) => {
            return Err(format!(
                "error {err} ({})\n   expected {:?}",
                error_kind(err),
                case.output.as_deref().or(case.error.as_deref())
            ));
        }
    }
    let overrides = aws::overrides(&context);
    if let Some(status) = case.response_status
        && overrides.response_status != Some(status)
    {
        return Err(format!(
            "response status {:?}, expected {status}",
            overrides.response_status
        ));
    }
    if let Some(headers) = &case.response_headers {
        let actual: BTreeMap<String, String> = overrides.response_headers.into_iter().collect();
        if &actual != headers {
            return Err(format!("response headers {actual:?}, expected {headers:?}"));
        }
    }
    Ok(())
}

#[test]
fn every_case_in_tests_cases_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cases exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    let mut failures = Vec::new();
    let mut count = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable case file");
        let cases: Vec<Case> =
            serde_saphyr::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        let file_name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for case in &cases {
            count += 1;
            if case.output.is_some() == case.error.is_some() {
                failures.push(format!(
                    "{file_name} / {}: give exactly one of output and error",
                    case.name
                ));
                continue;
            }
            if let Err(problem) = run(case) {
                failures.push(format!("{file_name} / {}: {problem}", case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
