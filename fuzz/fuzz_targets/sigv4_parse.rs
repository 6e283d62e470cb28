#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portico_fuzz::sigv4_parse::run(data));
