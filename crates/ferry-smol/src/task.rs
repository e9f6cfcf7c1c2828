//! [`SmolTask`]: an async-task task (from async-executor or the blocking pool) as a ferry
//! [`RawTask`].

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use async_task::FallibleTask;
use ferry_core::rt::{JoinError, RawTask};

/// The future of `FallibleTask::cancel`: resolves once the task's future has been dropped, to
/// its output if it had completed first.
type Cancelling = Pin<Box<dyn Future<Output = Option<()>> + Send>>;

enum State {
    /// Spawned and not aborted.
    Running(FallibleTask<()>),
    /// Aborted; waits for the executor to drop the task's future.
    Cancelling(Cancelling),
    /// Over: `true` if the task ran to completion, `false` if it was cancelled (by an abort,
    /// by its executor being dropped, or because it was never started).
    Ended(bool),
}

/// A task on an async-task based executor, seen through ferry's [`RawTask`].
///
/// async-task cancels a task when its handle is dropped, while ferry detaches it; so the
/// handle is kept until ferry's handle is dropped (then detached) or aborted (then cancelled
/// through `cancel`, which also tells when the task's future is gone).
pub(crate) struct SmolTask {
    state: Mutex<State>,
}

impl SmolTask {
    /// Wraps a task that was just spawned.
    pub(crate) fn new(task: async_task::Task<()>) -> Self {
        // The fallible form reports a task its executor dropped as cancelled instead of
        // panicking when polled.
        Self::with_state(State::Running(task.fallible()))
    }

    /// A task that was never started: its executor no longer exists.
    pub(crate) fn never_started() -> Self {
        Self::with_state(State::Ended(false))
    }

    fn with_state(state: State) -> Self {
        Self {
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock is never held across code that can panic, so a poisoned lock still holds a
        // consistent state.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

fn ended(completed: bool) -> Poll<Result<(), JoinError>> {
    Poll::Ready(if completed {
        Ok(())
    } else {
        Err(JoinError::cancelled())
    })
}

impl RawTask for SmolTask {
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), JoinError>> {
        let state = self
            .state
            .get_mut()
            .unwrap_or_else(|poison| poison.into_inner());
        let completed = match state {
            State::Running(task) => Pin::new(task).poll(cx),
            State::Cancelling(cancel) => cancel.as_mut().poll(cx),
            State::Ended(completed) => return ended(*completed),
        };
        match completed {
            Poll::Ready(output) => {
                *state = State::Ended(output.is_some());
                ended(output.is_some())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn abort(&self) {
        let mut state = self.lock();
        if !matches!(*state, State::Running(_)) {
            return;
        }
        let State::Running(task) = std::mem::replace(&mut *state, State::Ended(false)) else {
            unreachable!("the state was just checked to be Running");
        };
        let mut cancel: Cancelling = Box::pin(task.cancel());
        // `cancel` marks the task cancelled on its first poll; polling it here makes the abort
        // take effect now (a task that has not started never will) rather than when someone
        // next awaits the handle. A later `poll_finished` registers the real waker.
        *state = match cancel
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(output) => State::Ended(output.is_some()),
            Poll::Pending => State::Cancelling(cancel),
        };
    }

    fn is_finished(&self) -> bool {
        match &*self.lock() {
            State::Running(task) => task.is_finished(),
            // An aborted task counts as ended, even while its executor has yet to drop it.
            State::Cancelling(_) | State::Ended(_) => true,
        }
    }
}

impl Drop for SmolTask {
    fn drop(&mut self) {
        let state = self
            .state
            .get_mut()
            .unwrap_or_else(|poison| poison.into_inner());
        // Dropping ferry's handle detaches the task, where dropping async-task's would cancel it.
        if let State::Running(task) = std::mem::replace(state, State::Ended(false)) {
            task.detach();
        }
    }
}
