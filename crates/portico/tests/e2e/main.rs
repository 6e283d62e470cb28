//! End-to-end tests: the real `portico` binary on loopback ports, driven through its
//! control plane (SigV4-signed, as the AWS SDKs call it) and its data plane (plain HTTP).
//! One test binary, so CI links once.

mod access;
mod architecture;
mod control_plane;
mod data_plane;
mod durability;
mod fixtures;
mod openapi;
mod templates;
mod usage;
mod validation;

use portico_test_support::Portico;

/// Starts the binary under test.
pub async fn start() -> Portico {
    Portico::start(env!("CARGO_BIN_EXE_portico")).await
}
