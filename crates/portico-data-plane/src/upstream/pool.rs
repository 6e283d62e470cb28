//! Idle backend connections, kept per runtime worker thread.
//!
//! Each worker thread has its own pool, so checking a connection out or in takes no lock and
//! touches no other thread's memory. A request may move between workers at an await point;
//! its connection then simply returns to the pool of the worker it finishes on.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use super::stream::BackendStream;
use crate::http1::conn::Conn;

/// How long an idle connection is kept (backends commonly close after 60–75 s).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(55);
/// Idle connections kept per backend and worker thread.
pub const MAX_IDLE_PER_BACKEND: usize = 512;

struct Idle {
    conn: Conn<BackendStream>,
    since: Instant,
}

thread_local! {
    static IDLE: RefCell<foldhash::HashMap<Box<str>, Vec<Idle>>> = RefCell::new(foldhash::HashMap::default());
}

/// Takes an idle connection to the backend `key`, if a usable one is pooled.
pub fn checkout(key: &str) -> Option<Conn<BackendStream>> {
    IDLE.with(|pool| {
        let mut pool = pool.borrow_mut();
        let idle = pool.get_mut(key)?;
        while let Some(candidate) = idle.pop() {
            if candidate.since.elapsed() < IDLE_TIMEOUT && candidate.conn.stream.looks_alive() {
                return Some(candidate.conn);
            }
        }
        None
    })
}

/// Returns a connection whose last exchange completed cleanly.
pub fn checkin(key: &str, conn: Conn<BackendStream>) {
    if !conn.read.is_empty() {
        // The backend sent more than the response: never reuse a confused connection.
        return;
    }
    IDLE.with(|pool| {
        let mut pool = pool.borrow_mut();
        let idle = match pool.get_mut(key) {
            Some(idle) => idle,
            None => pool.entry(key.into()).or_default(),
        };
        if idle.len() < MAX_IDLE_PER_BACKEND {
            idle.push(Idle {
                conn,
                since: Instant::now(),
            });
        }
    });
}
