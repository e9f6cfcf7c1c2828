//! The error of a timeout or deadline.

use std::time::Duration;

/// A [`timeout`](crate::timeout()) or [`Deadline`](crate::Deadline) ran out before the
/// operation finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("operation timed out: {allowed:?} allowed")]
pub struct Elapsed {
    allowed: Duration,
}

impl Elapsed {
    /// Makes the error for an operation that was allowed `allowed`.
    pub fn new(allowed: Duration) -> Self {
        Self { allowed }
    }

    /// How long the operation was allowed: the timeout, or the deadline's whole budget.
    pub fn allowed(&self) -> Duration {
        self.allowed
    }
}
