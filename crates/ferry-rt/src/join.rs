//! Join handles: how a spawned task's outcome comes back to whoever spawned it.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use crate::Panicked;

/// The backend's side of a spawned task: learn when it has ended, or abort it.
///
/// Backends implement this for their native task handle (tokio's `JoinHandle<()>`, async-task's
/// `Task<()>`, ...). The task a backend runs never panics and never returns a value: ferry
/// wraps the user's future so that its panic is caught and its output is stored on the side,
/// which is what keeps this trait object safe and the same on every runtime.
pub trait RawTask: Send + Sync {
    /// Polls for the end of the task.
    ///
    /// Returns `Ready(Ok(()))` once the task ran to completion, `Ready(Err(_))` if it was
    /// aborted (or the runtime shut down before it finished).
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), JoinError>>;

    /// Asks the runtime to stop the task at its next suspension point.
    ///
    /// Aborting a finished task does nothing. A task aborted before it started never runs.
    fn abort(&self);

    /// Whether the task has ended, by completion or by abort.
    fn is_finished(&self) -> bool;
}

/// A type-erased handle to a spawned task, as returned by [`Spawn::spawn_boxed`].
///
/// [`Spawn::spawn_boxed`]: crate::Spawn::spawn_boxed
pub struct RawJoinHandle(Box<dyn RawTask>);

impl RawJoinHandle {
    /// Wraps a backend's task handle.
    pub fn new(task: impl RawTask + 'static) -> Self {
        Self(Box::new(task))
    }

    /// Polls for the end of the task; see [`RawTask::poll_finished`].
    pub fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), JoinError>> {
        self.0.poll_finished(cx)
    }

    /// Aborts the task; see [`RawTask::abort`].
    pub fn abort(&self) {
        self.0.abort();
    }

    /// Whether the task has ended.
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl fmt::Debug for RawJoinHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawJoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Why a task produced no output.
//
// Display and Error are written out rather than derived so that this interface crate compiles
// no proc macro: a library that depends on it alone builds in seconds.
#[derive(Debug)]
pub enum JoinError {
    /// The task was aborted, or its runtime shut down, before it finished.
    Cancelled,
    /// The task panicked; the panic was caught and its message kept.
    Panicked(Panicked),
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled => f.write_str("task was cancelled before it finished"),
            JoinError::Panicked(panicked) => write!(f, "task panicked: {panicked}"),
        }
    }
}

impl std::error::Error for JoinError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JoinError::Cancelled => None,
            JoinError::Panicked(panicked) => Some(panicked),
        }
    }
}

impl From<Panicked> for JoinError {
    fn from(panicked: Panicked) -> JoinError {
        JoinError::Panicked(panicked)
    }
}

impl JoinError {
    /// Makes the error for a task that was aborted.
    pub fn cancelled() -> Self {
        Self::Cancelled
    }

    /// Makes the error for a task whose panic carried `payload`.
    pub fn panicked(payload: Box<dyn Any + Send>) -> Self {
        Self::Panicked(Panicked::from_payload(payload))
    }

    /// Whether the task was aborted.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, Self::Panicked(_))
    }
}

/// Where a task leaves its output for its [`JoinHandle`].
///
/// A plain mutex is enough: it is locked once by the task when it ends and once by the handle
/// after the backend said the task ended, so it is never contended on the hot path.
pub(crate) type OutputSlot<T> = Arc<Mutex<Option<Result<T, Panicked>>>>;

pub(crate) fn new_slot<T>() -> OutputSlot<T> {
    Arc::new(Mutex::new(None))
}

pub(crate) fn fill_slot<T>(slot: &OutputSlot<T>, value: Result<T, Panicked>) {
    // A poisoned lock only means another thread panicked while holding it, which the code
    // below never does; the data is still a plain Option, so take it regardless.
    let mut guard = slot.lock().unwrap_or_else(|poison| poison.into_inner());
    *guard = Some(value);
}

/// A backend's typed handle to a task it spawned natively, through
/// [`Spawn::spawn_typed`](crate::Spawn::spawn_typed): the task's output comes back through
/// the backend's own handle (tokio's `JoinHandle<T>`, async-task's `Task<T>`), so ferry needs
/// no output slot of its own and no boxed future.
///
/// A panic in the task must come back as [`JoinError::Panicked`], as on the boxed path: either
/// the backend runs the user's future wrapped in [`catch_panic`](crate::catch_panic), or its executor already
/// catches a task's panic and hands it to the handle (tokio does; so does async-executor, whose
/// handle re-raises it when polled, for the backend to catch there once). The second way saves
/// a wrapper around every poll of the task.
pub trait TypedTask<T>: Send + Sync {
    /// Polls for the task's outcome: its output, its caught panic, or
    /// [`JoinError::Cancelled`] if it was aborted (or its runtime shut down) before it finished.
    ///
    /// Called at most once after it returned `Ready`.
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>>;

    /// Asks the runtime to stop the task at its next suspension point; see [`RawTask::abort`].
    fn abort(&self);

    /// Whether the task has ended, by completion or by abort.
    fn is_finished(&self) -> bool;
}

/// An owned handle to a spawned task; awaiting it gives the task's output.
///
/// Dropping a `JoinHandle` detaches the task: it keeps running, and its output is dropped
/// when it ends. Call [`abort`](Self::abort) to stop it, or use a
/// `ferry_core::TaskGroup`, which aborts its children when dropped.
///
/// # Cancel safety
///
/// Awaiting a `JoinHandle` is cancel safe: dropping the `.await` leaves the task running and
/// the handle usable.
#[must_use = "dropping a JoinHandle detaches the task; await it or call abort()"]
pub struct JoinHandle<T> {
    repr: Repr<T>,
}

/// How a [`JoinHandle`] reaches its task.
enum Repr<T> {
    /// Spawned through [`Spawn::spawn_boxed`](crate::Spawn::spawn_boxed): the backend only
    /// says when the task ended, and the output waits in a slot the task filled.
    Boxed {
        raw: RawJoinHandle,
        output: OutputSlot<T>,
    },
    /// Spawned natively by the backend, which hands the output back itself.
    Typed(Box<dyn TypedTask<T>>),
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(raw: RawJoinHandle, output: OutputSlot<T>) -> Self {
        Self {
            repr: Repr::Boxed { raw, output },
        }
    }

    /// Wraps a backend's typed task handle; see [`TypedTask`].
    pub fn from_typed(task: impl TypedTask<T> + 'static) -> Self {
        Self {
            repr: Repr::Typed(Box::new(task)),
        }
    }

    /// Asks the runtime to stop the task at its next suspension point; awaiting the handle
    /// then gives [`JoinError::Cancelled`] (or the output, if the task had already finished).
    pub fn abort(&self) {
        match &self.repr {
            Repr::Boxed { raw, .. } => raw.abort(),
            Repr::Typed(task) => task.abort(),
        }
    }

    /// Whether the task has ended.
    pub fn is_finished(&self) -> bool {
        match &self.repr {
            Repr::Boxed { raw, .. } => raw.is_finished(),
            Repr::Typed(task) => task.is_finished(),
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (raw, output) = match &mut self.repr {
            Repr::Boxed { raw, output } => (raw, output),
            Repr::Typed(task) => return task.poll_join(cx),
        };
        let finished = ready!(raw.poll_finished(cx));
        let stored = output
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .take();
        Poll::Ready(match (finished, stored) {
            // The task stores its output before it ends, so a finished task that left
            // nothing was either aborted or already joined once.
            (_, Some(Ok(value))) => Ok(value),
            (_, Some(Err(panicked))) => Err(JoinError::Panicked(panicked)),
            (Err(error), None) => Err(error),
            (Ok(()), None) => Err(JoinError::Cancelled),
        })
    }
}
