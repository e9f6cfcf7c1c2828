//! Virtual time under `run`: exact sleeps, timeouts and deadlines, and time jumping only when
//! every task waits on a timer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::{Clock, Deadline, SpawnExt, Timer, timeout};
use ferry_mock::{Builder, MockErrorKind, TraceKind};

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn sleep_of_two_seconds_wakes_at_exactly_two_seconds() {
    ferry_mock::run(1, |rt| async move {
        let start = rt.now();
        assert_eq!(start, rt.zero(), "the clock starts at zero");
        rt.sleep(2 * SECOND).await;
        assert_eq!(rt.now() - start, 2 * SECOND);
        assert_eq!(rt.elapsed(), 2 * SECOND);
    });
}

#[test]
fn timeout_of_one_second_around_a_five_second_sleep_fails_at_exactly_one_second() {
    let mut runner = Builder::new().seed(2).build();
    let rt = runner.runtime().clone();
    let result = runner
        .block_on(async { timeout(&rt, SECOND, rt.sleep(5 * SECOND)).await })
        .expect("the run finishes");
    assert_eq!(
        result
            .expect_err("the sleep outlasts the timeout")
            .allowed(),
        SECOND
    );
    assert_eq!(runner.elapsed(), SECOND);
    // The abandoned five-second sleep was dropped with its timer: nothing is left to fire.
    assert_eq!(runner.next_timer(), None);
}

#[test]
fn timeout_around_a_spawned_five_second_call_fails_at_exactly_one_second_on_every_seed() {
    for seed in 0..20 {
        ferry_mock::run(seed, |rt| async move {
            let call = rt.spawn({
                let rt = rt.clone();
                async move { rt.sleep(5 * SECOND).await }
            });
            let result = timeout(&rt, SECOND, call).await;
            assert!(result.is_err(), "seed {seed}: the call should time out");
            assert_eq!(rt.elapsed(), SECOND, "seed {seed}");
        });
    }
}

#[test]
fn deadline_shared_by_two_steps_runs_out_exactly_at_its_budget() {
    ferry_mock::run(3, |rt| async move {
        let deadline = Deadline::after(rt.clone(), 10 * SECOND);
        deadline
            .run(rt.sleep(4 * SECOND))
            .await
            .expect("four seconds fit in ten");
        assert_eq!(deadline.remaining(), 6 * SECOND);
        let late = deadline.run(rt.sleep(8 * SECOND)).await;
        assert_eq!(
            late.expect_err("eight seconds do not fit in six").allowed(),
            10 * SECOND
        );
        assert_eq!(rt.elapsed(), 10 * SECOND);
        assert!(deadline.is_expired());
    });
}

#[test]
fn time_stands_still_while_any_task_is_ready() {
    ferry_mock::run(4, |rt| async move {
        let spinner = rt.spawn({
            let rt = rt.clone();
            async move {
                let mut seen = Vec::new();
                for _ in 0..200 {
                    seen.push(rt.elapsed());
                    rt.yield_now().await;
                }
                seen
            }
        });
        rt.sleep(Duration::from_millis(1)).await;
        let seen = spinner.await.expect("the spinner finishes");
        assert!(
            seen.iter().all(|at| at.is_zero()),
            "time moved while a task was ready: {seen:?}"
        );
        assert_eq!(rt.elapsed(), Duration::from_millis(1));
    });
}

#[test]
fn sleepers_wake_in_deadline_order_on_every_seed() {
    for seed in 0..20 {
        let woke = ferry_mock::run(seed, |rt| async move {
            let woke = Arc::new(Mutex::new(Vec::new()));
            let mut handles = Vec::new();
            // Deadlines out of spawn order: 70, 0, 30, 100, 40, ... milliseconds.
            for i in 0..20u64 {
                let millis = (i * 70) % 130;
                let (rt, woke) = (rt.clone(), Arc::clone(&woke));
                handles.push(rt.clone().spawn(async move {
                    rt.sleep(Duration::from_millis(millis)).await;
                    woke.lock().unwrap().push((rt.elapsed(), millis));
                }));
            }
            for handle in handles {
                handle.await.expect("sleeper finishes");
            }
            Arc::try_unwrap(woke).unwrap().into_inner().unwrap()
        });
        for (at, millis) in &woke {
            assert_eq!(
                *at,
                Duration::from_millis(*millis),
                "seed {seed}: woke off time"
            );
        }
        assert!(
            woke.windows(2).all(|pair| pair[0].0 <= pair[1].0),
            "seed {seed}: out of order: {woke:?}"
        );
    }
}

#[test]
fn timers_with_equal_deadlines_fire_in_the_order_they_were_set() {
    for seed in 0..10 {
        let trace = ferry_mock::run(seed, |rt| async move {
            let at = rt.now() + SECOND;
            let mut handles = Vec::new();
            for _ in 0..10 {
                let rt2 = rt.clone();
                handles.push(rt.spawn(async move {
                    rt2.record("test", "sets its timer");
                    rt2.sleep_until(at).await;
                }));
            }
            for handle in handles {
                handle.await.expect("sleeper finishes");
            }
            rt.trace()
        });
        let setters: Vec<_> = trace
            .iter()
            .filter_map(|event| match &event.kind {
                TraceKind::Custom { task, .. } => *task,
                _ => None,
            })
            .collect();
        let fired: Vec<_> = trace
            .iter()
            .filter_map(|event| match &event.kind {
                TraceKind::TimerFired { timer, owner } => {
                    assert_eq!(event.at, SECOND);
                    Some((*timer, owner.expect("set inside a task")))
                }
                _ => None,
            })
            .collect();
        assert_eq!(fired.len(), 10);
        assert!(
            fired.windows(2).all(|pair| pair[0].0 < pair[1].0),
            "seed {seed}"
        );
        let owners: Vec<_> = fired.iter().map(|(_, owner)| *owner).collect();
        assert_eq!(
            owners, setters,
            "seed {seed}: fired in a different order than set"
        );
    }
}

#[test]
fn sleep_until_a_past_instant_is_ready_without_moving_time() {
    ferry_mock::run(5, |rt| async move {
        rt.sleep(SECOND).await;
        let past = rt.zero();
        rt.sleep_until(past).await;
        rt.sleep(Duration::ZERO).await;
        assert_eq!(rt.elapsed(), SECOND);
    });
}

#[test]
fn a_body_sleeping_forever_hits_the_virtual_time_limit() {
    let error = Builder::new()
        .seed(6)
        .max_virtual_time(Duration::from_secs(86_400))
        .try_run(|rt| async move { rt.sleep(Duration::MAX).await })
        .expect_err("a sleep of Duration::MAX never ends");
    match error.kind() {
        MockErrorKind::TimeLimit { limit, next_timer } => {
            assert_eq!(*limit, Duration::from_secs(86_400));
            assert!(*next_timer > Duration::from_secs(86_400 * 365));
        }
        other => panic!("expected a time limit, got {other:?}"),
    }
    assert_eq!(
        error.at(),
        Duration::ZERO,
        "time must not jump past the limit"
    );
    assert_eq!(error.seed(), 6);
}
