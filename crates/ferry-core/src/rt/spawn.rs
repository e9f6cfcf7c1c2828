//! Spawning tasks.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::FutureExt;

use super::join::{JoinHandle, RawJoinHandle, fill_slot, new_slot};
use crate::panic::Panicked;

/// A boxed task as a backend receives it: it never panics and returns nothing.
pub type BoxTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Starts tasks on an executor.
///
/// This is the one method a backend implements; users call [`SpawnExt::spawn`], which accepts
/// any `Send + 'static` future, catches its panic and returns a typed [`JoinHandle`].
pub trait Spawn: Send + Sync {
    /// Starts `task` on the executor and returns a handle to it.
    ///
    /// The task must start without the caller awaiting anything, and must keep running if the
    /// returned handle is dropped.
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle;
}

/// Typed spawning on any [`Spawn`]: implemented for all of them.
pub trait SpawnExt: Spawn {
    /// Spawns `future` as a new task and returns a handle that resolves to its output.
    ///
    /// A panic in the task is caught and comes back as
    /// [`JoinError::Panicked`](crate::rt::JoinError::Panicked); it never takes down the
    /// executor thread.
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let slot = new_slot();
        let task_slot = Arc::clone(&slot);
        let raw = self.spawn_boxed(Box::pin(async move {
            let result = AssertUnwindSafe(future).catch_unwind().await;
            fill_slot(&task_slot, result.map_err(Panicked::from_payload));
        }));
        JoinHandle::new(raw, slot)
    }
}

impl<S: Spawn + ?Sized> SpawnExt for S {}

impl<S: Spawn + ?Sized> Spawn for &S {
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle {
        (**self).spawn_boxed(task)
    }
}

impl<S: Spawn + ?Sized> Spawn for Box<S> {
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle {
        (**self).spawn_boxed(task)
    }
}

impl<S: Spawn + ?Sized> Spawn for Arc<S> {
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle {
        (**self).spawn_boxed(task)
    }
}
