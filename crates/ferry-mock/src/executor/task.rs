//! Tasks: their entry in the executor, their waker, and the join handle's view of them.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Poll, Wake, Waker};

use ferry_core::Panicked;
use ferry_core::rt::{BlockingTask, BoxTask, JoinError, RawTask};

use super::core::Shared;
use crate::trace::{TaskId, TaskInfo};

/// The slot number standing for the body the runner blocks on, which lives on the runner's
/// stack rather than in the task slab (it need not be `Send`).
pub(crate) const MAIN_SLOT: usize = usize::MAX;

/// What a task runs: a future polled until it finishes, or a blocking closure run once.
pub(crate) enum Work {
    Future(BoxTask),
    Blocking(BlockingTask),
}

/// A live task, as the executor keeps it.
pub(crate) struct TaskEntry {
    pub(crate) id: TaskId,
    pub(crate) name: Option<String>,
    /// `None` while the executor has taken it out to poll or run it.
    pub(crate) work: Option<Work>,
    pub(crate) cell: Arc<TaskCell>,
    /// Made once per task, so polling never allocates a waker.
    pub(crate) waker: Waker,
    /// Whether the task is in the ready queue; keeps a task from being queued twice.
    pub(crate) scheduled: bool,
    /// Set by `abort`: the executor drops the work instead of polling it.
    pub(crate) aborted: bool,
}

impl TaskEntry {
    pub(crate) fn info(&self) -> TaskInfo {
        TaskInfo {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

/// How a task ended, as its join handle reports it.
pub(crate) enum Outcome {
    Completed,
    Cancelled,
    Panicked(Panicked),
}

struct JoinState {
    outcome: Option<Outcome>,
    waiter: Option<Waker>,
}

/// The part of a task shared by the executor, the task's waker and its join handle.
///
/// It is the waker itself (through [`Wake`]), so a task costs one allocation besides its
/// future. It holds the runtime weakly: a waker kept somewhere after the runtime is gone
/// wakes nothing rather than keeping every task alive.
pub(crate) struct TaskCell {
    id: TaskId,
    slot: usize,
    shared: Weak<Shared>,
    join: Mutex<JoinState>,
}

impl TaskCell {
    pub(crate) fn new(id: TaskId, slot: usize, shared: Weak<Shared>) -> Self {
        Self {
            id,
            slot,
            shared,
            join: Mutex::new(JoinState {
                outcome: None,
                waiter: None,
            }),
        }
    }

    /// Records how the task ended (the first outcome wins) and wakes whoever awaits its
    /// handle. Must be called without the executor's lock held: the waiter may be a task of
    /// this executor, whose waker takes that lock.
    pub(crate) fn finish(&self, outcome: Outcome) {
        let waiter = {
            let mut join = self.join.lock().unwrap_or_else(PoisonError::into_inner);
            if join.outcome.is_none() {
                join.outcome = Some(outcome);
            }
            join.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }

    fn is_finished(&self) -> bool {
        self.join
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .outcome
            .is_some()
    }
}

impl Wake for TaskCell {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(shared) = self.shared.upgrade() {
            shared.schedule(self.slot, self.id);
        }
    }
}

/// A mock task as ferry's [`RawTask`]: what a `JoinHandle` holds.
pub(crate) struct MockJoin {
    cell: Arc<TaskCell>,
}

impl MockJoin {
    pub(crate) fn new(cell: Arc<TaskCell>) -> Self {
        Self { cell }
    }
}

impl RawTask for MockJoin {
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), JoinError>> {
        let mut join = self
            .cell
            .join
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match &join.outcome {
            Some(Outcome::Completed) => Poll::Ready(Ok(())),
            Some(Outcome::Cancelled) => Poll::Ready(Err(JoinError::cancelled())),
            Some(Outcome::Panicked(panicked)) => {
                Poll::Ready(Err(JoinError::Panicked(panicked.clone())))
            }
            None => {
                let fresh = match &join.waiter {
                    Some(waiter) => !waiter.will_wake(cx.waker()),
                    None => true,
                };
                if fresh {
                    // The replaced waker is dropped under this small lock only, never the
                    // executor's, so whatever its drop does cannot deadlock the executor.
                    join.waiter = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }

    fn abort(&self) {
        if self.cell.is_finished() {
            return;
        }
        if let Some(shared) = self.cell.shared.upgrade() {
            shared.abort(self.cell.slot, self.cell.id);
        }
    }

    fn is_finished(&self) -> bool {
        self.cell.is_finished()
    }
}
