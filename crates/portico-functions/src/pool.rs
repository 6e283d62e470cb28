//! Workers of one function name: admission against its reserved concurrency and the account
//! limit, warm workers waiting for reuse, and their retirement (idle too long, spec changed).
//!
//! Counters are atomics; the one mutex guards the idle list and is held only to push or pop
//! a worker, never across an await. Workers taken out of the list are dropped (killed) after
//! the lock is released.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::catalog::FunctionSpec;
use crate::invocation::{ACCOUNT_LIMIT_EXCEEDED, InvokeError, RESERVED_LIMIT_EXCEEDED};
use crate::logs::LogFile;
use crate::worker::Worker;

/// The workers and counters of one function name (all its versions).
pub(crate) struct FunctionPool {
    name: String,
    in_flight: AtomicU32,
    idle: Mutex<Vec<Worker>>,
    log: Mutex<Option<Arc<LogFile>>>,
}

/// A slot of concurrency, held for the length of one invocation.
pub(crate) struct Permit {
    pool: Arc<FunctionPool>,
    account: Arc<AtomicUsize>,
}

// === impl FunctionPool ===

impl FunctionPool {
    pub(crate) fn new(name: String) -> FunctionPool {
        FunctionPool {
            name,
            in_flight: AtomicU32::new(0),
            idle: Mutex::new(Vec::new()),
            log: Mutex::new(None),
        }
    }

    /// Takes a concurrency slot, or refuses at once: Lambda does not queue synchronous
    /// invocations.
    pub(crate) fn admit(
        self: &Arc<Self>,
        reserved: Option<u32>,
        account: &Arc<AtomicUsize>,
        max_account: usize,
    ) -> Result<Permit, InvokeError> {
        let limit = reserved.unwrap_or(u32::MAX);
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .map_err(|_| InvokeError::TooManyRequests {
                reason: RESERVED_LIMIT_EXCEEDED,
            })?;
        if account
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max_account).then_some(n + 1)
            })
            .is_err()
        {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Err(InvokeError::TooManyRequests {
                reason: ACCOUNT_LIMIT_EXCEEDED,
            });
        }
        Ok(Permit {
            pool: Arc::clone(self),
            account: Arc::clone(account),
        })
    }

    /// A warm worker started with exactly `spec`, if one is idle (most recently used first,
    /// so the others go idle long enough to be reaped).
    pub(crate) fn take_idle(&self, spec: &Arc<FunctionSpec>) -> Option<Worker> {
        let mut dead = Vec::new();
        let found = {
            let mut idle = self.lock_idle();
            let mut found = None;
            let mut index = idle.len();
            while index > 0 {
                index -= 1;
                if !idle[index].is_alive() {
                    dead.push(idle.remove(index));
                } else if Arc::ptr_eq(idle[index].spec(), spec) {
                    found = Some(idle.remove(index));
                    break;
                }
            }
            found
        };
        drop(dead);
        found
    }

    /// Puts a worker back for reuse.
    pub(crate) fn put_back(&self, mut worker: Worker) {
        worker.touch();
        self.lock_idle().push(worker);
    }

    /// Stops idle workers for which `keep` is false.
    pub(crate) fn retire_idle(&self, keep: impl Fn(&Worker) -> bool) {
        let retired: Vec<Worker> = {
            let mut idle = self.lock_idle();
            let (kept, retired) = std::mem::take(&mut *idle)
                .into_iter()
                .partition(|w| keep(w));
            *idle = kept;
            retired
        };
        drop(retired);
    }

    /// Stops the least recently used idle worker, if any; true if one was stopped.
    pub(crate) fn retire_one_idle(&self) -> bool {
        let retired = {
            let mut idle = self.lock_idle();
            (!idle.is_empty()).then(|| idle.remove(0))
        };
        retired.is_some()
    }

    /// Stops idle workers unused for `idle_timeout`.
    pub(crate) fn reap(&self, idle_timeout: Duration, now: Instant) {
        self.retire_idle(|worker| {
            worker.is_alive() && now.saturating_duration_since(worker.last_used()) < idle_timeout
        });
    }

    /// The function's log file, opened on first use, rotated at `max_bytes`.
    pub(crate) fn log_file(&self, logs_dir: &Path, max_bytes: u64) -> io::Result<Arc<LogFile>> {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(file) = log.as_ref() {
            return Ok(Arc::clone(file));
        }
        let file = Arc::new(LogFile::open(
            crate::logs::log_path_in(logs_dir, &self.name),
            max_bytes,
        )?);
        *log = Some(Arc::clone(&file));
        Ok(file)
    }

    /// Invocations of this name in progress.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> u32 {
        self.in_flight.load(Ordering::Acquire)
    }

    fn lock_idle(&self) -> MutexGuard<'_, Vec<Worker>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// === impl Permit ===

impl Drop for Permit {
    fn drop(&mut self) {
        self.pool.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.account.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_concurrency_and_the_account_limit_refuse_at_once() {
        let pool = Arc::new(FunctionPool::new("f".to_owned()));
        let account = Arc::new(AtomicUsize::new(0));
        let first = pool.admit(Some(1), &account, 10).unwrap();
        let refused = pool.admit(Some(1), &account, 10).err();
        assert!(matches!(
            refused,
            Some(InvokeError::TooManyRequests { reason }) if reason == RESERVED_LIMIT_EXCEEDED
        ));
        drop(first);
        assert_eq!(pool.in_flight(), 0);

        let zero = pool.admit(Some(0), &account, 10).err();
        assert!(matches!(zero, Some(InvokeError::TooManyRequests { .. })));

        let _a = pool.admit(None, &account, 2).unwrap();
        let _b = pool.admit(None, &account, 2).unwrap();
        let refused = pool.admit(None, &account, 2).err();
        assert!(matches!(
            refused,
            Some(InvokeError::TooManyRequests { reason }) if reason == ACCOUNT_LIMIT_EXCEEDED
        ));
        // A refusal by the account limit gives back the function's slot.
        assert_eq!(pool.in_flight(), 2);
    }
}
