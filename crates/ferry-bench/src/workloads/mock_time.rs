//! Virtual time: many 200 ms sleeps through map_concurrent on the mock, against tokio's
//! paused clock (current-thread), both measured in wall time.

use std::time::{Duration, Instant};

use ferry_core::Timer;
use futures::StreamExt;

use super::{Case, Measured, Sizes, case};
use crate::backends;

const REQUESTS: usize = 100_000;
const QUICK_REQUESTS: usize = 10_000;
const LIMIT: usize = 100;
const LATENCY: Duration = Duration::from_millis(200);

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case("ferry mock", "mock", false, |s| {
            backends::ferry_mock(|rt| ferry_sleeps(rt, s.clone()))
        }),
        case("ferry tokio-ct paused", "tokio-paused", false, |s| {
            let runtime = paused_tokio();
            let rt = ferry_tokio::TokioRuntime::from_handle(runtime.handle().clone());
            runtime.block_on(ferry_sleeps(rt, s.clone()))
        }),
        case("tokio paused + buffered", "tokio-paused", true, |s| {
            paused_tokio().block_on(tokio_sleeps(s.clone()))
        }),
    ]
}

/// tokio's paused clock, which auto-advances when every task is idle (current-thread only).
fn paused_tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a paused tokio runtime builds")
}

/// Stands in for scripted requests until the mock's HTTP client lands: each "request" is a
/// 200 ms sleep on the runtime's timer.
async fn ferry_sleeps<T: Timer>(timer: T, sizes: Sizes) -> Measured {
    let requests = sizes.items(REQUESTS, QUICK_REQUESTS);
    let limit = sizes.concurrency(LIMIT);
    let timer = &timer;
    let start = Instant::now();
    let done = ferry_core::map_concurrent(0..requests, limit, |n| async move {
        timer.sleep(LATENCY).await;
        n
    })
    .expect("limit > 0")
    .count()
    .await;
    assert_eq!(done, requests);
    Measured::millis(start.elapsed(), requests)
}

async fn tokio_sleeps(sizes: Sizes) -> Measured {
    let requests = sizes.items(REQUESTS, QUICK_REQUESTS);
    let limit = sizes.concurrency(LIMIT);
    let start = Instant::now();
    let done = futures::stream::iter(0..requests)
        .map(|n| async move {
            tokio::time::sleep(LATENCY).await;
            n
        })
        .buffered(limit)
        .count()
        .await;
    assert_eq!(done, requests);
    Measured::millis(start.elapsed(), requests)
}
