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
    /// Changes rate and burst at monotonic time `now`. Tokens owed are rescaled to the new
    /// rate (and capped at the new burst), so raising a limit takes effect at once.
    fn reconfigure(&self, throttle: Throttle, now: u64);
}

/// Longest interval between tokens (about 11.6 days): slower rates are this slow, so the
/// arithmetic below never saturates into "unlimited".
const MAX_INTERVAL: u64 = 1_000_000_000_000_000;

/// Largest tolerance (about 31 years).
const MAX_TOLERANCE: u64 = 1_000_000_000_000_000_000;

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
        let (interval, tolerance) = parameters(throttle);
        Gcra {
            tat: AtomicU64::new(0),
            interval: AtomicU64::new(interval),
            tolerance: AtomicU64::new(tolerance),
        }
    }
}

/// `(interval, tolerance)` in nanoseconds for a throttle.
fn parameters(throttle: Throttle) -> (u64, u64) {
    let interval = if throttle.rate > 0.0 && throttle.rate.is_finite() {
        // At least one nanosecond, so absurd rates do not turn into "no tokens".
        ((1e9 / throttle.rate) as u64).clamp(1, MAX_INTERVAL)
    } else {
        0
    };
    (
        interval,
        interval.saturating_mul(throttle.burst).min(MAX_TOLERANCE),
    )
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

    fn reconfigure(&self, throttle: Throttle, now: u64) {
        let (interval, tolerance) = parameters(throttle);
        let old_interval = self.interval.swap(interval, Ordering::AcqRel);
        let old_tolerance = self.tolerance.swap(tolerance, Ordering::AcqRel);
        if old_interval == interval && old_tolerance == tolerance {
            return;
        }
        // The debt (how far the TAT runs ahead of now) is in the old rate's time: convert it
        // to the new rate's, and never beyond the new burst. A bucket that had no rate is full.
        let _ = self
            .tat
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tat| {
                let debt = tat.saturating_sub(now);
                let rescaled = if old_interval == 0 || interval == 0 {
                    0
                } else {
                    u64::try_from(
                        u128::from(debt) * u128::from(interval) / u128::from(old_interval),
                    )
                    .unwrap_or(u64::MAX)
                };
                Some(now.saturating_add(rescaled.min(tolerance)))
            });
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
    fn raising_a_drained_limit_takes_effect_at_once() {
        let bucket = Gcra::new(Throttle {
            rate: 1.0,
            burst: 1000,
        });
        let start = 10 * SECOND;
        assert_eq!(admitted(&bucket, start, 2000), 1000);
        assert_eq!(admitted(&bucket, start, 1), 0);
        bucket.reconfigure(
            Throttle {
                rate: 1000.0,
                burst: 1000,
            },
            start,
        );
        // 1000 s of debt at 1 rps is 1 s at 1000 rps: within 10 ms, about 10 tokens return.
        assert!((8..=11).contains(&admitted(&bucket, start + SECOND / 100, 100)));
        bucket.reconfigure(
            Throttle {
                rate: 1000.0,
                burst: 1000,
            },
            start,
        );
        assert_eq!(
            admitted(&bucket, start + SECOND / 100, 100),
            0,
            "same settings keep the state"
        );
    }

    #[test]
    fn vanishing_rates_never_become_unlimited() {
        let bucket = Gcra::new(Throttle {
            rate: 1e-30,
            burst: 1_000_000,
        });
        assert_eq!(admitted(&bucket, SECOND, 10), 10);
        let tiny = Gcra::new(Throttle {
            rate: 1e-30,
            burst: 1,
        });
        assert_eq!(admitted(&tiny, SECOND, 10), 1);
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
