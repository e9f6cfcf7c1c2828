//! An application using a library written on ferry's interface crates: `paged-crawler`
//! (examples/paged-crawler) depends on `ferry-core` and `ferry-http` only, and this binary
//! hands it the runtime and the HTTP client of the backend it picks.
//!
//! ```text
//! cargo run --example crawl                      # on tokio
//! cargo run --example crawl -- --runtime smol    # the same library on smol
//! ```
//!
//! Both crawl the local test server's paged item API (`/pages`, then `/items/{id}` for each
//! listed item); the library's own tests run it on the mock backend.

use std::time::Instant;

use ferry::SpawnExt;
use ferry::http::HttpSettings;
use ferry_testserver::TestServer;
use paged_crawler::{CrawlReport, Crawler};

/// How many items the server lists: `/pages` defaults to 95.
const LISTED: usize = 95;

fn crawl_on_tokio(base: String) -> Result<CrawlReport, Box<dyn std::error::Error>> {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let rt = ferry::tokio::TokioRuntime::from_handle(tokio.handle().clone());
    let client = rt.http_client(HttpSettings::default())?;
    let crawl = rt.spawn(Crawler::new(rt.clone(), client, base).into_crawl());
    Ok(tokio.block_on(crawl)?)
}

fn crawl_on_smol(base: String) -> Result<CrawlReport, Box<dyn std::error::Error>> {
    ferry_smol::block_on(|rt| async move {
        let client = rt.http_client(HttpSettings::default())?;
        let crawl = rt.spawn(Crawler::new(rt.clone(), client, base).into_crawl());
        Ok(crawl.await?)
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let backend = match args.as_slice() {
        [] => "tokio",
        [flag, name] if flag == "--runtime" => name.as_str(),
        _ => return Err("usage: crawl [--runtime tokio|smol]".into()),
    };
    let server = TestServer::start();
    let base = server.url("/").trim_end_matches('/').to_owned();
    let started = Instant::now();
    let report = match backend {
        "tokio" => crawl_on_tokio(base)?,
        "smol" => crawl_on_smol(base)?,
        other => return Err(format!("unknown runtime {other:?}: use tokio or smol").into()),
    };
    println!(
        "{backend}: {} items crawled, {} failures, in {:?}",
        report.items.len(),
        report.failures.len(),
        started.elapsed()
    );
    for failure in &report.failures {
        println!("  failed: {failure}");
    }
    if report.items.len() != LISTED || !report.failures.is_empty() {
        return Err(format!("expected {LISTED} items and no failure").into());
    }
    Ok(())
}
