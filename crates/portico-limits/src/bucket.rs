//! Token buckets as GCRA (generic cell rate algorithm) in one atomic: `rate` tokens per second,
//! `burst` capacity. Admission is one compare-and-swap, no lock.

use std::sync::atomic::{AtomicU64, Ordering};

/// Rate and burst of a bucket, as API Gateway's `ThrottleSettings`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    /// Steady requests per second.
    pub rate: f64,
    /// Requests admitted at once from a full bucket.
    pub burst: u64,
}

/// A rate limiter that a request takes one token from.
pub trait Bucket: Send + Sync + std::fmt::Debug {
    /// Takes a token at monotonic time `now` (nanoseconds); false if the bucket is empty.
    fn try_acquire(&self, now: u64) -> bool;
    /// Gives back a token taken by a request that another bucket then refused.
    fn release(&self);
    /// Changes rate and burst, keeping the bucket's state.
    fn reconfigure(&self, throttle: Throttle);
}

/// The local GCRA bucket.
#[derive(Debug)]
pub struct Gcra {
    /// Theoretical arrival time of the next request, in nanoseconds.
    tat: AtomicU64,
    /// Nanoseconds per token; 0 means "no tokens ever" (rate 0).
    interval: AtomicU64,
    /// How far ahead of now the TAT may run: `interval × burst`.
    tolerance: AtomicU64,
}

// === impl Gcra ===

impl Gcra {
    /// A full bucket.
    pub fn new(throttle: Throttle) -> Gcra {
        let bucket = Gcra {
            tat: AtomicU64::new(0),
            interval: AtomicU64::new(0),
            tolerance: AtomicU64::new(0),
        };
        bucket.reconfigure(throttle);
        bucket
    }
}

impl Bucket for Gcra {
    fn try_acquire(&self, now: u64) -> bool {
        let interval = self.interval.load(Ordering::Relaxed);
        if interval == 0 {
            return false;
        }
        let tolerance = self.tolerance.load(Ordering::Relaxed);
        let mut tat = self.tat.load(Ordering::Acquire);
        loop {
            let next = tat.max(now).saturating_add(interval);
            if next.saturating_sub(now) > tolerance {
                return false;
            }
            match self
                .tat
                .compare_exchange_weak(tat, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(current) => tat = current,
            }
        }
    }

    fn release(&self) {
        let interval = self.interval.load(Ordering::Relaxed);
        let _ = self
            .tat
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
                Some(tat.saturating_sub(interval))
            });
    }

    fn reconfigure(&self, throttle: Throttle) {
        let interval = if throttle.rate > 0.0 && throttle.rate.is_finite() {
            // At least one nanosecond, so absurd rates do not turn into "no tokens".
            ((1e9 / throttle.rate) as u64).max(1)
        } else {
            0
        };
        self.interval.store(interval, Ordering::Relaxed);
        self.tolerance
            .store(interval.saturating_mul(throttle.burst), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    fn admitted(bucket: &Gcra, now: u64, requests: usize) -> usize {
        (0..requests).filter(|_| bucket.try_acquire(now)).count()
    }

    #[test]
    fn a_full_bucket_admits_the_burst_then_the_rate() {
        let bucket = Gcra::new(Throttle {
            rate: 10.0,
            burst: 5,
        });
        let start = 100 * SECOND;
        assert_eq!(admitted(&bucket, start, 100), 5);
        assert_eq!(
            admitted(&bucket, start + SECOND * 3 / 10, 100),
            3,
            "0.3 s refills 3 tokens"
        );
        assert_eq!(
            admitted(&bucket, start + 10 * SECOND, 100),
            5,
            "never more than the burst"
        );
        // Over a long run: rate × seconds + burst.
        let bucket = Gcra::new(Throttle {
            rate: 100.0,
            burst: 20,
        });
        let total: usize = (0..1000)
            .map(|ms| admitted(&bucket, start + ms * SECOND / 100, 10))
            .sum();
        assert!((1010..=1022).contains(&total), "{total}");
    }

    #[test]
    fn zero_rate_or_burst_admits_nothing() {
        assert_eq!(
            admitted(
                &Gcra::new(Throttle {
                    rate: 0.0,
                    burst: 10
                }),
                SECOND,
                10
            ),
            0
        );
        assert_eq!(
            admitted(
                &Gcra::new(Throttle {
                    rate: 10.0,
                    burst: 0
                }),
                SECOND,
                10
            ),
            0
        );
    }

    #[test]
    fn released_tokens_can_be_taken_again() {
        let bucket = Gcra::new(Throttle {
            rate: 1.0,
            burst: 1,
        });
        assert!(bucket.try_acquire(SECOND));
        assert!(!bucket.try_acquire(SECOND));
        bucket.release();
        assert!(bucket.try_acquire(SECOND));
    }

    #[test]
    fn concurrent_acquires_never_exceed_the_burst() {
        let bucket = std::sync::Arc::new(Gcra::new(Throttle {
            rate: 1.0,
            burst: 1000,
        }));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let bucket = std::sync::Arc::clone(&bucket);
                std::thread::spawn(move || admitted(&bucket, 10 * SECOND, 1000))
            })
            .collect();
        let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(total, 1000);
    }
}
