//! Spawn and join no-op tasks through ferry vs directly on each runtime.

use std::sync::Arc;
use std::time::Instant;

use ferry_compare::{Comparison, Env, Report};
use ferry_core::{JoinError, Spawn, SpawnExt};

use super::{Case, Measured, Sizes, case};
use crate::backends;

const TASKS: usize = 100_000;
const QUICK_TASKS: usize = 10_000;

/// ferry's cases: the workload written once, on every backend ferry-compare has.
pub(crate) fn generic(comparison: Comparison) -> Comparison {
    comparison
        .workload(FerrySpawn)
        .label_prefix("ferry ")
        .on_enabled_backends()
        .done()
}

pub(crate) fn cases() -> Vec<Case> {
    vec![
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

/// Spawns no-op tasks through `SpawnExt::spawn` and joins them all.
struct FerrySpawn;

impl ferry_compare::Workload for FerrySpawn {
    type Error = JoinError;

    async fn run<E: Env>(self: Arc<Self>, env: E, sizes: Sizes) -> Result<Report, JoinError> {
        let tasks = sizes.items(TASKS, QUICK_TASKS);
        Ok(ferry_spawn(env.rt(), tasks).await?.into_report())
    }
}

async fn ferry_spawn<R: Spawn>(rt: &R, tasks: usize) -> Result<Measured, JoinError> {
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks).map(|_| rt.spawn(async {})).collect();
    for handle in handles {
        handle.await?;
    }
    Ok(Measured::per_item(start.elapsed(), tasks))
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
