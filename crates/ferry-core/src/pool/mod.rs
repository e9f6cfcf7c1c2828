//! Worker pools: N concurrent handlers over a queue, a stream or an iterator, with a report of
//! every item (asyncio's pattern of N worker tasks reading a `Queue`).
//!
//! [`WorkerPool`] runs its workers inside its own future (no spawning); a handler that fails
//! or panics fails only its item, which the [`PoolReport`] lists with its sequence number.

mod report;
mod worker_pool;

pub use report::{HandlerError, ItemDone, ItemFailed, ItemSucceeded, PoolReport};
pub use worker_pool::WorkerPool;

#[cfg(test)]
mod tests {
    use super::WorkerPool;
    use crate::queue;

    fn assert_send<F: Send>(future: F) -> F {
        future
    }

    /// Fails to compile if the pool's futures stop being `Send` for `Send` handlers, which
    /// would keep them off multi-threaded executors.
    #[test]
    fn pool_futures_are_send_when_handlers_are() {
        let (tx, rx) = queue::bounded::<u32>(4).unwrap();
        tx.try_send(1).unwrap();
        drop(tx);
        let pool = WorkerPool::new(2).unwrap().on_item(|_| {});
        let report = futures::executor::block_on(assert_send(
            pool.run_queue(&rx, |n| async move { Ok::<_, ()>(n) }),
        ));
        assert_eq!(report.succeeded_count(), 1);
        let report = futures::executor::block_on(assert_send(
            pool.run_iter([1, 2], |n| async move { Err::<(), _>(n) }),
        ));
        assert_eq!(report.failed_count(), 2);
    }
}
