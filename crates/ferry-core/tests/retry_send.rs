//! Retries and rate-limit waits can run on multi-threaded executors: their futures are Send.

use std::time::{Duration, Instant};

use ferry_core::rate_limit::{KeyedRateLimiter, Quota, RateLimiter};
use ferry_core::retry::{
    Backoff, RetryDecision, RetryPolicy, Retryable, classify_retryable, retry,
};
use ferry_core::{Clock, Elapsed, Sleep, Timer};

/// A timer whose sleeps end at once and whose clock never moves.
struct Frozen(Instant);

impl Clock for Frozen {
    fn now(&self) -> Instant {
        self.0
    }
}

impl Timer for Frozen {
    fn sleep_until(&self, _: Instant) -> Sleep {
        Sleep::new(async {})
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[test]
fn retry_and_rate_limit_futures_are_send_and_run_on_a_thread_pool() {
    let pool = futures::executor::ThreadPool::new().unwrap();
    let timer = std::sync::Arc::new(Frozen(Instant::now()));
    let policy = RetryPolicy::new(Backoff::constant(Duration::from_millis(1)));
    let limiter = std::sync::Arc::new(RateLimiter::new(
        timer.clone(),
        Quota::per_second(5).unwrap(),
    ));
    let keyed = std::sync::Arc::new(KeyedRateLimiter::new(
        timer.clone(),
        Quota::per_second(5).unwrap(),
    ));
    let (tx, rx) = futures::channel::oneshot::channel();
    pool.spawn_ok(assert_send(async move {
        let mut calls = 0;
        let retried = retry(
            timer.clone(),
            &policy,
            |_: &Elapsed| RetryDecision::Retry,
            || {
                calls += 1;
                let result = if calls == 1 {
                    Err(Elapsed::new(Duration::ZERO))
                } else {
                    Ok(calls)
                };
                async move { result }
            },
        )
        .await
        .unwrap();
        limiter.until_ready().await;
        keyed.until_key_ready(&"host").await;
        tx.send(retried.attempts).unwrap();
    }));
    assert_eq!(futures::executor::block_on(rx).unwrap(), 2);
}

#[test]
fn timeouts_are_retryable() {
    let elapsed = Elapsed::new(Duration::from_secs(1));
    assert!(elapsed.is_retryable());
    assert_eq!(classify_retryable(&elapsed), RetryDecision::Retry);
}
