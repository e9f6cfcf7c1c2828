//! The runtime conformance cases on tokio's multi-thread and current-thread schedulers.

use std::future::Future;

use ferry_tokio::TokioRuntime;

fn on_multi_thread<F, Fut>(body: F)
where
    F: FnOnce(TokioRuntime) -> Fut,
    Fut: Future<Output = ()>,
{
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    tokio.block_on(async { body(TokioRuntime::current()).await });
}

fn on_current_thread<F, Fut>(body: F)
where
    F: FnOnce(TokioRuntime) -> Fut,
    Fut: Future<Output = ()>,
{
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    tokio.block_on(async { body(TokioRuntime::current()).await });
}

mod multi_thread {
    use super::on_multi_thread;
    ferry_conformance::runtime_suite!(on_multi_thread);
    ferry_conformance::toolkit_suite!(on_multi_thread);
    ferry_conformance::threaded_blocking_suite!(on_multi_thread);
}

mod current_thread {
    use super::on_current_thread;
    ferry_conformance::runtime_suite!(on_current_thread);
    ferry_conformance::toolkit_suite!(on_current_thread);
    ferry_conformance::threaded_blocking_suite!(on_current_thread);
}

/// The same runtime behind `Arc<dyn Runtime>`, where spawns take the boxed path
/// (`Spawn::spawn_boxed`) instead of tokio's typed one.
fn behind_dyn_runtime<F, Fut>(body: F)
where
    F: FnOnce(std::sync::Arc<dyn ferry_core::Runtime>) -> Fut,
    Fut: Future<Output = ()>,
{
    on_multi_thread(|rt| body(std::sync::Arc::new(rt)));
}

mod dyn_runtime {
    use super::behind_dyn_runtime;
    ferry_conformance::runtime_suite!(behind_dyn_runtime);
    ferry_conformance::threaded_blocking_suite!(behind_dyn_runtime);
}
