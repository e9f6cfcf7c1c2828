//! Spawn and join no-op tasks through ferry vs directly on each runtime.

use std::time::Instant;

use ferry_core::{Spawn, SpawnExt};

use super::{Case, Measured, Sizes, case};
use crate::backends;

const TASKS: usize = 100_000;
const QUICK_TASKS: usize = 10_000;

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case("ferry tokio-ct", "tokio-ct", false, |s| {
            backends::ferry_tokio_ct(|rt| ferry_spawn(rt, s.clone()))
        }),
        case("ferry tokio-mt", "tokio-mt", false, |s| {
            backends::ferry_tokio_mt(|rt| ferry_spawn(rt, s.clone()))
        }),
        case("ferry smol", "smol", false, |s| {
            backends::ferry_smol(|rt| ferry_spawn(rt, s.clone()))
        }),
        case("ferry mock", "mock", false, |s| {
            backends::ferry_mock(|rt| ferry_spawn(rt, s.clone()))
        }),
        case("tokio::spawn tokio-ct", "tokio-ct", true, |s| {
            backends::tokio_current_thread().block_on(tokio_spawn(s.clone()))
        }),
        case("tokio::spawn tokio-mt", "tokio-mt", true, |s| {
            backends::tokio_mt_spawned(&backends::tokio_multi_thread(), tokio_spawn(s.clone()))
        }),
        case("Executor::spawn smol", "smol", true, |s| {
            let tasks = s.items(TASKS, QUICK_TASKS);
            backends::smol_direct(|executor| async move {
                let start = Instant::now();
                let handles: Vec<_> = (0..tasks).map(|_| executor.spawn(async {})).collect();
                for handle in handles {
                    handle.await;
                }
                Measured::per_item(start.elapsed(), tasks)
            })
        }),
    ]
}

async fn ferry_spawn<R: Spawn>(rt: R, sizes: Sizes) -> Measured {
    let tasks = sizes.items(TASKS, QUICK_TASKS);
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks).map(|_| rt.spawn(async {})).collect();
    for handle in handles {
        handle.await.expect("a no-op does not panic");
    }
    Measured::per_item(start.elapsed(), tasks)
}

async fn tokio_spawn(sizes: Sizes) -> Measured {
    let tasks = sizes.items(TASKS, QUICK_TASKS);
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks).map(|_| tokio::spawn(async {})).collect();
    for handle in handles {
        handle.await.expect("a no-op does not panic");
    }
    Measured::per_item(start.elapsed(), tasks)
}
