//! The mock backend for ferry: a deterministic runtime with virtual time.
//!
//! The same pipeline code that runs on tokio runs unchanged on `ferry-mock`, where a test of
//! retries over minutes of backoff finishes in milliseconds and gives the same result, in the
//! same order, every time:
//!
//! - [`MockRuntime`] implements ferry's runtime traits on a single-threaded executor whose
//!   scheduling order comes from a seed. Same seed, same run; other seeds, other
//!   interleavings; the seed is in every failure message.
//! - Virtual time starts at zero and moves only when every task waits on a timer, jumping
//!   straight to the earliest one, like trio's `MockClock(autojump_threshold=0)` or tokio's
//!   paused time (but on every ferry combinator, not just tokio's). A [`MockRunner`] can also
//!   move it by hand.
//! - A run where every task waits on something that is not a timer fails with a
//!   [deadlock error](MockErrorKind::Deadlock) naming the waiting tasks, instead of hanging.
//! - [`MemFs`], an in-memory file system for ferry's `FileSystem` trait: latency in virtual
//!   time, injected faults ([`InjectedFault`]) and a simulated power loss that keeps only what
//!   was synced.
//! - [`http::MockHttp`], a scripted HTTP client for ferry's `HttpClient` trait: routes,
//!   latency, failures, rate limits, stalls and cut bodies in virtual time, every request
//!   recorded. `crates/ferry-mock/tests/example_retrying_fetch.rs` shows a user testing their
//!   own retrying, rate-limited fetch loop with it.
//! - A [trace](TraceEvent) of spawns, ends, timers and other components' events (HTTP
//!   requests, file operations), with virtual timestamps, to compare runs and explain them.
//!
//! # Writing a test
//!
//! [`run`] builds a runtime with a seed, runs an async body to completion and returns its
//! output. It panics (naming the seed) if the body panics, deadlocks or runs away, which is
//! what a test wants; [`try_run`] returns a [`MockError`] instead, for tests that expect one.
//! A function rather than an attribute macro, so that the seed and the output stay in plain
//! sight and a test can loop over seeds:
//!
//! ```
//! use std::time::Duration;
//! use ferry_core::{Clock, SpawnExt, Timer, timeout};
//!
//! // In a test file, this function would carry `#[test]`.
//! fn slow_call_times_out_after_exactly_one_second() {
//!     for seed in 0..20 {
//!         ferry_mock::run(seed, |rt| async move {
//!             let start = rt.now();
//!             let call = rt.spawn({
//!                 let rt = rt.clone();
//!                 async move { rt.sleep(Duration::from_secs(5)).await }
//!             });
//!             let result = timeout(&rt, Duration::from_secs(1), call).await;
//!             assert!(result.is_err());
//!             assert_eq!(rt.now() - start, Duration::from_secs(1));
//!         });
//!     }
//! }
//! # slow_call_times_out_after_exactly_one_second();
//! ```
//!
//! [`Builder`] sets the seed, tracing and the safety limits; [`Builder::build`] gives a
//! [`MockRunner`] for tests that step through time themselves.
//!
//! # What keeps a run deterministic
//!
//! The executor, the clock and every generator forked from the seed are deterministic. A run
//! stops being so when the code under test reads anything else: `std::time::Instant::now`
//! or `SystemTime` instead of [`Clock::now`](ferry_core::Clock::now), real threads or real
//! sockets whose wakes arrive from outside, or the iteration order of a `HashMap` with the
//! default random hasher. The trace makes such leaks easy to find: run twice with one seed
//! and compare.
//!
//! # For other mock components
//!
//! Scripted HTTP and the in-memory file system build on a [`MockRuntime`]: they read and wait
//! on its clock through the [`Clock`](ferry_core::Clock) and [`Timer`](ferry_core::Timer)
//! traits, draw their randomness from [`MockRuntime::fork_rng`], and record what they do with
//! [`MockRuntime::record`].

mod builder;
mod error;
mod executor;
mod fs;
pub mod http;
mod rng;
mod trace;

pub use builder::{Builder, DEFAULT_SEED};
pub use error::{MockError, MockErrorKind};
pub use executor::{MockRunner, MockRuntime, Named, YieldNow};
pub use fs::{InjectedFault, MemFs};
pub use rng::MockRng;
pub use trace::{TaskId, TaskInfo, TimerId, TraceEvent, TraceKind};

use std::future::Future;

/// Runs `body` on a new mock runtime seeded with `seed` and returns its output.
///
/// Virtual time starts at zero and jumps whenever every task waits on a timer. Tasks still
/// alive when the body finishes are dropped. To explore interleavings, call it in a loop over
/// seeds; to replay a failure, call it with the seed from the panic message.
///
/// # Panics
///
/// If the body panics, deadlocks (every task waits on something that is not a timer) or
/// exceeds the [`Builder`]'s default limits. The message names the seed and the virtual time,
/// and the end of the trace is printed to stderr. Use [`try_run`] to get a [`MockError`]
/// instead.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::{Clock, Timer};
///
/// let waited = ferry_mock::run(42, |rt| async move {
///     let start = rt.now();
///     rt.sleep(Duration::from_secs(2)).await;
///     rt.now() - start
/// });
/// assert_eq!(waited, Duration::from_secs(2));
/// ```
pub fn run<T, F, Fut>(seed: u64, body: F) -> T
where
    F: FnOnce(MockRuntime) -> Fut,
    Fut: Future<Output = T>,
{
    Builder::new().seed(seed).run(body)
}

/// Like [`run`], but returns why the run failed instead of panicking.
///
/// # Errors
///
/// See [`MockRunner::block_on`].
///
/// # Examples
///
/// ```
/// use ferry_mock::MockErrorKind;
///
/// let error = ferry_mock::try_run(5, |_rt| async {
///     let (tx, rx) = futures::channel::oneshot::channel::<()>();
///     // `tx` stays alive but nobody sends on it: nothing can ever wake this.
///     let _ = rx.await;
///     drop(tx);
/// })
/// .unwrap_err();
/// assert!(matches!(error.kind(), MockErrorKind::Deadlock { .. }));
/// assert!(error.to_string().contains("seed 5"));
/// ```
pub fn try_run<T, F, Fut>(seed: u64, body: F) -> Result<T, MockError>
where
    F: FnOnce(MockRuntime) -> Fut,
    Fut: Future<Output = T>,
{
    Builder::new().seed(seed).try_run(body)
}
