//! The pipeline's stages, in AWS's order (see `pipeline.rs`): route, API key + throttling +
//! quota (`usage`), request validation, cache. WAF, resource policies and authorizers join
//! here as they are built.

pub mod cache;
pub mod request_validation;
pub mod route;
pub mod usage;
