//! Tasks on the mock runtime: abort, blocking closures, shutdown, names.

use std::future::poll_fn;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use ferry_core::rt::Spawn;
use ferry_core::{JoinError, SpawnBlockingExt, SpawnExt, Timer};
use ferry_mock::{Builder, TraceKind};

/// Counts its drops, to see when the executor drops a task's future.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn abort_drops_the_future_at_its_next_turn_and_the_handle_reports_cancellation() {
    ferry_mock::run(21, |rt| async move {
        let drops = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicBool::new(false));
        let (guard, flag) = (DropCounter(Arc::clone(&drops)), Arc::clone(&started));
        let handle = rt.spawn(async move {
            let _guard = guard;
            flag.store(true, Ordering::SeqCst);
            futures::future::pending::<()>().await;
        });
        while !started.load(Ordering::SeqCst) {
            rt.yield_now().await;
        }
        handle.abort();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            0,
            "dropped before its next turn"
        );
        let result = handle.await;
        assert!(
            matches!(result, Err(JoinError::Cancelled)),
            "got {result:?}"
        );
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        let aborted = rt
            .trace()
            .iter()
            .any(|event| matches!(event.kind, TraceKind::Aborted { .. }));
        assert!(aborted, "the abort is in the trace");
    });
}

#[test]
fn abort_before_start_keeps_the_task_from_running() {
    ferry_mock::run(22, |rt| async move {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let handle = rt.spawn(async move { flag.store(true, Ordering::SeqCst) });
        handle.abort();
        assert!(handle.await.expect_err("aborted").is_cancelled());
        assert!(!ran.load(Ordering::SeqCst));
    });
}

#[test]
fn abort_after_the_task_finished_keeps_its_output() {
    ferry_mock::run(23, |rt| async move {
        let handle = rt.spawn(async { 5 });
        while !handle.is_finished() {
            rt.yield_now().await;
        }
        handle.abort();
        assert_eq!(handle.await.expect("finished before the abort"), 5);
    });
}

#[test]
fn abort_before_start_keeps_a_blocking_closure_from_running() {
    ferry_mock::run(24, |rt| async move {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let handle = rt.spawn_blocking(move || flag.store(true, Ordering::SeqCst));
        handle.abort();
        assert!(handle.await.expect_err("aborted").is_cancelled());
        assert!(!ran.load(Ordering::SeqCst));
    });
}

#[test]
fn blocking_closures_run_on_the_executor_thread_before_time_moves() {
    for seed in 0..10 {
        ferry_mock::run(seed, |rt| async move {
            let executor_thread = std::thread::current().id();
            let sleeper = rt.spawn({
                let rt = rt.clone();
                async move { rt.sleep(Duration::from_millis(1)).await }
            });
            let clock = rt.clone();
            let blocking =
                rt.spawn_blocking(move || (std::thread::current().id(), clock.elapsed()));
            let (thread, at) = blocking.await.expect("closure returns");
            assert_eq!(thread, executor_thread, "seed {seed}");
            assert_eq!(
                at,
                Duration::ZERO,
                "seed {seed}: time moved before the closure ran"
            );
            sleeper.await.expect("sleeper finishes");
        });
    }
}

#[test]
fn dropping_the_runner_drops_every_remaining_task() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut runner = Builder::new().build();
    let rt = runner.runtime().clone();
    let mut handles = Vec::new();
    for i in 0..10u64 {
        let guard = DropCounter(Arc::clone(&drops));
        let sleeper = rt.clone();
        handles.push(rt.spawn(async move {
            let _guard = guard;
            if i % 2 == 0 {
                sleeper.sleep(Duration::from_secs(3600)).await;
            } else {
                futures::future::pending::<()>().await;
            }
        }));
    }
    runner.run_until_idle().expect("run");
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(runner);
    assert_eq!(drops.load(Ordering::SeqCst), 10);
    for handle in handles {
        let result = futures::executor::block_on(handle);
        assert!(
            matches!(result, Err(JoinError::Cancelled)),
            "got {result:?}"
        );
    }
    // The runtime handle outlives the runner; what it spawns now is cancelled at once.
    let guard = DropCounter(Arc::clone(&drops));
    let late = rt.spawn(async move { drop(guard) });
    assert_eq!(
        drops.load(Ordering::SeqCst),
        11,
        "the late future was dropped unrun"
    );
    assert!(
        futures::executor::block_on(late)
            .expect_err("cancelled")
            .is_cancelled()
    );
}

#[test]
fn tasks_still_alive_when_run_returns_are_dropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&drops);
    ferry_mock::run(25, |rt| async move {
        let guard = DropCounter(counter);
        drop(rt.spawn(async move {
            let _guard = guard;
            futures::future::pending::<()>().await;
        }));
        rt.yield_now().await;
    });
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn a_raw_task_that_panics_reports_the_panic_on_its_handle() {
    ferry_mock::run(26, |rt| async move {
        let mut raw = rt.spawn_boxed(Box::pin(async { panic!("raw boom") }));
        let result = poll_fn(|cx| raw.poll_finished(cx)).await;
        match result {
            Err(JoinError::Panicked(panicked)) => assert_eq!(panicked.message(), "raw boom"),
            other => panic!("expected a panic, got {other:?}"),
        }
        let panicked = rt.trace().iter().any(|event| {
            matches!(&event.kind, TraceKind::Panicked { message, .. } if message == "raw boom")
        });
        assert!(panicked, "the panic is in the trace");
    });
}

#[test]
fn named_tasks_carry_their_names_into_the_trace_and_live_task_list() {
    ferry_mock::run(27, |rt| async move {
        let sleeper = rt.clone();
        let worker = rt.named("worker-1").spawn(async move {
            sleeper.sleep(Duration::from_secs(1)).await;
        });
        let blocking = rt.named("hasher").spawn_blocking(|| 7);
        assert_eq!(blocking.await.expect("closure returns"), 7);
        let live = rt.live_tasks();
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].name.as_deref(), Some("worker-1"));
        worker.await.expect("worker finishes");
        let names: Vec<_> = rt
            .trace()
            .into_iter()
            .filter_map(|event| match event.kind {
                TraceKind::Spawned { name, blocking, .. } => Some((name, blocking)),
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            [
                (Some("worker-1".to_owned()), false),
                (Some("hasher".to_owned()), true)
            ]
        );
        assert!(rt.live_tasks().is_empty());
    });
}
