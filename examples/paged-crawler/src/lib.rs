//! An example library built on ferry: it walks a paged item API (`/pages?page=N`) and fetches
//! every listed item's details (`/items/{id}`), a bounded number at a time, each under a
//! timeout.
//!
//! It is written the way `docs/LIBRARY_AUTHORS.md` recommends: it depends on `ferry-core` and
//! `ferry-http` only, takes its runtime and its HTTP client as parameters
//! ([`Crawler::new`]`(timer, client, base_url)`), and never names a runtime. Its tests run it
//! on the mock backend with scripted HTTP and virtual time; the facade's `examples/crawl.rs`
//! runs it on tokio and on smol against the local test server.
//!
//! ```
//! use paged_crawler::Crawler;
//!
//! async fn count_items(
//!     timer: impl ferry_core::Timer,
//!     client: impl ferry_http::HttpClient + Clone,
//! ) -> usize {
//!     let report = Crawler::new(timer, client, "http://127.0.0.1:8080").crawl().await;
//!     report.items.len()
//! }
//! ```

use std::time::Duration;

use ferry_core::{ConcurrencyLimit, StreamConcurrencyExt, Timer, TimerExt};
use ferry_http::paginate::{PageError, PageNumbers};
use ferry_http::{HttpClient, HttpClientExt, HttpError, Request};
use futures_util::StreamExt;
use serde::Deserialize;

/// An item as the API's detail endpoint returns it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Item {
    /// The item's id.
    pub id: u64,
    /// Its name.
    pub name: String,
    /// Its price.
    pub price: f64,
}

/// An entry of a listing page: only the id is needed to fetch the details.
#[derive(Debug, Deserialize)]
struct Listed {
    id: u64,
}

/// Why one part of a crawl failed. A crawl reports every failure and goes on; nothing is
/// dropped without a word.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// A listing page failed: the pages after it were not read.
    #[error("listing page failed: {0}")]
    Listing(#[source] PageError),
    /// An item's details could not be fetched or read.
    #[error("item {id}: {source}")]
    Item {
        /// The item's id.
        id: u64,
        /// The HTTP failure.
        source: HttpError,
    },
    /// An item's details took longer than the crawler's item timeout.
    #[error("item {id}: no answer within {timeout:?}")]
    ItemTimeout {
        /// The item's id.
        id: u64,
        /// The timeout that passed.
        timeout: Duration,
    },
}

/// What a crawl found: the items, in listing order, and every failure.
#[derive(Debug, Default)]
pub struct CrawlReport {
    /// The items whose details were fetched.
    pub items: Vec<Item>,
    /// What failed, in the order it happened to be seen.
    pub failures: Vec<CrawlError>,
}

/// Crawls a paged item API; see the [crate docs](crate).
#[derive(Debug, Clone)]
pub struct Crawler<T, C> {
    timer: T,
    client: C,
    base_url: String,
    per_page: u32,
    limit: ConcurrencyLimit,
    item_timeout: Duration,
}

impl<T: Timer, C: HttpClient + Clone> Crawler<T, C> {
    /// A crawler of the API at `base_url` (no trailing slash), with 20 items a page, 8 item
    /// requests at once and a 5 s timeout per item.
    pub fn new(timer: T, client: C, base_url: impl Into<String>) -> Self {
        Crawler {
            timer,
            client,
            base_url: base_url.into(),
            per_page: 20,
            limit: ConcurrencyLimit::new(8).expect("8 is not 0"),
            item_timeout: Duration::from_secs(5),
        }
    }

    /// How many items each listing page asks for.
    pub fn per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page;
        self
    }

    /// How many item requests may be in flight at once.
    pub fn concurrency(mut self, limit: ConcurrencyLimit) -> Self {
        self.limit = limit;
        self
    }

    /// How long one item's request may take.
    pub fn item_timeout(mut self, timeout: Duration) -> Self {
        self.item_timeout = timeout;
        self
    }

    /// Reads every listing page, then fetches each listed item's details, at most the
    /// [`concurrency`](Self::concurrency) at once, each under the item timeout.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops the crawl: the requests in flight are dropped with it, and
    /// nothing keeps running in the background.
    pub async fn crawl(&self) -> CrawlReport {
        let mut report = CrawlReport::default();
        let mut ids = Vec::new();
        let base = &self.base_url;
        let per_page = self.per_page.to_string();
        let mut listing = std::pin::pin!(
            PageNumbers::new(self.client.clone(), |page| {
                Request::get(format!("{base}/pages"))
                    .query([("page", page.to_string()), ("per_page", per_page.clone())])
                    .build()
            })
            .items::<Listed>()
        );
        while let Some(entry) = listing.next().await {
            match entry {
                Ok(listed) => ids.push(listed.id),
                Err(error) => {
                    let ends = error.ends_stream();
                    report.failures.push(CrawlError::Listing(error));
                    if ends {
                        break;
                    }
                }
            }
        }

        let details = futures_util::stream::iter(ids)
            .map_concurrent(self.limit.get(), |id| self.fetch_item(id))
            .expect("a ConcurrencyLimit is never 0")
            .collect::<Vec<_>>()
            .await;
        for detail in details {
            match detail {
                Ok(item) => report.items.push(item),
                Err(error) => report.failures.push(error),
            }
        }
        report
    }

    /// [`crawl`](Self::crawl) as a `'static` future that owns the crawler, for spawning it as
    /// a task of its own.
    ///
    /// # Cancel safety
    ///
    /// As for [`crawl`](Self::crawl).
    pub async fn into_crawl(self) -> CrawlReport {
        self.crawl().await
    }

    async fn fetch_item(&self, id: u64) -> Result<Item, CrawlError> {
        let url = format!("{}/items/{id}", self.base_url);
        let fetch = async {
            self.client
                .get(url)
                .send()
                .await?
                .error_for_status()?
                .json::<Item>()
                .await
        };
        match self.timer.timeout(self.item_timeout, fetch).await {
            Ok(Ok(item)) => Ok(item),
            Ok(Err(source)) => Err(CrawlError::Item { id, source }),
            Err(_elapsed) => Err(CrawlError::ItemTimeout {
                id,
                timeout: self.item_timeout,
            }),
        }
    }
}
