//! The bodies of Portico's fuzz targets, one module per target in `fuzz_targets/`. Each
//! `run(&[u8])` feeds one input to a pure crate and must never panic or hang, whatever the
//! bytes.
//!
//! The same modules are compiled into the workspace's tests (with `#[path]`), which replay every
//! file of `corpus/<target>/` through `run` on the stable toolchain without the fuzzer, so a
//! saved crash input stays fixed. This crate lives outside the workspace because libFuzzer's
//! instrumentation must not touch ordinary builds.

pub mod corpus;
pub mod openapi_import;
pub mod policy_parse;
pub mod sigv4_parse;
pub mod vtl_render;
