//! Why a request may not go now.

use std::time::{Duration, Instant};

/// A request was refused by a rate limiter; it may go at [`earliest`](Self::earliest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("rate limited: next request allowed in {wait:?}")]
pub struct NotUntil {
    earliest: Instant,
    wait: Duration,
}

impl NotUntil {
    pub(super) fn new(earliest: Instant, now: Instant) -> Self {
        Self {
            earliest,
            wait: earliest.saturating_duration_since(now),
        }
    }

    /// The instant, on the limiter's clock, from which the request would be allowed (if
    /// nothing else takes the capacity first).
    pub fn earliest(&self) -> Instant {
        self.earliest
    }

    /// How long from the check until [`earliest`](Self::earliest).
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// How long from `now` until [`earliest`](Self::earliest); zero if it has passed.
    pub fn wait_time_from(&self, now: Instant) -> Duration {
        self.earliest.saturating_duration_since(now)
    }
}

/// More requests were asked for at once than the quota's burst: they could never all go
/// together, so the limiter refuses instead of waiting forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("asked for {requested} requests at once, but the burst is {burst}")]
pub struct InsufficientCapacity {
    /// How many were asked for.
    pub requested: u32,
    /// The most the quota allows at once.
    pub burst: u32,
}
