//! What ferry's HTTP client costs over raw hyper-util: scenario T of the anchors (small GETs of
//! a JSON item, 64 in flight, keep-alive) on a current-thread runtime, against the local test
//! server. Rounds alternate between raw hyper-util's legacy client and the compared client;
//! the best and the median of each are printed (the machine is shared, so single rounds vary).
//!
//! ```text
//! cargo run --release --example http_speed [requests per round] [rounds] [ferry|transport]
//! ```
//!
//! `ferry` (the default) compares `TokioHttpClient` with default settings (30 s timeout, body
//! limit, user agent, redirects); `transport` compares `TokioTransport` alone, without
//! ferry-core's client layer.

use std::time::{Duration, Instant};

use bytes::Bytes;
use ferry_http::{HttpClientExt, HttpSettings, Transport};
use ferry_testserver::TestServer;
use ferry_tokio::{TokioHttpClient, TokioTransport};
use futures::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const IN_FLIGHT: usize = 64;

async fn run_raw(url: &http::Uri, requests: usize) -> Duration {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(IN_FLIGHT)
        .build_http();
    let started = Instant::now();
    futures::stream::iter(0..requests)
        .map(|_| {
            let client = &client;
            async move {
                let response = client.get(url.clone()).await.expect("raw GET");
                let body = response.into_body().collect().await.expect("raw body");
                assert!(!body.to_bytes().is_empty());
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .for_each(|()| async {})
        .await;
    started.elapsed()
}

async fn run_transport(url: &http::Uri, requests: usize) -> Duration {
    let handle = tokio::runtime::Handle::current();
    let transport = TokioTransport::new(handle, &HttpSettings::default()).expect("transport");
    let started = Instant::now();
    futures::stream::iter(0..requests)
        .map(|_| {
            let transport = &transport;
            async move {
                let mut request = http::Request::new(Bytes::new());
                *request.uri_mut() = url.clone();
                let response = transport.send(request).await.expect("transport GET");
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .expect("transport body");
                assert!(!body.to_bytes().is_empty());
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .for_each(|()| async {})
        .await;
    started.elapsed()
}

async fn run_ferry(url: &http::Uri, requests: usize) -> Duration {
    let client = TokioHttpClient::new(HttpSettings::default()).expect("client builds");
    let started = Instant::now();
    futures::stream::iter(0..requests)
        .map(|_| {
            let client = &client;
            async move {
                let response = client.get(url).send().await.expect("ferry GET");
                assert!(!response.bytes().await.expect("ferry body").is_empty());
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .for_each(|()| async {})
        .await;
    started.elapsed()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    let transport_only = args.next().as_deref() == Some("transport");
    let server = TestServer::builder().http_only().start();
    let url: http::Uri = server.url("/items/1").parse().expect("valid url");
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut raw_times, mut compared_times) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        raw_times.push(tokio.block_on(run_raw(&url, requests)));
        compared_times.push(if transport_only {
            tokio.block_on(run_transport(&url, requests))
        } else {
            tokio.block_on(run_ferry(&url, requests))
        });
    }
    raw_times.sort();
    compared_times.sort();
    let rate = |d: Duration| requests as f64 / d.as_secs_f64();
    let name = if transport_only { "transport" } else { "ferry" };
    let (raw_best, best) = (rate(raw_times[0]), rate(compared_times[0]));
    let (raw_median, median) = (
        rate(raw_times[rounds / 2]),
        rate(compared_times[rounds / 2]),
    );
    println!(
        "best: raw {raw_best:.0} req/s, {name} {best:.0} req/s, ratio {:.3}",
        best / raw_best
    );
    println!(
        "median: raw {raw_median:.0} req/s, {name} {median:.0} req/s, ratio {:.3}",
        median / raw_median
    );
}
