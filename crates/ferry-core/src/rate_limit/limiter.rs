//! A rate limiter for one stream of requests.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::gcra::{decide, instant_at, nanos_since};
use super::{InsufficientCapacity, NotUntil, Quota};
use crate::rt::Timer;

/// A GCRA rate limiter (governor's algorithm) reading time from, and waiting on, a ferry
/// [`Timer`].
///
/// A burst of up to [`Quota::burst`] requests goes at once; after that, requests are spaced
/// exactly [`Quota::interval`] apart. Quiet time refills the burst, never beyond it. The state
/// is one atomic number, updated with compare-and-swap: checks never block.
///
/// # Sharing
///
/// Cloning is cheap and gives another handle to the same limit (the state is behind an
/// `Arc`): hand a clone to every task that spawns requests, and together they get one quota,
/// never one each. `RateLimiter` is `Send` and `Sync` when its timer is.
///
/// Waiting is not first-come, first-served: when several tasks wait, whichever checks first
/// after the capacity frees up gets it, as with governor.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::rate_limit::{Quota, RateLimiter};
/// # use std::time::Instant;
/// # use ferry_core::{Clock, Sleep, Timer};
/// # struct Frozen(Instant);
/// # impl Clock for Frozen { fn now(&self) -> Instant { self.0 } }
/// # impl Timer for Frozen { fn sleep_until(&self, _: Instant) -> Sleep { Sleep::new(async {}) } }
/// # let timer = Frozen(Instant::now());
///
/// let limiter = RateLimiter::new(timer, Quota::per_second(10).unwrap().with_burst(2).unwrap());
/// assert!(limiter.check().is_ok());
/// assert!(limiter.check().is_ok());
/// let refused = limiter.check().unwrap_err();
/// assert_eq!(refused.wait(), Duration::from_millis(100));
///
/// // A clone shares the quota: the burst of two is spent for both handles.
/// let handle = limiter.clone();
/// assert!(handle.check().is_err());
/// ```
pub struct RateLimiter<Tm> {
    shared: Arc<Shared<Tm>>,
}

struct Shared<Tm> {
    timer: Tm,
    epoch: Instant,
    quota: Quota,
    tat: AtomicU64,
}

impl<Tm> Clone for RateLimiter<Tm> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<Tm> fmt::Debug for RateLimiter<Tm> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("quota", &self.shared.quota)
            .field("tat", &self.shared.tat)
            .finish_non_exhaustive()
    }
}

impl<Tm: Timer> RateLimiter<Tm> {
    /// A limiter allowing `quota`, starting with a full burst.
    pub fn new(timer: Tm, quota: Quota) -> Self {
        let epoch = timer.now();
        Self {
            shared: Arc::new(Shared {
                timer,
                epoch,
                quota,
                tat: AtomicU64::new(0),
            }),
        }
    }

    /// The quota this limiter allows.
    pub fn quota(&self) -> Quota {
        self.shared.quota
    }

    /// Takes one request's slot now, or says when one is due.
    ///
    /// # Errors
    ///
    /// [`NotUntil`] when the rate is used up; nothing was taken.
    pub fn check(&self) -> Result<(), NotUntil> {
        self.check_at(1, self.shared.timer.now())
    }

    /// Takes `n` slots at once now, or says when they will all be free. Zero slots always
    /// succeed and take nothing.
    ///
    /// # Errors
    ///
    /// The outer [`InsufficientCapacity`] when `n` is above the burst (it could never go);
    /// the inner [`NotUntil`] when the slots are not free yet. Nothing is taken on either.
    pub fn check_n(&self, n: u32) -> Result<Result<(), NotUntil>, InsufficientCapacity> {
        self.fits(n)?;
        Ok(self.check_at(n, self.shared.timer.now()))
    }

    /// Waits until a request may go, and takes its slot.
    ///
    /// # Cancel safety
    ///
    /// The slot is taken in one atomic step at the moment the future completes; dropping the
    /// future before that takes nothing, so a cancelled wait never uses up capacity.
    pub async fn until_ready(&self) {
        loop {
            match self.check() {
                Ok(()) => return,
                Err(not_until) => self.shared.timer.sleep_until(not_until.earliest()).await,
            }
        }
    }

    /// Waits until `n` requests may go together, and takes their slots (none for `n == 0`).
    ///
    /// # Errors
    ///
    /// [`InsufficientCapacity`] at once if `n` is above the burst, instead of waiting forever.
    ///
    /// # Cancel safety
    ///
    /// As [`until_ready`](Self::until_ready): nothing is taken unless the future completes.
    pub async fn until_n_ready(&self, n: u32) -> Result<(), InsufficientCapacity> {
        self.fits(n)?;
        loop {
            match self.check_at(n, self.shared.timer.now()) {
                Ok(()) => return Ok(()),
                Err(not_until) => self.shared.timer.sleep_until(not_until.earliest()).await,
            }
        }
    }

    fn fits(&self, n: u32) -> Result<(), InsufficientCapacity> {
        if n > self.shared.quota.burst() {
            Err(InsufficientCapacity {
                requested: n,
                burst: self.shared.quota.burst(),
            })
        } else {
            Ok(())
        }
    }

    fn check_at(&self, n: u32, now: Instant) -> Result<(), NotUntil> {
        if n == 0 {
            return Ok(());
        }
        let now_nanos = nanos_since(self.shared.epoch, now);
        let mut tat = self.shared.tat.load(Ordering::Acquire);
        loop {
            let new_tat = decide(tat, now_nanos, &self.shared.quota, n)
                .map_err(|at| NotUntil::new(instant_at(self.shared.epoch, at), now))?;
            match self.shared.tat.compare_exchange_weak(
                tat,
                new_tat,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(current) => tat = current,
            }
        }
    }
}
