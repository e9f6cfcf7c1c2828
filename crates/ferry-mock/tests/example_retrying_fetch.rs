//! Example: testing your own retrying, rate-limited fetch loop with the mock backend.
//!
//! `items_api` below is the code under test, written the way an application would write it:
//! against ferry's `HttpClient` and `Timer` traits, with no idea it is being tested. The tests
//! hand it a scripted `MockHttp` and the mock runtime, script the failures (503s, a 429 with
//! `Retry-After`, a server that never answers, a 404), and assert how many attempts were made
//! and at exactly which virtual times. Minutes of backoff run in microseconds, and every run
//! with a seed is the same run.

use std::time::Duration;

use ferry_core::retry::{Backoff, GiveUpReason, Jitter, RetryPolicy};
use ferry_core::{Quota, RateLimiter, SpawnExt};
use ferry_mock::http::{MockHttp, Respond};
use http::Method;

/// The application's code: fetch items from an API that allows a few requests per second.
mod items_api {
    use std::time::{Duration, SystemTime};

    use ferry_core::retry::{Retried, RetryDecision, RetryError, RetryPolicy};
    use ferry_core::{RateLimiter, Timer};
    use ferry_http::{HttpClient, HttpClientExt, HttpError};
    use serde_json::Value;

    /// Fetches items one request at a time under the API's rate limit, retrying what may
    /// succeed later.
    pub(crate) struct ItemsApi<C, Tm> {
        pub(crate) client: C,
        pub(crate) base_url: String,
        pub(crate) limiter: RateLimiter<Tm>,
        pub(crate) policy: RetryPolicy,
        pub(crate) timer: Tm,
        /// How long one attempt may take before it counts as failed.
        pub(crate) attempt_timeout: Duration,
    }

    /// Retry what the error says is retryable, after the server's `Retry-After` if it sent
    /// one, else after the policy's backoff.
    fn classify(error: &HttpError) -> RetryDecision {
        if !error.is_retryable() {
            return RetryDecision::DontRetry;
        }
        let hint = error
            .retry_after()
            .map(|hint| hint.delay_from(SystemTime::now()));
        RetryDecision::after_hint(hint)
    }

    impl<C: HttpClient, Tm: Timer> ItemsApi<C, Tm> {
        /// The item `id`, with the number of attempts it took.
        pub(crate) async fn fetch(&self, id: u64) -> Result<Retried<Value>, RetryError<HttpError>> {
            let url = format!("{}/items/{id}", self.base_url);
            let mut attempt = 0;
            self.policy
                .retry(&self.timer, classify, || {
                    attempt += 1;
                    let (url, attempt) = (url.clone(), attempt);
                    async move {
                        // Every attempt, retries included, waits for its slot in the rate.
                        self.limiter.until_ready().await;
                        self.client
                            .get(url)
                            .timeout(self.attempt_timeout)
                            .attempt(attempt)
                            .send()
                            .await?
                            .error_for_status()?
                            .json::<Value>()
                            .await
                    }
                })
                .await
        }
    }
}

use items_api::ItemsApi;

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// The application's client over `http`: 100 ms exponential backoff (no jitter), at most
/// four attempts of one second each, and `quota` as the rate.
fn api(http: &MockHttp, quota: Quota) -> ItemsApi<MockHttp, ferry_mock::MockRuntime> {
    let rt = http.runtime().clone();
    ItemsApi {
        client: http.clone(),
        base_url: "https://api.example.com".to_owned(),
        limiter: RateLimiter::new(rt.clone(), quota),
        policy: RetryPolicy::new(Backoff::exponential(ms(100))).max_attempts(4),
        timer: rt,
        attempt_timeout: secs(1),
    }
}

fn generous() -> Quota {
    Quota::per_second(100).unwrap()
}

/// When each request to `path` went out, and with which attempt number.
fn sends(http: &MockHttp, path: &str) -> Vec<(Duration, u32)> {
    http.requests_to(path)
        .iter()
        .map(|request| (request.sent_at(), request.attempt()))
        .collect()
}

#[test]
fn two_503s_are_retried_after_100_then_200_ms() {
    ferry_mock::run(1, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(
                Method::GET,
                "/items/{id}",
                Respond::json(r#"{"id":7}"#).latency(ms(50)),
            )
            .fail_first(2, Respond::status(503).latency(ms(10)));
        let item = api(&http, generous()).fetch(7).await.unwrap();

        assert_eq!(item.value["id"], 7);
        assert_eq!(item.attempts, 3);
        // 0: fails at 10 ms; waits 100 ms; 110: fails at 120; waits 200 ms; 320: answered at 370.
        assert_eq!(
            sends(&http, "/items/7"),
            [(ms(0), 1), (ms(110), 2), (ms(320), 3)]
        );
        assert_eq!(rt.elapsed(), ms(370));
    });
}

#[test]
fn a_429_is_retried_after_its_retry_after_not_the_backoff() {
    ferry_mock::run(2, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::GET, "/items/{id}", Respond::json(r#"{"id":1}"#))
            .fail_first(1, Respond::status(429).retry_after(secs(3)));
        let item = api(&http, generous()).fetch(1).await.unwrap();

        assert_eq!(item.attempts, 2);
        assert_eq!(sends(&http, "/items/1"), [(ms(0), 1), (secs(3), 2)]);
    });
}

#[test]
fn a_server_that_never_answers_costs_four_timeouts_then_the_fetch_gives_up() {
    ferry_mock::run(3, |rt| async move {
        let http = MockHttp::new(&rt).route(Method::GET, "/items/{id}", Respond::stall());
        let error = api(&http, generous()).fetch(5).await.unwrap_err();

        assert_eq!(error.attempts(), 4);
        assert_eq!(error.reason(), GiveUpReason::ExhaustedAttempts);
        assert!(error.last_error().is_timeout(), "{error}");
        // Each attempt times out after 1 s, then waits 100, 200, 400 ms.
        assert_eq!(
            sends(&http, "/items/5"),
            [(ms(0), 1), (ms(1100), 2), (ms(2300), 3), (ms(3700), 4)]
        );
        assert_eq!(rt.elapsed(), ms(4700));
    });
}

#[test]
fn a_404_is_not_retried() {
    ferry_mock::run(4, |rt| async move {
        let http = MockHttp::new(&rt).route(Method::GET, "/items/{id}", Respond::status(404));
        let error = api(&http, generous()).fetch(9).await.unwrap_err();

        assert_eq!(error.attempts(), 1);
        assert_eq!(error.reason(), GiveUpReason::NotRetryable);
        assert_eq!(http.request_count(), 1);
    });
}

#[test]
fn connection_failures_are_retried_like_server_errors() {
    ferry_mock::run(5, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::GET, "/items/{id}", Respond::status(503))
            .then(Respond::reset())
            .then(Respond::json(r#"{"id":2}"#))
            .fail_first(1, Respond::refuse());
        let item = api(&http, generous()).fetch(2).await.unwrap();

        assert_eq!(item.attempts, 4);
        assert_eq!(
            sends(&http, "/items/2"),
            [(ms(0), 1), (ms(100), 2), (ms(300), 3), (ms(700), 4)]
        );
    });
}

#[test]
fn the_rate_limit_spaces_concurrent_fetches_half_a_second_apart() {
    ferry_mock::run(6, |rt| async move {
        let http = MockHttp::new(&rt).route(
            Method::GET,
            "/items/{id}",
            Respond::json("{}").latency(ms(20)),
        );
        let api = std::sync::Arc::new(api(&http, Quota::per_second(2).unwrap()));
        let tasks: Vec<_> = (1..=5)
            .map(|id| {
                let api = api.clone();
                rt.spawn(async move { api.fetch(id).await.map(|item| item.attempts) })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), 1);
        }

        // A burst of two, then one every 500 ms, whichever task the scheduler ran first.
        let mut times: Vec<Duration> = http.requests().iter().map(|r| r.sent_at()).collect();
        times.sort();
        assert_eq!(times, [ms(0), ms(0), ms(500), ms(1000), ms(1500)]);
    });
}

#[test]
fn a_retry_waits_for_the_rate_limit_when_the_backoff_is_shorter() {
    ferry_mock::run(7, |rt| async move {
        let http = MockHttp::new(&rt)
            .route(Method::GET, "/items/{id}", Respond::json("{}"))
            .fail_first(1, Respond::status(502));
        let item = api(&http, Quota::every(secs(1)).unwrap())
            .fetch(3)
            .await
            .unwrap();

        assert_eq!(item.attempts, 2);
        // The backoff would allow 100 ms; the API's one request per second does not.
        assert_eq!(sends(&http, "/items/3"), [(ms(0), 1), (secs(1), 2)]);
    });
}

#[test]
fn jittered_retries_repeat_exactly_for_a_seed() {
    let retry_times = |seed| {
        ferry_mock::run(seed, |rt| async move {
            let http = MockHttp::new(&rt)
                .route(Method::GET, "/items/{id}", Respond::json("{}"))
                .fail_first(3, Respond::status(503));
            let mut api = api(&http, generous());
            // Jitter drawn from the run's seed: random, and the same in every run of it.
            api.policy = RetryPolicy::new(
                Backoff::exponential(ms(100))
                    .jitter(Jitter::Full)
                    .rng(rt.fork_rng()),
            )
            .max_attempts(4);
            assert_eq!(api.fetch(1).await.unwrap().attempts, 4);
            sends(&http, "/items/1")
        })
    };
    let first = retry_times(11);
    assert_eq!(first, retry_times(11));
    assert_ne!(first, retry_times(12));
    // Full jitter: each wait is at most the backoff's 100, 200, 400 ms.
    let gaps: Vec<Duration> = first.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(
        gaps.iter()
            .zip([100, 200, 400])
            .all(|(gap, cap)| *gap <= ms(cap)),
        "{gaps:?}"
    );
}
