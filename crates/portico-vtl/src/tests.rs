use super::*;
use crate::aws::Variables;

fn render(template: &str, context: &mut Context) -> Result<String, RenderError> {
    let template = Template::parse(template).expect("template parses");
    template.render(context, &Limits::default())
}

fn check(template: &str, expected: &str) {
    let output = render(template, &mut Context::default()).expect("template renders");
    assert_eq!(output, expected, "template: {template:?}");
}

fn parse_error(template: &str) -> ParseError {
    match Template::parse(template) {
        Ok(_) => panic!("template must not parse"),
        Err(err) => err,
    }
}

/// Runs `f` on a thread with a small stack, as a guard against unbounded recursion.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(f)
        .expect("thread spawns")
        .join()
        .expect("thread finishes without panicking");
}

#[test]
fn templates_are_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Template>();
    assert_send_sync::<ParseError>();
    assert_send_sync::<RenderError>();
}

#[test]
fn context_variables_are_visible_to_templates() {
    let mut context = Context::default();
    context.insert("name", Value::string("Ann"));
    context.insert("n", Value::Int(2));
    let list = context
        .heap_mut()
        .new_list(vec![Value::Int(1), Value::Bool(true)]);
    context.insert("list", list);
    assert_eq!(
        render("$name $n $list $list.size()", &mut context).unwrap(),
        "Ann 2 [1, true] 2"
    );
}

#[test]
fn template_changes_to_shared_maps_are_visible_afterwards() {
    let mut context = Context::default();
    let map = context.heap_mut().new_map();
    context.insert("m", map.clone());
    render(
        "#set($m.a = 1)#set($ignore = $m.put('b', 'x'))",
        &mut context,
    )
    .unwrap();
    assert_eq!(
        context.heap().to_json(&map),
        serde_json::json!({"a": 1, "b": "x"})
    );
}

#[test]
fn template_renders_the_same_each_time() {
    let template = Template::parse("#set($x = $x + 1)$x").unwrap();
    let mut context = Context::default();
    context.insert("x", Value::Int(1));
    for _ in 0..3 {
        assert_eq!(
            template.render(&mut context, &Limits::default()).unwrap(),
            "2"
        );
    }
}

#[test]
fn heap_converts_json_both_ways() {
    let mut heap = Heap::default();
    let json = serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"c": {}}});
    let value = heap.value_from_json(&json);
    assert_eq!(heap.to_json(&value), json);
    assert_eq!(
        heap.to_text(&value),
        "{a=[1, 2.5, x, null, true], b={c={}}}"
    );
}

#[test]
fn defined_blocks_of_one_template_do_not_render_in_another() {
    let mut context = Context::default();
    render("#define($d)secret#end#set($m = {'d': $d})", &mut context).unwrap();
    // `$m` was a template-local variable, so smuggle the block through a shared map.
    let map = context.heap_mut().new_map();
    context.insert("shared", map);
    render("#define($d)secret#end#set($shared.d = $d)", &mut context).unwrap();
    assert_eq!(render("[$shared.d]", &mut context).unwrap(), "[]");
}

#[test]
fn aws_variables_round_trip_overrides() {
    let mut context = Variables {
        body: r#"{"status": 418}"#.to_owned(),
        ..Variables::default()
    }
    .into_context();
    let template = "#set($context.responseOverride.status = $input.path('$.status'))\
                    #set($context.responseOverride.header['X-A'] = 'a')\
                    #set($context.requestOverride.querystring.q = 1)";
    render(template, &mut context).unwrap();
    let overrides = aws::overrides(&context);
    assert_eq!(overrides.response_status, Some(418));
    assert_eq!(
        overrides.response_headers,
        [("X-A".to_owned(), "a".to_owned())]
    );
    assert_eq!(
        overrides.request_querystring,
        [("q".to_owned(), "1".to_owned())]
    );
}

#[test]
fn out_of_range_status_overrides_are_ignored() {
    let mut context = Variables::default().into_context();
    render("#set($context.responseOverride.status = 700)", &mut context).unwrap();
    assert_eq!(aws::overrides(&context).response_status, None);
    render(
        "#set($context.responseOverride.status = '201')",
        &mut context,
    )
    .unwrap();
    assert_eq!(aws::overrides(&context).response_status, Some(201));
}

#[test]
fn parse_errors_name_line_and_column() {
    let err = parse_error("line one\n  #if(true)\nx");
    assert_eq!((err.line, err.column), (2, 3));
    assert_eq!(err.to_string(), "line 2, column 3: #if without #end");
    let err = parse_error("ab\n#set($a = )");
    assert_eq!((err.line, err.column), (2, 11));
    let err = parse_error("é #end");
    assert_eq!((err.line, err.column), (1, 3));
}

#[test]
fn oversized_templates_are_rejected() {
    let source = "x".repeat(MAX_TEMPLATE_BYTES + 1);
    assert!(parse_error(&source).message.contains("bytes"));
    assert!(Template::parse(&"x".repeat(MAX_TEMPLATE_BYTES)).is_ok());
}

#[test]
fn deep_nesting_is_a_parse_error_not_a_stack_overflow() {
    on_small_stack(|| {
        for source in [
            format!("#set($a = {}1{})", "(".repeat(10_000), ")".repeat(10_000)),
            format!("{}x{}", "#if(true)".repeat(10_000), "#end".repeat(10_000)),
            format!("#set($a = {}1{})", "[".repeat(10_000), "]".repeat(10_000)),
            format!("#set($a = {}1)", "!".repeat(10_000)),
            format!("#set($a = {}1)", "- ".repeat(10_000)),
            format!("#set($a = {})", "\"$a.b(".repeat(10_000)),
            "#foreach($x in [1])".repeat(10_000),
        ] {
            parse_error(&source);
        }
    });
}

#[test]
fn long_flat_templates_do_not_recurse() {
    on_small_stack(|| {
        let chain = format!("#set($a = 1{})$a", " + 1".repeat(20_000));
        assert_eq!(
            Template::parse(&chain)
                .unwrap()
                .render(&mut Context::default(), &Limits::default())
                .unwrap(),
            "20001"
        );
        let text = "$x #if(true)y#end ".repeat(5_000);
        assert!(Template::parse(&text).is_ok());
        let calls = format!("#set($a = 'x')$a{}", ".concat('')".repeat(10_000));
        let rendered = Template::parse(&calls)
            .unwrap()
            .render(&mut Context::default(), &Limits::default());
        assert_eq!(rendered.ok().as_deref(), Some("x"));
    });
}

#[test]
fn deep_recursion_hits_the_depth_limit_within_a_small_stack() {
    on_small_stack(|| {
        let deepest_parse = format!(
            "#macro(m $n)#if($n > 0)#set($n = $n - 1){}#m($n){}#end#end#m(1000)",
            "#if(true)".repeat(40),
            "#end".repeat(40)
        );
        let nested_strings = "#macro(m)#set($s = \"[#m()]\")#end#m()".to_owned();
        let nested_defines = "#define($a)$b#end#define($b)$a#end$a".to_owned();
        for source in [
            "#macro(loop)#loop()#end#loop()".to_owned(),
            deepest_parse,
            nested_strings,
            nested_defines,
        ] {
            let template = Template::parse(&source).expect("template parses");
            let Err(err) = template.render(&mut Context::default(), &Limits::default()) else {
                panic!("recursion must be stopped");
            };
            assert!(
                matches!(
                    err,
                    RenderError::LimitExceeded {
                        limit: Limit::Depth,
                        ..
                    }
                ),
                "{err}"
            );
        }
    });
}

#[test]
fn quiet_reference_literals_and_escapes_mix() {
    check("#set($a = 'x')$!a$a\\$!a", "xx$!a");
}

#[test]
fn limits_default_to_aws_values() {
    let limits = Limits::default();
    assert_eq!(limits.max_foreach_iterations, 1000);
    assert_eq!(limits.max_output_bytes, 10 * 1024 * 1024);
}
