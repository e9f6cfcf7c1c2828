//! Worker pools: N concurrent handlers over a queue, a stream or an iterator, with a report of
//! every item (asyncio's pattern of N worker tasks reading a `Queue`).
//!
//! [`WorkerPool`] runs its workers inside its own future (no spawning); a handler that fails
//! or panics fails only its item, which the [`PoolReport`] lists with its sequence number.

mod report;
mod worker_pool;

pub use report::{HandlerError, ItemDone, ItemFailed, ItemSucceeded, PoolReport};
pub use worker_pool::WorkerPool;
