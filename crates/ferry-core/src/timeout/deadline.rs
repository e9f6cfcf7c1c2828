//! A time budget shared by several operations.

use std::future::Future;
use std::time::{Duration, Instant};

use super::{Elapsed, Timeout};
use crate::rt::{Timer, instant_after};

/// A point in time by which a whole group of operations must be done.
///
/// Where a [`timeout`](crate::timeout()) allows each call its own time, a deadline is one
/// budget for all of them, like asyncio's `wait_for` around a whole `gather`: each operation
/// run under it gets whatever is left. Cloning a deadline shares the same instant.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::{Deadline, Timer};
/// # async fn demo(timer: impl Timer + Clone) {
/// let deadline = Deadline::after(timer.clone(), Duration::from_secs(10));
/// let first = deadline.run(timer.sleep(Duration::from_secs(4))).await;
/// assert!(first.is_ok());
/// // Six seconds are left; this eight-second step fails, and the error names the budget.
/// let second = deadline.run(timer.sleep(Duration::from_secs(8))).await;
/// assert_eq!(second.unwrap_err().allowed(), Duration::from_secs(10));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Deadline<T> {
    timer: T,
    at: Instant,
    budget: Duration,
}

impl<T: Timer> Deadline<T> {
    /// A deadline `budget` from now on `timer`'s clock.
    pub fn after(timer: T, budget: Duration) -> Self {
        let at = instant_after(timer.now(), budget);
        Self { timer, at, budget }
    }

    /// A deadline at the instant `at` on `timer`'s clock.
    pub fn at(timer: T, at: Instant) -> Self {
        let budget = at.saturating_duration_since(timer.now());
        Self { timer, at, budget }
    }

    /// The instant at which the deadline expires.
    pub fn instant(&self) -> Instant {
        self.at
    }

    /// The whole budget the deadline was made with.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// The time left, zero once expired.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(self.timer.now())
    }

    /// Whether the deadline has passed.
    pub fn is_expired(&self) -> bool {
        self.timer.now() >= self.at
    }

    /// Runs `future` until it finishes or the deadline passes.
    ///
    /// The error's [`allowed`](Elapsed::allowed) is the deadline's whole budget.
    ///
    /// # Cancel safety
    ///
    /// As cancel safe as `future`; dropping the result leaves the deadline itself untouched.
    pub fn run<F: Future>(&self, future: F) -> Timeout<F> {
        Timeout::new(future, self.timer.sleep_until(self.at), self.budget)
    }
}

impl<T: Timer> Deadline<T> {
    /// Fails at once with [`Elapsed`] if the deadline has passed; for loops that check
    /// between steps.
    pub fn check(&self) -> Result<(), Elapsed> {
        if self.is_expired() {
            Err(Elapsed::new(self.budget))
        } else {
            Ok(())
        }
    }
}
