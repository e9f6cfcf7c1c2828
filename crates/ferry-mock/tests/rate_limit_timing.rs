//! Rate limiters on the mock's virtual time: bursts, exact spacing, keys, cancellation.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::rate_limit::{InsufficientCapacity, KeyedRateLimiter, Quota, RateLimiter};
use ferry_core::{Clock, SpawnExt, Timer, timeout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Ten per second (one every 100 ms), three at once.
fn ten_per_second_burst_three() -> Quota {
    Quota::per_second(10).unwrap().with_burst(3).unwrap()
}

#[test]
fn a_burst_goes_at_once_then_requests_are_spaced_exactly_one_interval_apart() {
    ferry_mock::run(1, |rt| async move {
        let limiter = RateLimiter::new(rt.clone(), ten_per_second_burst_three());
        let mut granted_at = Vec::new();
        for _ in 0..6 {
            limiter.until_ready().await;
            granted_at.push(rt.elapsed());
        }
        assert_eq!(granted_at, [ms(0), ms(0), ms(0), ms(100), ms(200), ms(300)]);
    });
}

#[test]
fn concurrent_waiters_share_the_rate_whatever_the_schedule() {
    for seed in 0..10 {
        ferry_mock::run(seed, |rt| async move {
            let limiter = Arc::new(RateLimiter::new(rt.clone(), ten_per_second_burst_three()));
            let granted_at = Arc::new(Mutex::new(Vec::new()));
            let tasks: Vec<_> = (0..7)
                .map(|_| {
                    let (rt2, limiter, granted_at) =
                        (rt.clone(), limiter.clone(), granted_at.clone());
                    rt.spawn(async move {
                        limiter.until_ready().await;
                        granted_at.lock().unwrap().push(rt2.elapsed());
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            let mut granted_at = granted_at.lock().unwrap().clone();
            granted_at.sort();
            assert_eq!(
                granted_at,
                [ms(0), ms(0), ms(0), ms(100), ms(200), ms(300), ms(400)],
                "seed {seed}"
            );
        });
    }
}

#[test]
fn a_refused_check_says_exactly_how_long_to_wait() {
    ferry_mock::run(2, |rt| async move {
        let limiter = RateLimiter::new(rt.clone(), ten_per_second_burst_three());
        for _ in 0..3 {
            limiter.check().unwrap();
        }
        let refused = limiter.check().unwrap_err();
        assert_eq!(refused.wait(), ms(100));
        rt.sleep(ms(40)).await;
        assert_eq!(refused.wait_time_from(rt.now()), ms(60));
        assert_eq!(limiter.check().unwrap_err().wait(), ms(60));
    });
}

#[test]
fn idle_time_refills_the_burst_but_not_beyond_it() {
    ferry_mock::run(3, |rt| async move {
        let limiter = RateLimiter::new(rt.clone(), ten_per_second_burst_three());
        for _ in 0..3 {
            limiter.check().unwrap();
        }
        rt.sleep(Duration::from_secs(60)).await;
        for _ in 0..3 {
            limiter.check().unwrap();
        }
        assert!(limiter.check().is_err());
    });
}

#[test]
fn asking_for_more_than_the_burst_is_an_error_not_a_hang() {
    ferry_mock::run(4, |rt| async move {
        let limiter = RateLimiter::new(rt.clone(), ten_per_second_burst_three());
        let error = limiter.until_n_ready(4).await.unwrap_err();
        assert_eq!(
            error,
            InsufficientCapacity {
                requested: 4,
                burst: 3
            }
        );
        assert_eq!(limiter.check_n(4), Err(error));
        assert_eq!(rt.elapsed(), Duration::ZERO);
        // Nothing was taken: the whole burst is still there.
        limiter.check_n(3).unwrap().unwrap();
    });
}

#[test]
fn several_slots_at_once_wait_until_all_of_them_are_free() {
    ferry_mock::run(5, |rt| async move {
        let limiter = RateLimiter::new(rt.clone(), ten_per_second_burst_three());
        limiter.until_n_ready(3).await.unwrap();
        limiter.until_n_ready(2).await.unwrap();
        assert_eq!(rt.elapsed(), ms(200));
        limiter.until_n_ready(3).await.unwrap();
        assert_eq!(rt.elapsed(), ms(500));
    });
}

#[test]
fn a_dropped_wait_consumes_no_slot() {
    ferry_mock::run(6, |rt| async move {
        let limiter = RateLimiter::new(rt.clone(), Quota::every(ms(100)).unwrap());
        limiter.check().unwrap();
        // The next slot is due at 100 ms; give up waiting at 50 ms.
        assert!(timeout(&rt, ms(50), limiter.until_ready()).await.is_err());
        rt.sleep(ms(50)).await;
        // Had the abandoned wait taken the 100 ms slot, this check would be refused.
        limiter.check().unwrap();
        assert_eq!(limiter.check().unwrap_err().wait(), ms(100));
    });
}

#[test]
fn each_key_has_its_own_independent_limit() {
    ferry_mock::run(7, |rt| async move {
        let limiter = KeyedRateLimiter::new(rt.clone(), ten_per_second_burst_three());
        for _ in 0..3 {
            limiter.check_key(&"a.example").unwrap();
        }
        assert!(limiter.check_key(&"a.example").is_err());
        // Another key still has its whole burst.
        for _ in 0..3 {
            limiter.check_key(&"b.example").unwrap();
        }
        assert_eq!(limiter.check_key(&"b.example").unwrap_err().wait(), ms(100));
    });
}

#[test]
fn keys_with_different_quotas_are_spaced_by_their_own_intervals() {
    ferry_mock::run(8, |rt| async move {
        let limiter = Arc::new(
            KeyedRateLimiter::new(
                rt.clone(),
                Quota::per_second(2).unwrap().with_burst(1).unwrap(),
            )
            .with_quota("fast", Quota::every(ms(100)).unwrap()),
        );
        assert_eq!(limiter.quota_for(&"fast").interval(), ms(100));
        assert_eq!(limiter.quota_for(&"unknown").interval(), ms(500));
        let run = |key: &'static str| {
            let (rt2, limiter) = (rt.clone(), limiter.clone());
            rt.spawn(async move {
                let mut granted_at = Vec::new();
                for _ in 0..4 {
                    limiter.until_key_ready(&key).await;
                    granted_at.push(rt2.elapsed());
                }
                granted_at
            })
        };
        let (fast, slow) = (run("fast"), run("slow"));
        assert_eq!(fast.await.unwrap(), [ms(0), ms(100), ms(200), ms(300)]);
        assert_eq!(slow.await.unwrap(), [ms(0), ms(500), ms(1000), ms(1500)]);
    });
}

#[test]
fn a_keyed_request_above_the_keys_burst_is_an_error() {
    ferry_mock::run(9, |rt| async move {
        let limiter = KeyedRateLimiter::new(rt.clone(), ten_per_second_burst_three())
            .with_quota("single", Quota::every(ms(10)).unwrap());
        let error = limiter.until_key_n_ready(&"single", 2).await.unwrap_err();
        assert_eq!(error.burst, 1);
        limiter.until_key_n_ready(&"other", 2).await.unwrap();
    });
}

#[test]
fn idle_keys_are_dropped_so_memory_stays_bounded() {
    ferry_mock::run(10, |rt| async move {
        // Each key's limit recovers one second after its request; one new key every 100 ms
        // means about ten keys are ever active at once.
        let limiter = KeyedRateLimiter::new(rt.clone(), Quota::per_second(1).unwrap());
        let mut most_tracked = 0;
        for key in 0..1000u32 {
            limiter.check_key(&key).unwrap();
            most_tracked = most_tracked.max(limiter.tracked_keys());
            rt.sleep(ms(100)).await;
        }
        assert!(most_tracked <= 64, "tracked up to {most_tracked} keys");
        // A dropped key starts fresh, exactly as if it had been kept: key 0 may go again.
        limiter.check_key(&0).unwrap();
        rt.sleep(Duration::from_secs(2)).await;
        limiter.drop_idle_keys();
        assert_eq!(limiter.tracked_keys(), 0);
    });
}
