//! Fetch many URLs concurrently, at most 10 at a time, and report every failure.
//!
//! The asyncio version is `asyncio.Semaphore(10)` around `session.get` plus
//! `gather(..., return_exceptions=True)`. Here the limit is ferry's `map_concurrent_unordered`
//! with 10 over one shared client (results come as they finish), and each URL keeps its own
//! `Result`, so a failed item is reported instead of dropped.
//!
//! Everything runs against ferry's local test server; nothing touches the internet.
//!
//! ```text
//! cargo run --example http_fetch_concurrent
//! ```

use std::time::{Duration, Instant};

use ferry::http::{HttpClient, HttpClientExt, HttpError, HttpSettings};
use ferry::map_concurrent_unordered;
use ferry::tokio::TokioHttpClient;
use ferry_testserver::TestServer;
use futures::StreamExt;
use serde::Deserialize;

/// One item as the server sends it.
#[derive(Debug, Deserialize)]
struct Item {
    id: u64,
    name: String,
    price: f64,
}

/// GET one item, turning 4xx/5xx into errors and decoding the JSON.
async fn fetch_item(client: &impl HttpClient, url: &str) -> Result<Item, HttpError> {
    client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::start();
    // One client for the whole run: its pool keeps connections alive between requests.
    let client =
        TokioHttpClient::new(HttpSettings::default().with_timeout(Duration::from_secs(1)))?;

    // Two URLs that fail in different ways, then 100 items that each take 50 ms on the
    // server. The stalled one holds one of the 10 slots until the 1 s timeout frees it.
    let mut urls = vec![server.url("/status/503"), server.url("/stall")];
    urls.extend((1..=100).map(|id| server.url(&format!("/delay/50?id={id}"))));

    let started = Instant::now();
    let results: Vec<(String, Result<Item, HttpError>)> =
        map_concurrent_unordered(urls, 10, |url| {
            let client = &client;
            async move {
                let result = fetch_item(client, &url).await;
                (url, result)
            }
        })?
        .collect()
        .await;
    let elapsed = started.elapsed();

    let mut total_price = 0.0;
    let mut fetched = 0;
    for (url, result) in &results {
        match result {
            Ok(item) => {
                fetched += 1;
                total_price += item.price;
                if item.id == 1 {
                    println!("first item: {} ({})", item.name, item.price);
                }
            }
            Err(error) => println!(
                "FAILED {url}: {error} (retryable: {})",
                error.is_retryable()
            ),
        }
    }
    println!(
        "{fetched} of {} fetched in {elapsed:.2?} with 10 in flight; total price {total_price:.2}",
        results.len()
    );
    println!(
        "connections opened: {} for {} requests",
        server.connections_accepted(),
        server.requests_served()
    );
    Ok(())
}
