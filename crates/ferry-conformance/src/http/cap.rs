//! Cases for the per-host connection cap
//! ([`HttpSettings::with_max_connections_per_host`]): requests beyond it wait for a place,
//! a place comes back when a response body ends or is dropped, and a request that gave up
//! waiting takes no place with it.

use std::time::Duration;

use ferry_core::{Clock, timeout};
use ferry_http::{HttpClientExt, HttpSettings};
use ferry_testserver::TestServer;
use futures::future::join_all;

use super::{HttpBackend, get_json};

/// Runs the connection-cap cases as `#[test]`s; see the [crate docs](crate).
///
/// Clients whose HTTP stack owns its connections (surf's) refuse a cap in their settings
/// instead of ignoring it, so they do not run these.
#[macro_export]
macro_rules! http_cap_suite {
    ($with_backend:path) => {
        $crate::__suite!(
            $with_backend,
            http,
            [
                requests_beyond_the_per_host_cap_wait_for_a_place,
                a_dropped_response_gives_its_place_back,
                a_request_that_stopped_waiting_takes_no_place_with_it,
            ]
        );
    };
}

fn capped<B: HttpBackend>(backend: &B, max: usize) -> B::Client {
    backend.client(HttpSettings::default().with_max_connections_per_host(max))
}

/// Six requests of 80 ms with a cap of two run two at a time: three rounds, at least 240 ms,
/// and every one answers.
pub async fn requests_beyond_the_per_host_cap_wait_for_a_place<B: HttpBackend>(backend: B) {
    let client = capped(&backend, 2);
    let rt = backend.runtime();
    let started = rt.now();
    let urls: Vec<String> = (1..=6)
        .map(|id| backend.url(&format!("/delay/80?id={id}")))
        .collect();
    let items = join_all(urls.iter().map(|url| get_json(&client, url))).await;
    let elapsed = rt.now() - started;
    assert!(
        elapsed >= Duration::from_millis(240),
        "six 80 ms requests two at a time took {elapsed:?}"
    );
    let ids: Vec<_> = items.iter().map(|item| item["id"].as_u64()).collect();
    assert_eq!(ids, (1..=6).map(Some).collect::<Vec<_>>());
}

/// With a cap of one, a response dropped before its body was read frees the place for the
/// next request.
pub async fn a_dropped_response_gives_its_place_back<B: HttpBackend>(backend: B) {
    let client = capped(&backend, 1);
    let first = client
        .get(backend.url("/bytes/100000"))
        .send()
        .await
        .unwrap();
    drop(first);
    let rt = backend.runtime();
    let next = timeout(
        &rt,
        Duration::from_secs(10),
        get_json(&client, &backend.url("/items/4")),
    )
    .await
    .expect("the place of the dropped response came back");
    assert_eq!(next["id"], 4);
}

/// With a cap of one and the place held by an unread response, a request that waits and is
/// dropped (here by a timeout) leaves the line; once the held response goes, the next
/// request gets the place.
pub async fn a_request_that_stopped_waiting_takes_no_place_with_it<B: HttpBackend>(backend: B) {
    let client = capped(&backend, 1);
    let rt = backend.runtime();
    let held = client.get(backend.url("/items/1")).send().await.unwrap();
    let waiting = timeout(
        &rt,
        Duration::from_millis(50),
        client.get(backend.url("/items/2")).send(),
    )
    .await;
    assert!(waiting.is_err(), "a second request got past a cap of one");
    drop(held);
    let next = timeout(
        &rt,
        Duration::from_secs(10),
        get_json(&client, &backend.url("/items/3")),
    )
    .await
    .expect("the abandoned wait left no place taken");
    assert_eq!(next["id"], 3);
}

/// Eight requests at once with a cap of two open two connections to a server of their own,
/// where an uncapped client opens more.
pub async fn the_per_host_cap_bounds_the_connections_opened<B: HttpBackend>(backend: B) {
    async fn eight_at_once<B: HttpBackend>(client: &B::Client, server: &TestServer) {
        let urls: Vec<String> = (1..=8)
            .map(|id| server.url(&format!("/delay/50?id={id}")))
            .collect();
        join_all(urls.iter().map(|url| get_json(client, url))).await;
    }
    let own = TestServer::builder().http_only().start();
    eight_at_once::<B>(&capped(&backend, 2), &own).await;
    assert_eq!(own.requests_served(), 8);
    assert_eq!(
        own.connections_accepted(),
        2,
        "connections under a cap of two"
    );

    let uncapped = TestServer::builder().http_only().start();
    eight_at_once::<B>(&backend.client(HttpSettings::default()), &uncapped).await;
    assert!(
        uncapped.connections_accepted() > 2,
        "without a cap the same requests opened {} connections",
        uncapped.connections_accepted()
    );
}
