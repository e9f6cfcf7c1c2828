//! Download many files concurrently into a directory, each written atomically, with a
//! report of what was saved and what failed, against the local test server.
//!
//! File names come from the URLs and are made safe (a hostile `..%2f..%2fetc%2fpasswd`
//! lands inside the directory as `_.._etc_passwd`); two URLs with one name are saved as
//! `name.ext` and `name-1.ext`; a URL without a file name, or one the server refuses, is
//! reported and the others go on.
//!
//! ```text
//! cargo run --example download
//! ```

use std::time::Duration;

use ferry::ConcurrencyLimit;
use ferry::download::Downloader;
use ferry::http::{HostPolicy, HttpSettings, ResilientClient};
use ferry::rate_limit::Quota;
use ferry::tokio::TokioRuntime;
use ferry_testserver::TestServer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::start();
    let rt = TokioRuntime::current();
    // Retries, a per-attempt timeout, and no more than 50 requests a second to the host.
    let client = ResilientClient::new(
        rt.http_client(HttpSettings::default())?,
        rt.clone(),
        HostPolicy::new()
            .attempt_timeout(Duration::from_secs(10))
            .rate(Quota::per_second(50)?),
    );
    let dir = tempfile::tempdir()?;

    let mut urls: Vec<String> = ["notes.txt", "report.csv", "items.json", "archive.bin"]
        .iter()
        .map(|name| server.url(&format!("/files/{name}")))
        .collect();
    urls.push(server.url("/files/report.csv?mirror=2")); // saved as report-1.csv
    urls.push(server.url("/bytes/1048576")); // 1 MiB, streamed to disk, saved as "1048576"
    urls.push(server.url("/files/..%2f..%2fetc%2fpasswd")); // the server refuses it: 400
    urls.push(server.url("/files/")); // no file name

    let report = Downloader::new(&client, rt.fs(), dir.path())
        .concurrency(ConcurrencyLimit::new(3)?)
        .download(&urls)
        .await;

    for saved in &report.saved {
        println!("saved  {:>8} bytes  {}", saved.bytes, saved.path.display());
    }
    for failed in &report.failed {
        println!("failed {}", failed.error);
    }
    println!(
        "{} saved ({} bytes), {} failed",
        report.saved.len(),
        report.total_bytes(),
        report.failed.len()
    );
    Ok(())
}
