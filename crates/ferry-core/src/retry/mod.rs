//! Retrying failed operations: backoff with jitter, a policy, a budget, `Retry-After`.
//!
//! - [`Backoff`] describes the delays (exponential or constant, capped, with [`Jitter`]);
//!   [`Backoff::delays`] is a plain `Iterator<Item = Duration>`, testable without a clock.
//!   Jitter draws from an injected [`RandomSource`], seeded for reproducible runs.
//! - [`RetryPolicy`] adds a maximum number of attempts, a maximum total time, a cap on every
//!   delay, and an optional shared [`RetryBudget`].
//! - [`retry`] runs an async operation under a policy. A classifier decides, per error:
//!   [`RetryDecision::DontRetry`], [`Retry`](RetryDecision::Retry) after the backoff's delay, or
//!   [`RetryAfter`](RetryDecision::RetryAfter) a server's hint. Errors that implement
//!   [`Retryable`] use [`classify_retryable`]; the HTTP defaults (`HttpRetryRule`,
//!   `parse_retry_after`) live in `ferry-http`, beside the client they classify.
//! - The outcome counts attempts ([`Retried`], [`RetryError`]); every attempt runs in a
//!   `retry_attempt` tracing span and its end is a tracing event with the delay and reason.
//!
//! All waiting goes through a [`Timer`] and all time is read from its clock, so a test on the
//! mock backend sees exact delays.

mod backoff;
mod budget;
mod classify;
mod error;
mod future;
mod policy;
mod random;

pub use backoff::{Backoff, Delays, Jitter, MakeBackoff};
pub use budget::{InvalidBudget, RetryBudget};
pub use classify::{RetryDecision, Retryable, classify_retryable};
pub use error::{GiveUpReason, Retried, RetryError};
pub use future::Retry;
pub use policy::RetryPolicy;
pub use random::{RandomSource, SplitMix64};

use std::future::Future;

use crate::rt::Timer;

/// Runs `operation` until it succeeds or `policy` says to stop, waiting on `timer` between
/// attempts.
///
/// After each failed attempt, `classify` looks at the error:
/// [`DontRetry`](RetryDecision::DontRetry) ends at once with
/// [`GiveUpReason::NotRetryable`]; otherwise the next delay is the backoff's, or the hint of
/// [`RetryAfter`](RetryDecision::RetryAfter), capped by [`RetryPolicy::delay_cap`]. No retry
/// is made past the policy's maximum attempts, past its maximum total time (measured on the
/// timer's clock from the first attempt's start), or without a retry from its budget.
///
/// The backoff advances on every retry, hinted or not, so the n-th retry without a hint
/// always waits the backoff's n-th delay; a backoff iterator that runs out ends the retries
/// like the maximum attempts do ([`GiveUpReason::ExhaustedAttempts`]).
///
/// # Cancel safety
///
/// See [`Retry`]: dropping it drops the attempt in flight or the delay, and makes no more.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::retry::{Backoff, RetryDecision, RetryPolicy, retry};
/// # use std::time::Instant;
/// # use ferry_core::{Clock, Sleep, Timer};
/// # struct Instantly;
/// # impl Clock for Instantly { fn now(&self) -> Instant { Instant::now() } }
/// # impl Timer for Instantly {
/// #     fn sleep_until(&self, _: Instant) -> Sleep { Sleep::new(async {}) }
/// # }
/// # let timer = Instantly;
///
/// let policy = RetryPolicy::new(Backoff::exponential(Duration::from_millis(100))).max_attempts(4);
/// let mut calls = 0;
/// let outcome = futures::executor::block_on(retry(
///     &timer,
///     &policy,
///     |_error: &&str| RetryDecision::Retry,
///     || {
///         calls += 1;
///         let result = if calls < 3 { Err("flaky") } else { Ok(calls) };
///         async move { result }
///     },
/// ));
/// let done = outcome.unwrap();
/// assert_eq!((done.value, done.attempts), (3, 3));
/// ```
pub fn retry<Tm, B, C, Op, Fut, T, E>(
    timer: Tm,
    policy: &RetryPolicy<B>,
    classify: C,
    operation: Op,
) -> Retry<Tm, B::Delays, C, Op, Fut>
where
    Tm: Timer,
    B: MakeBackoff,
    C: FnMut(&E) -> RetryDecision,
    Op: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    Retry::new(
        timer,
        policy.backoff.make_backoff(),
        classify,
        operation,
        policy.max_attempts,
        policy.delay_cap(),
        policy.max_total_time,
        policy.budget.clone(),
    )
}
