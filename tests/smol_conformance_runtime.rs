//! The runtime conformance cases on smol: the global executor (with the calling thread
//! helping, as `ferry_smol::block_on` does), an executor of the test's own run by two threads,
//! and one run by the calling thread alone.

use std::future::Future;
use std::sync::Arc;

use async_executor::Executor;
use ferry_smol::SmolRuntime;

fn on_global_executor<F, Fut>(body: F)
where
    F: FnOnce(SmolRuntime) -> Fut,
    Fut: Future<Output = ()>,
{
    ferry_smol::block_on(body);
}

/// Runs `body` on the calling thread while two threads run a fresh executor for its tasks;
/// the executor is dropped (cancelling whatever is left) when the body ends.
fn on_two_thread_executor<F, Fut>(body: F)
where
    F: FnOnce(SmolRuntime) -> Fut,
    Fut: Future<Output = ()>,
{
    let executor = Arc::new(Executor::new());
    let rt = SmolRuntime::with_executor(&executor);
    let (stop, stopped) = async_channel::bounded::<()>(1);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let (executor, stopped) = (&executor, stopped.clone());
            scope.spawn(move || async_io::block_on(executor.run(stopped.recv())));
        }
        // Dropped when the body ends or panics, which closes the channel and stops the
        // threads, so that a failing case fails instead of hanging the scope.
        let _stop = stop;
        async_io::block_on(body(rt));
    });
}

/// Runs `body` and the executor's tasks on the calling thread alone.
fn on_calling_thread_executor<F, Fut>(body: F)
where
    F: FnOnce(SmolRuntime) -> Fut,
    Fut: Future<Output = ()>,
{
    let executor = Arc::new(Executor::new());
    let rt = SmolRuntime::with_executor(&executor);
    async_io::block_on(executor.run(body(rt)));
}

mod global_executor {
    use super::on_global_executor;
    ferry_conformance::runtime_suite!(on_global_executor);
    ferry_conformance::toolkit_suite!(on_global_executor);
    ferry_conformance::threaded_blocking_suite!(on_global_executor);
}

mod two_thread_executor {
    use super::on_two_thread_executor;
    ferry_conformance::runtime_suite!(on_two_thread_executor);
    ferry_conformance::toolkit_suite!(on_two_thread_executor);
    ferry_conformance::threaded_blocking_suite!(on_two_thread_executor);
}

mod calling_thread_executor {
    use super::on_calling_thread_executor;
    ferry_conformance::runtime_suite!(on_calling_thread_executor);
    ferry_conformance::toolkit_suite!(on_calling_thread_executor);
    ferry_conformance::threaded_blocking_suite!(on_calling_thread_executor);
}

/// The same runtime behind `Arc<dyn Runtime>`, where spawns take the boxed path
/// (`Spawn::spawn_boxed`) instead of the executor's typed one.
fn behind_dyn_runtime<F, Fut>(body: F)
where
    F: FnOnce(Arc<dyn ferry_core::Runtime>) -> Fut,
    Fut: Future<Output = ()>,
{
    on_two_thread_executor(|rt| body(Arc::new(rt)));
}

mod dyn_runtime {
    use super::behind_dyn_runtime;
    ferry_conformance::runtime_suite!(behind_dyn_runtime);
    ferry_conformance::threaded_blocking_suite!(behind_dyn_runtime);
}
