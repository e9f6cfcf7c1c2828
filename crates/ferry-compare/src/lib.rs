//! Compare runtimes on your own async workload.
//!
//! Write the workload once, generic over ferry's traits (an [`Env`] gives it a runtime, an
//! HTTP client and a file system built for one backend), and ferry-compare runs it on every
//! backend you enable, side by side: tokio current-thread, tokio multi-thread (the workload
//! spawned onto the runtime), smol, ferry's mock (virtual time next to wall time), and any
//! other runtime that implements [`Backend`]. Hand-written baselines (a library used
//! directly) can run in the same comparison.
//!
//! # Measured
//!
//! For every run of every case: wall time, CPU time (user + system over all threads, from
//! `getrusage`), the peak resident memory (`VmHWM`, reset before each run), throughput when
//! the workload reports an item count, and virtual time on the mock. Per case: median, min
//! and max over the runs, and the median of per-run ratios against a reference (the best
//! baseline of each run, or a case you name). Runs are interleaved and rotated across cases,
//! after a warm-up round, and each case can run in a fresh process (see [`harness`]).
//!
//! # Output
//!
//! A terminal table, `results.json`, one SVG chart per comparison and an `index.html` that
//! shows them all, with a progress bar while it runs. `--save NAME` keeps a run; `--baseline
//! NAME` compares with it and flags changes beyond the noise (the rule: [`baseline`]).
//!
//! # Backends
//!
//! The features `tokio`, `smol` and `mock` (all on by default) each add backends in
//! [`backends`]; they never exclude each other.
//!
//! # Example
//!
//! A tiny workload compared on two mock schedules, with no real runtime:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use ferry_compare::backends::Mock;
//! use ferry_compare::{Comparison, Config, Env, Figure, Harness, Report, Sizes, Workload};
//! use ferry_rt::{SpawnExt, Timer};
//!
//! /// `tasks` tasks that each sleep 10 ms, all joined.
//! struct Sleepers;
//!
//! impl Workload for Sleepers {
//!     type Error = ferry_rt::JoinError;
//!
//!     async fn run<E: Env>(self: Arc<Self>, env: E, sizes: Sizes) -> Result<Report, Self::Error> {
//!         let tasks = sizes.items(1_000, 100);
//!         let handles: Vec<_> = (0..tasks)
//!             .map(|_| {
//!                 let rt = env.rt().clone();
//!                 env.rt().spawn(async move { rt.sleep(Duration::from_millis(10)).await })
//!             })
//!             .collect();
//!         for handle in handles {
//!             handle.await?;
//!         }
//!         Ok(Report::new().items(tasks as u64))
//!     }
//! }
//!
//! let outcome = Harness::new("sleepers")
//!     .compare(
//!         Comparison::new("sleepers", Figure::nanos_per("task"))
//!             .workload(Sleepers)
//!             .on(Mock::new())
//!             .on(Mock::new().seed(99).named("mock-99")),
//!     )
//!     .run(&Config::quiet(3))
//!     .unwrap();
//! for row in &outcome.rows {
//!     // Every schedule sleeps 10 ms of virtual time, whatever the wall time.
//!     assert_eq!(row.virtual_ms.unwrap().median, 10.0);
//!     assert_eq!(row.size, 1_000);
//! }
//! // Ratios are against the first case where there are no baselines.
//! assert_eq!(outcome.rows[0].ratio_to_reference, Some(1.0));
//! ```
//!
//! With the default features, `.on_enabled_backends()` runs it on tokio-ct, tokio-mt, smol
//! and the mock, and `Harness::main()` as the body of `fn main` gives the whole command line
//! (`--quick`, `--runs`, `--fresh`, `--save`, `--baseline`, ...; see [`config::HELP`]).

pub mod backend;
pub mod backends;
pub mod baseline;
pub mod comparison;
pub mod config;
pub mod harness;
pub mod measure;
pub mod report;
pub mod stats;
pub mod workload;

pub use backend::{Backend, BackendError, Finished};
pub use comparison::{CaseError, Comparison, WithWorkload};
pub use config::Config;
pub use harness::{Harness, Outcome};
pub use measure::Sample;
pub use workload::{Env, EnvError, Figure, Report, Sizes, Workload};
