//! The retry policy: backoff, limits and budget.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::{Backoff, MakeBackoff, Retry, RetryBudget, RetryDecision};
use crate::rt::Timer;

/// How to retry: the [backoff](MakeBackoff), a maximum number of attempts, an optional
/// maximum total time, a cap on every delay, and an optional shared [`RetryBudget`].
///
/// A policy is a description; it holds no state of its own operation, so one policy (cheap to
/// clone) serves any number of operations, concurrently. Run an operation under it with
/// [`retry`](super::retry()) or [`RetryPolicy::retry`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::retry::{Backoff, Jitter, RetryPolicy};
///
/// let policy = RetryPolicy::new(
///     Backoff::exponential(Duration::from_millis(100))
///         .max_delay(Duration::from_secs(5))
///         .jitter(Jitter::Full),
/// )
/// .max_attempts(5)
/// .max_total_time(Duration::from_secs(20));
/// assert_eq!(policy.attempts_allowed(), 5);
/// assert_eq!(policy.delay_cap(), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy<B = Backoff> {
    pub(super) backoff: B,
    pub(super) max_attempts: u32,
    pub(super) max_total_time: Option<Duration>,
    pub(super) max_delay: Option<Duration>,
    pub(super) budget: Option<Arc<RetryBudget>>,
}

impl<B: MakeBackoff> RetryPolicy<B> {
    /// The default maximum number of attempts: 3 (the first and two retries).
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;

    /// A policy with `backoff`, [`DEFAULT_MAX_ATTEMPTS`](Self::DEFAULT_MAX_ATTEMPTS) attempts,
    /// no total time limit and no budget.
    pub fn new(backoff: B) -> Self {
        Self {
            backoff,
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
            max_total_time: None,
            max_delay: None,
            budget: None,
        }
    }

    /// At most `attempts` runs of the operation, the first included. The operation always
    /// runs at least once, so 0 counts as 1.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// No retry starts later than `total` after the first attempt started: a retry whose delay
    /// would end past that point is not made. An attempt already running is not interrupted;
    /// wrap the operation in a [`timeout`](crate::timeout()) for that.
    pub fn max_total_time(mut self, total: Duration) -> Self {
        self.max_total_time = Some(total);
        self
    }

    /// Caps every delay, the backoff's and the server's hints alike. By default the backoff's
    /// own cap ([`Backoff::max_delay`]), or [`Backoff::DEFAULT_MAX_DELAY`] for a backoff
    /// without one, so that `Retry-After: 86400` cannot park a call for a day.
    pub fn max_delay(mut self, cap: Duration) -> Self {
        self.max_delay = Some(cap);
        self
    }

    /// Spends retries from `budget`, shared with other operations: when it is empty, a failed
    /// attempt is not retried ([`GiveUpReason::Budget`](super::GiveUpReason::Budget)). Each
    /// operation deposits into it once, when its first attempt starts.
    pub fn budget(mut self, budget: Arc<RetryBudget>) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The most attempts an operation gets.
    pub fn attempts_allowed(&self) -> u32 {
        self.max_attempts
    }

    /// The longest delay before a retry, hints included.
    pub fn delay_cap(&self) -> Duration {
        self.max_delay
            .or_else(|| self.backoff.delay_cap())
            .unwrap_or(Backoff::DEFAULT_MAX_DELAY)
    }

    /// The backoff this policy draws delays from.
    pub fn backoff(&self) -> &B {
        &self.backoff
    }

    /// Runs `operation` under this policy; the same as [`retry`](super::retry()).
    pub fn retry<Tm, C, Op, Fut, T, E>(
        &self,
        timer: Tm,
        classify: C,
        operation: Op,
    ) -> Retry<Tm, B::Delays, C, Op, Fut>
    where
        Tm: Timer,
        C: FnMut(&E) -> RetryDecision,
        Op: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        super::retry(timer, self, classify, operation)
    }
}
