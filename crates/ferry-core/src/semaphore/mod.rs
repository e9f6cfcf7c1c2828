//! A fair async semaphore: asyncio's `Semaphore`, with acquire-many, owned permits and close.
//!
//! A [`Semaphore`] holds a number of permits. [`Semaphore::acquire`] waits for one and returns
//! a [`SemaphorePermit`] that gives it back when dropped; [`Semaphore::acquire_many`] takes
//! several at once. The `_owned` variants take an `Arc<Semaphore>` and return an
//! [`OwnedSemaphorePermit`] without a lifetime, which can move into a spawned task.
//!
//! # Fairness
//!
//! Acquires are served strictly first come, first served, by the order in which they were
//! first polled. A large [`acquire_many`](Semaphore::acquire_many) at the head of the line
//! blocks smaller acquires behind it, even if enough permits are free for them: given-back
//! permits are assigned to the head of the line, in part if it needs more than there are, and
//! stay reserved for it. So a large request is never starved by a stream of small ones. For
//! the same reason [`try_acquire`](Semaphore::try_acquire) fails while anyone waits: it never
//! jumps the line. Asking for zero permits takes nothing and so completes at once.
//!
//! # Close
//!
//! [`Semaphore::close`] wakes every waiting acquire with an [`AcquireError`], and every later
//! acquire fails the same way ([`TryAcquireError::Closed`] for `try_` variants). Permits
//! already held stay valid; dropping them still gives the permits back, so
//! [`available_permits`](Semaphore::available_permits) keeps counting.
//!
//! # Drop
//!
//! Dropping a permit gives its permits back (to the head waiter first);
//! [`SemaphorePermit::forget`] keeps them out for good. Dropping an acquire future that is
//! still waiting removes it from the line and gives back whatever had already been assigned to
//! it, waking the next waiter if that satisfies it. No drop ever loses or duplicates a permit.
//!
//! # Speed
//!
//! The number of free permits and two flags (*closed*, *waiters queued*) share one atomic
//! word. When nobody waits, acquire and release are a compare-and-swap each and take no lock;
//! only waiting, and releasing while others wait, lock the mutex around the line. A releaser
//! hands its permits to the head of the line under that lock, and the waiter it completes
//! takes them on its next poll without locking again: it only reads how far the line has
//! moved.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use futures::executor::block_on;
//! use ferry_core::semaphore::Semaphore;
//!
//! let semaphore = Arc::new(Semaphore::new(2));
//! block_on(async {
//!     let one = semaphore.acquire().await.unwrap();
//!     let two = semaphore.clone().acquire_owned().await.unwrap();
//!     assert_eq!(semaphore.available_permits(), 0);
//!     assert!(semaphore.try_acquire().unwrap_err().is_no_permits());
//!     drop((one, two));
//!     assert_eq!(semaphore.acquire_many(2).await.unwrap().num_permits(), 2);
//! });
//! ```

mod acquire;
mod error;
pub(crate) mod line;
mod permit;
mod queue;

pub use acquire::{Acquire, AcquireOwned};
pub use error::{AcquireError, MergeError, TooManyPermits, TryAcquireError};
pub use permit::{OwnedSemaphorePermit, SemaphorePermit};

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use queue::Waiters;

/// State word flag: the semaphore is closed.
const CLOSED: usize = 1;
/// State word flag: the line of waiters is non-empty. Set and cleared only under the mutex.
const QUEUED: usize = 2;
/// The free permits sit above the flags.
const SHIFT: u32 = 2;

/// A fair async semaphore; see the [module documentation](self) for fairness, close and drop.
///
/// ```
/// use futures::executor::block_on;
/// use ferry_core::semaphore::Semaphore;
///
/// static DOWNLOADS: Semaphore = Semaphore::new(4);
///
/// block_on(async {
///     let permit = DOWNLOADS.acquire().await.unwrap();
///     assert_eq!(DOWNLOADS.available_permits(), 3);
///     drop(permit);
///     assert_eq!(DOWNLOADS.available_permits(), 4);
/// });
/// ```
pub struct Semaphore {
    /// Free permits `<< SHIFT`, plus the `CLOSED` and `QUEUED` flags.
    state: AtomicUsize,
    /// Every permit that exists: free, held, or assigned to a waiter. Only `add_permits` and
    /// `forget` change it; it bounds the free count so releasing can never overflow.
    existing: AtomicUsize,
    /// Every ticket below this has left the line: the line's head ticket, stored under the
    /// mutex whenever waiters leave. A waiting acquire leaves the line by itself only when it
    /// is dropped or fails on close, so one still being polled whose ticket is below this was
    /// granted its permits, and completes without taking the mutex.
    served: AtomicU64,
    waiters: Mutex<Waiters>,
}

impl Semaphore {
    /// The most permits a semaphore can have (`usize::MAX >> 3`, over 2·10¹⁸ on 64-bit
    /// targets).
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore with `permits` permits.
    ///
    /// More than [`MAX_PERMITS`](Self::MAX_PERMITS) saturates to `MAX_PERMITS`: no program can
    /// hold that many at once, so the difference is unobservable. Zero permits is allowed:
    /// acquires then wait for [`add_permits`](Self::add_permits).
    pub const fn new(permits: usize) -> Self {
        let permits = if permits > Self::MAX_PERMITS {
            Self::MAX_PERMITS
        } else {
            permits
        };
        Self {
            state: AtomicUsize::new(permits << SHIFT),
            existing: AtomicUsize::new(permits),
            served: AtomicU64::new(0),
            waiters: Mutex::new(Waiters::new()),
        }
    }

    /// How many permits are free right now.
    ///
    /// While acquires wait this is 0 (free permits go to them), except on a closed semaphore,
    /// where given-back permits are counted here.
    pub fn available_permits(&self) -> usize {
        self.state.load(Ordering::Acquire) >> SHIFT
    }

    /// Whether [`close`](Self::close) has been called.
    pub fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Closes the semaphore: every waiting acquire wakes and fails with [`AcquireError`], and
    /// every later acquire fails at once. Held permits stay valid and are given back as usual
    /// when dropped. Closing twice does nothing more.
    ///
    /// ```
    /// use futures::executor::block_on;
    /// use ferry_core::semaphore::Semaphore;
    ///
    /// let semaphore = Semaphore::new(1);
    /// let held = semaphore.try_acquire().unwrap();
    /// semaphore.close();
    /// assert!(block_on(semaphore.acquire()).is_err());
    /// drop(held);
    /// assert_eq!(semaphore.available_permits(), 1);
    /// ```
    pub fn close(&self) {
        let mut waiters = self.lock_waiters();
        let wakes = self.close_locked(&mut waiters);
        drop(waiters);
        wakes.wake_all();
    }

    /// Adds `permits` new permits, handing them to waiting acquires first (oldest first).
    ///
    /// Works on a closed semaphore too (the permits just become free).
    ///
    /// # Errors
    ///
    /// [`TooManyPermits`] if the semaphore would then have more than
    /// [`MAX_PERMITS`](Self::MAX_PERMITS) permits (free, held and assigned together); nothing
    /// is added in that case.
    ///
    /// ```
    /// use ferry_core::semaphore::Semaphore;
    ///
    /// let semaphore = Semaphore::new(0);
    /// semaphore.add_permits(2).unwrap();
    /// assert_eq!(semaphore.available_permits(), 2);
    /// assert!(semaphore.add_permits(Semaphore::MAX_PERMITS).is_err());
    /// ```
    pub fn add_permits(&self, permits: usize) -> Result<(), TooManyPermits> {
        // Count them as existing before they become free, so the free count never exceeds the
        // existing one.
        self.existing
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |existing| {
                existing
                    .checked_add(permits)
                    .filter(|&total| total <= Self::MAX_PERMITS)
            })
            .map_err(|existing| TooManyPermits {
                added: permits,
                existing,
            })?;
        self.release(permits);
        Ok(())
    }

    /// Waits for one permit.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes takes no permit and keeps no place
    /// in line (see [`Acquire`]).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed before the permit is assigned.
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire::new(self, 1)
    }

    /// Waits for `permits` permits, taken together.
    ///
    /// It takes its place in line when first polled and keeps it: permits given back while it
    /// is at the head are reserved for it until it has all of them, and acquires behind it
    /// wait. Zero permits completes at once, without waiting behind anyone (on a closed
    /// semaphore, with the error). More permits than the semaphore will ever have
    /// (for example more than [`MAX_PERMITS`](Self::MAX_PERMITS)) waits until the semaphore is
    /// closed.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes gives back the permits already reserved for it
    /// (waking the next waiter if they suffice) and leaves the line; nothing is lost, and
    /// the others keep their order (see [`Acquire`]).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed before every permit is assigned.
    ///
    /// ```
    /// use futures::executor::block_on;
    /// use futures::FutureExt;
    /// use ferry_core::semaphore::Semaphore;
    ///
    /// let semaphore = Semaphore::new(2);
    /// let held = semaphore.try_acquire().unwrap();
    /// let mut big = Box::pin(semaphore.acquire_many(2));
    /// assert!((&mut big).now_or_never().is_none()); // waits, with 1 permit reserved
    /// assert!(semaphore.try_acquire().is_err()); // no barging past it
    /// drop(held);
    /// assert_eq!(block_on(big).unwrap().num_permits(), 2);
    /// ```
    pub fn acquire_many(&self, permits: usize) -> Acquire<'_> {
        Acquire::new(self, permits)
    }

    /// Like [`acquire`](Self::acquire), but through an `Arc`, returning an
    /// [`OwnedSemaphorePermit`] that can move into a spawned task.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future before it completes takes no permit and keeps no place
    /// in line (see [`AcquireOwned`]).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed before the permit is assigned.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use futures::executor::{block_on, ThreadPool};
    /// use futures::task::SpawnExt;
    /// use ferry_core::semaphore::Semaphore;
    ///
    /// let pool = ThreadPool::new().unwrap();
    /// let semaphore = Arc::new(Semaphore::new(2));
    /// let jobs: Vec<_> = (0..8)
    ///     .map(|job| {
    ///         let semaphore = semaphore.clone();
    ///         pool.spawn_with_handle(async move {
    ///             // At most two jobs hold a permit at any time.
    ///             let _permit = semaphore.acquire_owned().await.unwrap();
    ///             job * 10
    ///         })
    ///         .unwrap()
    ///     })
    ///     .collect();
    /// let results = block_on(futures::future::join_all(jobs));
    /// assert_eq!(results.iter().sum::<i32>(), 280);
    /// assert_eq!(semaphore.available_permits(), 2);
    /// ```
    pub fn acquire_owned(self: Arc<Self>) -> AcquireOwned {
        AcquireOwned::new(self, 1)
    }

    /// Like [`acquire_many`](Self::acquire_many), but through an `Arc`, returning an
    /// [`OwnedSemaphorePermit`] that can move into a spawned task.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes gives back the permits already reserved for it
    /// (waking the next waiter if they suffice) and leaves the line; nothing is lost, and
    /// the others keep their order (see [`AcquireOwned`]).
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is or becomes closed before every permit is assigned.
    pub fn acquire_many_owned(self: Arc<Self>, permits: usize) -> AcquireOwned {
        AcquireOwned::new(self, permits)
    }

    /// Takes one permit if one is free and nobody is waiting.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::Closed`] if the semaphore is closed, else
    /// [`TryAcquireError::NoPermits`] if no permit is free or other acquires are waiting.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `permits` permits if that many are free and nobody is waiting. Zero permits
    /// always succeeds on an open semaphore.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError::Closed`] if the semaphore is closed, else
    /// [`TryAcquireError::NoPermits`] if too few are free or other acquires are waiting.
    pub fn try_acquire_many(&self, permits: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_take(permits)?;
        Ok(SemaphorePermit::new(self, permits))
    }

    /// Like [`try_acquire`](Self::try_acquire), but through an `Arc`, returning an
    /// [`OwnedSemaphorePermit`].
    ///
    /// # Errors
    ///
    /// As for [`try_acquire`](Self::try_acquire).
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Like [`try_acquire_many`](Self::try_acquire_many), but through an `Arc`, returning an
    /// [`OwnedSemaphorePermit`].
    ///
    /// # Errors
    ///
    /// As for [`try_acquire_many`](Self::try_acquire_many).
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        permits: usize,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_take(permits)?;
        Ok(OwnedSemaphorePermit::new(self, permits))
    }

    /// The lock-free fast path: takes `permits` if the semaphore is open, nobody waits and
    /// enough are free.
    fn try_take(&self, permits: usize) -> Result<(), TryAcquireError> {
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            if current & CLOSED != 0 {
                return Err(TryAcquireError::Closed { requested: permits });
            }
            if permits == 0 {
                return Ok(());
            }
            let available = current >> SHIFT;
            let waiters_queued = current & QUEUED != 0;
            if waiters_queued || available < permits {
                return Err(TryAcquireError::NoPermits {
                    requested: permits,
                    available,
                    waiters_queued,
                });
            }
            match self.state.compare_exchange_weak(
                current,
                current - (permits << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => current = actual,
            }
        }
    }

    /// Gives `permits` back: lock-free while nobody waits, else to the line under the lock.
    fn release(&self, permits: usize) {
        if permits == 0 {
            return;
        }
        let mut current = self.state.load(Ordering::Acquire);
        while current & QUEUED == 0 {
            // No overflow: free permits never exceed the existing ones (see `existing`).
            match self.state.compare_exchange_weak(
                current,
                current + (permits << SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
        let mut waiters = self.lock_waiters();
        let wakes = self.release_locked(&mut waiters, permits);
        drop(waiters);
        wakes.wake_all();
    }

    /// Records that a permit holding `permits` was forgotten: they no longer exist.
    fn forget_permits(&self, permits: usize) {
        self.existing.fetch_sub(permits, Ordering::AcqRel);
    }

    /// Locks the line. Only a waker's `clone` or `drop` can panic while it is held, and both
    /// run where the line and the state word agree, so poisoning is ignored.
    fn lock_waiters(&self) -> MutexGuard<'_, Waiters> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Acquire);
        f.debug_struct("Semaphore")
            .field("available_permits", &(state >> SHIFT))
            .field("closed", &(state & CLOSED != 0))
            .field("waiters_queued", &(state & QUEUED != 0))
            .finish_non_exhaustive()
    }
}
