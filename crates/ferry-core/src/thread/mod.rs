//! Run blocking closures off the async threads and await them: asyncio's `to_thread`.
//!
//! [`to_thread`] runs a closure on a runtime's blocking pool (through [`SpawnBlocking`]) and
//! returns a future of its result. Threads cannot be interrupted, so cancellation goes as far
//! as the runtime allows: dropping the future before the closure has started keeps it from
//! starting, and [`to_thread_cancellable`] hands the closure a [`CancelFlag`] that is set when
//! the future is dropped, so that a long loop can check it and stop early.

mod cancel;
mod future;
#[cfg(test)]
mod tests;

pub use cancel::CancelFlag;
pub use future::ToThread;

use crate::rt::{SpawnBlocking, SpawnBlockingExt};

/// Runs the blocking closure `f` on `spawner`'s blocking pool; the returned future resolves to
/// its return value.
///
/// A panic in `f` is caught and comes back as [`JoinError::Panicked`](crate::JoinError).
///
/// # Cancel safety
///
/// Dropping the returned [`ToThread`] aborts the blocking task: if `f` has not started yet it
/// never runs; if it has, it runs to its end on its thread (threads cannot be interrupted) and
/// its result is dropped. Use [`to_thread_cancellable`] to let `f` notice and stop early.
///
/// # Examples
///
/// ```
/// use ferry_core::{to_thread, JoinError, SpawnBlocking};
///
/// async fn checksum(rt: &impl SpawnBlocking, data: Vec<u8>) -> Result<u32, JoinError> {
///     to_thread(rt, move || data.iter().map(|&b| u32::from(b)).sum()).await
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
/// let sum = futures::executor::block_on(checksum(&pool, vec![1, 2, 3]));
/// assert_eq!(sum.unwrap(), 6);
/// ```
pub fn to_thread<S, F, T>(spawner: &S, f: F) -> ToThread<T>
where
    S: SpawnBlocking + ?Sized,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    ToThread::new(spawner.spawn_blocking(f), None)
}

/// Runs the blocking closure `f` on `spawner`'s blocking pool, handing it a [`CancelFlag`]
/// that is set if the returned future is dropped before it completes.
///
/// A closure that loops or works in steps should check
/// [`flag.is_cancelled()`](CancelFlag::is_cancelled) between steps and return early once it
/// is set: nobody is waiting for its result any more. A panic in `f` is caught and comes back
/// as [`JoinError::Panicked`](crate::JoinError).
///
/// # Cancel safety
///
/// Dropping the returned [`ToThread`] before it completes sets the flag and aborts the
/// blocking task: if `f` has not started it never runs; if it has, it keeps running until it
/// returns (ideally soon, having seen the flag), and its result is dropped.
///
/// # Examples
///
/// ```
/// use ferry_core::{to_thread_cancellable, CancelFlag, JoinError, SpawnBlocking};
///
/// async fn count_primes(rt: &impl SpawnBlocking, below: u64) -> Result<Option<usize>, JoinError> {
///     to_thread_cancellable(rt, move |cancel: &CancelFlag| {
///         let mut found = 0;
///         for n in 2..below {
///             if n % 1024 == 0 && cancel.is_cancelled() {
///                 return None; // the caller went away; stop burning CPU
///             }
///             if (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0) {
///                 found += 1;
///             }
///         }
///         Some(found)
///     })
///     .await
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
/// let primes = futures::executor::block_on(count_primes(&pool, 100));
/// assert_eq!(primes.unwrap(), Some(25));
/// ```
pub fn to_thread_cancellable<S, F, T>(spawner: &S, f: F) -> ToThread<T>
where
    S: SpawnBlocking + ?Sized,
    F: FnOnce(&CancelFlag) -> T + Send + 'static,
    T: Send + 'static,
{
    let flag = CancelFlag::new();
    let task_flag = flag.clone();
    ToThread::new(spawner.spawn_blocking(move || f(&task_flag)), Some(flag))
}
