//! Peak memory per task with many tasks each waiting on a timer. xtask runs every case in its
//! own process, so one case's peak never shows in another's figure.

use std::time::Duration;

use ferry_compare::measure::status_field;
use ferry_core::{Runtime, SpawnExt};

use super::{Case, Measured, Sizes, case};
use crate::backends;

const TASKS: usize = 100_000;
const QUICK_TASKS: usize = 10_000;
/// Far longer than the run: the tasks are all still waiting when memory is read.
const WAIT: Duration = Duration::from_secs(3_600);
/// Lets every task be polled once (and so register its timer) before memory is read.
const SETTLE: Duration = Duration::from_millis(200);

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case("ferry tokio-ct", "tokio-ct", false, |s| {
            let before = Rss::read();
            backends::ferry_tokio_ct(|rt| ferry_waiters(rt, s.clone(), before))
        }),
        case("ferry tokio-mt", "tokio-mt", false, |s| {
            let before = Rss::read();
            backends::ferry_tokio_mt(|rt| ferry_waiters(rt, s.clone(), before))
        }),
        case("ferry smol", "smol", false, |s| {
            let before = Rss::read();
            backends::ferry_smol(|rt| ferry_waiters(rt, s.clone(), before))
        }),
        case("ferry mock", "mock", false, |s| {
            let before = Rss::read();
            backends::ferry_mock(|rt| ferry_waiters(rt, s.clone(), before))
        }),
        case("tokio::spawn tokio-ct", "tokio-ct", true, |s| {
            let before = Rss::read();
            backends::tokio_current_thread().block_on(tokio_waiters(s.clone(), before))
        }),
        case("tokio::spawn tokio-mt", "tokio-mt", true, |s| {
            let before = Rss::read();
            backends::tokio_mt_spawned(
                &backends::tokio_multi_thread(),
                tokio_waiters(s.clone(), before),
            )
        }),
        case("Executor::spawn smol", "smol", true, |s| {
            let before = Rss::read();
            let tasks = s.items(TASKS, QUICK_TASKS);
            backends::smol_direct(|executor| async move {
                let handles: Vec<_> = (0..tasks)
                    .map(|_| {
                        executor.spawn(async {
                            async_io::Timer::after(WAIT).await;
                        })
                    })
                    .collect();
                async_io::Timer::after(SETTLE).await;
                let measured = Rss::read().per_task_since(before, tasks);
                drop(handles);
                measured
            })
        }),
    ]
}

async fn ferry_waiters<R: Runtime + Send + 'static>(rt: R, sizes: Sizes, before: Rss) -> Measured {
    let tasks = sizes.items(TASKS, QUICK_TASKS);
    // Each task is the backend's own sleep future, as `tokio::spawn(sleep(WAIT))` is:
    // `sleep_typed` skips the box of a `Sleep`, and the task holds no clone of the runtime.
    let handles: Vec<_> = (0..tasks).map(|_| rt.spawn(rt.sleep_typed(WAIT))).collect();
    rt.sleep(SETTLE).await;
    let measured = Rss::read().per_task_since(before, tasks);
    for handle in handles {
        handle.abort();
    }
    measured
}

async fn tokio_waiters(sizes: Sizes, before: Rss) -> Measured {
    let tasks = sizes.items(TASKS, QUICK_TASKS);
    let handles: Vec<_> = (0..tasks)
        .map(|_| tokio::spawn(tokio::time::sleep(WAIT)))
        .collect();
    tokio::time::sleep(SETTLE).await;
    let measured = Rss::read().per_task_since(before, tasks);
    for handle in handles {
        handle.abort();
    }
    measured
}

/// The process's resident memory from `/proc/self/status`: now (`VmRSS`) and the peak so far
/// (`VmHWM`), in bytes. Zero where the file does not exist (not Linux).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rss {
    now: u64,
    peak: u64,
}

impl Rss {
    fn read() -> Self {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| status_field(&status, name).unwrap_or(0);
        Self {
            now: field("VmRSS:"),
            peak: field("VmHWM:"),
        }
    }

    /// Bytes per task: the peak now minus the resident memory before the tasks existed.
    fn per_task_since(self, before: Self, tasks: usize) -> Measured {
        let grown = self.peak.saturating_sub(before.now);
        Measured {
            value: grown as f64 / tasks as f64,
            elapsed: None,
            size: tasks,
            notes: Vec::new(),
        }
    }
}
