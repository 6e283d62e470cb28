//! The pipeline's stages, in AWS's order (see `pipeline.rs`): route, access (private
//! endpoints, resource policy, `AWS_IAM`), API key + throttling + quota (`usage`), request
//! validation, cache. WAF and authorizers join here as they are built.

pub mod access;
pub mod authorizer;
pub mod cache;
pub mod request_validation;
pub mod route;
pub mod usage;
