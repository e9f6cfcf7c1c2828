//! The outcome of a retried operation.

use std::fmt;
use std::time::Duration;

/// Why [`retry`](super::retry()) stopped trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GiveUpReason {
    /// The classifier said the last error is not worth retrying.
    NotRetryable,
    /// The policy's maximum number of attempts was reached, or its backoff ran out of delays.
    ExhaustedAttempts,
    /// The next retry would start after the policy's maximum total time.
    Deadline,
    /// The retry budget had no retry left: the service is failing for many callers.
    Budget,
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotRetryable => "the error is not retryable",
            Self::ExhaustedAttempts => "no attempts left",
            Self::Deadline => "the next retry would pass the maximum total time",
            Self::Budget => "the retry budget is spent",
        })
    }
}

/// A retried operation failed: its last error, how many attempts were made, and why no more.
#[derive(Debug, thiserror::Error)]
#[error("gave up after {attempts} attempt(s) in {elapsed:?}: {reason}")]
pub struct RetryError<E> {
    attempts: u32,
    reason: GiveUpReason,
    elapsed: Duration,
    #[source]
    last_error: E,
}

impl<E> RetryError<E> {
    pub(crate) fn new(attempts: u32, reason: GiveUpReason, elapsed: Duration, error: E) -> Self {
        Self {
            attempts,
            reason,
            elapsed,
            last_error: error,
        }
    }

    /// How many times the operation ran (at least 1).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Why the retries stopped.
    pub fn reason(&self) -> GiveUpReason {
        self.reason
    }

    /// The time from the first attempt's start to giving up, on the timer's clock.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The error of the last attempt.
    pub fn last_error(&self) -> &E {
        &self.last_error
    }

    /// Gives back the error of the last attempt.
    pub fn into_last_error(self) -> E {
        self.last_error
    }
}

/// A retried operation's value and how many attempts it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retried<T> {
    /// The successful attempt's output.
    pub value: T,
    /// How many times the operation ran, the successful run included (1: no retry needed).
    pub attempts: u32,
}

impl<T> Retried<T> {
    /// The value, without the count.
    pub fn into_value(self) -> T {
        self.value
    }
}
