//! The runtimes a workload runs on, each built fresh for one measurement so that no state
//! (cached tasks, grown buffers) carries from one case to the next.

use std::future::Future;
use std::sync::Arc;

use async_executor::Executor;
use ferry_mock::MockRuntime;
use ferry_smol::SmolRuntime;
use ferry_tokio::TokioRuntime;

/// The seed of every mock run, so that a mock figure is the same schedule every time.
const MOCK_SEED: u64 = 7;

/// A tokio current-thread runtime with I/O and timers.
pub(crate) fn tokio_current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio current-thread runtime builds")
}

/// A tokio multi-thread runtime with one worker per core, I/O and timers.
pub(crate) fn tokio_multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio multi-thread runtime builds")
}

/// Runs `body` with ferry's tokio runtime on a fresh current-thread runtime.
pub(crate) fn ferry_tokio_ct<F, Fut>(body: F) -> Fut::Output
where
    F: FnOnce(TokioRuntime) -> Fut,
    Fut: Future,
{
    let runtime = tokio_current_thread();
    let rt = TokioRuntime::from_handle(runtime.handle().clone());
    runtime.block_on(body(rt))
}

/// Runs `body` with ferry's tokio runtime on a fresh multi-thread runtime.
///
/// The body is spawned onto the runtime rather than driven from `block_on`'s thread: on a
/// small machine a driver outside the workers pays a cross-thread wake-up for every item
/// (the anchors measured 30-40 % lost that way), which would measure the harness, not ferry.
pub(crate) fn ferry_tokio_mt<F, Fut>(body: F) -> Fut::Output
where
    F: FnOnce(TokioRuntime) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let runtime = tokio_multi_thread();
    let rt = TokioRuntime::from_handle(runtime.handle().clone());
    tokio_mt_spawned(&runtime, body(rt))
}

/// Runs `future` as a task of the multi-thread `runtime` and waits for it.
pub(crate) fn tokio_mt_spawned<Fut>(runtime: &tokio::runtime::Runtime, future: Fut) -> Fut::Output
where
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    runtime
        .block_on(runtime.spawn(future))
        .expect("the benchmark body does not panic")
}

/// Runs `body` with ferry's smol runtime on its own single-thread executor, driven by
/// `async_io::block_on` on the calling thread (smol's usual one-thread set-up).
pub(crate) fn ferry_smol<F, Fut>(body: F) -> Fut::Output
where
    F: FnOnce(SmolRuntime) -> Fut,
    Fut: Future,
{
    let executor = Arc::new(Executor::new());
    let rt = SmolRuntime::with_executor(&executor);
    async_io::block_on(executor.run(body(rt)))
}

/// Runs `body` directly on a fresh single-thread smol executor (the baselines' smol).
pub(crate) fn smol_direct<F, Fut>(body: F) -> Fut::Output
where
    F: FnOnce(Arc<Executor<'static>>) -> Fut,
    Fut: Future,
{
    let executor = Arc::new(Executor::new());
    async_io::block_on(executor.run(body(Arc::clone(&executor))))
}

/// Runs `body` on ferry's mock runtime (virtual time, deterministic schedule).
pub(crate) fn ferry_mock<F, Fut>(body: F) -> Fut::Output
where
    F: FnOnce(MockRuntime) -> Fut,
    Fut: Future,
{
    ferry_mock::run(MOCK_SEED, body)
}
