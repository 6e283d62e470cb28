//! Every input in `fuzz/corpus/sigv4_parse/` (seeds and saved crashes) goes through the fuzz
//! target's own function, so that a crash the fuzzer found stays fixed without the fuzzer.

#[path = "../../../fuzz/src/corpus.rs"]
mod corpus;
#[path = "../../../fuzz/src/sigv4_parse.rs"]
mod sigv4_parse;

#[test]
fn fuzz_corpus_inputs_never_panic() {
    corpus::replay(env!("CARGO_MANIFEST_DIR"), "sigv4_parse", sigv4_parse::run);
}
