//! Compiles a deployment and the stage that points at it into an immutable [`StageSnapshot`]:
//! a route trie, parsed integration targets and mappings, compiled selection patterns and
//! pre-built header names. [`Live`] holds the current [`Snapshot`] of every stage behind an
//! atomic pointer that the data plane reads without locks.
//!
//! Pure: no IO, no async, no clock reads. The control plane compiles and publishes on every
//! change that affects traffic (deployments, stage updates) and at start-up; the data plane
//! only reads. This crate must never reach the store.

pub mod access;
pub mod authorizer;
pub mod clients;
pub mod compile;
pub mod context;
pub mod domains;
pub mod gateway;
pub mod identities;
pub mod integration;
pub mod limits;
pub mod live;
pub mod route;
pub mod validation;

use std::sync::Arc;

pub use compile::{CompileError, CompileInput, compile};
pub use identities::{Identities, Identity, IdentityKind, UserIdentity};
pub use live::Live;
pub use route::{MethodRoute, PathParams, RouteMatch, RouteTable};

/// Every deployed stage of every API, as the data plane sees it at one instant.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    apis: foldhash::HashMap<Box<str>, ApiStages>,
}

/// The deployed stages of one API.
#[derive(Debug, Default, Clone)]
pub struct ApiStages {
    stages: foldhash::HashMap<Box<str>, Arc<StageSnapshot>>,
}

/// One stage, compiled: what a request to `/{stage}/...` of the API runs against.
#[derive(Debug)]
pub struct StageSnapshot {
    pub api_id: Box<str>,
    /// The API id as a header value (`x-amzn-apigateway-api-id` to backends).
    pub api_id_header: http::HeaderValue,
    pub stage_name: Box<str>,
    pub deployment_id: Box<str>,
    /// The route trie of the deployed resources.
    pub routes: RouteTable,
    /// Stage variables (with canary overrides for a canary snapshot).
    pub variables: Vec<(Box<str>, Box<str>)>,
    /// `binaryMediaTypes` of the deployed API.
    pub binary_media_types: Vec<Box<str>>,
    /// Where API keys come from (`apiKeySource` of the deployed API).
    pub api_key_source: portico_model::ApiKeySource,
    /// `disableExecuteApiEndpoint` of the deployed API: the default endpoint refuses calls.
    pub execute_api_endpoint_disabled: bool,
    /// An EDGE API: its requests came through CloudFront on AWS, which capitalises header
    /// names, so the Lambda events carry them capitalised.
    pub edge_endpoint: bool,
    /// `minimumCompressionSize`: responses this large or larger are compressed for clients
    /// that accept it; `None` turns compression off.
    pub minimum_compression_size: Option<usize>,
    /// The canary deployment and its share of traffic, if the stage has one.
    pub canary: Option<Canary>,
    /// The API's customised gateway responses.
    pub gateway_responses: gateway::GatewayResponses,
    /// Resource policy, endpoint type, resource tags and the method ARN prefix.
    pub access: access::StageAccess,
}

/// A canary release on a stage.
#[derive(Debug)]
pub struct Canary {
    /// Share of requests, 0.0–100.0, that the canary serves.
    pub percent_traffic: f64,
    /// The canary deployment compiled with the canary's variables.
    pub snapshot: Box<StageSnapshot>,
}

// === impl Snapshot ===

impl Snapshot {
    /// The stage `stage_name` of API `api_id`, if deployed.
    pub fn stage(&self, api_id: &str, stage_name: &str) -> Option<&Arc<StageSnapshot>> {
        self.apis.get(api_id)?.stages.get(stage_name)
    }

    /// True if the API has at least one deployed stage.
    pub fn has_api(&self, api_id: &str) -> bool {
        self.apis.contains_key(api_id)
    }

    /// Number of deployed stages, over all APIs.
    pub fn stage_count(&self) -> usize {
        self.apis.values().map(|api| api.stages.len()).sum()
    }

    /// A copy with `stage` inserted (replacing any previous version of it).
    pub fn with_stage(&self, stage: Arc<StageSnapshot>) -> Snapshot {
        let mut next = self.clone();
        next.insert(stage);
        next
    }

    /// Inserts `stage` (replacing any previous version of it).
    pub fn insert(&mut self, stage: Arc<StageSnapshot>) {
        self.apis
            .entry(stage.api_id.clone())
            .or_default()
            .stages
            .insert(stage.stage_name.clone(), stage);
    }

    /// A copy without the stage.
    pub fn without_stage(&self, api_id: &str, stage_name: &str) -> Snapshot {
        let mut next = self.clone();
        if let Some(api) = next.apis.get_mut(api_id) {
            api.stages.remove(stage_name);
            if api.stages.is_empty() {
                next.apis.remove(api_id);
            }
        }
        next
    }

    /// A copy without any stage of the API.
    pub fn without_api(&self, api_id: &str) -> Snapshot {
        let mut next = self.clone();
        next.apis.remove(api_id);
        next
    }
}

// === impl StageSnapshot ===

impl StageSnapshot {
    /// The value of a stage variable.
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables
            .iter()
            .find(|(key, _)| &**key == name)
            .map(|(_, value)| &**value)
    }
}
