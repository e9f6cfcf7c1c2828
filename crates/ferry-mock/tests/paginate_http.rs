//! The HTTP paginators on the mock's virtual time: each kind of API, laziness, prefetch and
//! errors, against a scripted client.

mod layer_support;

use std::time::Duration;

use ferry_core::Timer;
use ferry_core::retry::{Backoff, RetryPolicy};
use ferry_http::paginate::{CursorPages, LinkPages, PageError, PageNumbers};
use ferry_http::{HostPolicy, HttpClientExt, Request, ResilientClient};
use ferry_mock::MockRuntime;
use futures::{StreamExt, TryStreamExt};
use layer_support::{FakeClient, Reply};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Item {
    id: u64,
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The value of query parameter `name` of `request`.
fn param(request: &Request, name: &str) -> Option<u64> {
    request.uri().query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.parse().ok())?
    })
}

fn items_json(first: u64, last: u64) -> String {
    let items: Vec<String> = (first..=last)
        .map(|id| format!("{{\"id\":{id}}}"))
        .collect();
    format!("[{}]", items.join(","))
}

/// `/pages?page=N`: 10 per page, 25 items, each page taking `delay`.
fn numbered(rt: &MockRuntime, delay: Duration) -> FakeClient {
    FakeClient::new(rt, move |request, _| {
        let page = param(request, "page").unwrap_or(1);
        let first = (page - 1) * 10 + 1;
        let last = (page * 10).min(25);
        let items = if first > 25 {
            "[]".into()
        } else {
            items_json(first, last)
        };
        Reply::ok(format!("{{\"page\":{page},\"items\":{items}}}")).after(delay)
    })
}

fn page_request(page: u64) -> Result<Request, ferry_http::HttpError> {
    Request::get("http://api.test/pages")
        .query([("page", page.to_string())])
        .build()
}

fn ids(items: Vec<Item>) -> Vec<u64> {
    items.into_iter().map(|item| item.id).collect()
}

#[test]
fn page_numbers_run_until_the_first_empty_page() {
    ferry_mock::run(1, |rt| async move {
        let fake = numbered(&rt, ms(100));
        let items: Vec<Item> = PageNumbers::new(&fake, page_request)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids(items), (1..=25).collect::<Vec<_>>());
        assert_eq!(
            fake.call_times_ms(),
            [0, 100, 200, 300],
            "3 pages and the empty 4th"
        );
    });
}

#[test]
fn cursor_pages_pass_back_each_next_cursor_until_null() {
    ferry_mock::run(2, |rt| async move {
        let fake = FakeClient::new(&rt, |request, _| {
            let offset = param(request, "cursor").unwrap_or(0);
            let last = (offset + 7).min(20);
            let next = if last < 20 {
                format!("\"{last}\"")
            } else {
                "null".into()
            };
            Reply::ok(format!(
                "{{\"data\":{},\"meta\":{{\"next\":{next}}}}}",
                items_json(offset + 1, last)
            ))
        });
        let items: Vec<Item> = CursorPages::new(&fake, |cursor| {
            let mut request = Request::get("http://api.test/cursor");
            if let Some(cursor) = cursor {
                request = request.query([("cursor", cursor)]);
            }
            request.build()
        })
        .items_at("/data")
        .cursor_at("/meta/next")
        .items()
        .try_collect()
        .await
        .unwrap();
        assert_eq!(ids(items), (1..=20).collect::<Vec<_>>());
        let urls: Vec<String> = fake.calls().into_iter().map(|call| call.url).collect();
        assert_eq!(
            urls,
            [
                "http://api.test/cursor",
                "http://api.test/cursor?cursor=7",
                "http://api.test/cursor?cursor=14"
            ]
        );
    });
}

#[test]
fn link_pages_follow_relative_next_links_among_several() {
    ferry_mock::run(3, |rt| async move {
        let fake = FakeClient::new(&rt, |request, _| {
            let page = param(request, "page").unwrap_or(1);
            let first = (page - 1) * 4 + 1;
            let mut reply = Reply::ok(items_json(first, first + 3));
            // A first link with a quoted comma, then the next link in a second header.
            reply = reply.header("link", r#"</v1/list?page=1>; rel="first"; title="a, b""#);
            if page < 3 {
                reply = reply.header("link", format!("<list?page={}>; rel=\"next\"", page + 1));
            }
            reply
        });
        let first = Request::get("http://api.test/v1/list")
            .bearer_auth("t0k3n")
            .build();
        let items: Vec<Item> = LinkPages::new(&fake, first)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids(items), (1..=12).collect::<Vec<_>>());
        let urls: Vec<String> = fake.calls().into_iter().map(|call| call.url).collect();
        assert_eq!(
            urls,
            [
                "http://api.test/v1/list",
                "http://api.test/v1/list?page=2",
                "http://api.test/v1/list?page=3"
            ]
        );
    });
}

#[test]
fn a_link_to_another_origin_drops_the_credentials() {
    ferry_mock::run(4, |rt| async move {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let fake = FakeClient::new(&rt, {
            let seen = seen.clone();
            move |request, _| {
                seen.lock().unwrap().push((
                    request.uri().host().unwrap().to_owned(),
                    request.headers().contains_key("authorization"),
                    request.headers().contains_key("accept"),
                ));
                if request.uri().host() == Some("api.test") {
                    Reply::ok("[]").header("link", "<http://cdn.test/next>; rel=next")
                } else {
                    Reply::ok("[]")
                }
            }
        });
        let first = Request::get("http://api.test/list")
            .bearer_auth("secret")
            .header("accept", "application/json")
            .build();
        let items: Vec<Item> = LinkPages::new(&fake, first)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert!(items.is_empty());
        assert_eq!(
            *seen.lock().unwrap(),
            [
                ("api.test".into(), true, true),
                ("cdn.test".into(), false, true)
            ]
        );
    });
}

#[test]
fn a_page_is_fetched_only_when_the_stream_is_polled_past_the_one_before() {
    ferry_mock::run(5, |rt| async move {
        let fake = numbered(&rt, ms(100));
        let items = PageNumbers::new(&fake, page_request).items::<Item>();
        let mut items = std::pin::pin!(items);
        assert!(
            fake.calls().is_empty(),
            "nothing is fetched before the first poll"
        );
        for id in 1..=10 {
            assert_eq!(items.next().await.unwrap().unwrap().id, id);
        }
        rt.sleep(Duration::from_secs(5)).await;
        assert_eq!(fake.calls().len(), 1, "page 2 waits for the 11th poll");
        assert_eq!(items.next().await.unwrap().unwrap().id, 11);
        assert_eq!(fake.calls().len(), 2);
        assert_eq!(fake.call_times_ms(), [0, 5100]);
    });
}

#[test]
fn taking_a_few_items_fetches_only_the_pages_they_are_on() {
    ferry_mock::run(6, |rt| async move {
        let fake = numbered(&rt, ms(100));
        let first: Vec<_> = PageNumbers::new(&fake, page_request)
            .items::<Item>()
            .take(12)
            .collect()
            .await;
        assert_eq!(first.len(), 12);
        assert_eq!(fake.calls().len(), 2);
    });
}

/// Reads every item, working 10 ms on each; gives the virtual time it took.
async fn read_slowly(rt: &MockRuntime, fake: &FakeClient, prefetch: usize) -> Duration {
    let start = rt.elapsed();
    let items = PageNumbers::new(fake, page_request)
        .prefetch(prefetch)
        .items::<Item>();
    let mut items = std::pin::pin!(items);
    let mut count = 0;
    while let Some(item) = items.next().await {
        item.unwrap();
        count += 1;
        rt.sleep(ms(10)).await;
    }
    assert_eq!(count, 25);
    rt.elapsed() - start
}

#[test]
fn prefetch_overlaps_fetching_with_reading() {
    ferry_mock::run(7, |rt| async move {
        // Without prefetch: each page's 100 ms fetch starts after the page before is read.
        let fake = numbered(&rt, ms(100));
        let sequential = read_slowly(&rt, &fake, 0).await;
        assert_eq!(fake.call_times_ms(), [0, 200, 400, 550]);
        assert_eq!(sequential, ms(650));

        // One page ahead: the next page is requested as soon as the one before arrives.
        let fake = numbered(&rt, ms(100));
        let start = rt.elapsed().as_millis();
        let ahead = read_slowly(&rt, &fake, 1).await;
        let relative: Vec<u128> = fake.call_times_ms().iter().map(|t| t - start).collect();
        assert_eq!(relative, [0, 100, 200, 300]);
        assert_eq!(ahead, ms(400));
    });
}

#[test]
fn prefetch_never_runs_more_than_n_pages_ahead() {
    ferry_mock::run(8, |rt| async move {
        let fake = numbered(&rt, ms(100));
        let items = PageNumbers::new(&fake, page_request)
            .prefetch(2)
            .items::<Item>();
        let mut items = std::pin::pin!(items);
        // Read page 1 slowly, one item per second: pages 2 and 3 come, page 4 does not.
        for _ in 0..9 {
            items.next().await.unwrap().unwrap();
            rt.sleep(Duration::from_secs(1)).await;
        }
        assert_eq!(fake.calls().len(), 3);
    });
}

#[test]
fn a_failed_page_ends_the_stream_after_the_items_before_it() {
    ferry_mock::run(9, |rt| async move {
        let fake = FakeClient::new(&rt, |request, _| match param(request, "page") {
            Some(1) => Reply::ok(format!("{{\"items\":{}}}", items_json(1, 3))),
            _ => Reply::status(500).body("{\"error\":\"boom\"}"),
        });
        let results: Vec<_> = PageNumbers::new(&fake, page_request)
            .items::<Item>()
            .collect()
            .await;
        assert_eq!(results.len(), 4);
        assert!(results[..3].iter().all(Result::is_ok));
        let error = results[3].as_ref().unwrap_err();
        assert!(error.ends_stream());
        assert_eq!(error.page(), 2);
        match error {
            PageError::Http { source, .. } => assert_eq!(source.status().unwrap(), 500),
            other => panic!("expected an HTTP error, got {other:?}"),
        }
        assert_eq!(fake.calls().len(), 2);
    });
}

#[test]
fn a_bad_item_is_reported_and_the_stream_goes_on() {
    ferry_mock::run(10, |rt| async move {
        let fake = FakeClient::new(&rt, |request, _| match param(request, "page") {
            Some(1) => Reply::ok(r#"{"items":[{"id":1},{"id":"two"},{"id":3}]}"#),
            _ => Reply::ok(r#"{"items":[]}"#),
        });
        let results: Vec<_> = PageNumbers::new(&fake, page_request)
            .items::<Item>()
            .collect()
            .await;
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().unwrap().id, 1);
        match results[1].as_ref().unwrap_err() {
            error @ PageError::Item {
                index: 1, page: 1, ..
            } => assert!(!error.ends_stream()),
            other => panic!("expected a bad item, got {other:?}"),
        }
        assert_eq!(results[2].as_ref().unwrap().id, 3);
    });
}

#[test]
fn invalid_json_and_missing_items_are_typed_page_errors() {
    ferry_mock::run(11, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("{not json"));
        let results: Vec<_> = PageNumbers::new(&fake, page_request)
            .items::<Item>()
            .collect()
            .await;
        match &results[..] {
            [Err(PageError::Http { source, .. })] => assert!(source.is_decode()),
            other => panic!("expected one decode error, got {other:?}"),
        }

        let fake = FakeClient::new(&rt, |_, _| Reply::ok(r#"{"results":[]}"#));
        let results: Vec<_> = PageNumbers::new(&fake, page_request)
            .items::<Item>()
            .collect()
            .await;
        assert!(
            matches!(&results[..], [Err(PageError::NoItems { pointer, .. })] if pointer == "/items")
        );
    });
}

#[test]
fn a_repeated_cursor_is_an_error_not_an_endless_loop() {
    ferry_mock::run(12, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| {
            Reply::ok(r#"{"items":[{"id":1}],"next_cursor":"same"}"#)
        });
        let results: Vec<_> = CursorPages::new(&fake, |cursor| {
            let mut request = Request::get("http://api.test/cursor");
            if let Some(cursor) = cursor {
                request = request.query([("cursor", cursor)]);
            }
            request.build()
        })
        .items::<Item>()
        .collect()
        .await;
        // Page 2 repeats the cursor that fetched it: the page is refused, items and all.
        assert_eq!(results.len(), 2, "{results:?}");
        assert!(matches!(
            results[1],
            Err(PageError::BadCursor { page: 2, .. })
        ));
    });
}

#[test]
fn pages_retry_through_the_resilient_client() {
    ferry_mock::run(13, |rt| async move {
        let fake = FakeClient::new(&rt, |request, n| {
            let page = param(request, "page").unwrap_or(1);
            if page == 2 && n == 0 {
                return Reply::status(503);
            }
            let items = if page > 2 {
                "[]".into()
            } else {
                items_json(page, page)
            };
            Reply::ok(format!("{{\"items\":{items}}}"))
        });
        let policy = HostPolicy::new().retry(RetryPolicy::new(Backoff::constant(ms(250))));
        let client = ResilientClient::new(fake.clone(), rt.clone(), policy);
        let items: Vec<Item> = PageNumbers::new(&client, page_request)
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids(items), [1, 2]);
        assert_eq!(fake.call_times_ms(), [0, 0, 250, 250]);
        // The client's own request builders work as well.
        assert_eq!(
            client
                .get("http://api.test/pages")
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    });
}
