//! ferry's concurrency toolkit: asyncio's building blocks on any runtime.
//!
//! `ferry-core` never names a runtime. It builds on the traits of `ferry-rt` (spawning,
//! blocking work, a clock, timers; re-exported here as [`rt`] and at the crate root) and
//! depends on no HTTP, URL, CSV or JSON crate:
//!
//! | asyncio | ferry |
//! |---|---|
//! | `gather(*aws)` / `return_exceptions=True` | [`gather()`], [`gather_settled()`], [`try_gather()`] |
//! | `as_completed`, bounded `map` | [`map_concurrent()`], [`StreamConcurrencyExt`] |
//! | `TaskGroup`, `create_task` | [`TaskGroup`], [`SpawnExt::spawn`] |
//! | `Semaphore` | [`Semaphore`] |
//! | `Queue` with `join()` | [`queue::bounded`] |
//! | worker tasks over a queue | [`WorkerPool`] |
//! | `wait_for`, `timeout` | [`timeout()`], [`Deadline`] |
//! | `to_thread` | [`to_thread()`] |
//! | retries with backoff (`tenacity`, `backoff`) | [`retry()`], [`RetryPolicy`], [`Backoff`] |
//! | rate limits (`aiolimiter`) | [`RateLimiter`], [`KeyedRateLimiter`] |
//!
//! The rest of ferry sits beside it, one crate a capability: `ferry-http` (the HTTP client
//! interface, its shared logic, the resilient per-host layer and pagination), `ferry-fs`
//! (files), `ferry-pipeline` (pipelines and downloads). The facade crate `ferry` re-exports
//! them all. Backends (`ferry-tokio`, `ferry-smol`, `ferry-mock`) implement the [`rt`] traits;
//! every item here works unchanged on each of them.

pub mod rt;

mod limit;

pub mod gather;
pub mod map;
pub mod pool;
pub mod queue;
pub mod rate_limit;
pub mod retry;
pub mod semaphore;
pub mod task_group;
pub mod thread;
pub mod timeout;

pub use gather::{gather, gather_settled, try_gather};
pub use limit::{ConcurrencyLimit, InvalidLimit};
pub use map::{StreamConcurrencyExt, map_concurrent, map_concurrent_unordered};
pub use pool::{HandlerError, PoolReport, WorkerPool};
pub use rate_limit::{KeyedRateLimiter, Quota, RateLimiter};
pub use retry::{Backoff, Jitter, RetryError, RetryPolicy, retry};
pub use rt::{
    Clock, JoinError, JoinHandle, Panicked, Runtime, Sleep, Spawn, SpawnBlocking, SpawnBlockingExt,
    SpawnExt, Timer, TimerExt,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TooManyPermits, TryAcquireError,
};
pub use task_group::TaskGroup;
pub use thread::{CancelFlag, to_thread, to_thread_cancellable};
pub use timeout::{Deadline, Elapsed, timeout};
