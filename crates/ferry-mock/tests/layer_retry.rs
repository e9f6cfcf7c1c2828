//! The resilient client's retries on the mock's virtual time: exact backoff delays,
//! `Retry-After`, what is never retried, and the attempt count.

mod layer_support;

use std::time::Duration;

use ferry_core::retry::{Backoff, Jitter, RetryPolicy};
use ferry_http::{Attempts, HostPolicy, HttpClientExt, ResilientClient};
use ferry_mock::MockRuntime;
use layer_support::{FakeClient, Reply};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// 100, 200, 400 ms, no jitter, `attempts` attempts, delays capped at 5 s.
fn doubling(attempts: u32) -> HostPolicy {
    HostPolicy::new().retry(
        RetryPolicy::new(
            Backoff::exponential(ms(100))
                .jitter(Jitter::None)
                .max_delay(Duration::from_secs(5)),
        )
        .max_attempts(attempts),
    )
}

/// Fails `failures` times with `status` (and `retry_after`, if given), then answers 200.
fn failing(
    rt: &MockRuntime,
    failures: usize,
    status: u16,
    retry_after: Option<&str>,
) -> FakeClient {
    let retry_after = retry_after.map(str::to_owned);
    FakeClient::new(rt, move |_, n| {
        if n < failures {
            let reply = Reply::status(status);
            match &retry_after {
                Some(value) => reply.header("retry-after", value.clone()),
                None => reply,
            }
        } else {
            Reply::ok("done")
        }
    })
}

#[test]
fn backoff_waits_exactly_100_200_400_ms_between_attempts() {
    ferry_mock::run(1, |rt| async move {
        let fake = failing(&rt, 3, 503, None);
        let client = ResilientClient::new(fake.clone(), rt.clone(), doubling(4));
        let response = client.get("http://api.test/x").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(Attempts::of(&response), Some(4));
        assert_eq!(fake.call_times_ms(), [0, 100, 300, 700]);
        let attempts: Vec<u32> = fake.calls().iter().map(|call| call.attempt).collect();
        assert_eq!(
            attempts,
            [1, 2, 3, 4],
            "each attempt is numbered on its request"
        );
    });
}

#[test]
fn retry_after_2_waits_exactly_2_seconds() {
    ferry_mock::run(2, |rt| async move {
        let fake = failing(&rt, 1, 429, Some("2"));
        let client = ResilientClient::new(fake.clone(), rt.clone(), doubling(3));
        let response = client.get("http://api.test/x").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(fake.call_times_ms(), [0, 2000]);
        assert_eq!(rt.elapsed(), Duration::from_secs(2));
    });
}

#[test]
fn retry_after_is_capped_by_the_policys_maximum_delay() {
    ferry_mock::run(3, |rt| async move {
        let fake = failing(&rt, 1, 503, Some("86400"));
        let client = ResilientClient::new(fake.clone(), rt.clone(), doubling(2));
        client.get("http://api.test/x").send().await.unwrap();
        assert_eq!(fake.call_times_ms(), [0, 5000]);
    });
}

#[test]
fn malformed_retry_after_falls_back_to_the_backoff_not_to_zero() {
    ferry_mock::run(4, |rt| async move {
        let fake = failing(&rt, 2, 429, Some("soon"));
        let client = ResilientClient::new(fake.clone(), rt.clone(), doubling(3));
        client.get("http://api.test/x").send().await.unwrap();
        assert_eq!(fake.call_times_ms(), [0, 100, 300]);
    });
}

#[test]
fn other_4xx_and_500_are_not_retried() {
    for status in [400, 401, 403, 404, 409, 422, 500, 501] {
        ferry_mock::run(5, |rt| async move {
            let fake = failing(&rt, 5, status, None);
            let client = ResilientClient::new(fake.clone(), rt.clone(), doubling(4));
            let response = client.get("http://api.test/x").send().await.unwrap();
            assert_eq!(response.status(), status);
            assert_eq!(Attempts::of(&response), Some(1));
            assert_eq!(fake.calls().len(), 1, "status {status}");
            assert!(response.error_for_status().unwrap_err().is_status());
        });
    }
}

#[test]
fn every_retryable_status_is_retried() {
    for status in [429, 502, 503, 504] {
        ferry_mock::run(6, |rt| async move {
            let fake = failing(&rt, 1, status, None);
            let client = ResilientClient::new(fake.clone(), rt.clone(), doubling(4));
            let response = client.get("http://api.test/x").send().await.unwrap();
            assert_eq!(response.status(), 200, "status {status}");
            assert_eq!(fake.call_times_ms(), [0, 100]);
        });
    }
}

#[test]
fn post_and_patch_are_not_retried_unless_allowed() {
    ferry_mock::run(7, |rt| async move {
        let fake = failing(&rt, 1, 503, None);
        let client = ResilientClient::new(fake.clone(), rt.clone(), doubling(3));
        let response = client.post("http://api.test/x").send().await.unwrap();
        assert_eq!(response.status(), 503);
        let patch = client
            .request(http::Method::PATCH, "http://api.test/y")
            .send()
            .await
            .unwrap();
        assert_eq!(patch.status(), 503);
        assert_eq!(fake.calls().len(), 2);

        let fake = failing(&rt, 1, 503, None);
        let allowed = doubling(3).retry_non_idempotent(true);
        let client = ResilientClient::new(fake.clone(), rt.clone(), allowed);
        let response = client.post("http://api.test/x").send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(fake.calls().len(), 2);
    });
}

#[test]
fn exhausted_retries_return_the_last_response_with_the_attempt_count() {
    ferry_mock::run(8, |rt| async move {
        let fake = failing(&rt, 10, 503, None);
        let client = ResilientClient::new(fake.clone(), rt.clone(), doubling(3));
        let response = client.get("http://api.test/x").send().await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(Attempts::of(&response), Some(3));
        assert_eq!(fake.call_times_ms(), [0, 100, 300]);
    });
}

#[test]
fn attempt_timeout_cuts_each_attempt_and_the_error_counts_attempts() {
    ferry_mock::run(9, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("late").after(Duration::from_secs(60)));
        let policy = doubling(3).attempt_timeout(Duration::from_secs(1));
        let client = ResilientClient::new(fake.clone(), rt.clone(), policy);
        let error = client.get("http://api.test/slow").send().await.unwrap_err();
        assert!(error.is_timeout(), "{error}");
        assert_eq!(error.attempts(), Some(3));
        assert!(error.to_string().contains("after 3 attempt(s)"), "{error}");
        // 1 s each, with 100 and 200 ms between them.
        assert_eq!(fake.call_times_ms(), [0, 1100, 2300]);
        assert_eq!(rt.elapsed(), Duration::from_millis(3300));
    });
}

#[test]
fn a_timed_out_post_is_not_retried() {
    ferry_mock::run(10, |rt| async move {
        let fake = FakeClient::new(&rt, |_, _| Reply::ok("late").after(Duration::from_secs(60)));
        let policy = doubling(3).attempt_timeout(Duration::from_secs(1));
        let client = ResilientClient::new(fake.clone(), rt.clone(), policy);
        let error = client
            .post("http://api.test/slow")
            .send()
            .await
            .unwrap_err();
        assert!(error.is_timeout());
        assert_eq!(error.attempts(), Some(1));
    });
}

#[test]
fn no_retry_policy_makes_one_attempt() {
    ferry_mock::run(11, |rt| async move {
        let fake = failing(&rt, 1, 503, None);
        let client = ResilientClient::new(fake.clone(), rt.clone(), HostPolicy::new().no_retry());
        let response = client.get("http://api.test/x").send().await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(Attempts::of(&response), Some(1));
    });
}

#[test]
fn hosts_get_their_own_retry_policy() {
    ferry_mock::run(12, |rt| async move {
        let fake = failing(&rt, 1, 503, None);
        let client = ResilientClient::new(fake.clone(), rt.clone(), doubling(3))
            .with_host("Fragile.Test", HostPolicy::new().no_retry());
        let fragile = client.get("http://fragile.test/x").send().await.unwrap();
        assert_eq!(fragile.status(), 503);
        let sturdy = client.get("http://sturdy.test/x").send().await.unwrap();
        assert_eq!(sturdy.status(), 200);
    });
}
