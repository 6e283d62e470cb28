//! The data plane: serves invoke URLs of deployed stages.
//!
//! Each request reads the current snapshot once through [`Live`] (an atomic pointer load:
//! no lock, no store access), passes the pipeline stages in AWS's order ([`pipeline`]) and
//! reaches its integration. Rejections become AWS gateway responses. It depends on the
//! snapshot, never on a store; the binary wires it to the control plane through the shared
//! [`Live`].

pub mod body;
pub mod gateway_response;
pub mod headers;
pub mod integration;
pub mod invocation;
pub mod pipeline;
pub mod request_id;
pub mod server;
pub mod stages;

use std::sync::Arc;

use portico_snapshot::Live;

use integration::backend::Backend;

/// Everything the data plane needs to serve requests.
#[derive(Debug)]
pub struct DataPlane {
    live: Arc<Live>,
    backend: Backend,
}

// === impl DataPlane ===

impl DataPlane {
    /// A data plane reading snapshots from `live`.
    pub fn new(live: Arc<Live>) -> DataPlane {
        DataPlane {
            live,
            backend: Backend::new(),
        }
    }
}
