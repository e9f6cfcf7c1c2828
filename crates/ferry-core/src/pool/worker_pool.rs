//! The pool itself: N handlers at a time over a queue, a stream or an iterator.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use futures_core::Stream;
use futures_util::{FutureExt, StreamExt, stream};

use super::report::{HandlerError, ItemDone, ItemFailed, ItemSucceeded, PoolReport};
use crate::queue::Receiver;
use crate::{ConcurrencyLimit, InvalidLimit, Panicked};

type ProgressCallback = Arc<dyn Fn(&ItemDone) + Send + Sync>;

/// Runs an async handler over items with at most N at once: asyncio's "N worker tasks
/// reading a queue", without spawning.
///
/// The workers run concurrently inside the future a `run_*` method returns, on whatever
/// executor polls it: no [`Spawn`](crate::Spawn) is needed, and the handler's future need not
/// be `Send` or `'static`. (Run the pool's future on a spawned task, or several pools, to use
/// several threads.)
///
/// A handler that returns `Err` or panics fails only its own item: the item is reported as
/// failed, with its sequence number and [`HandlerError`], and the pool goes on with the others.
/// The [`PoolReport`] lists every item that was handled; none is silently dropped.
///
/// # Examples
///
/// ```
/// use futures::executor::block_on;
/// use ferry_core::WorkerPool;
///
/// let (tx, rx) = ferry_core::queue::bounded(8).unwrap();
/// let pool = WorkerPool::new(3).unwrap();
/// let report = block_on(async {
///     let producer = async move {
///         for n in 1..=10_u32 {
///             tx.send(n).await.unwrap();
///         }
///     }; // dropping `tx` closes the queue, which ends the pool once it is drained
///     let workers = pool.run_queue(&rx, |n| async move {
///         if n == 7 { Err("seven") } else { Ok(n * 10) }
///     });
///     let ((), report) = futures::join!(producer, workers);
///     rx.join().await.unwrap(); // the pool marked every item done
///     report
/// });
/// assert_eq!(report.succeeded_count(), 9);
/// assert_eq!(report.failed[0].seq, 6); // the 7th item to arrive
/// ```
#[derive(Clone)]
pub struct WorkerPool {
    workers: ConcurrencyLimit,
    on_item: Option<ProgressCallback>,
}

impl WorkerPool {
    /// A pool of `workers` workers; 0 is an error ([`InvalidLimit`]), never a hang.
    pub fn new(workers: usize) -> Result<Self, InvalidLimit> {
        ConcurrencyLimit::new(workers).map(Self::with_limit)
    }

    /// A pool running at most `workers` handlers at once.
    pub fn with_limit(workers: ConcurrencyLimit) -> Self {
        Self {
            workers,
            on_item: None,
        }
    }

    /// How many handlers run at once, at most.
    pub fn workers(&self) -> ConcurrencyLimit {
        self.workers
    }

    /// Calls `callback` each time a handler finishes (for progress bars and logs). It runs
    /// inside the pool's future, so it should be quick.
    pub fn on_item(mut self, callback: impl Fn(&ItemDone) + Send + Sync + 'static) -> Self {
        self.on_item = Some(Arc::new(callback));
        self
    }

    /// Receives items from `queue` until it is closed and drained, handling each with
    /// `handler`, and marks each item done ([`Receiver::task_done`]) as soon as its handler
    /// finishes (succeeded, failed or panicked), so that `join` on the queue works with pools.
    ///
    /// Other receivers (and other pools) may take items from the same queue meanwhile; this
    /// pool reports only the items it received, numbered in the order it received them.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the handlers in flight: their items are in no report and are
    /// not marked done (so `join` keeps waiting for them, or fails with
    /// [`UnfinishedItems`](crate::queue::UnfinishedItems) once every receiver is gone).
    /// Items still in the queue stay there: no item is taken that is not handed to a handler.
    pub async fn run_queue<T, O, E, F, Fut>(
        &self,
        queue: &Receiver<T>,
        handler: F,
    ) -> PoolReport<O, E>
    where
        F: FnMut(T) -> Fut,
        Fut: Future<Output = Result<O, E>>,
    {
        self.drive(queue.recv_stream(), handler, || {
            // Can only fail if code outside the pool called `task_done` for items it never
            // received; this pool's item was received, so the count is still owed and there
            // is nothing better to do than go on.
            let _ = queue.task_done();
        })
        .await
    }

    /// Handles every item of `items` with `handler` until the stream ends.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the handlers in flight and the stream: the items in flight
    /// are in no report (they are lost), and items the stream had not yielded are never
    /// taken.
    pub async fn run_stream<S, O, E, F, Fut>(&self, items: S, handler: F) -> PoolReport<O, E>
    where
        S: Stream,
        F: FnMut(S::Item) -> Fut,
        Fut: Future<Output = Result<O, E>>,
    {
        self.drive(items, handler, || {}).await
    }

    /// Handles every item of `items` with `handler`: [`run_stream`](Self::run_stream) over an
    /// iterator.
    ///
    /// # Cancel safety
    ///
    /// As [`run_stream`](Self::run_stream): handlers in flight are dropped and their items
    /// are lost to the report.
    ///
    /// ```
    /// use futures::executor::block_on;
    /// use ferry_core::WorkerPool;
    ///
    /// let pool = WorkerPool::new(2).unwrap();
    /// let mut report = block_on(pool.run_iter(["1", "x", "3"], |text| async move {
    ///     text.parse::<u32>()
    /// }));
    /// report.sort_by_seq();
    /// let outputs: Vec<u32> = report.succeeded.iter().map(|item| item.output).collect();
    /// assert_eq!(outputs, [1, 3]);
    /// assert_eq!(report.failed[0].seq, 1);
    /// ```
    pub async fn run_iter<I, O, E, F, Fut>(&self, items: I, handler: F) -> PoolReport<O, E>
    where
        I: IntoIterator,
        F: FnMut(I::Item) -> Fut,
        Fut: Future<Output = Result<O, E>>,
    {
        self.drive(stream::iter(items), handler, || {}).await
    }

    /// The one loop behind every `run_*`: up to N handler futures in a `buffer_unordered`,
    /// each wrapped to catch its panics and to call `finished` when it ends.
    async fn drive<S, O, E, F, Fut, D>(
        &self,
        items: S,
        mut handler: F,
        finished: D,
    ) -> PoolReport<O, E>
    where
        S: Stream,
        F: FnMut(S::Item) -> Fut,
        Fut: Future<Output = Result<O, E>>,
        D: Fn(),
    {
        let finished = &finished;
        let outcomes = items
            .enumerate()
            .map(|(seq, item)| {
                // Calling the handler can panic before any future exists; catch that too.
                let started = catch_unwind(AssertUnwindSafe(|| handler(item)));
                async move {
                    let outcome = match started {
                        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
                        Err(payload) => Err(payload),
                    };
                    finished();
                    (seq as u64, outcome)
                }
            })
            .buffer_unordered(self.workers.get());
        let mut outcomes = std::pin::pin!(outcomes);

        let mut report = PoolReport::new();
        let mut finished_count = 0_u64;
        while let Some((seq, outcome)) = outcomes.next().await {
            finished_count += 1;
            let succeeded = matches!(outcome, Ok(Ok(_)));
            match outcome {
                Ok(Ok(output)) => report.succeeded.push(ItemSucceeded { seq, output }),
                Ok(Err(error)) => report.failed.push(ItemFailed {
                    seq,
                    error: HandlerError::Failed(error),
                }),
                Err(payload) => report.failed.push(ItemFailed {
                    seq,
                    error: HandlerError::Panicked(Panicked::from_payload(payload)),
                }),
            }
            if let Some(callback) = &self.on_item {
                callback(&ItemDone {
                    seq,
                    succeeded,
                    finished: finished_count,
                });
            }
        }
        report
    }
}

impl fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPool")
            .field("workers", &self.workers.get())
            .field("on_item", &self.on_item.is_some())
            .finish()
    }
}
