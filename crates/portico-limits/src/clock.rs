//! Time for limiters: injectable, so quota windows and buckets can be tested without sleeps.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// A source of time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Monotonic nanoseconds (for token buckets).
    fn monotonic_nanos(&self) -> u64;
    /// Wall-clock seconds since the Unix epoch (for quota windows and usage days).
    fn unix_seconds(&self) -> i64;
}

/// The system clock.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn monotonic_nanos(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn unix_seconds(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
            })
    }
}

/// A clock tests move by hand: wall time is `base + elapsed nanoseconds`.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
    base_seconds: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock at wall time `unix_seconds`.
    pub fn at(unix_seconds: i64) -> ManualClock {
        let clock = ManualClock::default();
        clock.set_unix_seconds(unix_seconds);
        clock
    }

    /// Moves time forward.
    pub fn advance(&self, nanos: u64) {
        self.nanos.fetch_add(nanos, Ordering::SeqCst);
    }

    /// Sets the wall clock (the monotonic clock is unaffected).
    pub fn set_unix_seconds(&self, unix_seconds: i64) {
        let elapsed = self.nanos.load(Ordering::SeqCst) / 1_000_000_000;
        let base = u64::try_from(unix_seconds)
            .unwrap_or(0)
            .saturating_sub(elapsed);
        self.base_seconds.store(base, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn monotonic_nanos(&self) -> u64 {
        self.nanos.load(Ordering::SeqCst)
    }

    fn unix_seconds(&self) -> i64 {
        let seconds = self.base_seconds.load(Ordering::SeqCst)
            + self.nanos.load(Ordering::SeqCst) / 1_000_000_000;
        i64::try_from(seconds).unwrap_or(i64::MAX)
    }
}
