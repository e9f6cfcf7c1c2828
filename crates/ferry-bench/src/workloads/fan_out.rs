//! Fan-out overhead: ready futures through ferry's map-with-limit vs `buffer_unordered`.

use std::convert::Infallible;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use ferry_compare::{Comparison, Env, Report};
use futures::StreamExt;

use super::{Case, Measured, Sizes, case};
use crate::backends;

const ITEMS: usize = 1_000_000;
const QUICK_ITEMS: usize = 50_000;
const LIMIT: usize = 1_000;

/// ferry's cases: the workload written once, on every backend ferry-compare has.
pub(crate) fn generic(comparison: Comparison) -> Comparison {
    comparison
        .workload(FerryFanOut)
        .label_prefix("ferry ")
        .on_enabled_backends()
        .done()
}

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case("buffer_unordered tokio-ct", "tokio-ct", true, |s| {
            backends::tokio_current_thread().block_on(buffer_unordered(s.clone()))
        }),
        case("buffer_unordered tokio-mt", "tokio-mt", true, |s| {
            backends::tokio_mt_spawned(&backends::tokio_multi_thread(), buffer_unordered(s.clone()))
        }),
        case("buffer_unordered smol", "smol", true, |s| {
            backends::smol_direct(|_ex| buffer_unordered(s.clone()))
        }),
    ]
}

/// The workload as a ferry user writes it; it needs no runtime handle, which is the point:
/// the same code runs on every backend.
struct FerryFanOut;

impl ferry_compare::Workload for FerryFanOut {
    type Error = Infallible;

    async fn run<E: Env>(self: Arc<Self>, _env: E, sizes: Sizes) -> Result<Report, Infallible> {
        let items = sizes.items(ITEMS, QUICK_ITEMS);
        let limit = sizes.concurrency(LIMIT);
        Ok(ferry_fan_out(items, limit).await.into_report())
    }
}

async fn ferry_fan_out(items: usize, limit: usize) -> Measured {
    let start = Instant::now();
    let mut outputs = ferry_core::map_concurrent_unordered(
        0..items as u64,
        limit,
        |n| async move { black_box(n) },
    )
    .expect("the limit is positive");
    let mut sum = 0_u64;
    while let Some(n) = outputs.next().await {
        sum = sum.wrapping_add(n);
    }
    black_box(sum);
    Measured::per_item(start.elapsed(), items)
}

async fn buffer_unordered(sizes: Sizes) -> Measured {
    let items = sizes.items(ITEMS, QUICK_ITEMS);
    let limit = sizes.concurrency(LIMIT);
    let start = Instant::now();
    let mut outputs = futures::stream::iter(0..items as u64)
        .map(|n| async move { black_box(n) })
        .buffer_unordered(limit);
    let mut sum = 0_u64;
    while let Some(n) = outputs.next().await {
        sum = sum.wrapping_add(n);
    }
    black_box(sum);
    Measured::per_item(start.elapsed(), items)
}
