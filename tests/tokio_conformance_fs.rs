//! The file system, pipeline and download conformance cases on tokio's multi-thread and
//! current-thread schedulers, each in a fresh temporary directory.

use std::future::Future;

use ferry_conformance::fs::FsEnv;
use ferry_tokio::{TokioFs, TokioRuntime};

/// Whether read-only permissions stop writes for the user running the tests: not for root on
/// Unix. A new file belongs to the effective user, so its owner tells who that is.
fn permissions_enforced(dir: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let probe = dir.join(".owner-probe");
        std::fs::write(&probe, b"").expect("probe file");
        let owner = std::fs::metadata(&probe).expect("probe metadata").uid();
        std::fs::remove_file(&probe).expect("remove probe");
        owner != 0
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        true
    }
}

fn run_in_temp_dir<F, Fut>(tokio: tokio::runtime::Runtime, body: F)
where
    F: FnOnce(FsEnv<TokioRuntime, TokioFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let enforced = permissions_enforced(dir.path());
    tokio.block_on(async {
        let rt = TokioRuntime::current();
        let env = FsEnv::new(rt.clone(), rt.fs(), dir.path()).with_enforced_permissions(enforced);
        #[cfg(unix)]
        let env = env.with_symlinks(|target, link| std::os::unix::fs::symlink(target, link));
        body(env).await;
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
    ferry_conformance::fs_suite!(on_multi_thread);
    ferry_conformance::pipeline_suite!(on_multi_thread);
    ferry_conformance::download_suite!(on_multi_thread);
}

mod current_thread {
    use super::on_current_thread;
    ferry_conformance::fs_suite!(on_current_thread);
    ferry_conformance::pipeline_suite!(on_current_thread);
    ferry_conformance::download_suite!(on_current_thread);
}
