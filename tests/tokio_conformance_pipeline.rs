//! The pipeline conformance cases on tokio's multi-thread and current-thread schedulers, with
//! `TokioFs` in a fresh temporary directory each.

use std::future::Future;

use ferry_conformance::fs::FsEnv;
use ferry_tokio::{TokioFs, TokioRuntime};

fn run_in_temp_dir<F, Fut>(tokio: tokio::runtime::Runtime, body: F)
where
    F: FnOnce(FsEnv<TokioRuntime, TokioFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    tokio.block_on(async {
        let rt = TokioRuntime::current();
        body(FsEnv::new(rt.clone(), rt.fs(), dir.path())).await;
    });
    // Shutting the runtime down first lets background cleanup finish before the directory goes.
    drop(tokio);
    dir.close().expect("temporary directory is removed");
}

fn on_multi_thread<F, Fut>(body: F)
where
    F: FnOnce(FsEnv<TokioRuntime, TokioFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    run_in_temp_dir(tokio, body);
}

fn on_current_thread<F, Fut>(body: F)
where
    F: FnOnce(FsEnv<TokioRuntime, TokioFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    run_in_temp_dir(tokio, body);
}

mod multi_thread {
    use super::on_multi_thread;
    ferry_conformance::pipeline_suite!(on_multi_thread);
}

mod current_thread {
    use super::on_current_thread;
    ferry_conformance::pipeline_suite!(on_current_thread);
}
