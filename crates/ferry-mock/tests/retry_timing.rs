//! Retry on the mock's virtual time: exact delays, hints, and why retrying stops.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ferry_core::retry::{
    Backoff, GiveUpReason, Jitter, RetryBudget, RetryDecision, RetryPolicy, Retryable,
    classify_retryable, retry,
};
use ferry_core::{Timer, timeout};
use ferry_http::parse_retry_after;
use ferry_mock::MockRuntime;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A failure as an HTTP client would report it: maybe retryable, maybe with a raw
/// `Retry-After` header value.
#[derive(Debug, Clone)]
struct Failure {
    retryable: bool,
    retry_after: Option<&'static str>,
}

impl Failure {
    fn transient() -> Self {
        Self {
            retryable: true,
            retry_after: None,
        }
    }

    fn with_hint(value: &'static str) -> Self {
        Self {
            retryable: true,
            retry_after: Some(value),
        }
    }

    fn permanent() -> Self {
        Self {
            retryable: false,
            retry_after: None,
        }
    }
}

impl Retryable for Failure {
    fn is_retryable(&self) -> bool {
        self.retryable
    }

    fn retry_after(&self) -> Option<Duration> {
        self.retry_after
            .and_then(|value| parse_retry_after(value, SystemTime::UNIX_EPOCH))
    }
}

/// An operation that fails with `failures` in turn, then succeeds with the attempt number,
/// and records the virtual time at which each attempt started.
fn scripted(
    rt: &MockRuntime,
    failures: Vec<Failure>,
    started_at: Rc<RefCell<Vec<Duration>>>,
) -> impl FnMut() -> std::future::Ready<Result<usize, Failure>> {
    let rt = rt.clone();
    let mut attempt = 0;
    move || {
        started_at.borrow_mut().push(rt.elapsed());
        attempt += 1;
        std::future::ready(match failures.get(attempt - 1) {
            Some(failure) => Err(failure.clone()),
            None => Ok(attempt),
        })
    }
}

fn doubling_from_100ms() -> Backoff {
    Backoff::exponential(ms(100)).factor(2.0)
}

#[test]
fn backoff_waits_100_then_200_then_400_ms_between_attempts() {
    ferry_mock::run(1, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let policy = RetryPolicy::new(doubling_from_100ms()).max_attempts(4);
        let op = scripted(&rt, vec![Failure::transient(); 3], started_at.clone());
        let done = retry(&rt, &policy, classify_retryable, op).await.unwrap();
        assert_eq!((done.value, done.attempts), (4, 4));
        assert_eq!(*started_at.borrow(), [ms(0), ms(100), ms(300), ms(700)]);
    });
}

#[test]
fn a_server_hint_of_two_seconds_waits_exactly_two_seconds() {
    ferry_mock::run(2, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let policy = RetryPolicy::new(doubling_from_100ms());
        let op = scripted(&rt, vec![Failure::with_hint("2")], started_at.clone());
        let done = retry(&rt, &policy, classify_retryable, op).await.unwrap();
        assert_eq!(done.attempts, 2);
        assert_eq!(*started_at.borrow(), [ms(0), ms(2000)]);
    });
}

#[test]
fn a_hint_as_an_http_date_waits_until_that_date() {
    ferry_mock::run(3, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let policy = RetryPolicy::new(doubling_from_100ms());
        // Three seconds after the Unix epoch, the "now" the failure parses against.
        let date = "Thu, 01 Jan 1970 00:00:03 GMT";
        let op = scripted(&rt, vec![Failure::with_hint(date)], started_at.clone());
        retry(&rt, &policy, classify_retryable, op).await.unwrap();
        assert_eq!(*started_at.borrow(), [ms(0), ms(3000)]);
    });
}

#[test]
fn a_hint_longer_than_the_max_delay_waits_only_the_max_delay() {
    ferry_mock::run(4, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let policy = RetryPolicy::new(doubling_from_100ms().max_delay(Duration::from_secs(5)));
        let op = scripted(&rt, vec![Failure::with_hint("86400")], started_at.clone());
        retry(&rt, &policy, classify_retryable, op).await.unwrap();
        assert_eq!(*started_at.borrow(), [ms(0), ms(5000)]);
    });
}

#[test]
fn a_malformed_hint_falls_back_to_the_backoff_not_to_zero() {
    ferry_mock::run(5, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let policy = RetryPolicy::new(doubling_from_100ms());
        let failures = vec![Failure::with_hint("soon"), Failure::with_hint("-1")];
        let op = scripted(&rt, failures, started_at.clone());
        retry(&rt, &policy, classify_retryable, op).await.unwrap();
        assert_eq!(*started_at.borrow(), [ms(0), ms(100), ms(300)]);
    });
}

#[test]
fn max_attempts_stops_with_exhausted_attempts_and_the_last_error() {
    ferry_mock::run(6, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let policy = RetryPolicy::new(doubling_from_100ms()).max_attempts(3);
        let op = scripted(&rt, vec![Failure::transient(); 10], started_at.clone());
        let error = retry(&rt, &policy, classify_retryable, op)
            .await
            .unwrap_err();
        assert_eq!(error.reason(), GiveUpReason::ExhaustedAttempts);
        assert_eq!(error.attempts(), 3);
        assert!(error.last_error().retryable);
        assert_eq!(error.elapsed(), ms(300));
        assert_eq!(*started_at.borrow(), [ms(0), ms(100), ms(300)]);
    });
}

#[test]
fn max_total_time_stops_before_a_retry_that_would_start_too_late() {
    ferry_mock::run(7, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        // Attempts at 0, 100 and 300 ms; the next would start at 700 ms, past 500 ms.
        let policy = RetryPolicy::new(doubling_from_100ms())
            .max_attempts(10)
            .max_total_time(ms(500));
        let op = scripted(&rt, vec![Failure::transient(); 10], started_at.clone());
        let error = retry(&rt, &policy, classify_retryable, op)
            .await
            .unwrap_err();
        assert_eq!(error.reason(), GiveUpReason::Deadline);
        assert_eq!(error.attempts(), 3);
        assert_eq!(rt.elapsed(), ms(300), "gave up without sleeping in vain");
    });
}

#[test]
fn a_non_retryable_error_stops_at_once() {
    ferry_mock::run(8, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let policy = RetryPolicy::new(doubling_from_100ms()).max_attempts(5);
        let op = scripted(&rt, vec![Failure::permanent()], started_at.clone());
        let error = retry(&rt, &policy, classify_retryable, op)
            .await
            .unwrap_err();
        assert_eq!(error.reason(), GiveUpReason::NotRetryable);
        assert_eq!(error.attempts(), 1);
        assert_eq!(rt.elapsed(), Duration::ZERO);
    });
}

#[test]
fn the_budget_limits_retries_to_the_set_fraction_of_operations() {
    ferry_mock::run(9, |rt| async move {
        // Retries may add 20 % to the load, with no floor: ten failing operations earn two
        // retries between them, whatever each one's own policy allows.
        let budget =
            Arc::new(RetryBudget::new(rt.clone(), Duration::from_secs(60), 0, 0.2).unwrap());
        let policy = RetryPolicy::new(doubling_from_100ms())
            .max_attempts(5)
            .budget(budget.clone());
        let mut attempts = Vec::new();
        for _ in 0..10 {
            let started_at = Rc::new(RefCell::new(Vec::new()));
            let op = scripted(&rt, vec![Failure::transient(); 10], started_at);
            let error = retry(&rt, &policy, classify_retryable, op)
                .await
                .unwrap_err();
            assert_eq!(error.reason(), GiveUpReason::Budget);
            attempts.push(error.attempts());
        }
        // Every fifth operation has saved up a whole retry.
        assert_eq!(attempts, [1, 1, 1, 1, 2, 1, 1, 1, 1, 2]);
        assert_eq!(attempts.iter().sum::<u32>(), 12);
        assert_eq!(budget.remaining(), 0);
    });
}

#[test]
fn an_expired_budget_window_forgets_old_deposits() {
    ferry_mock::run(10, |rt| async move {
        let budget = RetryBudget::new(rt.clone(), Duration::from_secs(10), 0, 1.0).unwrap();
        budget.deposit();
        budget.deposit();
        assert_eq!(budget.remaining(), 2);
        rt.sleep(Duration::from_secs(11)).await;
        assert_eq!(budget.remaining(), 0);
        assert!(!budget.withdraw());
    });
}

/// The delays between attempts of an operation that always fails, with full jitter drawn
/// from the mock's seeded generator.
fn jittered_delays(seed: u64) -> Vec<Duration> {
    ferry_mock::run(seed, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let backoff = doubling_from_100ms()
            .jitter(Jitter::Full)
            .rng(rt.fork_rng());
        let policy = RetryPolicy::new(backoff).max_attempts(6);
        let op = scripted(&rt, vec![Failure::transient(); 10], started_at.clone());
        retry(&rt, &policy, classify_retryable, op)
            .await
            .unwrap_err();
        let times = started_at.borrow();
        times.windows(2).map(|pair| pair[1] - pair[0]).collect()
    })
}

#[test]
fn jittered_delays_stay_in_bounds_and_repeat_for_one_seed() {
    let nominal = [ms(100), ms(200), ms(400), ms(800), ms(1600)];
    for seed in 0..20 {
        let delays = jittered_delays(seed);
        assert_eq!(delays.len(), 5);
        for (delay, cap) in delays.iter().zip(nominal) {
            assert!(*delay <= cap, "seed {seed}: {delay:?} above {cap:?}");
        }
        assert_eq!(delays, jittered_delays(seed), "seed {seed} did not repeat");
    }
    assert_ne!(jittered_delays(1), jittered_delays(2));
}

#[test]
fn dropping_a_retry_while_it_waits_makes_no_further_attempt() {
    ferry_mock::run(11, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let policy = RetryPolicy::new(doubling_from_100ms()).max_attempts(5);
        let op = scripted(&rt, vec![Failure::transient(); 10], started_at.clone());
        // Attempts at 0 and 100 ms; the next is due at 300 ms, after the timeout.
        let cut_short = timeout(&rt, ms(250), retry(&rt, &policy, classify_retryable, op)).await;
        assert!(cut_short.is_err());
        rt.sleep(Duration::from_secs(10)).await;
        assert_eq!(*started_at.borrow(), [ms(0), ms(100)]);
    });
}

#[test]
fn a_closure_classifier_can_retry_some_errors_and_not_others() {
    ferry_mock::run(12, |rt| async move {
        let started_at = Rc::new(RefCell::new(Vec::new()));
        let policy = RetryPolicy::new(Backoff::constant(ms(50))).max_attempts(5);
        let mut calls = 0;
        let rt2 = rt.clone();
        let record = started_at.clone();
        let error = retry(
            &rt,
            &policy,
            |code: &u16| {
                if *code == 503 {
                    RetryDecision::Retry
                } else {
                    RetryDecision::DontRetry
                }
            },
            move || {
                record.borrow_mut().push(rt2.elapsed());
                calls += 1;
                std::future::ready(Err::<(), u16>(if calls < 3 { 503 } else { 404 }))
            },
        )
        .await
        .unwrap_err();
        assert_eq!(error.reason(), GiveUpReason::NotRetryable);
        assert_eq!(*error.last_error(), 404);
        assert_eq!(*started_at.borrow(), [ms(0), ms(50), ms(100)]);
    });
}
