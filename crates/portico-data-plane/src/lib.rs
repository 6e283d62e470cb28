//! The data plane: serves invoke URLs of deployed stages.
//!
//! Each request reads the current snapshot once through [`Live`] (an atomic pointer load:
//! no lock, no store access), passes the pipeline stages in AWS's order ([`pipeline`]) and
//! reaches its integration. HTTP/1.1 on both sides is Portico's own engine ([`http1`],
//! [`upstream`]): one task per client connection does the whole exchange. Rejections become
//! AWS gateway responses. It depends on the snapshot, never on a store; the binary wires it
//! to the control plane through the shared [`Live`].

pub mod binary;
pub mod compression;
pub mod gateway_response;
pub mod headers;
pub mod http1;
pub mod integration;
pub mod invocation;
pub mod pipeline;
pub mod request_id;
pub mod stages;
pub mod templates;
pub mod upstream;

use std::sync::Arc;
use std::time::Duration;

use portico_snapshot::Live;

use upstream::Backends;

/// Everything the data plane needs to serve requests.
#[derive(Debug)]
pub struct DataPlane {
    live: Arc<Live>,
    backends: Backends,
    limits: Limits,
    access: stages::access::AccessConfig,
}

/// What a client may do before the gateway gives up on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to send a whole request head once it started (slow-client protection).
    pub header_read_timeout: Duration,
    /// Time an idle keep-alive connection stays open.
    pub keep_alive_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: http1::server::HEADER_READ_TIMEOUT,
            keep_alive_timeout: http1::server::KEEP_ALIVE_TIMEOUT,
        }
    }
}

// === impl DataPlane ===

impl DataPlane {
    /// A data plane reading snapshots from `live`, with default limits.
    pub fn new(live: Arc<Live>) -> DataPlane {
        DataPlane::with_limits(live, Limits::default())
    }

    /// A data plane with explicit client limits.
    pub fn with_limits(live: Arc<Live>, limits: Limits) -> DataPlane {
        DataPlane {
            live,
            backends: Backends::new(),
            limits,
            access: stages::access::AccessConfig::default(),
        }
    }

    /// The same data plane with private listeners and trusted proxies.
    pub fn with_access(mut self, access: stages::access::AccessConfig) -> DataPlane {
        self.access = access;
        self
    }

    /// The same data plane invoking Lambda functions on `host`.
    pub fn with_functions(mut self, host: portico_functions::FunctionHost) -> DataPlane {
        self.backends = std::mem::take(&mut self.backends).with_functions(host);
        self
    }

    /// The same data plane trusting these user-pool issuers for Cognito authorizers.
    pub fn with_user_pools(mut self, user_pools: Arc<portico_jwt::UserPools>) -> DataPlane {
        self.backends = std::mem::take(&mut self.backends).with_user_pools(user_pools);
        self
    }

    /// The private endpoint a listener serves as, by index.
    pub fn private_endpoint(&self, index: usize) -> Option<&stages::access::PrivateEndpoint> {
        self.access.private_endpoints.get(index)
    }
}
