//! The slow path: the line of waiting acquires, kept behind a mutex.
//!
//! Only code that holds the mutex changes the line or the `QUEUED` flag of the state word, so
//! the flag is set exactly while the line is non-empty. While it is set (and the semaphore is
//! open) no permit is free: every released permit goes to the head of the line first, so the
//! lock-free fast paths, which give up as soon as they see the flag, can never barge.

use std::sync::atomic::Ordering;
use std::task::Waker;

use super::line::Line;
use super::{CLOSED, QUEUED, SHIFT, Semaphore};

/// The waiting acquires, oldest first.
#[derive(Debug, Default)]
pub(super) struct Waiters {
    /// By ticket; joining and leaving from the head are O(1) and allocate nothing once grown.
    line: Line<Waiter>,
}

impl Waiters {
    pub(super) const fn new() -> Self {
        Self { line: Line::new() }
    }
}

/// One waiting acquire. It leaves the line either when it has been assigned every permit it
/// asked for (the releaser removes it and wakes it) or when its future removes it (on drop, or
/// when it sees the semaphore closed).
#[derive(Debug)]
struct Waiter {
    /// Permits still missing; the ones already assigned are `requested - missing`.
    missing: usize,
    waker: Waker,
}

/// What an acquire that found no free permits on the fast path got on the slow path.
pub(super) enum Enqueued {
    /// Enough permits were free after all; they are taken.
    Acquired,
    /// The semaphore is closed; nothing was taken.
    Closed,
    /// Waiting in line under this ticket (some permits may already be assigned).
    Waiting(u64),
}

/// What a queued acquire found when polled again.
pub(super) enum Checked {
    /// It left the line with every permit it asked for.
    Granted,
    /// The semaphore closed; it has left the line and its assigned permits went back.
    Closed,
    /// Still waiting; its waker is up to date.
    Waiting,
}

/// Wakers collected under the lock and woken after it is released, so a woken task that runs
/// at once on another thread does not find the mutex still held.
#[derive(Default)]
pub(super) struct WakeList {
    /// Most releases wake one waiter: keep it out of the vector so that needs no allocation.
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    fn push(&mut self, waker: Waker) {
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    pub(super) fn wake_all(self) {
        if let Some(waker) = self.first {
            waker.wake();
        }
        // Checked first: iterating even an empty vector costs more than the check, on the
        // path of every hand-over.
        if !self.rest.is_empty() {
            self.rest.into_iter().for_each(Waker::wake);
        }
    }
}

impl Semaphore {
    /// Takes `requested` permits if the line is empty and enough are free; otherwise takes what
    /// is free, joins the line for the rest and sets `QUEUED`.
    pub(super) fn enqueue_locked(
        &self,
        waiters: &mut Waiters,
        requested: usize,
        waker: &Waker,
    ) -> Enqueued {
        // Cloned before any change: a waker's `clone` may panic, and it must not do so between
        // taking permits and recording who holds them.
        let waker = waker.clone();
        let mut current = self.state.load(Ordering::Acquire);
        let missing = loop {
            if current & CLOSED != 0 {
                return Enqueued::Closed;
            }
            if current & QUEUED != 0 {
                // Others are already waiting, so (the semaphore being open) no permit is free.
                debug_assert_eq!(current >> SHIFT, 0, "free permits while waiters queue");
                break requested;
            }
            let available = current >> SHIFT;
            let (next, missing) = if available >= requested {
                (current - (requested << SHIFT), 0)
            } else {
                // Take what is free now and wait for the rest: the permits stay assigned to
                // this waiter, so a later, smaller acquire cannot take them first.
                ((current & CLOSED) | QUEUED, requested - available)
            };
            match self.state.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) if missing == 0 => return Enqueued::Acquired,
                Ok(_) => break missing,
                Err(actual) => current = actual,
            }
        };
        Enqueued::Waiting(waiters.line.push_back(Waiter { missing, waker }))
    }

    /// Whether the waiter holding `ticket` has left the line. Only for a waiter whose future
    /// has neither been dropped nor seen the close: for it, having left means having been
    /// granted every permit it asked for. Takes no lock; `false` may be stale, `true` is final.
    pub(super) fn was_granted(&self, ticket: u64) -> bool {
        ticket < self.served.load(Ordering::Acquire)
    }

    /// Checks on the waiter holding `ticket`, refreshing its waker if it still waits. A closed
    /// semaphore removes it from the line and gives its assigned permits back.
    pub(super) fn check_locked(
        &self,
        waiters: &mut Waiters,
        ticket: u64,
        requested: usize,
        waker: &Waker,
    ) -> (Checked, WakeList) {
        let Some(waiter) = waiters.line.get_mut(ticket) else {
            return (Checked::Granted, WakeList::default());
        };
        if self.state.load(Ordering::Acquire) & CLOSED == 0 {
            if !waiter.waker.will_wake(waker) {
                waiter.waker = waker.clone();
            }
            return (Checked::Waiting, WakeList::default());
        }
        let wakes = self.leave_line_locked(waiters, ticket, requested);
        (Checked::Closed, wakes)
    }

    /// Removes the waiter holding `ticket` (its future is being dropped) and gives back what it
    /// was assigned; if it had already been granted everything, gives all of it back.
    pub(super) fn cancel_locked(
        &self,
        waiters: &mut Waiters,
        ticket: u64,
        requested: usize,
    ) -> WakeList {
        if waiters.line.contains(ticket) {
            self.leave_line_locked(waiters, ticket, requested)
        } else {
            self.release_locked(waiters, requested)
        }
    }

    fn leave_line_locked(&self, waiters: &mut Waiters, ticket: u64, requested: usize) -> WakeList {
        let left = waiters.line.remove(ticket);
        let assigned = left.as_ref().map_or(0, |waiter| requested - waiter.missing);
        // Even with nothing assigned this must run: leaving may empty the line, and then the
        // `QUEUED` flag has to go.
        let wakes = self.release_locked(waiters, assigned);
        // Dropped only now: a waker's drop may panic, and the permits must be back first.
        drop(left);
        wakes
    }

    /// Returns `permits` to the semaphore: to the head of the line first (whole or in part),
    /// then to the free count. Clears `QUEUED` if the line ends up empty. A closed semaphore
    /// assigns nothing to its waiters, which are about to fail anyway.
    pub(super) fn release_locked(&self, waiters: &mut Waiters, permits: usize) -> WakeList {
        let mut wakes = WakeList::default();
        let mut left = permits;
        if self.state.load(Ordering::Acquire) & CLOSED == 0 {
            while left > 0 {
                let Some(head) = waiters.line.front_mut() else {
                    break;
                };
                let given = head.missing.min(left);
                head.missing -= given;
                left -= given;
                if head.missing == 0 {
                    if let Some(granted) = waiters.line.pop_front() {
                        wakes.push(granted.waker);
                    }
                }
            }
        }
        // Every path by which a waiter leaves the line ends here, so this keeps `served` up to
        // date; Release pairs with the Acquire in `was_granted`.
        self.served
            .store(waiters.line.head_ticket(), Ordering::Release);
        let line_empty = waiters.line.is_empty();
        if left > 0 || line_empty {
            // Fast paths may change the word concurrently whenever `QUEUED` is clear, hence the
            // update loop. No overflow: free permits never exceed the existing ones, which
            // `add_permits` keeps at or below `MAX_PERMITS`.
            let _ = self
                .state
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |state| {
                    let state = if line_empty { state & !QUEUED } else { state };
                    Some(state + (left << SHIFT))
                });
        }
        wakes
    }

    /// Marks the semaphore closed and collects every waiter's waker. The waiters stay in the
    /// line until their futures notice the close, remove themselves and hand back what they
    /// were assigned.
    pub(super) fn close_locked(&self, waiters: &mut Waiters) -> WakeList {
        self.state.fetch_or(CLOSED, Ordering::AcqRel);
        let mut wakes = WakeList::default();
        for waiter in waiters.line.iter_mut() {
            // The no-op waker is replaced on the waiter's next poll (`will_wake` is false).
            wakes.push(std::mem::replace(&mut waiter.waker, Waker::noop().clone()));
        }
        wakes
    }
}
