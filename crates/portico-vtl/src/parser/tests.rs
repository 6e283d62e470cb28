use super::*;

fn parsed(source: &str) -> Parsed {
    match parse(source) {
        Ok(parsed) => parsed,
        Err(err) => panic!("{source:?} does not parse: {err}"),
    }
}

#[test]
fn each_variable_name_gets_one_slot() {
    let parsed = parsed("$a $b ${a} #set($c = $a + $b)#foreach($a in $c)#end");
    let names: Vec<&str> = parsed.slots.iter().map(|s| &**s).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn macros_and_defines_are_collected_wherever_they_appear() {
    let parsed = parsed("#if(false)#macro(inner $x)$x#end#end#define($d)x#end#macro(outer)#end");
    let names: Vec<&str> = parsed.macros.iter().map(|m| &*m.name).collect();
    assert_eq!(names, ["inner", "outer"]);
    assert_eq!(parsed.macros[0].params.len(), 1);
    assert_eq!(parsed.defines.len(), 1);
}

#[test]
fn literal_regex_arguments_are_compiled_at_parse_time() {
    let parsed = parsed("$s.replaceAll('a+', 'b') $s.matches($p) $s.split('(')");
    let regexes: Vec<bool> = parsed
        .body
        .nodes
        .iter()
        .filter_map(|node| match node {
            Node::Reference(r) => match r.parts.first() {
                Some(Part::Method { regex, .. }) => Some(regex.is_some()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    // A dynamic pattern is compiled when rendering; an invalid one throws then, as in Java.
    assert_eq!(regexes, [true, false, false]);
}

#[test]
fn references_keep_their_source_text() {
    let parsed = parsed("\\\\$!{a.b('x', 1)[0]}.");
    let Some(Node::Reference(reference)) = parsed.body.nodes.first() else {
        panic!("expected a reference first");
    };
    assert_eq!(&*reference.literal, "$!{a.b('x', 1)[0]}");
    assert_eq!(reference.backslashes, 2);
    assert!(reference.quiet);
}

#[test]
fn text_runs_are_merged() {
    let parsed = parsed("a#1b\\c ## comment\nd");
    assert!(matches!(&parsed.body.nodes[..], [Node::Text(text)] if &**text == "a#1b\\c d"));
}
