//! Structured concurrency: a group of spawned tasks that succeed or fail together, like
//! Python's `asyncio.TaskGroup` and trio's nurseries.
//!
//! A [`TaskGroup`] spawns children on any [`Spawn`] and owns them: [`join`](TaskGroup::join)
//! waits for all of them and returns their values in spawn order, the first failure (an error
//! or a panic) stops the others, and dropping the group aborts whatever is still running. A
//! task spawned through a group never outlives it.

mod child;
mod error;
mod join;
#[cfg(test)]
mod tests;

pub use error::{ChildError, GroupError};
pub use join::Join;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::rt::{JoinHandle, Spawn, SpawnExt};
use child::{Outcome, StopSignal, run_child};

/// A set of spawned tasks that succeed or fail as one.
///
/// Children are futures returning `Result<T, E>`, spawned as real tasks on the group's
/// spawner, so they run in parallel on a multi-thread runtime and progress whether or not
/// anyone awaits the group. Then:
///
/// - [`join`](Self::join) waits for every child and returns their values in spawn order.
/// - The first child to fail, by returning `Err` or by panicking (a child's panic is caught;
///   it never takes down the caller), stops every sibling at its next suspension point, at
///   once, whether or not `join` is being awaited yet. `join` then waits until they have all
///   ended and returns that failure as a [`GroupError`] with the child's spawn index.
/// - Dropping the group, or the [`Join`] future, aborts every child still running.
///
/// # Examples
///
/// ```
/// use ferry_core::task_group::GroupError;
/// use ferry_core::{Spawn, TaskGroup};
///
/// async fn fetch_all(spawner: impl Spawn) -> Result<Vec<String>, GroupError<std::io::Error>> {
///     let mut group = TaskGroup::new(spawner);
///     for id in 1..=3 {
///         group.spawn(async move { Ok(format!("item {id}")) });
///     }
///     group.join().await
/// }
/// # // A minimal backend for this example: futures' thread pool, which needs no runtime.
/// # use std::sync::{Arc, atomic::{AtomicBool, Ordering}};
/// # use std::task::{Context, Poll};
/// # use ferry_core::rt::{BlockingTask, BoxTask, RawJoinHandle, RawTask};
/// # use futures::channel::oneshot;
/// # struct Pool(futures::executor::ThreadPool);
/// # struct Done(oneshot::Receiver<()>, Arc<AtomicBool>);
/// # impl RawTask for Done {
/// #     fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), ferry_core::JoinError>> {
/// #         std::pin::Pin::new(&mut self.0).poll(cx).map(|r| r.map_err(|_| ferry_core::JoinError::cancelled()))
/// #     }
/// #     fn abort(&self) {}
/// #     fn is_finished(&self) -> bool { self.1.load(Ordering::SeqCst) }
/// # }
/// # impl Pool {
/// #     fn run(&self, task: BoxTask) -> RawJoinHandle {
/// #         let (tx, rx) = oneshot::channel();
/// #         let done = Arc::new(AtomicBool::new(false));
/// #         let flag = Arc::clone(&done);
/// #         self.0.spawn_ok(async move { task.await; flag.store(true, Ordering::SeqCst); let _ = tx.send(()); });
/// #         RawJoinHandle::new(Done(rx, done))
/// #     }
/// # }
/// # impl ferry_core::Spawn for Pool {
/// #     fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle { self.run(task) }
/// # }
/// # impl ferry_core::SpawnBlocking for Pool {
/// #     fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle { self.run(Box::pin(async move { task() })) }
/// # }
/// # let pool = Pool(futures::executor::ThreadPool::new().unwrap());
/// # use std::future::Future as _;
/// let items = futures::executor::block_on(fetch_all(pool)).unwrap();
/// assert_eq!(items, ["item 1", "item 2", "item 3"]);
/// ```
pub struct TaskGroup<S, T, E> {
    spawner: S,
    children: Vec<JoinHandle<Outcome<T, E>>>,
    signal: Arc<StopSignal>,
}

impl<S, T, E> TaskGroup<S, T, E>
where
    S: Spawn,
    T: Send + 'static,
    E: Send + 'static,
{
    /// An empty group whose children will run on `spawner`.
    pub fn new(spawner: S) -> Self {
        Self {
            spawner,
            children: Vec::new(),
            signal: Arc::default(),
        }
    }

    /// Spawns `future` as a child of the group and returns its index: its position in the
    /// vector [`join`](Self::join) returns, and the index a [`GroupError`] names.
    ///
    /// The child starts running at once. If a sibling has already failed, the group is
    /// stopping and the child is dropped without being polled.
    pub fn spawn<F>(&mut self, future: F) -> usize
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let index = self.children.len();
        let signal = Arc::clone(&self.signal);
        let child = async move { run_child(future, &signal).await };
        self.children.push(self.spawner.spawn(child));
        index
    }

    /// How many children have been spawned.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// Whether no child has been spawned.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// Aborts every child; each stops at its next suspension point.
    ///
    /// Children that had already finished keep their values. A child that is aborted before
    /// it finishes makes [`join`](Self::join) fail with [`ChildError::Cancelled`].
    pub fn abort_all(&self) {
        for child in &self.children {
            child.abort();
        }
    }

    /// Waits for every child and returns their values in spawn order, or the first failure.
    ///
    /// On the first failure (in time) the other children are aborted, and the returned future
    /// resolves only once they have all ended, so that none is still running when the caller
    /// handles the error. A group with no children resolves at once to an empty vector.
    ///
    /// # Cancel safety
    ///
    /// Not resumable: dropping the [`Join`] before it completes aborts every child still
    /// running and drops the values collected so far. No child outlives it.
    pub fn join(mut self) -> Join<T, E> {
        Join::new(std::mem::take(&mut self.children), Arc::clone(&self.signal))
    }
}

impl<S, T, E> Drop for TaskGroup<S, T, E> {
    fn drop(&mut self) {
        // After `join` the children belong to the `Join` (and this list is empty): stopping
        // them is its business then, not this one's.
        if self.children.is_empty() {
            return;
        }
        self.signal.stop();
        for child in &self.children {
            child.abort();
        }
    }
}

impl<S, T, E> fmt::Debug for TaskGroup<S, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("children", &self.children.len())
            .finish_non_exhaustive()
    }
}
