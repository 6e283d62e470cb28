//! The one-pass scan agrees with the plain splitting and canonicalisation it replaced.

use proptest::prelude::*;

use std::borrow::Cow;

use super::*;
use crate::canonical_query_string;

/// The presigned parameters found the plain way: every pair split, every key decoded.
fn naive_params(raw: &str) -> Vec<Option<Cow<'_, str>>> {
    let mut params = PresignedParams::default();
    for (key, value) in canonical::raw_pairs(raw) {
        let value = RawValue {
            raw: value,
            escaped: true,
        };
        params.offer(&canonical::decode_text(key), value);
    }
    params.as_list()
}

fn joined(query: &CanonicalQuery<'_>) -> String {
    let mut out = String::new();
    assert!(query.write_for(Some(query.raw), &mut out));
    out
}

/// Pieces of queries: canonical ones, every way of not being canonical, presigned names.
fn query_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a",
        "b",
        "Z",
        "0",
        "-",
        "~",
        "%20",
        "%2F",
        "%2f",
        "%41",
        "%",
        "+",
        " ",
        "=",
        "&",
        "\u{e9}",
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-%44ate",
        "X-Amz-Algorithm",
    ])
}

proptest! {
    #[test]
    fn presigned_parameters_are_those_of_the_plain_split(
        pieces in prop::collection::vec(query_piece(), 0..40)
    ) {
        let raw = pieces.concat();
        let scan = QueryScan::new(&raw, SignatureLocation::Query);
        prop_assert_eq!(scan.presigned_params().as_list(), naive_params(&raw));
    }

    #[test]
    fn kept_pieces_make_the_canonical_query_string(
        pieces in prop::collection::vec(query_piece(), 0..40)
    ) {
        let raw = pieces.concat();
        for location in [SignatureLocation::Header, SignatureLocation::Query] {
            let expected = canonical_query_string(Some(&raw), location);
            if let Some(query) = QueryScan::new(&raw, location).canonical_query() {
                prop_assert_eq!(joined(&query), expected.clone());
            }
            let mut written = String::new();
            QueryScan::new(&raw, location).write_canonical(&mut written);
            prop_assert_eq!(written, expected);
        }
    }
}

#[test]
fn only_canonically_encoded_components_take_the_fast_path() {
    for (raw, expected) in [
        ("", true),
        ("abc-_.~XYZ09", true),
        ("a%20b%2Fc", true),
        ("%E1%88%B4", true),
        ("%2f", false),
        ("%7E", false),
        ("%41", false),
        ("%", false),
        ("%2", false),
        ("%zz", false),
        ("a+b", false),
        ("a b", false),
        ("a=b", false),
        ("\u{e9}", false),
    ] {
        let query = format!("key={raw}");
        let scan = QueryScan::new(&query, SignatureLocation::Header);
        assert_eq!(scan.canonical, expected, "{raw:?}");
    }
}

#[test]
fn a_botocore_presigned_query_is_kept_as_one_or_two_pieces() {
    let sorted = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIDEXAMPLE%2F20260314%2Fus-east-1%2Fexecute-api%2Faws4_request\
        &X-Amz-Date=20260314T150926Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host";
    let raw = format!("{sorted}&X-Amz-Signature=abc");
    let query = QueryScan::new(&raw, SignatureLocation::Query)
        .canonical_query()
        .expect("canonical");
    assert_eq!(query.runs[..query.count], [sorted]);

    let raw = format!("type=dog&{sorted}&X-Amz-Signature=abc");
    let query = QueryScan::new(&raw, SignatureLocation::Query)
        .canonical_query()
        .expect("canonical");
    assert_eq!(query.runs[..query.count], [sorted, "type=dog"]);
    assert_eq!(joined(&query), format!("{sorted}&type=dog"));
}

#[test]
fn pieces_are_written_only_for_the_query_they_came_from() {
    let raw = "b=2&a=1".to_owned();
    let query = QueryScan::new(&raw, SignatureLocation::Query)
        .canonical_query()
        .expect("canonical");
    let mut out = String::new();
    let copy = raw.clone();
    assert!(!query.write_for(Some(&copy), &mut out));
    assert!(!query.write_for(None, &mut out));
    assert_eq!(out, "");
    assert!(query.write_for(Some(&raw), &mut out));
    assert_eq!(out, "a=1&b=2");
}

#[test]
fn queries_that_need_reencoding_or_hold_bare_keys_keep_no_pieces() {
    for raw in ["a=1&b", "a=%2f", "a=b=c", "a=+", "a=\u{e9}"] {
        let mut scan = QueryScan::new(raw, SignatureLocation::Query);
        assert!(scan.canonical_query().is_none(), "{raw:?}");
    }
}

#[test]
fn more_pairs_than_the_stack_holds_still_find_every_parameter() {
    let mut raw: String = (0..40).map(|index| format!("p{index}=v&")).collect();
    raw.push_str("X-Amz-Algorithm=AWS4-HMAC-SHA256");
    let scan = QueryScan::new(&raw, SignatureLocation::Query);
    assert_eq!(
        scan.presigned_params().algorithm.map(|value| value.raw),
        Some("AWS4-HMAC-SHA256")
    );
    assert!(
        QueryScan::new(&raw, SignatureLocation::Query)
            .canonical_query()
            .is_none()
    );
    let mut written = String::new();
    scan.write_canonical(&mut written);
    assert_eq!(
        written,
        canonical_query_string(Some(&raw), SignatureLocation::Query)
    );
}

#[test]
fn a_query_longer_than_the_offsets_reach_takes_the_general_paths() {
    let long = "x".repeat(usize::from(u16::MAX) + 10);
    let raw = format!("b={long}&X-Amz-Algorithm=AWS4-HMAC-SHA256&a=1&X-Amz-Signature=abc");
    let mut scan = QueryScan::new(&raw, SignatureLocation::Query);
    assert_eq!(
        scan.presigned_params().algorithm.map(|value| value.raw),
        Some("AWS4-HMAC-SHA256")
    );
    assert!(scan.canonical_query().is_none());
    let mut written = String::new();
    QueryScan::new(&raw, SignatureLocation::Query).write_canonical(&mut written);
    assert_eq!(
        written,
        format!("X-Amz-Algorithm=AWS4-HMAC-SHA256&a=1&b={long}")
    );
}

// === impl PresignedParams (tests) ===

impl<'a> PresignedParams<'a> {
    /// Every parameter, decoded: what parsing reads.
    fn as_list(&self) -> Vec<Option<Cow<'a, str>>> {
        [
            self.algorithm,
            self.credential,
            self.signature,
            self.signed_headers,
            self.amz_date,
            self.expires,
            self.security_token,
        ]
        .iter()
        .map(|value| value.map(RawValue::decoded))
        .collect()
    }
}
