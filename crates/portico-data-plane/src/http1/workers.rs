//! Thread-per-core serving: one single-threaded runtime per worker thread, each accepting on
//! its own `SO_REUSEPORT` socket bound to the same address, so the kernel spreads
//! connections across workers and a connection, its requests and its backend connections
//! stay on one thread (no work stealing, no cross-thread wakeups, warm caches), the way
//! nginx runs its worker processes.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::DataPlane;

/// The data-plane sockets, bound before the workers start (so the address is known early).
#[derive(Debug)]
pub struct Listeners {
    /// The bound address (the real port when 0 was asked for).
    pub local_addr: SocketAddr,
    sockets: Vec<std::net::TcpListener>,
    /// The private endpoint (index into the data plane's) these sockets play, if any.
    endpoint: Option<usize>,
}

// === impl Listeners ===

impl Listeners {
    /// The same sockets serving as private endpoint `index` of the data plane.
    pub fn private(mut self, index: usize) -> Listeners {
        self.endpoint = Some(index);
        self
    }
}

/// Binds `workers` sockets to `address`. With more than one worker they share the port
/// through `SO_REUSEPORT`; the address is first checked to be free, so that a second
/// gateway on the same port fails instead of silently sharing its traffic.
pub fn bind(address: SocketAddr, workers: usize) -> io::Result<Listeners> {
    let workers = workers.max(1);
    if workers > 1 && address.port() != 0 {
        // An exclusive bind fails if anyone (even with SO_REUSEPORT) holds the port.
        drop(listen_socket(address, false)?);
    }
    let first = listen_socket(address, workers > 1)?;
    let local_addr = first.local_addr()?;
    let mut sockets = vec![first];
    for _ in 1..workers {
        sockets.push(listen_socket(local_addr, true)?);
    }
    Ok(Listeners {
        local_addr,
        sockets,
        endpoint: None,
    })
}

fn listen_socket(address: SocketAddr, reuse_port: bool) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::STREAM,
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    #[cfg(unix)]
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    socket.listen(4096)?;
    Ok(socket.into())
}

/// Starts one worker thread per socket; each serves until `stop` turns true, then drains.
pub fn start(
    data_plane: &Arc<DataPlane>,
    listeners: Listeners,
    stop: &watch::Receiver<bool>,
) -> io::Result<Vec<JoinHandle<()>>> {
    let mut handles = Vec::with_capacity(listeners.sockets.len());
    let endpoint = listeners.endpoint;
    let prefix = match endpoint {
        Some(index) => format!("portico-vpce{index}"),
        None => "portico-data".to_owned(),
    };
    for (index, socket) in listeners.sockets.into_iter().enumerate() {
        let data_plane = Arc::clone(data_plane);
        let mut stop = stop.clone();
        let handle = std::thread::Builder::new()
            .name(format!("{prefix}-{index}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        tracing::error!(error = %err, "cannot start a data-plane worker runtime");
                        return;
                    }
                };
                runtime.block_on(async move {
                let listener = match TcpListener::from_std(socket) {
                    Ok(listener) => listener,
                    Err(err) => {
                        tracing::error!(error = %err, "cannot register the data-plane listener");
                        return;
                    }
                };
                let stopped = async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                };
                super::server::serve(data_plane, listener, endpoint, stopped).await;
            });
            })?;
        handles.push(handle);
    }
    Ok(handles)
}
