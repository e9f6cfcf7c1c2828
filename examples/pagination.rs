//! Every item of a paged API as one stream, in the three shapes APIs use: page numbers,
//! cursors, and `Link: <...>; rel="next"` headers, against the local test server.
//!
//! Pages are fetched lazily (taking the first 30 items fetches two pages of 20), errors come
//! through the stream, and `prefetch(n)` keeps up to `n` pages in flight ahead of the reader.
//! A `ResilientClient` under the paginator retries failed pages.
//!
//! ```text
//! cargo run --example pagination
//! ```

use std::time::Duration;

use ferry::http::{HostPolicy, HttpSettings, Request, ResilientClient};
use ferry::paginate::{CursorPages, LinkPages, PageError, PageNumbers};
use ferry::tokio::TokioRuntime;
use ferry_testserver::TestServer;
use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Item {
    id: u64,
    price: f64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::start();
    let rt = TokioRuntime::current();
    let client = ResilientClient::new(
        rt.http_client(HttpSettings::default())?,
        rt.clone(),
        HostPolicy::new().attempt_timeout(Duration::from_secs(5)),
    );

    // Page numbers until an empty page; only the pages needed for 30 items are fetched.
    let first_30: Vec<Item> = PageNumbers::new(&client, |page| {
        Request::get(server.url("/pages"))
            .query([("page", page.to_string()), ("per_page", "20".into())])
            .build()
    })
    .items()
    .take(30)
    .try_collect()
    .await?;
    println!(
        "page numbers: first 30 items, ids {}..={}, {} requests",
        first_30[0].id,
        first_30[29].id,
        server.requests_for("/pages")
    );

    // Cursors until `next_cursor` is null.
    let total: f64 = CursorPages::new(&client, |cursor| {
        let mut request = Request::get(server.url("/cursor")).query([("limit", "25")]);
        if let Some(cursor) = cursor {
            request = request.query([("cursor", cursor)]);
        }
        request.build()
    })
    .items::<Item>()
    .try_fold(0.0, |sum, item| async move { Ok(sum + item.price) })
    .await?;
    println!("cursors: the prices add up to {total:.2}");

    // Link headers, two pages fetched ahead of the reader.
    let mut count = 0;
    let mut linked = std::pin::pin!(
        LinkPages::new(
            &client,
            Request::get(server.url("/link?per_page=10")).build()
        )
        .prefetch(2)
        .items::<Item>()
    );
    while let Some(item) = linked.next().await {
        match item {
            Ok(_) => count += 1,
            // A bad item is reported and the stream goes on; a failed page ends it.
            Err(error @ PageError::Item { .. }) => eprintln!("skipped: {error}"),
            Err(error) => return Err(error.into()),
        }
    }
    println!("Link headers: {count} items");
    Ok(())
}
