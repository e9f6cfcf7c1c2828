//! [`SmolTask`]: an async-task task (from async-executor or the blocking pool) as a ferry
//! [`RawTask`] (boxed path) or [`TypedTask`] (typed path).
//!
//! Both async-executor (since 1.8) and the blocking pool spawn with async-task's
//! `propagate_panic`: a panic in the task is caught where it runs, and re-raised where its
//! `Task` handle is polled. So the typed path spawns the user's future as it is, without
//! ferry's `catch_panic` around every poll, and `SmolTask` catches the re-raised panic once,
//! when it polls the handle, turning it into [`JoinError::Panicked`].

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use async_task::FallibleTask;
use ferry_core::Panicked;
use ferry_core::rt::{JoinError, RawTask, TypedTask};

/// The future of `FallibleTask::cancel`: resolves once the task's future has been dropped, to
/// its output if it had completed first.
type Cancelling<T> = Pin<Box<dyn Future<Output = Option<T>> + Send>>;

/// Where a task is, from its handle's side.
///
/// Every variant is at most one pointer wide (for a task with no output), so that the state
/// with its mutex fits the allocator's 32-byte chunk instead of a 48-byte one: that box is
/// kept for every task a handle is alive for. Hence the two boxes on the rare paths (an abort,
/// a panic) and no `Option<Result<..>>` (which would need a tag word of its own).
enum State<T> {
    /// Spawned and not aborted.
    Running(FallibleTask<T>),
    /// Aborted; waits for the executor to drop the task's future.
    Cancelling(Box<Cancelling<T>>),
    /// Ran to its end; the output has not been taken yet.
    Output(T),
    /// Panicked (the executor caught the panic); the panic has not been taken yet.
    Panicked(Box<Panicked>),
    /// Cancelled (by an abort, by its executor being dropped, or because it was never
    /// started), or its outcome was already taken.
    Over,
}

impl<T> State<T> {
    /// The state that holds `outcome`, as `poll_catching` reports it.
    fn ended(outcome: Option<Result<T, Panicked>>) -> Self {
        match outcome {
            Some(Ok(output)) => Self::Output(output),
            Some(Err(panicked)) => Self::Panicked(Box::new(panicked)),
            None => Self::Over,
        }
    }
}

/// Polls an async-task handle (or its `cancel` future), catching the task's panic that
/// async-task re-raises there: `Some(Ok(output))`, `Some(Err(panic))`, or `None` if the task
/// was cancelled before it finished.
fn poll_catching<T, F>(
    handle: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<T, Panicked>>>
where
    F: Future<Output = Option<T>> + ?Sized,
{
    // The handle is never polled again after it panicked: the state moves to `Ended`.
    match catch_unwind(AssertUnwindSafe(|| handle.poll(cx))) {
        Ok(Poll::Pending) => Poll::Pending,
        Ok(Poll::Ready(output)) => Poll::Ready(output.map(Ok)),
        Err(payload) => Poll::Ready(Some(Err(Panicked::from_payload(payload)))),
    }
}

/// A task on an async-task based executor, seen through ferry's [`RawTask`].
///
/// async-task cancels a task when its handle is dropped, while ferry detaches it; so the
/// handle is kept until ferry's handle is dropped (then detached) or aborted (then cancelled
/// through `cancel`, which also tells when the task's future is gone).
pub(crate) struct SmolTask<T> {
    state: Mutex<State<T>>,
}

impl<T: Send + 'static> SmolTask<T> {
    /// Wraps a task that was just spawned.
    pub(crate) fn new(task: async_task::Task<T>) -> Self {
        // The fallible form reports a task its executor dropped as cancelled instead of
        // panicking when polled.
        Self::with_state(State::Running(task.fallible()))
    }

    /// A task that was never started: its executor no longer exists.
    pub(crate) fn never_started() -> Self {
        Self::with_state(State::Over)
    }

    fn with_state(state: State<T>) -> Self {
        Self {
            state: Mutex::new(state),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // The lock is never held across code that can panic, so a poisoned lock still holds a
        // consistent state.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Polls for the task's output: `Err(Panicked)` if it panicked, `Err(Cancelled)` if it was
    /// cancelled before it finished.
    fn poll_output(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        let state = self
            .state
            .get_mut()
            .unwrap_or_else(|poison| poison.into_inner());
        let outcome = match state {
            State::Running(task) => poll_catching(Pin::new(task), cx),
            State::Cancelling(cancel) => poll_catching(cancel.as_mut().as_mut(), cx),
            State::Output(_) | State::Panicked(_) | State::Over => {
                Poll::Ready(match std::mem::replace(state, State::Over) {
                    State::Output(output) => Some(Ok(output)),
                    State::Panicked(panicked) => Some(Err(*panicked)),
                    _ => None,
                })
            }
        };
        match outcome {
            Poll::Ready(outcome) => {
                *state = State::Over;
                Poll::Ready(match outcome {
                    Some(Ok(output)) => Ok(output),
                    Some(Err(panicked)) => Err(JoinError::Panicked(panicked)),
                    None => Err(JoinError::cancelled()),
                })
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn abort_task(&self) {
        let mut state = self.lock();
        if !matches!(*state, State::Running(_)) {
            return;
        }
        let State::Running(task) = std::mem::replace(&mut *state, State::Over) else {
            unreachable!("the state was just checked to be Running");
        };
        let mut cancel: Box<Cancelling<T>> = Box::new(Box::pin(task.cancel()));
        // `cancel` marks the task cancelled on its first poll; polling it here makes the abort
        // take effect now (a task that has not started never will) rather than when someone
        // next awaits the handle. A later poll of the handle registers the real waker.
        *state = match poll_catching(
            cancel.as_mut().as_mut(),
            &mut Context::from_waker(Waker::noop()),
        ) {
            Poll::Ready(output) => State::ended(output),
            Poll::Pending => State::Cancelling(cancel),
        };
    }

    fn task_is_finished(&self) -> bool {
        match &*self.lock() {
            State::Running(task) => task.is_finished(),
            // An aborted task counts as ended, even while its executor has yet to drop it.
            State::Cancelling(_) | State::Output(_) | State::Panicked(_) | State::Over => true,
        }
    }
}

/// The boxed path: the task stored its output on the side and returns `()`.
impl RawTask for SmolTask<()> {
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), JoinError>> {
        self.poll_output(cx)
    }

    fn abort(&self) {
        self.abort_task();
    }

    fn is_finished(&self) -> bool {
        self.task_is_finished()
    }
}

/// The typed path: the task is the user's future (or closure) itself; its panic comes back
/// through the handle (see the module documentation).
impl<T: Send + 'static> TypedTask<T> for SmolTask<T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        self.poll_output(cx)
    }

    fn abort(&self) {
        self.abort_task();
    }

    fn is_finished(&self) -> bool {
        self.task_is_finished()
    }
}

impl<T> Drop for SmolTask<T> {
    fn drop(&mut self) {
        let state = self
            .state
            .get_mut()
            .unwrap_or_else(|poison| poison.into_inner());
        // Dropping ferry's handle detaches the task, where dropping async-task's would cancel it.
        if let State::Running(task) = std::mem::replace(state, State::Over) {
            task.detach();
        }
    }
}

#[cfg(test)]
mod tests {
    /// The handle of every task spawned through ferry-smol is boxed with this state in it;
    /// at 24 bytes the box is the allocator's 32-byte chunk, at 32 bytes it would be a 48-byte
    /// one (see `State`).
    #[test]
    fn a_task_handle_without_output_fits_in_three_words() {
        assert!(
            std::mem::size_of::<super::SmolTask<()>>() <= 3 * std::mem::size_of::<usize>(),
            "SmolTask<()> is {} bytes",
            std::mem::size_of::<super::SmolTask<()>>()
        );
    }
}
