#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portico_fuzz::openapi_import::run(data));
