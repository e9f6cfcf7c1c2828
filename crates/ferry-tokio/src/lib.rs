//! The tokio backend for ferry: spawning, blocking work, a clock and timers on tokio.
//!
//! [`TokioRuntime`] implements every [`ferry_core::rt`] trait on a tokio runtime handle, on
//! the multi-thread and the current-thread scheduler alike. It is the only crate of ferry that
//! names tokio. [`TokioFs`] (from [`TokioRuntime::fs`]) is ferry's file system on tokio's
//! blocking thread pool.
//!
//! ```
//! use std::time::Duration;
//! use ferry_core::{SpawnExt, TimerExt};
//! use ferry_tokio::TokioRuntime;
//!
//! let tokio = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
//! tokio.block_on(async {
//!     let rt = TokioRuntime::current();
//!     let task = rt.spawn(async { 6 * 7 });
//!     assert_eq!(task.await.unwrap(), 42);
//!     let quick = rt.timeout(Duration::from_secs(1), async { "done" }).await;
//!     assert_eq!(quick, Ok("done"));
//! });
//! ```

mod fs;
mod http;
mod runtime;

pub use fs::TokioFs;
pub use http::{HttpClientBuildError, TokioHttpClient, TokioResponseBody, TokioTransport};
pub use runtime::{NoTokioRuntime, TokioRuntime};
