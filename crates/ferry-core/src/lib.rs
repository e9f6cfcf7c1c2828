//! Runtime-independent building blocks for I/O-bound async data pipelines.
//!
//! `ferry-core` is the part of ferry that never names a runtime. It defines small traits for
//! what a pipeline needs from one ([`rt`]: spawning, blocking work, a clock, timers) and builds
//! the asyncio toolkit on them:
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
//! | a session with limits and retries per host | [`ResilientClient`] |
//! | downloading files concurrently | [`Downloader`] |
//! | paging through an API | [`paginate()`] ([`PageNumbers`](paginate::PageNumbers), [`CursorPages`](paginate::CursorPages), [`LinkPages`](paginate::LinkPages)) |
//! | `AsyncStep` + `PipelineContext` | [`Pipeline`], [`PipelineContext`] ([`pipeline`]) |
//!
//! Backends (`ferry-tokio`, `ferry-smol`, `ferry-mock`) implement the [`rt`] traits; every
//! item here works unchanged on each of them.

pub mod rt;

mod limit;
mod panic;

pub mod download;
pub mod fs;
pub mod gather;
pub mod http;
pub mod map;
pub mod paginate;
pub mod pipeline;
pub mod pool;
pub mod queue;
pub mod rate_limit;
pub mod retry;
pub mod semaphore;
pub mod task_group;
pub mod thread;
pub mod timeout;

pub use download::Downloader;
pub use gather::{gather, gather_settled, try_gather};
pub use http::{HostPolicy, ResilientClient};
pub use limit::{ConcurrencyLimit, InvalidLimit};
pub use map::{StreamConcurrencyExt, map_concurrent, map_concurrent_unordered};
pub use paginate::{Pages, paginate};
pub use panic::Panicked;
pub use pipeline::{Pipeline, PipelineContext, PipelineError};
pub use pool::{HandlerError, PoolReport, WorkerPool};
pub use rate_limit::{KeyedRateLimiter, Quota, RateLimiter};
pub use retry::{Backoff, Jitter, RetryError, RetryPolicy, retry};
pub use rt::{
    Clock, JoinError, JoinHandle, Runtime, Sleep, Spawn, SpawnBlocking, SpawnBlockingExt, SpawnExt,
    Timer, TimerExt,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TooManyPermits, TryAcquireError,
};
pub use task_group::TaskGroup;
pub use thread::{CancelFlag, to_thread, to_thread_cancellable};
pub use timeout::{Deadline, Elapsed, timeout};
