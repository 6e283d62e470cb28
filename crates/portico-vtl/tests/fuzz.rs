//! Throws random and grammar-shaped templates and payloads at parse and render with small
//! limits: nothing may panic, output stays within its limit and every render ends.

#[path = "../../../fuzz/src/corpus.rs"]
mod corpus;
#[path = "../../../fuzz/src/vtl_render.rs"]
mod vtl_render;

use portico_vtl::aws::Variables;
use portico_vtl::{Limits, Template};
use proptest::prelude::*;

/// Pieces of VTL, glued together at random so that most inputs get past the first token.
const FRAGMENTS: &[&str] = &[
    "$a",
    "$!b",
    "${c}",
    "$c.d",
    "$l[0]",
    "$m['k']",
    "$a.size()",
    "$l.get(1)",
    "$m.put('k', $a)",
    "$l.add($l)",
    "$m.keySet()",
    "$m.entrySet()",
    "$s.split(',')",
    "$s.replaceAll('(a)', '$1')",
    "$s.substring(1, 99)",
    "$s.matches(",
    "$input.json('$')",
    "$input.path('$..x')",
    "$input.json('$.a[*]')",
    "$input.params()",
    "$input.params('h')",
    "$util.escapeJavaScript(",
    "$util.parseJson(",
    "$util.base64Decode(",
    "$util.urlDecode(",
    "$context.requestId",
    "$stageVariables.v",
    "$foreach.index",
    "$velocityCount",
    "#set($a = ",
    "#set($l = [",
    "#set($m = {",
    "#set($s = 'a,b,a')",
    "#set($a = $a + $a)",
    "#set($l = [$l, $l])",
    "#if(",
    "#elseif(",
    "#else",
    "#end",
    "#{end}",
    "#foreach($x in ",
    "#foreach($y in $l)",
    "[1..3]",
    "[1..$a]",
    "#macro(mm $p)",
    "#mm(",
    "#mm($a)",
    "#define($d)",
    "$d",
    "#break",
    "#stop",
    "'str'",
    "\"s $a\"",
    "\"#if(true)x#end\"",
    "1",
    "-2",
    "3.5",
    "true",
    "null",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    ">=",
    "&&",
    "||",
    "!",
    "and",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "..",
    "\\",
    "\\$a",
    "\\#if",
    "#",
    "$",
    "##",
    "#foreach($z in [1..50])",
    "[1..100000]",
    "#mm(\"$d$d\")",
    "#set($s = \"$s$s$s\")",
    "$s.concat($s)",
    "#*",
    "*#",
    "#[[",
    "]]#",
    "\n",
    " ",
    "  ",
    "\t",
    "text",
    "é😀",
    ".",
    "x)\n",
];

fn template() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(FRAGMENTS), 0..48).prop_map(|parts| parts.concat()),
        1 => "\\PC{0,120}",
        1 => "[$#(){}\\[\\]'\" a-z0-9.!,=\\\\\n]{0,120}",
    ]
}

fn payload() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(r#"{"a": [1, {"x": 2}, "s"], "b": {"x": {"x": 3}}, "k": null}"#.to_owned()),
        Just(r#"[1, 2.5e300, -0.0, "\u0000", {"": []}]"#.to_owned()),
        Just(format!("{}1{}", "[".repeat(300), "]".repeat(300))),
        "\\PC{0,40}",
    ]
}

fn limits() -> Limits {
    Limits {
        max_foreach_iterations: 50,
        max_depth: 32,
        max_output_bytes: 4096,
        max_steps: 20_000,
        max_allocated_bytes: 256 * 1024,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parse_and_render_never_panic_and_stay_bounded(source in template(), body in payload(), s in "\\PC{0,20}") {
        let Ok(template) = Template::parse(&source) else { return Ok(()) };
        let mut context = Variables {
            body,
            header: vec![("h".to_owned(), s.clone())],
            context: serde_json::json!({"requestId": "r"}).as_object().cloned().unwrap_or_default(),
            stage_variables: vec![("v".to_owned(), s)],
            ..Variables::default()
        }
        .into_context();
        let limits = limits();
        for _ in 0..2 {
            if let Ok(output) = template.render(&mut context, &limits) {
                prop_assert!(output.len() <= limits.max_output_bytes);
            }
        }
    }
}

/// Every input in `fuzz/corpus/vtl_render/` (seeds and saved crashes) goes through the fuzz
/// target's own function, so that a crash the fuzzer found stays fixed without the fuzzer.
#[test]
fn fuzz_corpus_inputs_never_panic() {
    corpus::replay(env!("CARGO_MANIFEST_DIR"), "vtl_render", vtl_render::run);
}
