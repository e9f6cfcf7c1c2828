//! The same pipeline on the backend you choose: tokio, smol, or the mock.
//!
//! `fetch_items` is written once, generic over a runtime `R: Runtime` and a client
//! `C: HttpClient`. It fetches 200 items through `map_concurrent` with a limit, gives each
//! item a deadline, and counts failures instead of dropping them (two URLs fail on purpose: a
//! 503 and a server that never answers). `main` only picks the backend; nothing in the
//! pipeline changes.
//!
//! - `tokio` and `smol` fetch from ferry's local test server over real sockets.
//! - `mock` runs on ferry-mock's deterministic runtime with `MockHttp` scripted to answer the
//!   same routes (each item after 5 ms of *virtual* time): the timings it prints are virtual,
//!   and the same on every run.
//!
//! ```text
//! cargo run --example runtime_choice -- --runtime tokio
//! cargo run --example runtime_choice -- --runtime smol
//! cargo run --example runtime_choice -- --runtime mock
//! cargo run --example runtime_choice --features surf -- --runtime surf
//! ```
//!
//! `surf` is the smol backend's adapter for an existing `surf::Client` (here with surf's h1
//! backend): the same pipeline again, with surf on the wire. Its surf client has keep-alive
//! off: surf's h1 pool takes back the connection of a request abandoned at its deadline,
//! and with keep-alive on, the next request on it waits behind the stalled answer (see
//! `ferry_smol::surf`'s limits).

use std::time::{Duration, Instant};

use ferry_core::{Runtime, SpawnExt, TimerExt, map_concurrent};
use ferry_http::{HttpClient, HttpClientExt, HttpError, HttpSettings};
use ferry_mock::http::{MockHttp, Respond};
use ferry_testserver::TestServer;
use ferry_testserver::routes::item_json;
use futures::StreamExt;
use http::Method;

/// How many items the pipeline fetches, and how many at once.
const ITEMS: u64 = 200;
const CONCURRENCY: usize = 16;
/// Each item's own deadline; the server's `/stall` route runs into it.
const PER_ITEM: Duration = Duration::from_millis(300);

/// What one run of the pipeline saw.
#[derive(Debug, Default)]
struct Summary {
    fetched: usize,
    failed: usize,
    total_price: f64,
    elapsed: Duration,
}

/// One item: GET, a 4xx/5xx is an error, decode the JSON price.
async fn fetch_price<C: HttpClient>(client: &C, url: &str) -> Result<f64, HttpError> {
    let item: serde_json::Value = client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(item["price"].as_f64().unwrap_or_default())
}

/// The pipeline: the same code on every backend.
async fn fetch_items<R: Runtime, C: HttpClient>(
    rt: &R,
    client: &C,
    server_urls: Vec<String>,
) -> Summary {
    let started = rt.now();
    let mut summary = Summary::default();
    let mut results = map_concurrent(server_urls, CONCURRENCY, |url| async move {
        let result = rt.timeout(PER_ITEM, fetch_price(client, &url)).await;
        (url, result)
    })
    .expect("the limit is not zero");
    while let Some((url, result)) = results.next().await {
        match result {
            Ok(Ok(price)) => {
                summary.fetched += 1;
                summary.total_price += price;
            }
            Ok(Err(error)) => {
                summary.failed += 1;
                println!("  failed {url}: {error}");
            }
            Err(elapsed) => {
                summary.failed += 1;
                println!("  failed {url}: {elapsed}");
            }
        }
    }
    summary.elapsed = rt.now().saturating_duration_since(started);
    summary
}

/// The URLs of one run against `origin`: the items, with two that fail on purpose.
fn urls(origin: &str) -> Vec<String> {
    let mut urls: Vec<String> = (1..=ITEMS)
        .map(|id| format!("{origin}/items/{id}"))
        .collect();
    urls[50] = format!("{origin}/status/503");
    urls[150] = format!("{origin}/stall");
    urls
}

fn report(backend: &str, summary: &Summary) {
    println!(
        "{backend}: {} fetched, {} failed, total price {:.2}, in {:?}",
        summary.fetched, summary.failed, summary.total_price, summary.elapsed
    );
}

fn run_on_tokio(server: &TestServer) -> Result<Summary, Box<dyn std::error::Error>> {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let rt = ferry_tokio::TokioRuntime::from_handle(tokio.handle().clone());
    let client = rt.http_client(HttpSettings::default())?;
    let urls = urls(server.url("/").trim_end_matches('/'));
    let summary = tokio.block_on(async {
        // The pipeline runs as a task of the runtime, next to its connections.
        let pipeline = rt.spawn({
            let rt = rt.clone();
            async move { fetch_items(&rt, &client, urls).await }
        });
        pipeline.await
    })?;
    Ok(summary)
}

fn run_on_smol(server: &TestServer) -> Result<Summary, Box<dyn std::error::Error>> {
    let urls = urls(server.url("/").trim_end_matches('/'));
    ferry_smol::block_on(|rt| async move {
        let client = rt.http_client(HttpSettings::default())?;
        let pipeline = rt.spawn({
            let rt = rt.clone();
            async move { fetch_items(&rt, &client, urls).await }
        });
        Ok(pipeline.await?)
    })
}

#[cfg(feature = "surf")]
fn run_on_surf(server: &TestServer) -> Result<Summary, Box<dyn std::error::Error>> {
    let urls = urls(server.url("/").trim_end_matches('/'));
    ferry_smol::block_on(|rt| async move {
        let surf: surf::Client = surf::Config::new().set_http_keep_alive(false).try_into()?;
        let client = rt.surf_client(surf, HttpSettings::default())?;
        let pipeline = rt.spawn({
            let rt = rt.clone();
            async move { fetch_items(&rt, &client, urls).await }
        });
        Ok(pipeline.await?)
    })
}

#[cfg(not(feature = "surf"))]
fn run_on_surf(_: &TestServer) -> Result<Summary, Box<dyn std::error::Error>> {
    Err("the surf adapter is behind a feature: add `--features surf`".into())
}

fn run_on_mock() -> Summary {
    ferry_mock::run(7, |rt| async move {
        // The test server's routes, scripted: each item after 5 ms of virtual time.
        let client = MockHttp::new(&rt)
            .route_fn(Method::GET, "/items/{id}", |request| {
                let id = request.param("id").and_then(|id| id.parse().ok());
                match id {
                    Some(id) => Respond::json(item_json(id)).latency(Duration::from_millis(5)),
                    None => Respond::status(400),
                }
            })
            .route(Method::GET, "/status/503", Respond::status(503))
            .route(Method::GET, "/stall", Respond::stall());
        let urls = urls("http://api.test");
        let pipeline = rt.spawn({
            let rt = rt.clone();
            async move { fetch_items(&rt, &client, urls).await }
        });
        pipeline.await.expect("the pipeline does not panic")
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = match args.as_slice() {
        [] => "tokio".to_owned(),
        [flag, name] if flag == "--runtime" => name.clone(),
        _ => return Err("usage: runtime_choice [--runtime tokio|smol|mock|surf]".into()),
    };
    let wall = Instant::now();
    let summary = match backend.as_str() {
        "tokio" => run_on_tokio(&TestServer::start())?,
        "smol" => run_on_smol(&TestServer::start())?,
        "mock" => run_on_mock(),
        "surf" => run_on_surf(&TestServer::start())?,
        other => {
            return Err(format!("unknown runtime {other:?}: use tokio, smol, mock or surf").into());
        }
    };
    report(&backend, &summary);
    println!("wall clock including start-up: {:?}", wall.elapsed());
    if summary.fetched + summary.failed != ITEMS as usize {
        return Err("an item went missing".into());
    }
    if summary.failed != 2 {
        return Err(format!("expected the 2 planted failures, saw {}", summary.failed).into());
    }
    Ok(())
}
