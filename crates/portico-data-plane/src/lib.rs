//! The data plane: serves invoke URLs of deployed stages.
//!
//! Each request reads the current snapshot once through [`Live`] (an atomic pointer load:
//! no lock, no store access), passes the pipeline stages in AWS's order ([`pipeline`]) and
//! reaches its integration. HTTP/1.1 on both sides is Portico's own engine ([`http1`],
//! [`upstream`]): one task per client connection does the whole exchange. Rejections become
//! AWS gateway responses. It depends on the snapshot, never on a store; the binary wires it
//! to the control plane through the shared [`Live`].

pub mod gateway_response;
pub mod headers;
pub mod http1;
pub mod integration;
pub mod invocation;
pub mod pipeline;
pub mod request_id;
pub mod stages;
pub mod upstream;

use std::sync::Arc;

use portico_snapshot::Live;

use upstream::Backends;

/// Everything the data plane needs to serve requests.
#[derive(Debug)]
pub struct DataPlane {
    live: Arc<Live>,
    backends: Backends,
}

// === impl DataPlane ===

impl DataPlane {
    /// A data plane reading snapshots from `live`.
    pub fn new(live: Arc<Live>) -> DataPlane {
        DataPlane {
            live,
            backends: Backends::new(),
        }
    }
}
