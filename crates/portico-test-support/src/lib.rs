//! Test helpers shared by the end-to-end tests: [`Portico`] starts the real binary on
//! loopback ports with a temporary data directory, [`AdminClient`] calls the control plane
//! with SigV4-signed requests as the AWS SDKs do, and [`EchoBackend`] is an HTTP backend
//! that reports what it received. Never used by production code.

mod backend;
mod portico;

pub use backend::{EchoBackend, Received, start_tls as start_tls_backend};
pub use portico::{AdminClient, Portico, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, Reply};

/// Waits until `condition` holds, polling every 20 ms, up to `seconds`.
pub async fn eventually(seconds: u64, mut condition: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if condition().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
