//! The resilient client's per-host rate and concurrency limits on the mock's virtual time.

mod layer_support;

use std::sync::Arc;
use std::time::Duration;

use ferry_core::rate_limit::Quota;
use ferry_core::{ConcurrencyLimit, SpawnExt, Timer, gather};
use ferry_http::{HostPolicy, HttpClientExt, ResilientClient};
use ferry_mock::MockRuntime;
use layer_support::{FakeClient, Reply};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn start_ms(fake: &FakeClient, host: &str) -> Vec<u128> {
    let mut times: Vec<u128> = fake
        .calls()
        .iter()
        .filter(|call| call.url.contains(host))
        .map(|call| call.at.as_millis())
        .collect();
    times.sort();
    times
}

#[test]
fn each_host_is_spaced_by_its_own_rate() {
    ferry_mock::run(1, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("x"));
        let client = ResilientClient::new(fake.clone(), rt.clone(), HostPolicy::new())
            .with_host(
                "slow.test",
                HostPolicy::new().rate(Quota::every(ms(500)).unwrap()),
            )
            .with_host(
                "medium.test",
                HostPolicy::new().rate(Quota::per_second(10).unwrap().with_burst(2).unwrap()),
            );
        let client = &client;
        gather((0..3).flat_map(|i| {
            ["slow.test", "medium.test", "free.test"].map(move |host| async move {
                client
                    .get(format!("http://{host}/{i}"))
                    .send()
                    .await
                    .unwrap();
            })
        }))
        .await;
        assert_eq!(start_ms(&fake, "slow.test"), [0, 500, 1000]);
        assert_eq!(start_ms(&fake, "medium.test"), [0, 0, 100]);
        assert_eq!(start_ms(&fake, "free.test"), [0, 0, 0]);
    });
}

#[test]
fn retries_wait_for_the_rate_too() {
    ferry_mock::run(2, |rt| async move {
        let fake = FakeClient::new(&rt, |_, n| {
            if n == 0 {
                Reply::status(503)
            } else {
                Reply::ok("x")
            }
        });
        let policy = HostPolicy::new()
            .rate(Quota::every(Duration::from_secs(1)).unwrap())
            .retry(
                ferry_core::retry::RetryPolicy::new(ferry_core::retry::Backoff::constant(ms(100)))
                    .max_attempts(3),
            );
        let client = ResilientClient::new(fake.clone(), rt.clone(), policy);
        client.get("http://api.test/x").send().await.unwrap();
        // The backoff is 100 ms, but the host's rate lets the retry go only after 1 s.
        assert_eq!(fake.call_times_ms(), [0, 1000]);
    });
}

#[test]
fn each_host_has_its_own_concurrency_limit() {
    ferry_mock::run(3, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("x").after(ms(100)));
        let two = ConcurrencyLimit::new(2).unwrap();
        let client = ResilientClient::new(fake.clone(), rt.clone(), HostPolicy::new())
            .with_host("narrow.test", HostPolicy::new().concurrency(two));
        let client = &client;
        gather((0..5).flat_map(|i| {
            ["narrow.test", "wide.test"].map(move |host| async move {
                // The response (and its permit) is dropped at once.
                client
                    .get(format!("http://{host}/{i}"))
                    .send()
                    .await
                    .unwrap();
            })
        }))
        .await;
        assert_eq!(start_ms(&fake, "narrow.test"), [0, 0, 100, 100, 200]);
        assert_eq!(start_ms(&fake, "wide.test"), [0, 0, 0, 0, 0]);
    });
}

#[test]
fn a_response_holds_its_place_until_its_body_is_done() {
    ferry_mock::run(4, |rt: MockRuntime| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("body"));
        let one = ConcurrencyLimit::new(1).unwrap();
        let client = Arc::new(ResilientClient::new(
            fake.clone(),
            rt.clone(),
            HostPolicy::new().concurrency(one),
        ));
        let first = client.get("http://api.test/1").send().await.unwrap();
        let second = rt.spawn({
            let client = client.clone();
            async move { client.get("http://api.test/2").send().await.unwrap() }
        });
        rt.sleep(Duration::from_secs(1)).await;
        assert_eq!(
            fake.calls().len(),
            1,
            "the unread body still holds the only place"
        );
        assert_eq!(first.bytes().await.unwrap(), "body");
        let second = second.await.unwrap();
        assert_eq!(second.text().await.unwrap(), "body");
        assert_eq!(fake.call_times_ms(), [0, 1000]);
    });
}

#[test]
fn a_dropped_request_gives_back_its_place() {
    ferry_mock::run(5, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("x").after(Duration::from_secs(10)));
        let one = ConcurrencyLimit::new(1).unwrap();
        let client =
            ResilientClient::new(fake.clone(), rt.clone(), HostPolicy::new().concurrency(one));
        let cut = ferry_core::timeout(&rt, ms(50), client.get("http://api.test/1").send()).await;
        assert!(cut.is_err());
        let started = rt.elapsed();
        client.get("http://api.test/2").send().await.unwrap();
        assert_eq!(fake.call_times_ms(), [0, 50]);
        assert_eq!(rt.elapsed() - started, Duration::from_secs(10));
    });
}
