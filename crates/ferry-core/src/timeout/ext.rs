//! [`TimerExt`]: timeouts and deadlines as methods of any timer.

use std::future::Future;
use std::time::Duration;

use ferry_rt::Timer;

use super::{Deadline, Timeout};

/// Timeouts and deadlines on any [`Timer`]: implemented for all of them.
pub trait TimerExt: Timer {
    /// Runs `future` for at most `duration`; see [`timeout`](crate::timeout()).
    fn timeout<F: Future>(&self, duration: Duration, future: F) -> Timeout<F> {
        super::timeout(self, duration, future)
    }

    /// A deadline `budget` from now, shared by every operation run under it; see [`Deadline`].
    fn deadline(&self, budget: Duration) -> Deadline<&Self> {
        Deadline::after(self, budget)
    }
}

impl<T: Timer + ?Sized> TimerExt for T {}
