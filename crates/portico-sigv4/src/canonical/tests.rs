//! The allocation-free canonicalisation agrees with the plain one it replaced.

use proptest::prelude::*;

use super::*;

/// `canonical_uri` as first written (segments collected, joined, encoded): the oracle for the
/// version that encodes segments as it goes and takes them back on `..`.
fn reference_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        return "/".to_owned();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw_path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    let mut normalised = String::new();
    if raw_path.starts_with('/') {
        normalised.push('/');
    }
    normalised.push_str(&segments.join("/"));
    if raw_path.ends_with('/') && !segments.is_empty() {
        normalised.push('/');
    }
    percent_encode(normalised.as_bytes(), PATH).to_string()
}

fn decoded_query(raw_query: &str, location: SignatureLocation) -> String {
    let mut canonical = String::new();
    write_query_decoded(&mut canonical, raw_query, location);
    canonical
}

/// Pieces of query components: canonical ones, and every way of not being canonical.
fn query_component() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "a",
        "Z",
        "0",
        "-",
        "_",
        ".",
        "~",
        "%20",
        "%2F",
        "%2f",
        "%7E",
        "%7e",
        "%41",
        "%E1%88%B4",
        "%FF",
        "%",
        "%z",
        "%2",
        "+",
        " ",
        "/",
        "=",
        "\u{e9}",
        "X-Amz-Signature",
        "X-Amz-Date",
    ]);
    prop::collection::vec(piece, 0..5).prop_map(|pieces| pieces.concat())
}

fn raw_query() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (query_component(), prop::option::of(query_component())),
        0..8,
    )
    .prop_map(|pairs| {
        pairs
            .iter()
            .map(|(key, value)| match value {
                Some(value) => format!("{key}={value}"),
                None => key.clone(),
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn raw_path() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "/", "/", "/", ".", "..", "a", "b", "%3A", "%2F", " ", "+", "=", "\u{1234}", "~",
    ]);
    prop::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn canonical_queries_agree_with_the_decoding_path(raw_query in raw_query()) {
        for location in [SignatureLocation::Header, SignatureLocation::Query] {
            prop_assert_eq!(
                canonical_query_string(Some(&raw_query), location),
                decoded_query(&raw_query, location),
                "{:?}", location
            );
        }
    }

    #[test]
    fn canonical_uris_agree_with_the_reference(raw_path in raw_path()) {
        prop_assert_eq!(canonical_uri(&raw_path), reference_uri(&raw_path));
    }

    #[test]
    fn escaped_splits_are_the_splits_of_the_decoded_text(raw in query_component()) {
        let decoded = decode_text(&raw);
        let pieces: Vec<_> = split_escaped(&raw, b'/').map(decode_text).collect();
        let expected: Vec<_> = decoded.split('/').collect();
        prop_assert_eq!(pieces, expected);
    }
}

#[test]
fn sorted_and_unsorted_queries_canonicalise_alike() {
    let botocore = "type=dog&X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIDEXAMPLE%2F20260314%2Fus-east-1%2Fexecute-api%2Faws4_request\
        &X-Amz-Date=20260314T150926Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host\
        &X-Amz-Signature=abc";
    let expected = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIDEXAMPLE%2F20260314%2Fus-east-1%2Fexecute-api%2Faws4_request\
        &X-Amz-Date=20260314T150926Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&type=dog";
    assert_eq!(
        canonical_query_string(Some(botocore), SignatureLocation::Query),
        expected
    );
    let sorted = format!("{expected}&X-Amz-Signature=abc");
    assert_eq!(
        canonical_query_string(Some(&sorted), SignatureLocation::Query),
        expected
    );
}

#[test]
fn the_buffer_is_reused_and_nested_use_gets_its_own() {
    let outer = with_buffer(|buffer| {
        buffer.push_str("outer");
        let inner = with_buffer(|inner| {
            assert!(inner.is_empty());
            inner.push_str("inner");
            inner.clone()
        });
        assert_eq!(inner, "inner");
        buffer.clone()
    });
    assert_eq!(outer, "outer");
    with_buffer(|buffer| assert!(buffer.is_empty()));
}
