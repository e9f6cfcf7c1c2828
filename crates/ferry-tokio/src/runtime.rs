//! [`TokioRuntime`]: the runtime traits on a tokio runtime handle.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ferry_core::rt::{
    BlockingTask, BoxTask, Clock, JoinError, JoinHandle, RawJoinHandle, RawTask, Sleep, Spawn,
    SpawnBlocking, Timer, TypedTask,
};
use tokio::runtime::Handle;

/// ferry's runtime traits on a tokio runtime.
///
/// Holds a [`Handle`], so it can be cloned freely and used from any thread, inside or outside
/// the runtime: tasks always land on the runtime the handle belongs to, and timers are always
/// registered with its time driver. The runtime must have its time driver enabled
/// (`enable_time()` or `enable_all()`), as `#[tokio::main]` and `#[tokio::test]` do.
///
/// The clock is tokio's, so tokio's paused time (`tokio::time::pause`) applies to ferry's
/// timeouts and deadlines too.
#[derive(Debug, Clone)]
pub struct TokioRuntime {
    handle: Handle,
}

/// [`TokioRuntime::try_current`] was called outside a tokio runtime.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "no tokio runtime is running on this thread; call from inside one or use TokioRuntime::from_handle"
)]
pub struct NoTokioRuntime;

impl TokioRuntime {
    /// The runtime the calling thread is running on.
    ///
    /// # Panics
    ///
    /// Panics when called outside a tokio runtime, like `tokio::spawn`; use
    /// [`try_current`](Self::try_current) to get an error instead.
    pub fn current() -> Self {
        Self::from_handle(Handle::current())
    }

    /// The runtime the calling thread is running on, or an error outside one.
    pub fn try_current() -> Result<Self, NoTokioRuntime> {
        Handle::try_current()
            .map(Self::from_handle)
            .map_err(|_| NoTokioRuntime)
    }

    /// The runtime behind `handle`.
    pub fn from_handle(handle: Handle) -> Self {
        Self { handle }
    }

    /// The tokio handle, for tokio-specific work.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

/// A tokio task as a ferry [`RawTask`].
struct TokioTask(tokio::task::JoinHandle<()>);

impl RawTask for TokioTask {
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), JoinError>> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|result| result.map_err(join_error))
    }

    fn abort(&self) {
        self.0.abort();
    }

    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

/// The error for a tokio task that produced no output.
fn join_error(error: tokio::task::JoinError) -> JoinError {
    match error.try_into_panic() {
        // The task panicked (typed path), or dropping its output did (boxed path, whose task
        // catches its own panics).
        Ok(payload) => JoinError::panicked(payload),
        Err(_) => JoinError::cancelled(),
    }
}

/// A tokio task spawned with its type, as a ferry [`TypedTask`]: tokio's handle carries the
/// output, so ferry adds only the box around this handle.
///
/// The future is spawned as it is, without ferry's `catch_panic`: tokio already catches a
/// task's panic and hands its payload to the handle, which turns it into
/// [`JoinError::Panicked`] here, exactly as `catch_panic` would. Not wrapping keeps tokio's task
/// cell the size of a direct `tokio::spawn` (a wider output pushes it past tokio's 128-byte
/// alignment to 256 bytes per task).
struct TokioTypedTask<T>(tokio::task::JoinHandle<T>);

impl<T: Send> TypedTask<T> for TokioTypedTask<T> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|result| result.map_err(join_error))
    }

    fn abort(&self) {
        self.0.abort();
    }

    fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl Spawn for TokioRuntime {
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle {
        RawJoinHandle::new(TokioTask(self.handle.spawn(task)))
    }

    fn spawn_typed<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        JoinHandle::from_typed(TokioTypedTask(self.handle.spawn(future)))
    }
}

impl SpawnBlocking for TokioRuntime {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        RawJoinHandle::new(TokioTask(self.handle.spawn_blocking(task)))
    }

    fn spawn_blocking_typed<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // tokio catches the closure's panic as it does a task's.
        JoinHandle::from_typed(TokioTypedTask(self.handle.spawn_blocking(f)))
    }
}

impl Clock for TokioRuntime {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

impl Timer for TokioRuntime {
    fn sleep_until(&self, deadline: Instant) -> Sleep {
        // The typed sleeps enter the handle, which binds the sleep to this runtime's time
        // driver, so it works even when created on a thread that tokio does not run (a smol
        // task, a plain thread).
        Sleep::new(self.sleep_until_typed(deadline))
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Sleep::new(self.sleep_typed(duration))
    }

    /// tokio's own [`tokio::time::Sleep`], bound to this runtime's time driver.
    fn sleep_typed(&self, duration: Duration) -> impl Future<Output = ()> + Send + Sync + 'static {
        let _guard = self.handle.enter();
        tokio::time::sleep(duration)
    }

    /// tokio's own [`tokio::time::Sleep`], bound to this runtime's time driver.
    fn sleep_until_typed(
        &self,
        deadline: Instant,
    ) -> impl Future<Output = ()> + Send + Sync + 'static {
        let _guard = self.handle.enter();
        tokio::time::sleep_until(deadline.into())
    }
}
