//! The registry of workloads: what each measures, its unit, and its cases (one per backend
//! or baseline), each turned into a [`Comparison`] of ferry-compare, which runs and reports
//! them.

use std::convert::Infallible;
use std::time::Duration;

use ferry_compare::{Comparison, Figure, Report};

mod fan_out;
mod files;
mod http;
mod memory;
mod mock_time;
mod queue;
mod semaphore;
mod spawn;

pub(crate) use ferry_compare::Sizes;

/// A ferry-compare workload whose run is `$body(runtime, sizes)`: an `async fn` written once,
/// generic over the runtime, that times its own measured part (returns [`Measured`]).
macro_rules! ferry_workload {
    ($(#[$doc:meta])* $name:ident, $body:path) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl ferry_compare::Workload for $name {
            type Error = std::convert::Infallible;

            async fn run<E: ferry_compare::Env>(
                self: std::sync::Arc<Self>,
                env: E,
                sizes: ferry_compare::Sizes,
            ) -> Result<ferry_compare::Report, Self::Error> {
                Ok($body(env.rt().clone(), sizes).await.into_report())
            }
        }
    };
}
pub(crate) use ferry_workload;

/// One workload: a task measured the same way on several backends and baselines.
#[derive(Debug)]
pub(crate) struct Workload {
    /// The name used on the command line and in the results.
    pub(crate) name: &'static str,
    /// One line saying what is measured.
    pub(crate) summary: &'static str,
    /// The unit of every case's value.
    pub(crate) unit: &'static str,
    /// Whether a larger value is better (rates, efficiency); less is better otherwise.
    pub(crate) higher_is_better: bool,
    /// Whether each case must run in a fresh process (peak memory would mix otherwise).
    pub(crate) fresh_process: bool,
    /// The cases written once against ferry's traits, run on ferry-compare's backends
    /// (labelled `ferry <backend>`); they come first.
    pub(crate) generic: fn(Comparison) -> Comparison,
    /// The other cases (baselines, and ferry cases that need more than a backend gives), in
    /// the order they run.
    pub(crate) cases: fn() -> Vec<Case>,
}

impl Workload {
    /// The comparison ferry-compare runs: the generic cases, then the others.
    pub(crate) fn comparison(&self) -> Comparison {
        let figure = if let Some(item) = self.unit.strip_prefix("ns/") {
            Figure::nanos_per(item)
        } else if self.unit == "ms" {
            Figure::wall_ms()
        } else if self.unit == "req/s" {
            Figure::per_second(self.unit)
        } else {
            Figure::custom(self.unit, self.higher_is_better)
        };
        let comparison = Comparison::new(self.name, figure)
            .summary(self.summary)
            .fresh_process(self.fresh_process);
        (self.cases)()
            .into_iter()
            .fold((self.generic)(comparison), |comparison, case| {
                let run = case.run;
                comparison.case(case.backend, case.runtime, case.baseline, move |sizes| {
                    Ok::<_, Infallible>(run(sizes).into_report())
                })
            })
    }
}

/// No generic cases: every case is in the workload's list.
fn no_generic_cases(comparison: Comparison) -> Comparison {
    comparison
}

/// One backend or baseline of a workload.
#[derive(Debug)]
pub(crate) struct Case {
    /// What runs, e.g. `ferry tokio-ct` or `async-channel tokio-ct`.
    pub(crate) backend: &'static str,
    /// The runtime underneath, which pairs a ferry case with its same-runtime baseline.
    pub(crate) runtime: &'static str,
    /// Whether this is a hand-written baseline (no ferry in between).
    pub(crate) baseline: bool,
    /// Runs the case once.
    pub(crate) run: fn(&Sizes) -> Measured,
}

/// What one run of a case gives.
#[derive(Debug)]
pub(crate) struct Measured {
    /// The figure, in the workload's unit (what a custom unit reports as it is).
    pub(crate) value: f64,
    /// The time the measured part took, where the figure derives from it.
    pub(crate) elapsed: Option<Duration>,
    /// The size it ran at (items), for the record.
    pub(crate) size: usize,
    /// Anything the reader should know about the run.
    pub(crate) notes: Vec<String>,
}

impl Measured {
    /// Nanoseconds per item for `items` items done in `elapsed`.
    pub(crate) fn per_item(elapsed: Duration, items: usize) -> Self {
        Self {
            value: elapsed.as_nanos() as f64 / items as f64,
            elapsed: Some(elapsed),
            size: items,
            notes: Vec::new(),
        }
    }

    /// Milliseconds of `elapsed` for `items` items.
    pub(crate) fn millis(elapsed: Duration, items: usize) -> Self {
        Self {
            value: elapsed.as_secs_f64() * 1e3,
            elapsed: Some(elapsed),
            size: items,
            notes: Vec::new(),
        }
    }
}

impl Measured {
    /// The report ferry-compare takes: the items, the timed part, the value for a custom
    /// unit, and the notes. ferry-compare derives ns/item, ms and req/s from the first two
    /// as this crate did.
    pub(crate) fn into_report(self) -> Report {
        let mut report = Report::new().items(self.size as u64).value(self.value);
        if let Some(elapsed) = self.elapsed {
            report = report.timed(elapsed);
        }
        self.notes
            .into_iter()
            .fold(report, |report, note| report.note(note))
    }
}

/// Builds a [`Case`] (keeps the tables below on one line per case).
pub(crate) const fn case(
    backend: &'static str,
    runtime: &'static str,
    baseline: bool,
    run: fn(&Sizes) -> Measured,
) -> Case {
    Case {
        backend,
        runtime,
        baseline,
        run,
    }
}

/// Every workload, in the order `cargo xtask bench` runs them.
pub(crate) static ALL: &[Workload] = &[
    Workload {
        name: "fan-out",
        summary: "1,000,000 ready futures through map_concurrent_unordered (limit 1,000) vs \
                  futures' buffer_unordered",
        unit: "ns/item",
        higher_is_better: false,
        fresh_process: false,
        generic: fan_out::generic,
        cases: fan_out::cases,
    },
    Workload {
        name: "semaphore-uncontended",
        summary: "1,000,000 acquire+release by one task vs tokio's and async-lock's semaphores",
        unit: "ns/op",
        higher_is_better: false,
        fresh_process: false,
        generic: semaphore::uncontended_generic,
        cases: semaphore::uncontended_cases,
    },
    Workload {
        name: "semaphore-contended",
        summary: "1,000,000 acquire+release by 64 tasks on 4 permits, each holding its permit \
                  across one yield",
        unit: "ns/op",
        higher_is_better: false,
        fresh_process: false,
        generic: semaphore::contended_generic,
        cases: semaphore::contended_cases,
    },
    Workload {
        name: "queue",
        summary: "1,000,000 items through a bounded queue of 1,024, 4 producers and 4 consumers \
                  (tokio mpsc: 1 consumer)",
        unit: "ns/item",
        higher_is_better: false,
        fresh_process: false,
        generic: queue::generic,
        cases: queue::cases,
    },
    Workload {
        name: "spawn",
        summary: "100,000 no-op tasks spawned, then all joined",
        unit: "ns/task",
        higher_is_better: false,
        fresh_process: false,
        generic: spawn::generic,
        cases: spawn::cases,
    },
    Workload {
        name: "files",
        summary: "write then read 10,000 JSON files of 1 KiB, 64 at once, in a temporary dir",
        unit: "ms",
        higher_is_better: false,
        fresh_process: false,
        generic: no_generic_cases,
        cases: files::cases,
    },
    Workload {
        name: "memory",
        summary: "peak RSS growth with 100,000 tasks each waiting on a timer, per task",
        unit: "bytes/task",
        higher_is_better: false,
        fresh_process: true,
        generic: no_generic_cases,
        cases: memory::cases,
    },
    Workload {
        name: "mock-time",
        summary: "100,000 sleeps of 200 ms through map_concurrent (limit 100) in virtual time: \
                  wall time",
        unit: "ms",
        higher_is_better: false,
        fresh_process: false,
        generic: no_generic_cases,
        cases: mock_time::cases,
    },
    Workload {
        name: "http-throughput",
        summary: "20,000 GETs of /items/{id}, 64 in flight, keep-alive (server and client \
                  pinned to different cores) vs hyper-util + buffer_unordered and reqwest",
        unit: "req/s",
        higher_is_better: true,
        fresh_process: true,
        generic: no_generic_cases,
        cases: http::throughput_cases,
    },
    Workload {
        name: "http-latency",
        summary: "2,000 GETs of /delay/50, 100 in flight: efficiency = 1.0 s / actual",
        unit: "efficiency",
        higher_is_better: true,
        fresh_process: true,
        generic: no_generic_cases,
        cases: http::latency_cases,
    },
];
