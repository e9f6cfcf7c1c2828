//! Fetch every page of a paged API, in the three shapes APIs use: page numbers, cursors, and
//! `Link: <...>; rel="next"` headers.
//!
//! The asyncio version is a `while` loop around `await session.get(...)`; the Rust one is the
//! same loop. Pages depend on each other (the next URL comes from the current page), so they
//! are fetched one after another over one keep-alive connection.
//!
//! ```text
//! cargo run --example http_pages
//! ```

use ferry_http::{HttpClient, HttpClientExt, HttpError, HttpSettings, Response};
use ferry_testserver::TestServer;
use ferry_tokio::TokioHttpClient;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Item {
    id: u64,
}

#[derive(Debug, Deserialize)]
struct NumberedPage {
    items: Vec<Item>,
    total: u64,
}

#[derive(Debug, Deserialize)]
struct CursorPage {
    items: Vec<Item>,
    next_cursor: Option<String>,
}

/// Page numbers: ask for page 1, 2, ... until a page comes back empty.
async fn by_page_number(
    client: &impl HttpClient,
    server: &TestServer,
) -> Result<Vec<u64>, HttpError> {
    let mut ids = Vec::new();
    for page in 1.. {
        let body: NumberedPage = client
            .get(server.url("/pages"))
            .query([("page", page.to_string()), ("per_page", "20".into())])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if body.items.is_empty() {
            println!(
                "numbered pages: stopped at empty page {page} (total {})",
                body.total
            );
            break;
        }
        ids.extend(body.items.iter().map(|item| item.id));
    }
    Ok(ids)
}

/// Cursors: pass back the opaque `next_cursor` until it is null.
async fn by_cursor(client: &impl HttpClient, server: &TestServer) -> Result<Vec<u64>, HttpError> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let mut request = client.get(server.url("/cursor")).query([("limit", "25")]);
        if let Some(cursor) = &cursor {
            request = request.query([("cursor", cursor)]);
        }
        let page: CursorPage = request.send().await?.error_for_status()?.json().await?;
        ids.extend(page.items.iter().map(|item| item.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(ids),
        }
    }
}

/// The URL of `rel="next"` in a response's `Link` header, if any.
fn next_link(response: &Response) -> Option<String> {
    let link = response.headers().get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

/// Link headers: follow `rel="next"` until there is none.
async fn by_link_header(
    client: &impl HttpClient,
    server: &TestServer,
) -> Result<Vec<u64>, HttpError> {
    let mut ids = Vec::new();
    let mut next = Some(server.url("/link?per_page=30"));
    while let Some(url) = next {
        let response = client.get(&url).send().await?.error_for_status()?;
        next = next_link(&response);
        let items: Vec<Item> = response.json().await?;
        ids.extend(items.iter().map(|item| item.id));
    }
    Ok(ids)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = TestServer::start();
    let client = TokioHttpClient::new(HttpSettings::default())?;

    let numbered = by_page_number(&client, &server).await?;
    let cursored = by_cursor(&client, &server).await?;
    let linked = by_link_header(&client, &server).await?;
    for (how, ids) in [
        ("page numbers", &numbered),
        ("cursors", &cursored),
        ("Link headers", &linked),
    ] {
        let in_order = ids.windows(2).all(|pair| pair[0] < pair[1]);
        println!("{how}: {} items, ids in order: {in_order}", ids.len());
    }
    println!(
        "{} requests over {} connection(s)",
        server.requests_served(),
        server.connections_accepted()
    );
    Ok(())
}
