//! Cases for the runtime traits: spawning, join handles, blocking work, clock and timers.
//!
//! Run them with [`runtime_suite!`](crate::runtime_suite).

use std::time::Duration;

use ferry_core::{JoinError, Runtime, SpawnBlockingExt, SpawnExt};

/// The bound every case's runtime meets.
pub trait TestRuntime: Runtime + Clone + Send + Sync + 'static {}
impl<R: Runtime + Clone + Send + Sync + 'static> TestRuntime for R {}

/// Runs every case of this module as a `#[test]`; see the [crate docs](crate).
#[macro_export]
macro_rules! runtime_suite {
    ($with_runtime:path) => {
        $crate::__suite!(
            $with_runtime,
            runtime,
            [
                spawn_returns_output,
                spawn_turns_panic_into_error,
                abort_cancels_a_pending_task,
                dropped_handle_detaches_the_task,
                spawned_tasks_run_concurrently,
                spawn_blocking_returns_output,
                spawn_blocking_turns_panic_into_error,
                sleep_waits_at_least_its_duration,
                sleep_until_past_instant_is_ready_at_once,
                sleep_for_max_duration_does_not_panic,
                typed_sleep_waits_at_least_its_duration,
                typed_sleep_until_past_instant_is_ready_at_once,
                typed_sleep_for_max_duration_does_not_panic,
                typed_sleep_spawned_as_a_task_ends_it_after_its_duration,
                clock_is_monotonic,
            ]
        );
    };
}

/// A spawned task's output comes back through its handle.
pub async fn spawn_returns_output<R: TestRuntime>(rt: R) {
    let handle = rt.spawn(async { 21 * 2 });
    assert_eq!(handle.await.expect("task should finish"), 42);
}

/// A panic inside a task is an error on the handle, with its message, not a crash.
pub async fn spawn_turns_panic_into_error<R: TestRuntime>(rt: R) {
    let handle = rt.spawn(async {
        if true {
            panic!("boom in task");
        }
    });
    match handle.await {
        Err(JoinError::Panicked(panicked)) => assert_eq!(panicked.message(), "boom in task"),
        other => panic!("expected a panic error, got {other:?}"),
    }
}

/// Aborting a task that waits forever makes its handle report cancellation.
pub async fn abort_cancels_a_pending_task<R: TestRuntime>(rt: R) {
    let handle = rt.spawn(futures::future::pending::<()>());
    handle.abort();
    let result = handle.await;
    assert!(
        matches!(result, Err(ref e) if e.is_cancelled()),
        "expected cancellation, got {result:?}"
    );
}

/// A task whose handle is dropped keeps running to the end.
pub async fn dropped_handle_detaches_the_task<R: TestRuntime>(rt: R) {
    let (tx, rx) = futures::channel::oneshot::channel();
    drop(rt.spawn(async move {
        let _ = tx.send(7);
    }));
    assert_eq!(rx.await.expect("detached task should still run"), 7);
}

/// Two tasks that each wait on the other can only finish if they run at the same time.
pub async fn spawned_tasks_run_concurrently<R: TestRuntime>(rt: R) {
    let (to_b, from_a) = futures::channel::oneshot::channel::<u32>();
    let (to_a, from_b) = futures::channel::oneshot::channel::<u32>();
    let a = rt.spawn(async move {
        to_b.send(1).expect("b is alive");
        from_b.await.expect("b answers")
    });
    let b = rt.spawn(async move {
        let got = from_a.await.expect("a sends");
        to_a.send(got + 1).expect("a is alive");
        got
    });
    assert_eq!(b.await.expect("b finishes"), 1);
    assert_eq!(a.await.expect("a finishes"), 2);
}

/// Blocking work runs and its return value comes back.
pub async fn spawn_blocking_returns_output<R: TestRuntime>(rt: R) {
    let handle = rt.spawn_blocking(|| (1..=10u64).product::<u64>());
    assert_eq!(handle.await.expect("closure should finish"), 3_628_800);
}

/// A panic in blocking work is an error on the handle.
pub async fn spawn_blocking_turns_panic_into_error<R: TestRuntime>(rt: R) {
    let handle = rt.spawn_blocking(|| -> u8 { panic!("blocking boom") });
    let error = handle.await.expect_err("panic should be an error");
    assert!(error.is_panic(), "expected a panic, got {error:?}");
}

/// A sleep never wakes before its duration has passed on the runtime's own clock.
pub async fn sleep_waits_at_least_its_duration<R: TestRuntime>(rt: R) {
    let start = rt.now();
    rt.sleep(Duration::from_millis(20)).await;
    let waited = rt.now() - start;
    assert!(waited >= Duration::from_millis(20), "woke after {waited:?}");
}

/// A deadline already in the past completes at the first poll.
pub async fn sleep_until_past_instant_is_ready_at_once<R: TestRuntime>(rt: R) {
    let past = rt.now();
    rt.sleep(Duration::from_millis(1)).await;
    let polled = futures::poll!(rt.sleep_until(past));
    assert!(polled.is_ready(), "a sleep until the past should be ready");
}

/// `Duration::MAX` means "never", not an overflow panic.
pub async fn sleep_for_max_duration_does_not_panic<R: TestRuntime>(rt: R) {
    let mut forever = rt.sleep(Duration::MAX);
    assert!(futures::poll!(&mut forever).is_pending());
    let mut far = rt.sleep_until(rt.now() + Duration::from_secs(86_400 * 365 * 100));
    assert!(futures::poll!(&mut far).is_pending());
}

/// The backend's unboxed sleep (`Timer::sleep_typed`) never wakes before its duration either.
pub async fn typed_sleep_waits_at_least_its_duration<R: TestRuntime>(rt: R) {
    let start = rt.now();
    rt.sleep_typed(Duration::from_millis(20)).await;
    let waited = rt.now() - start;
    assert!(waited >= Duration::from_millis(20), "woke after {waited:?}");
}

/// An unboxed sleep until a deadline already past completes at the first poll.
pub async fn typed_sleep_until_past_instant_is_ready_at_once<R: TestRuntime>(rt: R) {
    let past = rt.now();
    rt.sleep_typed(Duration::from_millis(1)).await;
    let polled = futures::poll!(std::pin::pin!(rt.sleep_until_typed(past)));
    assert!(polled.is_ready(), "a sleep until the past should be ready");
}

/// An unboxed sleep of `Duration::MAX` means "never", as the boxed one does.
pub async fn typed_sleep_for_max_duration_does_not_panic<R: TestRuntime>(rt: R) {
    let mut forever = std::pin::pin!(rt.sleep_typed(Duration::MAX));
    assert!(futures::poll!(forever.as_mut()).is_pending());
    let mut far =
        std::pin::pin!(rt.sleep_until_typed(rt.now() + Duration::from_secs(86_400 * 365 * 100)));
    assert!(futures::poll!(far.as_mut()).is_pending());
}

/// An unboxed sleep is a `'static` future that can be spawned as the task itself (the way
/// `tokio::spawn(sleep(d))` is), and the task ends once it has waited its duration.
pub async fn typed_sleep_spawned_as_a_task_ends_it_after_its_duration<R: TestRuntime>(rt: R) {
    let start = rt.now();
    let task = rt.spawn(rt.sleep_typed(Duration::from_millis(20)));
    task.await.expect("the sleeping task should finish");
    let waited = rt.now() - start;
    assert!(
        waited >= Duration::from_millis(20),
        "task ended after {waited:?}"
    );
}

/// The clock never goes backwards.
pub async fn clock_is_monotonic<R: TestRuntime>(rt: R) {
    let mut last = rt.now();
    for _ in 0..100 {
        let now = rt.now();
        assert!(now >= last, "clock went backwards");
        last = now;
    }
}
