//! Fan-out overhead: ready futures through ferry's map-with-limit vs `buffer_unordered`.

use std::hint::black_box;
use std::time::Instant;

use futures::StreamExt;

use super::{Case, Measured, Sizes, case};
use crate::backends;

const ITEMS: usize = 1_000_000;
const QUICK_ITEMS: usize = 50_000;
const LIMIT: usize = 1_000;

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case("ferry tokio-ct", "tokio-ct", false, |s| {
            backends::ferry_tokio_ct(|_rt| ferry_fan_out(s.clone()))
        }),
        case("ferry tokio-mt", "tokio-mt", false, |s| {
            backends::ferry_tokio_mt(|_rt| ferry_fan_out(s.clone()))
        }),
        case("ferry smol", "smol", false, |s| {
            backends::ferry_smol(|_rt| ferry_fan_out(s.clone()))
        }),
        case("ferry mock", "mock", false, |s| {
            backends::ferry_mock(|_rt| ferry_fan_out(s.clone()))
        }),
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
async fn ferry_fan_out(sizes: Sizes) -> Measured {
    let items = sizes.items(ITEMS, QUICK_ITEMS);
    let limit = sizes.concurrency(LIMIT);
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
