//! The futures returned by `acquire` and its siblings.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::queue::{Checked, Enqueued};
use super::{AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError};

/// Where an acquire is: not yet in line, waiting under a ticket, or finished.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Start,
    Waiting(u64),
    Done,
}

/// The part shared by [`Acquire`] and [`AcquireOwned`]: everything but how the semaphore is
/// referenced.
#[derive(Debug)]
struct AcquireCore {
    requested: usize,
    phase: Phase,
}

impl AcquireCore {
    fn new(requested: usize) -> Self {
        Self {
            requested,
            phase: Phase::Start,
        }
    }

    fn poll(
        &mut self,
        semaphore: &Semaphore,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        let closed = AcquireError {
            requested: self.requested,
        };
        let result = match self.phase {
            Phase::Start => match semaphore.try_take(self.requested) {
                Ok(()) => Ok(()),
                Err(TryAcquireError::Closed { .. }) => Err(closed),
                Err(TryAcquireError::NoPermits { .. }) => {
                    let mut waiters = semaphore.lock_waiters();
                    match semaphore.enqueue_locked(&mut waiters, self.requested, cx.waker()) {
                        Enqueued::Acquired => Ok(()),
                        Enqueued::Closed => Err(closed),
                        Enqueued::Waiting(ticket) => {
                            self.phase = Phase::Waiting(ticket);
                            return Poll::Pending;
                        }
                    }
                }
            },
            // Granted permits are taken without the lock: the releaser that assigned the last
            // of them took this waiter out of the line and published that.
            Phase::Waiting(ticket) if semaphore.was_granted(ticket) => Ok(()),
            Phase::Waiting(ticket) => {
                let mut waiters = semaphore.lock_waiters();
                let (checked, wakes) =
                    semaphore.check_locked(&mut waiters, ticket, self.requested, cx.waker());
                drop(waiters);
                wakes.wake_all();
                match checked {
                    Checked::Granted => Ok(()),
                    Checked::Closed => Err(closed),
                    Checked::Waiting => return Poll::Pending,
                }
            }
            Phase::Done => panic!("a semaphore acquire future was polled after it completed"),
        };
        self.phase = Phase::Done;
        Poll::Ready(result)
    }

    /// Leaves the line (if in it) and gives back whatever had been assigned.
    // Inline: nearly every drop is of a completed acquire, which has nothing to do.
    #[inline]
    fn cancel(&mut self, semaphore: &Semaphore) {
        if let Phase::Waiting(ticket) = self.phase {
            self.phase = Phase::Done;
            Self::leave(semaphore, ticket, self.requested);
        }
    }

    fn leave(semaphore: &Semaphore, ticket: u64, requested: usize) {
        if semaphore.was_granted(ticket) {
            // Out of the line with every permit: give them back as a dropped permit would.
            semaphore.release(requested);
            return;
        }
        let mut waiters = semaphore.lock_waiters();
        let wakes = semaphore.cancel_locked(&mut waiters, ticket, requested);
        drop(waiters);
        wakes.wake_all();
    }
}

/// The future of [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
///
/// It joins the line when first polled (not when created) and resolves to a
/// [`SemaphorePermit`] once it has all its permits, or to an [`AcquireError`] if the semaphore
/// is closed first.
///
/// Like any future, it must not be polled again after it completed; doing so panics.
///
/// # Cancel safety
///
/// Dropping it before it completes leaves the line without disturbing the order of the others
/// and gives back every permit already assigned to it; if those satisfy the next waiter, that
/// waiter is woken. No permit is lost, even if the drop races with the final assignment.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    core: AcquireCore,
}

impl<'a> Acquire<'a> {
    pub(super) fn new(semaphore: &'a Semaphore, requested: usize) -> Self {
        Self {
            semaphore,
            core: AcquireCore::new(requested),
        }
    }
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<SemaphorePermit<'a>, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.core
            .poll(this.semaphore, cx)
            .map_ok(|()| SemaphorePermit::new(this.semaphore, this.core.requested))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.core.cancel(self.semaphore);
    }
}

/// The future of [`Semaphore::acquire_owned`] and [`Semaphore::acquire_many_owned`].
///
/// Like [`Acquire`], but holds an [`Arc`] of the semaphore and resolves to an
/// [`OwnedSemaphorePermit`], so neither has a lifetime.
///
/// Like any future, it must not be polled again after it completed; doing so panics.
///
/// # Cancel safety
///
/// Dropping it before it completes leaves the line without disturbing the order of the others
/// and gives back every permit already assigned to it; if those satisfy the next waiter, that
/// waiter is woken. No permit is lost, even if the drop races with the final assignment.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct AcquireOwned {
    /// `None` once the permit has been handed out with this `Arc` inside.
    semaphore: Option<Arc<Semaphore>>,
    core: AcquireCore,
}

impl AcquireOwned {
    pub(super) fn new(semaphore: Arc<Semaphore>, requested: usize) -> Self {
        Self {
            semaphore: Some(semaphore),
            core: AcquireCore::new(requested),
        }
    }
}

impl Future for AcquireOwned {
    type Output = Result<OwnedSemaphorePermit, AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(semaphore) = this.semaphore.take() else {
            panic!("a semaphore acquire future was polled after it completed");
        };
        match this.core.poll(&semaphore, cx) {
            Poll::Pending => {
                this.semaphore = Some(semaphore);
                Poll::Pending
            }
            // Done either way: the `Arc` goes into the permit, or is dropped with the error.
            Poll::Ready(result) => Poll::Ready(
                result.map(|()| OwnedSemaphorePermit::new(semaphore, this.core.requested)),
            ),
        }
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        if let Some(semaphore) = &self.semaphore {
            self.core.cancel(semaphore);
        }
    }
}
