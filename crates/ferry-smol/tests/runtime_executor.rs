//! How `SmolRuntime` behaves with its executor: the global one runs tasks on its own thread,
//! a dropped executor cancels its tasks, and an abort is over only once the task is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_executor::Executor;
use ferry_core::SpawnExt;
use ferry_smol::SmolRuntime;

/// Sets its flag when dropped: shows that a task's future is gone.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn global_executor_runs_tasks_while_the_caller_only_waits() {
    // `async_io::block_on` runs no executor, so only the global executor's own thread can
    // run the task.
    let task = SmolRuntime::new().spawn(async { 6 * 7 });
    assert_eq!(async_io::block_on(task).expect("the task finishes"), 42);
}

#[test]
fn dropping_the_executor_cancels_its_tasks_and_later_spawns() {
    let executor = Arc::new(Executor::new());
    let rt = SmolRuntime::with_executor(&executor);
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(Arc::clone(&dropped));
    // Nobody runs the executor, so the task never starts.
    let pending = rt.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });

    drop(executor);
    assert!(
        dropped.load(Ordering::SeqCst),
        "the executor drops its tasks' futures"
    );
    assert!(rt.executor().is_none());
    let error = async_io::block_on(pending).expect_err("the task was cancelled");
    assert!(error.is_cancelled(), "got {error:?}");

    let late = rt.spawn(async { 1 });
    let error = async_io::block_on(late).expect_err("there is no executor to run it");
    assert!(error.is_cancelled(), "got {error:?}");
}

#[test]
fn awaiting_an_aborted_task_waits_until_its_future_is_dropped() {
    let executor = Arc::new(Executor::new());
    let rt = SmolRuntime::with_executor(&executor);
    let (stop, stopped) = async_channel::bounded::<()>(1);
    let (started_tx, started_rx) = async_channel::bounded::<()>(1);
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = SetOnDrop(Arc::clone(&dropped));

    std::thread::scope(|scope| {
        let runner = &executor;
        scope.spawn(move || async_io::block_on(runner.run(stopped.recv())));
        let _stop = stop;

        let task = rt.spawn(async move {
            let _guard = guard;
            let _ = started_tx.send(()).await;
            // Still inside its poll when the abort comes: the executor can drop the future
            // only after this.
            std::thread::sleep(Duration::from_millis(50));
            std::future::pending::<()>().await;
        });
        async_io::block_on(async {
            started_rx.recv().await.expect("the task starts");
            task.abort();
            let error = task.await.expect_err("the task was aborted");
            assert!(error.is_cancelled(), "got {error:?}");
        });
        assert!(
            dropped.load(Ordering::SeqCst),
            "the handle resolved before the task's future was dropped"
        );
    });
}

#[test]
fn a_panic_the_executor_caught_reaches_the_handle_even_through_an_abort() {
    let executor = Arc::new(Executor::new());
    let rt = SmolRuntime::with_executor(&executor);
    let panicking = rt.spawn(async { panic!("task failed on purpose") });
    let aborted_after_panic = rt.spawn(async { panic!("aborted too late") });
    let fine = rt.spawn(async { 7 });
    // Run every task to its end: the executor catches both panics and keeps going.
    while executor.try_tick() {}
    assert!(aborted_after_panic.is_finished());

    // The abort finds the task already over; the panic it re-raises stays inside the handle.
    aborted_after_panic.abort();
    let error = async_io::block_on(aborted_after_panic).expect_err("the task panicked");
    assert!(
        error.to_string().contains("aborted too late"),
        "got {error}"
    );
    let error = async_io::block_on(panicking).expect_err("the task panicked");
    assert!(error.is_panic(), "got {error:?}");
    assert!(
        error.to_string().contains("task failed on purpose"),
        "got {error}"
    );
    assert_eq!(
        async_io::block_on(fine).expect("unaffected by the others"),
        7
    );
}
