//! The pipeline's stages, in AWS's order (see `pipeline.rs`). Later stages (WAF, resource
//! policy, authorizers, API keys, throttling, validation, cache) join here as they are built.

pub mod cache;
pub mod request_validation;
pub mod route;
pub mod usage;
