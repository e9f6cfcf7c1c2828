//! The crawler tested the way its docs promise: on the mock backend, with the API scripted,
//! failures planted, and the virtual time of a crawl checked exactly.

use std::time::Duration;

use ferry_core::{Clock, ConcurrencyLimit};
use ferry_mock::http::{Latency, MockHttp, MockRequest, Respond};
use http::Method;
use paged_crawler::{CrawlError, Crawler};

const BASE: &str = "http://api.test";

/// A number from the request's query string.
fn query_number(request: &MockRequest, key: &str) -> Option<u64> {
    request.uri.query()?.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name == key).then(|| value.parse().ok()).flatten()
    })
}

/// `api` (whose own routes answer first) extended to an API of `total` items listed
/// `per_page` a page, each detail answered after `latency`.
fn scripted_api(api: MockHttp, total: u64, latency: Duration) -> MockHttp {
    api.route_fn(Method::GET, "/pages", move |request| {
        let page = query_number(request, "page").unwrap_or(1);
        let per_page = query_number(request, "per_page").unwrap_or(10);
        let first = (page - 1) * per_page + 1;
        let ids: Vec<String> = (first..first + per_page)
            .filter(|id| *id <= total)
            .map(|id| format!(r#"{{"id":{id}}}"#))
            .collect();
        Respond::json(format!(r#"{{"page":{page},"items":[{}]}}"#, ids.join(",")))
    })
    .route_fn(Method::GET, "/items/{id}", move |request| {
        let id = request.param("id").unwrap_or("0").to_owned();
        Respond::json(format!(r#"{{"id":{id},"name":"item-{id}","price":1.5}}"#))
            .latency(Latency::fixed(latency))
    })
}

#[test]
fn every_listed_item_is_fetched_in_listing_order() {
    ferry_mock::run(1, |rt| async move {
        let api = scripted_api(MockHttp::new(&rt), 45, Duration::from_millis(100));
        let report = Crawler::new(rt.clone(), api.clone(), BASE)
            .per_page(20)
            .crawl()
            .await;
        assert!(report.failures.is_empty(), "{:?}", report.failures);
        let ids: Vec<u64> = report.items.iter().map(|item| item.id).collect();
        assert_eq!(ids, (1..=45).collect::<Vec<_>>());
        // Three full or partial pages and the empty one that ends the listing.
        assert_eq!(api.requests_to("/pages").len(), 4);
        assert_eq!(api.requests_to("/items/{id}").len(), 45);
    });
}

#[test]
fn item_requests_run_at_most_the_concurrency_at_once() {
    ferry_mock::run(2, |rt| async move {
        let api = scripted_api(MockHttp::new(&rt), 40, Duration::from_millis(100));
        let crawler = Crawler::new(rt.clone(), api, BASE)
            .per_page(40)
            .concurrency(ConcurrencyLimit::new(4).unwrap());
        let start = rt.now();
        let report = crawler.crawl().await;
        assert_eq!(report.items.len(), 40);
        // 40 items, 4 at a time, 100 ms each: exactly ten rounds of virtual time (the listing
        // pages answer at once).
        assert_eq!(rt.now() - start, Duration::from_millis(1_000));
    });
}

#[test]
fn a_failed_or_slow_item_is_reported_and_the_rest_arrive() {
    ferry_mock::run(3, |rt| async move {
        let planted = MockHttp::new(&rt)
            .route(Method::GET, "/items/3", Respond::status(500))
            .route(Method::GET, "/items/7", Respond::stall());
        let api = scripted_api(planted, 10, Duration::from_millis(10));
        let report = Crawler::new(rt.clone(), api, BASE)
            .item_timeout(Duration::from_secs(2))
            .crawl()
            .await;
        let ids: Vec<u64> = report.items.iter().map(|item| item.id).collect();
        assert_eq!(ids, [1, 2, 4, 5, 6, 8, 9, 10]);
        assert_eq!(report.failures.len(), 2, "{:?}", report.failures);
        assert!(report.failures.iter().any(|failure| matches!(
            failure,
            CrawlError::Item { id: 3, source } if source.status().map(|s| s.as_u16()) == Some(500)
        )));
        assert!(report.failures.iter().any(|failure| matches!(
            failure,
            CrawlError::ItemTimeout { id: 7, timeout } if *timeout == Duration::from_secs(2)
        )));
    });
}
