use super::*;

const VALUE_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaa";
const VALUE_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbb";

fn records(text: &str) -> Vec<Vec<String>> {
    parse_records(text)
        .unwrap()
        .into_iter()
        .map(|(_, fields)| fields)
        .collect()
}

fn check(text: &str) -> ParsedImport {
    parse(text.as_bytes()).unwrap()
}

fn bad_request(text: &str) -> String {
    match parse(text.as_bytes()) {
        Err(ModelError::BadRequest(message)) => message,
        other => panic!("expected a bad request, got {other:?}"),
    }
}

#[test]
fn plain_fields_are_split_on_commas_and_lines() {
    assert_eq!(records("a,b\nc,d\n"), [["a", "b"], ["c", "d"]]);
    assert_eq!(records("a,b\r\nc,d"), [["a", "b"], ["c", "d"]]);
    assert_eq!(records("a,,\n"), [["a", "", ""]]);
}

#[test]
fn quoted_fields_keep_commas_newlines_and_doubled_quotes() {
    assert_eq!(
        records("\"p1,p2\",\"say \"\"hi\"\"\",\"two\nlines\"\n"),
        [["p1,p2", "say \"hi\"", "two\nlines"]]
    );
    assert_eq!(records("\"\"\n"), [[""]]);
}

#[test]
fn blank_lines_are_skipped_and_lines_are_counted() {
    let parsed = parse_records("h\n\n\"x\ny\"\nz\n").unwrap();
    assert_eq!(parsed[0].0, 1);
    assert_eq!(parsed[1].0, 3);
    assert_eq!(parsed[2].0, 5);
}

#[test]
fn unterminated_quotes_fail_the_import() {
    assert!(parse_records("a,\"b\n").is_err());
    assert!(bad_request("key\n\"abc").contains("not closed"));
}

#[test]
fn rows_become_keys_with_case_insensitive_columns() {
    let parsed = check(&format!(
        "Name,KEY,Description,Enabled,UsagePlanIds\n\
         first,{VALUE_A},A first key,TRUE,\"p1, p2\"\n\
         second,{VALUE_B},,false,\n"
    ));
    assert_eq!(parsed.warnings, Vec::<String>::new());
    assert_eq!(
        parsed.keys,
        [
            ImportedKey {
                line: 2,
                value: VALUE_A.into(),
                name: Some("first".into()),
                description: Some("A first key".into()),
                enabled: true,
                usage_plan_ids: vec!["p1".into(), "p2".into()],
            },
            ImportedKey {
                line: 3,
                value: VALUE_B.into(),
                name: Some("second".into()),
                description: None,
                enabled: false,
                usage_plan_ids: vec![],
            },
        ]
    );
}

#[test]
fn value_is_an_alias_of_key_and_missing_columns_default() {
    let parsed = check(&format!("value\n{VALUE_A}\n"));
    assert_eq!(parsed.keys.len(), 1);
    assert!(!parsed.keys[0].enabled);
    assert_eq!(parsed.keys[0].name, None);
}

#[test]
fn bad_rows_become_warnings() {
    let parsed = check(&format!(
        "key,name,enabled,colour\n\
         short,a,true,red\n\
         {VALUE_A},b,maybe,red\n\
         {VALUE_A},c,true,red,extra\n\
         ,d,true,red\n\
         {VALUE_B},e,true,red\n\
         {VALUE_B},f,true,red\n"
    ));
    assert_eq!(parsed.keys.len(), 1);
    assert_eq!(parsed.keys[0].name.as_deref(), Some("e"));
    assert_eq!(
        parsed.warnings,
        [
            "Line 1: unknown column 'colour' is ignored",
            "Line 2: API Key value should be at least 20 characters; the row is skipped",
            "Line 3: invalid enabled value 'maybe'; the row is skipped",
            "Line 4: 5 fields but the header has 4 columns; the row is skipped",
            "Line 5: the API Key value is missing; the row is skipped",
            "Line 7: duplicate API Key value; the row is skipped",
        ]
    );
}

#[test]
fn files_without_a_key_column_or_content_are_rejected() {
    assert!(bad_request("name,description\na,b\n").contains("'key' column"));
    assert!(bad_request("").contains("empty"));
    assert!(bad_request("\n\n").contains("empty"));
    assert!(parse(&[0xff, 0xfe]).is_err());
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let parsed = check(&format!("\u{feff}key\n{VALUE_A}\n"));
    assert_eq!(parsed.keys.len(), 1);
    assert!(parsed.warnings.is_empty());
}
