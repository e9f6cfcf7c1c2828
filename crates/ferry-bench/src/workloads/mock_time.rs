//! Virtual time: 100,000 scripted requests of 200 ms latency gathered with a limit of 100 on
//! the mock (virtual 200 s), plus the same count of bare 200 ms sleeps on the mock and on
//! tokio's paused clock (current-thread); all measured in wall time.

use std::time::{Duration, Instant};

use ferry_core::Timer;
use ferry_http::HttpClientExt;
use ferry_mock::MockRuntime;
use ferry_mock::http::{MockHttp, Respond};
use futures::StreamExt;

use super::{Case, Measured, Sizes, case};
use crate::backends;

const REQUESTS: usize = 100_000;
const QUICK_REQUESTS: usize = 10_000;
const LIMIT: usize = 100;
const LATENCY: Duration = Duration::from_millis(200);

pub(crate) fn cases() -> Vec<Case> {
    vec![
        case("ferry mock scripted http", "mock", false, |s| {
            backends::ferry_mock(|rt| scripted_requests(rt, s.clone()))
        }),
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

/// Scripted GETs through the mock's HTTP client (the real shared `Client` over a scripted
/// wire), each answered after 200 ms of virtual time, gathered with a limit.
async fn scripted_requests(rt: MockRuntime, sizes: Sizes) -> Measured {
    let requests = sizes.items(REQUESTS, QUICK_REQUESTS);
    let limit = sizes.concurrency(LIMIT);
    let client = MockHttp::new(&rt).route(
        http::Method::GET,
        "/items/{id}",
        Respond::json(r#"{"id":1,"name":"item-1","price":9.99}"#).latency(LATENCY),
    );
    let client = &client;
    let start = Instant::now();
    let bodies = ferry_core::gather((0..requests).map(|id| async move {
        client
            .get(format!("http://api.ferry-mock.invalid/items/{id}"))
            .send()
            .await?
            .bytes()
            .await
    }))
    .limit(limit)
    .expect("limit > 0")
    .await;
    let ok = bodies.iter().filter(|body| body.is_ok()).count();
    assert_eq!(ok, requests, "every scripted request succeeds");
    assert_eq!(
        rt.elapsed(),
        LATENCY * u32::try_from(requests.div_ceil(limit)).expect("few waves"),
        "waves of `limit` requests, 200 ms each, in virtual time"
    );
    Measured::millis(start.elapsed(), requests)
}

/// The same count of bare 200 ms sleeps on the runtime's timer: the executor and timer cost
/// without the HTTP client.
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
