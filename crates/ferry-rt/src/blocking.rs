//! Running blocking closures on a thread pool.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::join::{JoinHandle, RawJoinHandle, fill_slot, new_slot};
use crate::Panicked;

/// A boxed blocking closure as a backend receives it: it never panics and returns nothing.
pub type BlockingTask = Box<dyn FnOnce() + Send + 'static>;

/// Runs blocking closures (file I/O, compression, CPU-heavy parsing) off the async threads.
pub trait SpawnBlocking: Send + Sync {
    /// Runs `task` on a thread where blocking is allowed and returns a handle to it.
    ///
    /// Aborting the handle before the closure starts must keep it from running; a closure
    /// that has started runs to the end (threads cannot be interrupted).
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle;

    /// Runs `f` on the blocking pool without type erasure; what
    /// [`SpawnBlockingExt::spawn_blocking`] calls.
    ///
    /// The default boxes the closure and goes through
    /// [`spawn_blocking_boxed`](Self::spawn_blocking_boxed). A backend overrides it to run
    /// `f` natively, catching its panic with [`std::panic::catch_unwind`] and turning it into
    /// a [`Panicked`], and return [`JoinHandle::from_typed`] over its typed handle; the handle
    /// behaves the same either way.
    fn spawn_blocking_typed<F, T>(&self, f: F) -> JoinHandle<T>
    where
        Self: Sized,
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

/// Typed blocking work on any [`SpawnBlocking`]: implemented for all sized ones, which
/// includes `&dyn Runtime` and `Arc<dyn Runtime>`.
pub trait SpawnBlockingExt: SpawnBlocking + Sized {
    /// Runs `f` on the blocking pool; the handle resolves to its return value.
    ///
    /// A panic in `f` is caught and comes back as
    /// [`JoinError::Panicked`](crate::JoinError::Panicked).
    fn spawn_blocking<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.spawn_blocking_typed(f)
    }
}

impl<S: SpawnBlocking> SpawnBlockingExt for S {}

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
