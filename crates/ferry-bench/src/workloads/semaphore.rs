//! Semaphore acquire+release, uncontended and contended, vs tokio's and async-lock's.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use ferry_core::{Semaphore, Spawn, SpawnExt};

use ferry_compare::Comparison;
use ferry_compare::backends::{Smol, TokioCt};

use super::{Case, Measured, Sizes, case, ferry_workload};
use crate::backends;

const OPS: usize = 1_000_000;
const QUICK_OPS: usize = 50_000;
/// The contending tasks.
const TASKS: usize = 64;
/// Fewer permits than tasks, so acquirers queue and every release hands a permit over.
const CONTENDED_PERMITS: usize = 4;

ferry_workload!(
    /// One task acquiring and releasing ferry's semaphore.
    FerryUncontended,
    ferry_uncontended
);

ferry_workload!(
    /// Many tasks sharing a few permits of ferry's semaphore.
    FerryContended,
    ferry_contended
);

/// ferry's uncontended cases, on tokio-ct and smol (the other backends add nothing to one
/// task that never waits).
pub(crate) fn uncontended_generic(comparison: Comparison) -> Comparison {
    comparison
        .workload(FerryUncontended)
        .label_prefix("ferry ")
        .on(TokioCt::new())
        .on(Smol::new())
        .done()
}

/// ferry's contended cases, on every backend ferry-compare has.
pub(crate) fn contended_generic(comparison: Comparison) -> Comparison {
    comparison
        .workload(FerryContended)
        .label_prefix("ferry ")
        .on_enabled_backends()
        .done()
}

pub(crate) fn uncontended_cases() -> Vec<Case> {
    vec![
        case("tokio::sync tokio-ct", "tokio-ct", true, |s| {
            backends::tokio_current_thread().block_on(tokio_uncontended(s.clone()))
        }),
        case("async-lock tokio-ct", "tokio-ct", true, |s| {
            backends::tokio_current_thread().block_on(async_lock_uncontended(s.clone()))
        }),
        case("async-lock smol", "smol", true, |s| {
            backends::smol_direct(|_executor| async_lock_uncontended(s.clone()))
        }),
    ]
}

pub(crate) fn contended_cases() -> Vec<Case> {
    vec![
        case("tokio::sync tokio-ct", "tokio-ct", true, |s| {
            backends::tokio_current_thread().block_on(tokio_contended(s.clone()))
        }),
        case("async-lock tokio-ct", "tokio-ct", true, |s| {
            backends::tokio_current_thread().block_on(async_lock_contended(s.clone()))
        }),
        case("async-lock tokio-mt", "tokio-mt", true, |s| {
            backends::tokio_mt_spawned(
                &backends::tokio_multi_thread(),
                async_lock_contended(s.clone()),
            )
        }),
        case("tokio::sync tokio-mt", "tokio-mt", true, |s| {
            backends::tokio_mt_spawned(&backends::tokio_multi_thread(), tokio_contended(s.clone()))
        }),
    ]
}

/// Needs no runtime handle: the semaphore is the same on every backend.
async fn ferry_uncontended<R: Spawn>(_rt: R, sizes: Sizes) -> Measured {
    let ops = sizes.items(OPS, QUICK_OPS);
    let semaphore = Semaphore::new(1);
    let start = Instant::now();
    for _ in 0..ops {
        drop(semaphore.acquire().await.expect("never closed"));
    }
    Measured::per_item(start.elapsed(), ops)
}

async fn tokio_uncontended(sizes: Sizes) -> Measured {
    let ops = sizes.items(OPS, QUICK_OPS);
    let semaphore = tokio::sync::Semaphore::new(1);
    let start = Instant::now();
    for _ in 0..ops {
        drop(semaphore.acquire().await.expect("never closed"));
    }
    Measured::per_item(start.elapsed(), ops)
}

async fn async_lock_uncontended(sizes: Sizes) -> Measured {
    let ops = sizes.items(OPS, QUICK_OPS);
    let semaphore = async_lock::Semaphore::new(1);
    let start = Instant::now();
    for _ in 0..ops {
        drop(semaphore.acquire().await);
    }
    Measured::per_item(start.elapsed(), ops)
}

/// Each task does its share of the operations, holding each permit across one yield so
/// that the others find the semaphore empty and queue.
async fn ferry_contended<R: Spawn>(rt: R, sizes: Sizes) -> Measured {
    let ops = sizes.items(OPS, QUICK_OPS);
    let tasks = sizes.concurrency(TASKS);
    let semaphore = Arc::new(Semaphore::new(CONTENDED_PERMITS));
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let semaphore = Arc::clone(&semaphore);
            rt.spawn(async move {
                for _ in 0..ops / tasks {
                    let permit = semaphore.acquire().await.expect("never closed");
                    YieldOnce::default().await;
                    drop(permit);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("the task does not panic");
    }
    Measured::per_item(start.elapsed(), ops / tasks * tasks)
}

async fn tokio_contended(sizes: Sizes) -> Measured {
    let ops = sizes.items(OPS, QUICK_OPS);
    let tasks = sizes.concurrency(TASKS);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(CONTENDED_PERMITS));
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let semaphore = Arc::clone(&semaphore);
            tokio::spawn(async move {
                for _ in 0..ops / tasks {
                    let permit = semaphore.acquire().await.expect("never closed");
                    YieldOnce::default().await;
                    drop(permit);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("the task does not panic");
    }
    Measured::per_item(start.elapsed(), ops / tasks * tasks)
}

async fn async_lock_contended(sizes: Sizes) -> Measured {
    let ops = sizes.items(OPS, QUICK_OPS);
    let tasks = sizes.concurrency(TASKS);
    let semaphore = Arc::new(async_lock::Semaphore::new(CONTENDED_PERMITS));
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let semaphore = Arc::clone(&semaphore);
            tokio::spawn(async move {
                for _ in 0..ops / tasks {
                    let permit = semaphore.acquire().await;
                    YieldOnce::default().await;
                    drop(permit);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.expect("the task does not panic");
    }
    Measured::per_item(start.elapsed(), ops / tasks * tasks)
}

/// Returns `Pending` once after waking itself: a yield that works on every runtime, so all
/// cases pay the same for it.
#[derive(Default)]
pub(crate) struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            Poll::Ready(())
        } else {
            self.yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}
