//! Per-key concurrency limits on the mock's virtual time, together with per-key rates.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::rate_limit::{KeyedRateLimiter, Quota};
use ferry_core::{ConcurrencyLimit, SpawnExt, Timer, timeout};
use ferry_mock::MockRuntime;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn limit(n: usize) -> ConcurrencyLimit {
    ConcurrencyLimit::new(n).unwrap()
}

/// Starts `requests` tasks that each acquire `key`, hold the permit for `hold`, and record
/// when they started; returns the sorted start times.
async fn start_times(
    rt: &MockRuntime,
    limiter: &Arc<KeyedRateLimiter<&'static str, MockRuntime>>,
    key: &'static str,
    requests: usize,
    hold: Duration,
) -> Vec<Duration> {
    let started = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..requests)
        .map(|_| {
            let (rt2, limiter, started) = (rt.clone(), limiter.clone(), started.clone());
            rt.spawn(async move {
                let _permit = limiter.acquire(&key).await;
                started.lock().unwrap().push(rt2.elapsed());
                rt2.sleep(hold).await;
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut started = started.lock().unwrap().clone();
    started.sort();
    started
}

/// A quota loose enough never to be what holds requests back.
fn generous() -> Quota {
    Quota::per_second(1000).unwrap()
}

#[test]
fn a_key_concurrency_limit_caps_requests_in_flight() {
    for seed in 0..5 {
        ferry_mock::run(seed, |rt| async move {
            let limiter = Arc::new(
                KeyedRateLimiter::new(rt.clone(), generous()).with_concurrency("a", limit(2)),
            );
            let starts = start_times(&rt, &limiter, "a", 6, ms(100)).await;
            assert_eq!(
                starts,
                [ms(0), ms(0), ms(100), ms(100), ms(200), ms(200)],
                "seed {seed}"
            );
        });
    }
}

#[test]
fn keys_without_a_limit_run_everything_at_once_and_get_an_empty_permit() {
    ferry_mock::run(1, |rt| async move {
        let limiter =
            Arc::new(KeyedRateLimiter::new(rt.clone(), generous()).with_concurrency("a", limit(1)));
        let starts = start_times(&rt, &limiter, "b", 4, ms(100)).await;
        assert_eq!(starts, [ms(0); 4]);
        assert!(!limiter.acquire(&"b").await.is_limited());
        assert!(limiter.acquire(&"a").await.is_limited());
        assert_eq!(limiter.concurrency_for(&"b"), ConcurrencyLimit::UNLIMITED);
    });
}

#[test]
fn the_default_concurrency_applies_to_every_key_without_its_own() {
    ferry_mock::run(2, |rt| async move {
        let limiter = Arc::new(
            KeyedRateLimiter::new(rt.clone(), generous())
                .with_default_concurrency(limit(1))
                .with_concurrency("wide", limit(3)),
        );
        let narrow = start_times(&rt, &limiter, "any.host", 3, ms(50)).await;
        assert_eq!(narrow, [ms(0), ms(50), ms(100)]);
        let start = rt.elapsed();
        let wide = start_times(&rt, &limiter, "wide", 3, ms(50)).await;
        assert_eq!(wide, [start; 3]);
    });
}

#[test]
fn whichever_of_rate_and_concurrency_is_tighter_sets_the_pace() {
    ferry_mock::run(3, |rt| async move {
        let quota = Quota::every(ms(50)).unwrap();
        let limiter =
            Arc::new(KeyedRateLimiter::new(rt.clone(), quota).with_concurrency("k", limit(1)));
        // Short requests: the rate (one per 50 ms) is the limit.
        let short = start_times(&rt, &limiter, "k", 3, ms(10)).await;
        assert_eq!(short, [ms(0), ms(50), ms(100)]);
        // Long requests: one at a time, each 100 ms, is the limit.
        rt.sleep(ms(1000)).await;
        let start = rt.elapsed();
        let long = start_times(&rt, &limiter, "k", 3, ms(100)).await;
        let offsets: Vec<_> = long.iter().map(|t| *t - start).collect();
        assert_eq!(offsets, [ms(0), ms(100), ms(200)]);
    });
}

#[test]
fn a_dropped_acquire_gives_back_its_permit_and_takes_no_rate_slot() {
    ferry_mock::run(4, |rt| async move {
        let limiter = KeyedRateLimiter::new(rt.clone(), Quota::every(ms(100)).unwrap())
            .with_concurrency("k", limit(1));
        // Waiting for the permit, then abandoned.
        let held = limiter.acquire(&"k").await;
        assert!(timeout(&rt, ms(10), limiter.acquire(&"k")).await.is_err());
        drop(held);
        // Waiting for the rate (due at 100 ms) with the permit in hand, then abandoned.
        assert!(timeout(&rt, ms(20), limiter.acquire(&"k")).await.is_err());
        // The abandoned wait gave the permit back, and the 100 ms slot is still free.
        rt.sleep(ms(70)).await;
        let _permit = timeout(&rt, Duration::ZERO, limiter.acquire(&"k"))
            .await
            .expect("permit and slot are both free at 100 ms");
        assert_eq!(rt.elapsed(), ms(100));
    });
}

#[test]
fn semaphores_of_idle_keys_are_dropped_but_held_ones_are_kept() {
    ferry_mock::run(5, |rt| async move {
        let limiter = KeyedRateLimiter::new(rt.clone(), Quota::every(ms(10)).unwrap())
            .with_default_concurrency(limit(2));
        let held = limiter.acquire(&"busy").await;
        drop(limiter.acquire(&"idle").await);
        rt.sleep(ms(100)).await;
        limiter.drop_idle_keys();
        assert_eq!(limiter.tracked_keys(), 1, "only the key with a permit held");
        drop(held);
        limiter.drop_idle_keys();
        assert_eq!(limiter.tracked_keys(), 0);
    });
}
