//! Spawning tasks.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::join::{JoinHandle, RawJoinHandle, fill_slot, new_slot};
use crate::catch_panic;

/// A boxed task as a backend receives it: it never panics and returns nothing.
pub type BoxTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Starts tasks on an executor.
///
/// A backend implements [`spawn_boxed`](Self::spawn_boxed), the object-safe way in that
/// `dyn Runtime` uses, and should override [`spawn_typed`](Self::spawn_typed) to spawn the
/// future natively, which saves ferry's boxing. Users call [`SpawnExt::spawn`], which accepts
/// any `Send + 'static` future, catches its panic and returns a typed [`JoinHandle`].
pub trait Spawn: Send + Sync {
    /// Starts `task` on the executor and returns a handle to it.
    ///
    /// The task must start without the caller awaiting anything, and must keep running if the
    /// returned handle is dropped.
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle;

    /// Starts `future` on the executor without type erasure; what [`SpawnExt::spawn`] calls.
    ///
    /// The default boxes the future, stores its output on the side and goes through
    /// [`spawn_boxed`](Self::spawn_boxed) (four allocations per task, counting the
    /// executor's own). A backend overrides it to spawn the future on its executor, wrapped in
    /// [`catch_panic`] unless the executor catches panics itself (see
    /// [`TypedTask`](crate::TypedTask)), and return [`JoinHandle::from_typed`] over its
    /// native typed handle (two allocations). Either way the handle behaves the same: a panic
    /// comes back as
    /// [`JoinError::Panicked`](crate::JoinError::Panicked), dropping the handle detaches
    /// the task, and `abort` stops it.
    ///
    /// [`catch_panic`]: crate::catch_panic
    fn spawn_typed<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        Self: Sized,
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_through_boxed(self, future)
    }
}

/// Spawns `future` through [`Spawn::spawn_boxed`]: the path every spawner supports.
fn spawn_through_boxed<S, F>(spawner: &S, future: F) -> JoinHandle<F::Output>
where
    S: Spawn + ?Sized,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let slot = new_slot();
    let task_slot = Arc::clone(&slot);
    let raw = spawner.spawn_boxed(Box::pin(async move {
        let result = catch_panic(future).await;
        fill_slot(&task_slot, result);
    }));
    JoinHandle::new(raw, slot)
}

/// Typed spawning on any [`Spawn`]: implemented for all of them.
///
/// Implemented for sized spawners, which includes `&dyn Spawn`, `Box<dyn Runtime>` and
/// `Arc<dyn Runtime>`: calling `spawn` on a `&dyn Runtime` goes through the reference.
pub trait SpawnExt: Spawn + Sized {
    /// Spawns `future` as a new task and returns a handle that resolves to its output.
    ///
    /// A panic in the task is caught and comes back as
    /// [`JoinError::Panicked`](crate::JoinError::Panicked); it never takes down the
    /// executor thread. Uses the backend's native spawn ([`Spawn::spawn_typed`]) when the
    /// spawner's concrete type is known, the boxed path behind `dyn`.
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_typed(future)
    }
}

impl<S: Spawn> SpawnExt for S {}

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
