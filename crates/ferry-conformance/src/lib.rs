//! The behaviour every ferry backend must show, written once.
//!
//! Each module holds generic async test bodies over ferry-core's traits, and a macro that turns
//! them into one `#[test]` per case for a given backend. A backend (ours, or a third party's
//! for another runtime) proves itself by calling the macros from its tests with a function
//! that runs an async body on it:
//!
//! ```ignore
//! fn with_runtime<F, Fut>(body: F)
//! where
//!     F: FnOnce(MyRuntime) -> Fut,
//!     Fut: std::future::Future<Output = ()>,
//! {
//!     my_runtime::block_on(body(MyRuntime::new()))
//! }
//!
//! ferry_conformance::runtime_suite!(with_runtime);
//! ferry_conformance::toolkit_suite!(with_runtime);
//! ```
//!
//! The suites:
//!
//! | macro | module | what it needs | what it checks |
//! |---|---|---|---|
//! | [`runtime_suite!`] | [`runtime`] | a runtime | spawning, join handles, blocking work, clock, timers |
//! | [`toolkit_suite!`] | [`toolkit`] | a runtime | task groups, gather, timeouts, semaphore, queue, pools across tasks |
//! | [`threaded_blocking_suite!`] | [`toolkit`] | blocking work on real threads | cancel flags seen by a running closure |
//! | [`fs_suite!`] | [`fs`] | a runtime, a file system and a fresh root | every file operation, atomic writes, typed errors |
//! | [`http_suite!`] | [`http`] | a runtime and HTTP clients | every test-server route, error kinds, TLS, limits, keep-alive |
//! | [`db_suite!`] | [`db`] | a runtime and a fresh database | queries, serde records, streams, batched writes, upserts, the database pipeline steps, re-runs after a crash |
//! | [`pipeline_suite!`] | [`pipeline`] | a runtime and a file system | CSV -> enrich -> JSON Lines end to end |
//! | [`download_suite!`] | [`download`] | a runtime and a file system (and symbolic links) | names already taken under each policy, racing downloads |
//!
//! Cases fail by panicking with a message that says what was expected, like any test.

pub mod db;
pub mod download;
pub mod fs;
pub mod http;
pub mod pipeline;
pub mod resilience;
pub mod runtime;
pub mod toolkit;

/// Expands to one `#[test]` per listed case, each calling `$with(|env| $crate::$module::$case(env))`.
#[doc(hidden)]
#[macro_export]
macro_rules! __suite {
    ($with:path, $module:ident, [$($case:ident),* $(,)?]) => {
        $(
            #[test]
            fn $case() {
                $with(|env| $crate::$module::$case(env));
            }
        )*
    };
}
