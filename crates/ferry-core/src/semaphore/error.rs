//! The ways taking or adding permits can fail.

/// A waiting or new acquire failed because the semaphore was closed.
///
/// Returned by [`Semaphore::acquire`](super::Semaphore::acquire) and its siblings once
/// [`Semaphore::close`](super::Semaphore::close) has been called, whether the acquire was
/// already queued or started afterwards. Permits an acquire had been partly assigned before
/// the close went back to the semaphore; none are lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("semaphore closed: could not acquire {requested} permit(s)")]
pub struct AcquireError {
    pub(super) requested: usize,
}

impl AcquireError {
    /// How many permits the failed acquire asked for.
    pub fn requested(&self) -> usize {
        self.requested
    }
}

/// A [`try_acquire`](super::Semaphore::try_acquire) (or sibling) could not take permits now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TryAcquireError {
    /// The semaphore was closed; no acquire will succeed again.
    #[error("semaphore closed: could not acquire {requested} permit(s)")]
    Closed {
        /// How many permits were asked for.
        requested: usize,
    },
    /// Not enough permits were free, or other acquires were already waiting in line (a
    /// `try_acquire` never jumps the queue).
    #[error(
        "no permits: asked for {requested} permit(s), {available} available{}",
        if *.waiters_queued { ", and earlier acquires are waiting in line" } else { "" }
    )]
    NoPermits {
        /// How many permits were asked for.
        requested: usize,
        /// How many permits were free at the time.
        available: usize,
        /// Whether earlier acquires were waiting; if so the attempt fails even when
        /// `available >= requested`, to keep the line fair.
        waiters_queued: bool,
    },
}

impl TryAcquireError {
    /// Whether the semaphore was closed (as opposed to merely out of permits).
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed { .. })
    }

    /// Whether the attempt failed only for lack of free permits; a later attempt may succeed.
    pub fn is_no_permits(&self) -> bool {
        matches!(self, Self::NoPermits { .. })
    }
}

impl From<AcquireError> for TryAcquireError {
    fn from(error: AcquireError) -> Self {
        Self::Closed {
            requested: error.requested,
        }
    }
}

/// [`Semaphore::add_permits`](super::Semaphore::add_permits) would have taken the semaphore past
/// [`Semaphore::MAX_PERMITS`](super::Semaphore::MAX_PERMITS); nothing was added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot add {added} permit(s): the semaphore already has {existing} and may have at most {max}",
    max = super::Semaphore::MAX_PERMITS
)]
pub struct TooManyPermits {
    pub(super) added: usize,
    pub(super) existing: usize,
}

impl TooManyPermits {
    /// How many permits the refused call tried to add.
    pub fn added(&self) -> usize {
        self.added
    }

    /// How many permits the semaphore had (free, held or assigned to waiters) at the time.
    pub fn existing(&self) -> usize {
        self.existing
    }
}

/// [`merge`](super::SemaphorePermit::merge) was given a permit of a different semaphore; the
/// permit is handed back unchanged inside the error.
#[derive(Debug, thiserror::Error)]
#[error("cannot merge permits of two different semaphores")]
pub struct MergeError<P> {
    pub(super) permit: P,
}

impl<P> MergeError<P> {
    /// The permit that could not be merged, still holding its permits.
    pub fn into_permit(self) -> P {
        self.permit
    }
}
