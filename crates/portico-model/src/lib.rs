//! Amazon API Gateway's REST API resources as plain serde types with AWS's wire names, their
//! validation, and AWS's `patchOperations`.
//!
//! Everything here is pure: no IO, no async, no clock reads (callers pass timestamps and new
//! ids in). The control plane calls it to validate and change definitions; the snapshot compiler
//! reads the types it defines. It must never learn about stores, HTTP servers or the data plane.

pub mod api_key_import;
pub mod authorizer;
pub mod definition;
pub mod deployment;
pub mod domain;
pub mod error;
pub mod function;
pub mod gateway_response;
pub mod iam;
pub mod ids;
pub mod integration;
pub mod mapping;
pub mod method;
pub mod models;
pub mod page;
pub mod patch;
pub mod region;
pub mod resource;
pub mod rest_api;
pub mod stage;
pub mod tags;
pub mod usage_plan;
pub mod wire;

pub use definition::ApiDefinition;
pub use deployment::{Deployment, DeploymentRecord};
pub use error::ModelError;
pub use ids::{DeploymentId, ResourceId, RestApiId};
pub use integration::{
    ConnectionType, ContentHandling, Integration, IntegrationResponse, IntegrationType,
    PassthroughBehavior,
};
pub use method::{HttpMethod, Method, MethodResponse};
pub use resource::Resource;
pub use rest_api::{ApiKeySource, EndpointConfiguration, RestApi};
pub use stage::{MethodSetting, Stage};

/// The account id that appears in ARNs and error messages; Portico has one account.
pub const ACCOUNT_ID: &str = "000000000000";

pub use region::{DEFAULT_REGION, region, set_region};
