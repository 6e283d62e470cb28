//! The parser must never panic, whatever it is fed; evaluation of whatever parses must not either.

#[path = "../../../fuzz/src/corpus.rs"]
mod corpus;
#[path = "../../../fuzz/src/policy_parse.rs"]
mod policy_parse;

use portico_policy::{ConditionKeys, Policy, PolicyKind, Principal, RequestContext, evaluate};
use proptest::prelude::*;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        prop_oneof![
            Just("*".to_string()),
            Just("Allow".to_string()),
            Just("Deny".to_string()),
            Just("s3:*".to_string()),
            Just("arn:aws:s3:::b/${aws:username}/*".to_string()),
            Just("10.0.0.0/8".to_string()),
            Just("2020-01-01T00:00:00Z".to_string()),
            Just("${".to_string()),
            ".{0,12}",
        ]
        .prop_map(serde_json::Value::String),
    ];
    let keys = prop_oneof![
        Just("Version".to_string()),
        Just("Statement".to_string()),
        Just("Effect".to_string()),
        Just("Action".to_string()),
        Just("NotAction".to_string()),
        Just("Resource".to_string()),
        Just("Principal".to_string()),
        Just("NotPrincipal".to_string()),
        Just("AWS".to_string()),
        Just("Condition".to_string()),
        Just("StringLike".to_string()),
        Just("ForAllValues:IpAddressIfExists".to_string()),
        Just("DateLessThan".to_string()),
        Just("ArnLike".to_string()),
        Just("Null".to_string()),
        "[A-Za-z:]{0,8}",
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..5)
                .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn exercise(text: &str) {
    for kind in [PolicyKind::Identity, PolicyKind::Resource] {
        if let Ok(policy) = Policy::parse(text, kind) {
            let mut keys = ConditionKeys::default();
            keys.insert("aws:username", "alice");
            keys.insert("aws:SourceIp", "10.1.2.3");
            keys.insert("aws:CurrentTime", "2021-01-01T00:00:00Z");
            let ctx = RequestContext {
                principal: Principal::Anonymous,
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/alice/k",
                keys: &keys,
            };
            let _ = evaluate([&policy], &ctx);
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(text in ".{0,200}") {
        exercise(&text);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        exercise(&value.to_string());
    }
}

/// Every input in `fuzz/corpus/policy_parse/` (seeds and saved crashes) goes through the fuzz
/// target's own function, so that a crash the fuzzer found stays fixed without the fuzzer.
#[test]
fn fuzz_corpus_inputs_never_panic() {
    corpus::replay(
        env!("CARGO_MANIFEST_DIR"),
        "policy_parse",
        policy_parse::run,
    );
}
