//! Usage plan quotas and usage counting per API key and plan.
//!
//! One counter per (plan, key) counts every metered request ever (`total`, which the store
//! flusher turns into per-day usage) and knows where the current quota period began. Taking
//! quota is one `fetch_add` and a compare; it never over-admits under concurrency.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A quota period, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    /// Weeks start on Sunday 00:00 UTC.
    Week,
    /// Calendar months.
    Month,
}

/// A usage plan's quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u64,
    /// Requests counted as used in the initial period (the one `initial_period_start` is in).
    pub offset: u64,
    pub period: Period,
    /// When the quota was set, so that `offset` applies to that period only.
    pub set_at: i64,
}

/// Usage of one API key under one usage plan.
#[derive(Debug, Default)]
pub struct UsageCounter {
    /// Metered requests counted by this process (admitted ones only).
    total: AtomicU64,
    /// Start of the period `period_base` refers to (0: none yet).
    period_start: AtomicI64,
    /// `total` minus the requests used in the current period; above `total` after
    /// `UpdateUsage` granted more than the limit.
    period_base: AtomicI64,
    /// The part of `total` already written to the store.
    flushed: AtomicU64,
}

const DAY: i64 = 86_400;

// === impl UsageCounter ===

impl UsageCounter {
    /// A counter that knows `used` requests of the period starting at `period_start` happened
    /// before this process (loaded from the store; negative after a granted extension).
    pub fn resume(period_start: i64, used: i64) -> UsageCounter {
        let counter = UsageCounter::default();
        counter.period_start.store(period_start, Ordering::Release);
        counter.period_base.store(-used, Ordering::Release);
        counter
    }

    /// Counts a metered request without a quota.
    pub fn record(&self) {
        self.total.fetch_add(1, Ordering::AcqRel);
    }

    /// Takes one request of `quota` at wall time `now`; false when the period's quota is spent.
    /// A refused request is not counted, and admission never exceeds the quota.
    pub fn try_consume(&self, quota: &Quota, now: i64) -> bool {
        self.roll(quota, period_start(now, quota.period));
        let allowed = i64::try_from(quota.limit).unwrap_or(i64::MAX);
        let mut total = self.total.load(Ordering::Acquire);
        loop {
            let used = as_signed(total) - self.period_base.load(Ordering::Acquire);
            if used >= allowed {
                return false;
            }
            match self.total.compare_exchange_weak(
                total,
                total + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(current) => total = current,
            }
        }
    }

    /// Starts a new period when `start` differs from the one tracked (a later period, or a
    /// quota whose period kind changed).
    fn roll(&self, quota: &Quota, start: i64) {
        let current = self.period_start.load(Ordering::Acquire);
        if current == start {
            return;
        }
        if self
            .period_start
            .compare_exchange(current, start, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            let mut base = as_signed(self.total.load(Ordering::Acquire));
            if period_start(quota.set_at, quota.period) == start {
                base -= i64::try_from(quota.offset).unwrap_or(0);
            }
            self.period_base.store(base, Ordering::Release);
        }
    }

    /// Requests used in the current period at `now`; negative after `UpdateUsage` granted
    /// more than the limit.
    pub fn used_signed(&self, quota: &Quota, now: i64) -> i64 {
        let start = period_start(now, quota.period);
        if self.period_start.load(Ordering::Acquire) != start {
            return if period_start(quota.set_at, quota.period) == start {
                i64::try_from(quota.offset).unwrap_or(0)
            } else {
                0
            };
        }
        as_signed(self.total.load(Ordering::Acquire)) - self.period_base.load(Ordering::Acquire)
    }

    /// Requests used in the current period at `now` (0 after a period boundary).
    pub fn used(&self, quota: &Quota, now: i64) -> u64 {
        u64::try_from(self.used_signed(quota, now)).unwrap_or(0)
    }

    /// What is left of the current period's quota at `now`.
    pub fn remaining(&self, quota: &Quota, now: i64) -> u64 {
        let left = i64::try_from(quota.limit).unwrap_or(i64::MAX) - self.used_signed(quota, now);
        u64::try_from(left).unwrap_or(0)
    }

    /// `UpdateUsage /remaining`: sets what is left of the current period, which may exceed
    /// the limit (a temporary extension, as AWS describes it).
    pub fn set_remaining(&self, quota: &Quota, remaining: u64, now: i64) {
        self.roll(quota, period_start(now, quota.period));
        let used = i64::try_from(quota.limit).unwrap_or(i64::MAX)
            - i64::try_from(remaining).unwrap_or(i64::MAX);
        let total = as_signed(self.total.load(Ordering::Acquire));
        self.period_base.store(total - used, Ordering::Release);
    }

    /// Metered requests counted by this process so far.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Acquire)
    }

    /// Requests counted since the last flush, now marked flushed. A flush that fails gives
    /// them back with [`UsageCounter::unflush`], so nothing counted is lost.
    pub fn take_unflushed(&self) -> u64 {
        let total = self.total.load(Ordering::Acquire);
        let before = self.flushed.swap(total, Ordering::AcqRel);
        total.saturating_sub(before)
    }

    /// Gives back requests a failed flush took.
    pub fn unflush(&self, requests: u64) {
        self.flushed.fetch_sub(requests, Ordering::AcqRel);
    }
}

fn as_signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Start (Unix seconds, UTC) of the period containing `now`.
pub fn period_start(now: i64, period: Period) -> i64 {
    let day = now.div_euclid(DAY);
    match period {
        Period::Day => day * DAY,
        // 1970-01-01 was a Thursday: day 3 was the first Sunday.
        Period::Week => (day - (day - 3).rem_euclid(7)) * DAY,
        Period::Month => {
            let (year, month, _) = civil_from_days(day);
            days_from_civil(year, month, 1) * DAY
        }
    }
}

/// The UTC date (`YYYY-MM-DD`) of `now`.
pub fn date_of(now: i64) -> String {
    let (year, month, day) = civil_from_days(now.div_euclid(DAY));
    format!("{year:04}-{month:02}-{day:02}")
}

/// Parses `YYYY-MM-DD` into the Unix second of its midnight.
pub fn parse_date(date: &str) -> Option<i64> {
    let mut parts = date.splitn(3, '-');
    let year = parts.next().filter(|year| year.len() == 4)?;
    let year: i64 = year.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    (civil_from_days(days) == (year, month, day)).then_some(days * DAY)
}

/// `epoch_seconds` as ISO 8601 in UTC (`2026-11-26T13:37:21Z`), as IAM, `aws:CurrentTime`
/// and AWS timestamps write it.
pub fn iso8601(epoch_seconds: i64) -> String {
    let days = epoch_seconds.div_euclid(86_400);
    let seconds = epoch_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-26T12:00:00Z, a Thursday.
    const NOW: i64 = 1_795_694_400;

    #[test]
    fn periods_start_on_utc_boundaries() {
        assert_eq!(date_of(period_start(NOW, Period::Day)), "2026-11-26");
        assert_eq!(
            date_of(period_start(NOW, Period::Week)),
            "2026-11-22",
            "the Sunday before"
        );
        assert_eq!(date_of(period_start(NOW, Period::Month)), "2026-11-01");
        assert_eq!(
            parse_date("2026-11-26"),
            Some(period_start(NOW, Period::Day))
        );
        assert_eq!(parse_date("2026-02-30"), None);
    }

    #[test]
    fn quota_admits_exactly_the_limit_then_resets_at_the_window_edge() {
        let quota = Quota {
            limit: 3,
            offset: 0,
            period: Period::Day,
            set_at: 0,
        };
        let counter = UsageCounter::default();
        let admitted = (0..10).filter(|_| counter.try_consume(&quota, NOW)).count();
        assert_eq!(admitted, 3);
        assert_eq!(counter.used(&quota, NOW), 3);
        let midnight = period_start(NOW, Period::Day) + DAY;
        assert!(!counter.try_consume(&quota, midnight - 1));
        assert!(counter.try_consume(&quota, midnight));
        assert_eq!(counter.used(&quota, midnight), 1);
        assert_eq!(counter.total(), 4);
    }

    #[test]
    fn offset_counts_only_in_the_initial_period() {
        let quota = Quota {
            limit: 5,
            offset: 3,
            period: Period::Day,
            set_at: NOW,
        };
        let counter = UsageCounter::default();
        assert_eq!(
            (0..10).filter(|_| counter.try_consume(&quota, NOW)).count(),
            2
        );
        let tomorrow = NOW + DAY;
        assert_eq!(
            (0..10)
                .filter(|_| counter.try_consume(&quota, tomorrow))
                .count(),
            5
        );
    }

    #[test]
    fn usage_survives_a_restart_and_remaining_can_be_set() {
        let quota = Quota {
            limit: 10,
            offset: 0,
            period: Period::Month,
            set_at: 0,
        };
        let counter = UsageCounter::resume(period_start(NOW, Period::Month), 8);
        assert_eq!(counter.take_unflushed(), 0);
        assert_eq!(
            (0..10).filter(|_| counter.try_consume(&quota, NOW)).count(),
            2
        );
        assert_eq!(counter.take_unflushed(), 2);
        counter.unflush(2);
        assert_eq!(
            counter.take_unflushed(),
            2,
            "a failed flush gives the requests back"
        );
        counter.set_remaining(&quota, 4, NOW);
        assert_eq!(
            (0..10).filter(|_| counter.try_consume(&quota, NOW)).count(),
            4
        );
    }

    #[test]
    fn refused_requests_are_not_counted_and_a_new_period_kind_rolls() {
        let daily = Quota {
            limit: 2,
            offset: 0,
            period: Period::Day,
            set_at: 0,
        };
        let counter = UsageCounter::default();
        assert_eq!(
            (0..10).filter(|_| counter.try_consume(&daily, NOW)).count(),
            2
        );
        assert_eq!(counter.total(), 2, "the eight refusals left no trace");
        let monthly = Quota {
            limit: 5,
            offset: 0,
            period: Period::Month,
            set_at: 0,
        };
        assert_eq!(
            (0..10)
                .filter(|_| counter.try_consume(&monthly, NOW))
                .count(),
            5
        );
        assert_eq!(parse_date("202611-11-26"), None);
    }

    #[test]
    fn concurrent_consumers_never_exceed_the_quota() {
        let quota = Quota {
            limit: 1000,
            offset: 0,
            period: Period::Day,
            set_at: 0,
        };
        let counter = std::sync::Arc::new(UsageCounter::default());
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let counter = std::sync::Arc::clone(&counter);
                std::thread::spawn(move || {
                    (0..1000)
                        .filter(|_| counter.try_consume(&quota, NOW))
                        .count()
                })
            })
            .collect();
        let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(total, 1000);
    }
}
