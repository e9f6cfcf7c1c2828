//! How many requests, per how long, with how large a burst.

use std::time::Duration;

/// A rate: `count` requests per `period`, of which up to `burst` may go at once.
///
/// In GCRA terms the quota is an emission interval (`period / count`: the steady spacing
/// between requests) and a burst (how many may go back to back after a quiet spell). The
/// burst is `count` unless set with [`with_burst`](Self::with_burst). A quota can never be
/// zero: a limiter that lets nothing through would wait forever, so the constructors refuse
/// it with [`InvalidQuota`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::rate_limit::Quota;
///
/// let quota = Quota::per_second(10).unwrap().with_burst(3).unwrap();
/// assert_eq!(quota.interval(), Duration::from_millis(100));
/// assert_eq!(quota.burst(), 3);
/// assert!(Quota::new(0, Duration::from_secs(1)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    interval: Duration,
    burst: u32,
}

impl Quota {
    /// `count` requests per `period`, with a burst of `count`.
    ///
    /// # Errors
    ///
    /// [`InvalidQuota`] if `count` is zero, `period / count` is shorter than a nanosecond
    /// (which includes a zero period), or `period` is over a hundred years.
    pub fn new(count: u32, period: Duration) -> Result<Self, InvalidQuota> {
        if count == 0 {
            return Err(InvalidQuota::ZeroCount);
        }
        let interval = period / count;
        if interval.is_zero() {
            return Err(InvalidQuota::TooFast { count, period });
        }
        Self { interval, burst: 1 }.with_burst(count)
    }

    /// `count` requests per second.
    ///
    /// # Errors
    ///
    /// As [`Quota::new`].
    pub fn per_second(count: u32) -> Result<Self, InvalidQuota> {
        Self::new(count, Duration::from_secs(1))
    }

    /// `count` requests per minute.
    ///
    /// # Errors
    ///
    /// As [`Quota::new`].
    pub fn per_minute(count: u32) -> Result<Self, InvalidQuota> {
        Self::new(count, Duration::from_secs(60))
    }

    /// One request every `interval`, with a burst of one.
    ///
    /// # Errors
    ///
    /// [`InvalidQuota::TooFast`] if `interval` is zero.
    pub fn every(interval: Duration) -> Result<Self, InvalidQuota> {
        Self::new(1, interval)
    }

    /// The same rate with a burst of `burst` requests.
    ///
    /// # Errors
    ///
    /// [`InvalidQuota::ZeroBurst`] if `burst` is zero, [`InvalidQuota::TooSlow`] if the
    /// interval times the burst is over a hundred years.
    pub fn with_burst(self, burst: u32) -> Result<Self, InvalidQuota> {
        if burst == 0 {
            return Err(InvalidQuota::ZeroBurst);
        }
        if self.interval.as_nanos() * u128::from(burst) > MAX_BURST_SPAN.as_nanos() {
            return Err(InvalidQuota::TooSlow {
                interval: self.interval,
                burst,
            });
        }
        Ok(Self { burst, ..self })
    }

    /// The steady spacing between requests: `period / count`.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// How many requests may go at once after a quiet spell.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The interval in nanoseconds, at least 1.
    pub(super) fn interval_nanos(&self) -> u64 {
        u64::try_from(self.interval.as_nanos()).unwrap_or(u64::MAX)
    }
}

/// The longest `interval * burst` a quota may span. The limiter keeps time in 64-bit
/// nanoseconds; a hundred years leaves room to add the span to any instant in a process's life.
const MAX_BURST_SPAN: Duration = Duration::from_secs(100 * 365 * 86_400);

/// A [`Quota`] that would never let anything through, or is too fast to represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidQuota {
    /// A quota of zero requests lets nothing through: waiting on it would never end.
    #[error("rate limit quota must allow at least 1 request, got 0")]
    ZeroCount,
    /// A burst of zero lets nothing through: waiting on it would never end.
    #[error("rate limit burst must be at least 1, got 0")]
    ZeroBurst,
    /// `period / count` is below a nanosecond.
    #[error("rate limit of {count} requests per {period:?} is faster than one per nanosecond")]
    TooFast {
        /// The requests asked for.
        count: u32,
        /// The period asked for.
        period: Duration,
    },
    /// `interval * burst` is over a hundred years, more than the limiter keeps track of.
    #[error("rate limit interval {interval:?} times burst {burst} is over a hundred years")]
    TooSlow {
        /// The interval between requests.
        interval: Duration,
        /// The burst asked for.
        burst: u32,
    },
}
