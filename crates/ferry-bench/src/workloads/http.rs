//! HTTP workloads against the local test server, pinned away from the client (see
//! [`crate::pinning`]): ferry's own client on tokio (current-thread and multi-thread) and smol,
//! written once against [`HttpClient`], next to the hyper-util and reqwest baselines.

use std::time::{Duration, Instant};

use bytes::Bytes;
use ferry_http::{HttpClient, HttpClientExt, HttpSettings};
use futures::{StreamExt, TryStreamExt};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::{Case, Measured, Sizes, case};
use crate::{backends, pinning};

const THROUGHPUT_REQUESTS: usize = 20_000;
const QUICK_THROUGHPUT_REQUESTS: usize = 2_000;
const THROUGHPUT_CONCURRENCY: usize = 64;
const LATENCY_REQUESTS: usize = 2_000;
const QUICK_LATENCY_REQUESTS: usize = 400;
const LATENCY_CONCURRENCY: usize = 100;
const DELAY: Duration = Duration::from_millis(50);

pub(crate) fn throughput_cases() -> Vec<Case> {
    vec![
        case("ferry tokio-ct", "tokio-ct", false, |s| {
            with_server(s, |url, s| {
                backends::ferry_tokio_ct(|rt| async move {
                    let client = rt
                        .http_client(HttpSettings::default())
                        .expect("ferry's tokio client builds with the default settings");
                    ferry_throughput(client, url, s).await
                })
            })
        }),
        case("ferry tokio-mt", "tokio-mt", false, |s| {
            with_server(s, |url, s| {
                backends::ferry_tokio_mt(|rt| async move {
                    let client = rt
                        .http_client(HttpSettings::default())
                        .expect("ferry's tokio client builds with the default settings");
                    ferry_throughput(client, url, s).await
                })
            })
        }),
        case("ferry smol", "smol", false, |s| {
            with_server(s, |url, s| {
                ferry_smol::block_on(|rt| async move {
                    let client = rt
                        .http_client(HttpSettings::default())
                        .expect("ferry's smol client builds with the default settings");
                    ferry_throughput(client, url, s).await
                })
            })
        }),
        case("hyper-util tokio-ct", "tokio-ct", true, |s| {
            with_server(s, |url, s| {
                backends::tokio_current_thread().block_on(hyper_util_throughput(url, s))
            })
        }),
        case("hyper-util tokio-mt", "tokio-mt", true, |s| {
            with_server(s, |url, s| {
                backends::tokio_mt_spawned(
                    &backends::tokio_multi_thread(),
                    hyper_util_throughput(url, s),
                )
            })
        }),
        case("reqwest tokio-ct", "tokio-ct", true, |s| {
            with_server(s, |url, s| {
                backends::tokio_current_thread().block_on(reqwest_throughput(url, s))
            })
        }),
    ]
}

pub(crate) fn latency_cases() -> Vec<Case> {
    vec![
        case("ferry tokio-ct", "tokio-ct", false, |s| {
            with_server(s, |url, s| {
                backends::ferry_tokio_ct(|rt| async move {
                    let client = rt
                        .http_client(HttpSettings::default())
                        .expect("ferry's tokio client builds with the default settings");
                    ferry_latency(client, url, s).await
                })
            })
        }),
        case("ferry tokio-mt", "tokio-mt", false, |s| {
            with_server(s, |url, s| {
                backends::ferry_tokio_mt(|rt| async move {
                    let client = rt
                        .http_client(HttpSettings::default())
                        .expect("ferry's tokio client builds with the default settings");
                    ferry_latency(client, url, s).await
                })
            })
        }),
        case("ferry smol", "smol", false, |s| {
            with_server(s, |url, s| {
                ferry_smol::block_on(|rt| async move {
                    let client = rt
                        .http_client(HttpSettings::default())
                        .expect("ferry's smol client builds with the default settings");
                    ferry_latency(client, url, s).await
                })
            })
        }),
        case("hyper-util tokio-ct", "tokio-ct", true, |s| {
            with_server(s, |url, s| {
                backends::tokio_current_thread().block_on(hyper_util_latency(url, s))
            })
        }),
        case("reqwest tokio-ct", "tokio-ct", true, |s| {
            with_server(s, |url, s| {
                backends::tokio_current_thread().block_on(reqwest_latency(url, s))
            })
        }),
    ]
}

/// Starts a pinned test server, runs `client` against its base URL, and adds the pinning to
/// what it measured.
fn with_server(sizes: &Sizes, client: impl FnOnce(String, Sizes) -> Measured) -> Measured {
    let (server, pinning) = pinning::pinned_server_and_client();
    let base = server.url("");
    let mut measured = client(base.trim_end_matches('/').to_owned(), sizes.clone());
    measured.notes.push(pinning);
    measured
}

/// GETs every URI through ferry's `client` with at most `concurrency` in flight, reading each
/// body whole: the same code on every runtime.
///
/// The URIs are parsed before the clock starts, as they are for the hyper-util baseline (whose
/// `get` takes only a parsed `Uri`); ferry's `get` takes a `Uri` without parsing it again.
async fn ferry_get_all<C: HttpClient>(client: &C, uris: Vec<hyper::Uri>, concurrency: usize) {
    ferry_core::map_concurrent_unordered(uris, concurrency, |url| async move {
        client.get(url).send().await?.bytes().await.map(|b| b.len())
    })
    .expect("the benchmark's concurrency is not zero")
    .try_for_each(|_| async { Ok(()) })
    .await
    .expect("every request to the local test server succeeds");
}

async fn ferry_throughput<C: HttpClient>(client: C, base: String, sizes: Sizes) -> Measured {
    let requests = sizes.items(THROUGHPUT_REQUESTS, QUICK_THROUGHPUT_REQUESTS);
    let uris = uris(item_urls(&base, requests));
    let start = Instant::now();
    ferry_get_all(&client, uris, sizes.concurrency(THROUGHPUT_CONCURRENCY)).await;
    rate(requests, start.elapsed())
}

async fn ferry_latency<C: HttpClient>(client: C, base: String, sizes: Sizes) -> Measured {
    let requests = sizes.items(LATENCY_REQUESTS, QUICK_LATENCY_REQUESTS);
    let concurrency = sizes.concurrency(LATENCY_CONCURRENCY);
    let uris = uris(delay_urls(&base, requests));
    let start = Instant::now();
    ferry_get_all(&client, uris, concurrency).await;
    efficiency(requests, concurrency, start.elapsed())
}

fn hyper_client() -> Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>> {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(usize::MAX)
        .build_http()
}

/// GETs every URI with at most `concurrency` in flight, reading each body whole.
async fn hyper_get_all(uris: Vec<hyper::Uri>, concurrency: usize) {
    let client = hyper_client();
    futures::stream::iter(uris)
        .map(|uri| {
            let client = client.clone();
            async move {
                let response = client.get(uri).await?;
                let body = response.into_body().collect().await?.to_bytes();
                Ok::<usize, Box<dyn std::error::Error + Send + Sync>>(body.len())
            }
        })
        .buffer_unordered(concurrency)
        .try_for_each(|_| async { Ok(()) })
        .await
        .expect("every request to the local test server succeeds");
}

async fn reqwest_get_all(urls: Vec<String>, concurrency: usize) {
    let client = reqwest::Client::builder()
        .build()
        .expect("a plain reqwest client builds");
    futures::stream::iter(urls)
        .map(|url| {
            let client = client.clone();
            async move { client.get(url).send().await?.bytes().await.map(|b| b.len()) }
        })
        .buffer_unordered(concurrency)
        .try_for_each(|_| async { Ok(()) })
        .await
        .expect("every request to the local test server succeeds");
}

fn item_urls(base: &str, requests: usize) -> Vec<String> {
    (0..requests)
        .map(|n| format!("{base}/items/{}", n % 1_000))
        .collect()
}

fn delay_urls(base: &str, requests: usize) -> Vec<String> {
    (0..requests)
        .map(|_| format!("{base}/delay/{}", DELAY.as_millis()))
        .collect()
}

fn uris(urls: Vec<String>) -> Vec<hyper::Uri> {
    urls.into_iter()
        .map(|url| url.parse().expect("the test server's URLs parse"))
        .collect()
}

/// Requests per second.
fn rate(requests: usize, elapsed: Duration) -> Measured {
    Measured {
        value: requests as f64 / elapsed.as_secs_f64(),
        size: requests,
        notes: Vec::new(),
    }
}

/// The ideal time over the actual: the requests in waves of `concurrency`, each wave one delay.
fn efficiency(requests: usize, concurrency: usize, elapsed: Duration) -> Measured {
    let waves = requests.div_ceil(concurrency) as u32;
    Measured {
        value: (DELAY * waves).as_secs_f64() / elapsed.as_secs_f64(),
        size: requests,
        notes: Vec::new(),
    }
}

async fn hyper_util_throughput(base: String, sizes: Sizes) -> Measured {
    let requests = sizes.items(THROUGHPUT_REQUESTS, QUICK_THROUGHPUT_REQUESTS);
    let uris = uris(item_urls(&base, requests));
    let start = Instant::now();
    hyper_get_all(uris, sizes.concurrency(THROUGHPUT_CONCURRENCY)).await;
    rate(requests, start.elapsed())
}

async fn reqwest_throughput(base: String, sizes: Sizes) -> Measured {
    let requests = sizes.items(THROUGHPUT_REQUESTS, QUICK_THROUGHPUT_REQUESTS);
    let urls = item_urls(&base, requests);
    let start = Instant::now();
    reqwest_get_all(urls, sizes.concurrency(THROUGHPUT_CONCURRENCY)).await;
    rate(requests, start.elapsed())
}

async fn hyper_util_latency(base: String, sizes: Sizes) -> Measured {
    let requests = sizes.items(LATENCY_REQUESTS, QUICK_LATENCY_REQUESTS);
    let concurrency = sizes.concurrency(LATENCY_CONCURRENCY);
    let uris = uris(delay_urls(&base, requests));
    let start = Instant::now();
    hyper_get_all(uris, concurrency).await;
    efficiency(requests, concurrency, start.elapsed())
}

async fn reqwest_latency(base: String, sizes: Sizes) -> Measured {
    let requests = sizes.items(LATENCY_REQUESTS, QUICK_LATENCY_REQUESTS);
    let concurrency = sizes.concurrency(LATENCY_CONCURRENCY);
    let urls = delay_urls(&base, requests);
    let start = Instant::now();
    reqwest_get_all(urls, concurrency).await;
    efficiency(requests, concurrency, start.elapsed())
}
