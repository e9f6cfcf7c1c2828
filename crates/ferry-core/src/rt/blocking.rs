//! Running blocking closures on a thread pool.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::join::{JoinHandle, RawJoinHandle, fill_slot, new_slot};
use crate::panic::Panicked;

/// A boxed blocking closure as a backend receives it: it never panics and returns nothing.
pub type BlockingTask = Box<dyn FnOnce() + Send + 'static>;

/// Runs blocking closures (file I/O, compression, CPU-heavy parsing) off the async threads.
pub trait SpawnBlocking: Send + Sync {
    /// Runs `task` on a thread where blocking is allowed and returns a handle to it.
    ///
    /// Aborting the handle before the closure starts must keep it from running; a closure
    /// that has started runs to the end (threads cannot be interrupted).
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle;
}

/// Typed blocking work on any [`SpawnBlocking`]: implemented for all of them.
pub trait SpawnBlockingExt: SpawnBlocking {
    /// Runs `f` on the blocking pool; the handle resolves to its return value.
    ///
    /// A panic in `f` is caught and comes back as
    /// [`JoinError::Panicked`](crate::rt::JoinError::Panicked).
    fn spawn_blocking<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = new_slot();
        let task_slot = Arc::clone(&slot);
        let raw = self.spawn_blocking_boxed(Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(f));
            fill_slot(&task_slot, result.map_err(Panicked::from_payload));
        }));
        JoinHandle::new(raw, slot)
    }
}

impl<S: SpawnBlocking + ?Sized> SpawnBlockingExt for S {}

impl<S: SpawnBlocking + ?Sized> SpawnBlocking for &S {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        (**self).spawn_blocking_boxed(task)
    }
}

impl<S: SpawnBlocking + ?Sized> SpawnBlocking for Box<S> {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        (**self).spawn_blocking_boxed(task)
    }
}

impl<S: SpawnBlocking + ?Sized> SpawnBlocking for Arc<S> {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        (**self).spawn_blocking_boxed(task)
    }
}
