//! The registry of workloads: what each measures, its unit, and its cases (one per backend
//! or baseline).

use std::time::Duration;

mod fan_out;
mod files;
mod http;
mod memory;
mod mock_time;
mod queue;
mod semaphore;
mod spawn;

/// Size overrides from the command line; each workload has its own defaults.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sizes {
    /// Small sizes for a smoke run.
    pub(crate) quick: bool,
    /// How many items (operations, tasks, files, requests) a workload handles.
    pub(crate) items: Option<usize>,
    /// How many at once, where the workload has a limit.
    pub(crate) concurrency: Option<usize>,
}

impl Sizes {
    /// The item count: the override, else `quick` or `full`.
    pub(crate) fn items(&self, full: usize, quick: usize) -> usize {
        self.items.unwrap_or(if self.quick { quick } else { full })
    }

    /// The concurrency: the override, else `default`.
    pub(crate) fn concurrency(&self, default: usize) -> usize {
        self.concurrency.unwrap_or(default)
    }
}

/// Whether a workload can run now.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Status {
    /// It runs.
    Ready,
    /// It waits for a piece of ferry that has not landed; the text says which. (Kept for
    /// workloads whose every case waits, such as the scripted-HTTP mock workload to come.)
    #[allow(dead_code)]
    Pending(&'static str),
}

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
    /// Whether it runs now.
    pub(crate) status: Status,
    /// Whether each case must run in a fresh process (peak memory would mix otherwise).
    pub(crate) fresh_process: bool,
    /// The cases, in the order they run.
    pub(crate) cases: fn() -> Vec<Case>,
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
    /// The figure, in the workload's unit.
    pub(crate) value: f64,
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
            size: items,
            notes: Vec::new(),
        }
    }

    /// Milliseconds of `elapsed` for `items` items.
    pub(crate) fn millis(elapsed: Duration, items: usize) -> Self {
        Self {
            value: elapsed.as_secs_f64() * 1e3,
            size: items,
            notes: Vec::new(),
        }
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
        status: Status::Ready,
        fresh_process: false,
        cases: fan_out::cases,
    },
    Workload {
        name: "semaphore-uncontended",
        summary: "1,000,000 acquire+release by one task vs tokio's and async-lock's semaphores",
        unit: "ns/op",
        higher_is_better: false,
        status: Status::Ready,
        fresh_process: false,
        cases: semaphore::uncontended_cases,
    },
    Workload {
        name: "semaphore-contended",
        summary: "1,000,000 acquire+release by 64 tasks on 4 permits, each holding its permit \
                  across one yield",
        unit: "ns/op",
        higher_is_better: false,
        status: Status::Ready,
        fresh_process: false,
        cases: semaphore::contended_cases,
    },
    Workload {
        name: "queue",
        summary: "1,000,000 items through a bounded queue of 1,024, 4 producers and 4 consumers \
                  (tokio mpsc: 1 consumer)",
        unit: "ns/item",
        higher_is_better: false,
        status: Status::Ready,
        fresh_process: false,
        cases: queue::cases,
    },
    Workload {
        name: "spawn",
        summary: "100,000 no-op tasks spawned, then all joined",
        unit: "ns/task",
        higher_is_better: false,
        status: Status::Ready,
        fresh_process: false,
        cases: spawn::cases,
    },
    Workload {
        name: "files",
        summary: "write then read 10,000 JSON files of 1 KiB, 64 at once, in a temporary dir",
        unit: "ms",
        higher_is_better: false,
        status: Status::Ready,
        fresh_process: false,
        cases: files::cases,
    },
    Workload {
        name: "memory",
        summary: "peak RSS growth with 100,000 tasks each waiting on a timer, per task",
        unit: "bytes/task",
        higher_is_better: false,
        status: Status::Ready,
        fresh_process: true,
        cases: memory::cases,
    },
    Workload {
        name: "mock-time",
        summary: "100,000 sleeps of 200 ms through map_concurrent (limit 100) in virtual time: \
                  wall time",
        unit: "ms",
        higher_is_better: false,
        status: Status::Ready,
        fresh_process: false,
        cases: mock_time::cases,
    },
    Workload {
        name: "http-throughput",
        summary: "20,000 GETs of /items/{id}, 64 in flight, keep-alive (server and client \
                  pinned to different cores) vs hyper-util + buffer_unordered and reqwest",
        unit: "req/s",
        higher_is_better: true,
        status: Status::Ready,
        fresh_process: true,
        cases: http::throughput_cases,
    },
    Workload {
        name: "http-latency",
        summary: "2,000 GETs of /delay/50, 100 in flight: efficiency = 1.0 s / actual",
        unit: "efficiency",
        higher_is_better: true,
        status: Status::Ready,
        fresh_process: true,
        cases: http::latency_cases,
    },
];
