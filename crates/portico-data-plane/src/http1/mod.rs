//! Portico's own HTTP/1.1 engine for the data plane: message heads, body framing, buffered
//! connections and response writing. One task per client connection reads a request,
//! runs the pipeline and, for proxy integrations, moves bytes between client and backend
//! itself: no per-request channels, tasks or header maps on the proxy path.

pub mod body;
pub mod chunked;
pub mod conn;
pub mod head;
pub mod response;
pub mod server;
pub mod workers;
