//! The resilient client over `MockHttp` (the shared `Client` on a scripted transport) on
//! virtual time: connection failures, resets, stalls and `Retry-After` as the wire gives them.

use std::time::Duration;

use ferry_core::retry::{Backoff, Jitter, RetryPolicy};
use ferry_http::{Attempts, HostPolicy, HttpClientExt, ResilientClient};
use ferry_mock::http::{MockHttp, Respond};
use http::Method;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn doubling(attempts: u32) -> HostPolicy {
    HostPolicy::new().retry(
        RetryPolicy::new(Backoff::exponential(ms(100)).jitter(Jitter::None)).max_attempts(attempts),
    )
}

fn sent_ms(mock: &MockHttp) -> Vec<u128> {
    mock.requests()
        .iter()
        .map(|request| request.sent_at().as_millis())
        .collect()
}

#[test]
fn refused_connections_are_retried_even_for_post() {
    ferry_mock::run(1, |rt| async move {
        let mock = MockHttp::new(&rt)
            .route(Method::POST, "/orders", Respond::json("{}"))
            .fail_first(2, Respond::refuse());
        let client = ResilientClient::new(mock.clone(), rt.clone(), doubling(4));
        let response = client.post("http://api.test/orders").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(Attempts::of(&response), Some(3));
        assert_eq!(sent_ms(&mock), [0, 100, 300]);
        let attempts: Vec<u32> = mock
            .requests()
            .iter()
            .map(|request| request.attempt())
            .collect();
        assert_eq!(
            attempts,
            [1, 2, 3],
            "the inner client sees each attempt's number"
        );
    });
}

#[test]
fn a_reset_post_is_not_retried_but_a_reset_get_is() {
    ferry_mock::run(2, |rt| async move {
        let mock = MockHttp::new(&rt)
            .route(Method::POST, "/orders", Respond::json("{}"))
            .fail_first(1, Respond::reset())
            .route(Method::GET, "/orders", Respond::json("[]"))
            .fail_first(1, Respond::reset());
        let client = ResilientClient::new(mock.clone(), rt.clone(), doubling(3));
        let error = client
            .post("http://api.test/orders")
            .send()
            .await
            .unwrap_err();
        assert!(error.is_request(), "{error}");
        assert_eq!(error.attempts(), Some(1));
        let response = client.get("http://api.test/orders").send().await.unwrap();
        assert_eq!(Attempts::of(&response), Some(2));
    });
}

#[test]
fn retry_after_2_on_the_wire_waits_exactly_2_seconds() {
    ferry_mock::run(3, |rt| async move {
        let mock = MockHttp::new(&rt)
            .route(Method::GET, "/items/{id}", Respond::json(r#"{"id":1}"#))
            .fail_first(1, Respond::status(429).retry_after(Duration::from_secs(2)));
        let client = ResilientClient::new(mock.clone(), rt.clone(), doubling(3));
        let response = client.get("http://api.test/items/1").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(sent_ms(&mock), [0, 2000]);
    });
}

#[test]
fn a_stalled_server_is_cut_by_the_attempt_timeout_on_every_attempt() {
    ferry_mock::run(4, |rt| async move {
        let mock = MockHttp::new(&rt).route(Method::GET, "/slow", Respond::stall());
        let policy = doubling(3).attempt_timeout(Duration::from_secs(2));
        let client = ResilientClient::new(mock.clone(), rt.clone(), policy);
        let error = client.get("http://api.test/slow").send().await.unwrap_err();
        assert!(error.is_timeout(), "{error}");
        assert_eq!(error.attempts(), Some(3));
        assert_eq!(sent_ms(&mock), [0, 2100, 4300]);
        assert_eq!(rt.elapsed(), ms(6300));
    });
}

#[test]
fn retry_after_as_an_http_date_waits_until_that_date_in_virtual_time() {
    ferry_mock::run(5, |rt| async move {
        // The mock's wall clock starts at 2026-01-01T00:00:00Z; the server asks for 00:00:03.
        let date = http::HeaderValue::from_static("Thu, 01 Jan 2026 00:00:03 GMT");
        let mock = MockHttp::new(&rt)
            .route(Method::GET, "/items/{id}", Respond::json(r#"{"id":1}"#))
            .fail_first(
                1,
                Respond::status(503).header(http::header::RETRY_AFTER, date),
            );
        let client = ResilientClient::new(mock.clone(), rt.clone(), doubling(3));
        let response = client.get("http://api.test/items/1").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(sent_ms(&mock), [0, 3000]);
    });
}
