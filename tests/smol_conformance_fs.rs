//! The file system and download conformance cases on smol, each in a fresh temporary
//! directory: on the global executor, and on an executor of the test's own run by two threads.

use std::future::Future;
use std::sync::Arc;

use async_executor::Executor;
use ferry_conformance::fs::FsEnv;
use ferry_smol::{SmolFs, SmolRuntime};

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

/// Runs `body` in a fresh temporary directory through `run`, which drives the body's future
/// with a runtime of its choosing.
fn in_temp_dir<F, Fut>(run: impl FnOnce(SmolRuntime, Fut), rt: SmolRuntime, body: F)
where
    F: FnOnce(FsEnv<SmolRuntime, SmolFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let enforced = permissions_enforced(dir.path());
    let env = FsEnv::new(rt.clone(), rt.fs(), dir.path()).with_enforced_permissions(enforced);
    #[cfg(unix)]
    let env = env.with_symlinks(|target, link| std::os::unix::fs::symlink(target, link));
    run(rt, body(env));
    // A removal in the background (a cancelled atomic write's temporary file) may still be on
    // the blocking pool; it cannot make this fail, as std's recursive removal tolerates
    // entries that disappear meanwhile.
    dir.close().expect("temporary directory is removed");
}

fn on_global_executor<F, Fut>(body: F)
where
    F: FnOnce(FsEnv<SmolRuntime, SmolFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    in_temp_dir(
        |rt, future| {
            let executor = rt.executor().expect("the global executor lives forever");
            async_io::block_on(executor.run(future));
        },
        SmolRuntime::new(),
        body,
    );
}

fn on_two_thread_executor<F, Fut>(body: F)
where
    F: FnOnce(FsEnv<SmolRuntime, SmolFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    let executor = Arc::new(Executor::new());
    let (stop, stopped) = async_channel::bounded::<()>(1);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            let (executor, stopped) = (&executor, stopped.clone());
            scope.spawn(move || async_io::block_on(executor.run(stopped.recv())));
        }
        // Dropped when the body ends or panics, which stops the threads.
        let _stop = stop;
        in_temp_dir(
            |_, future| async_io::block_on(future),
            SmolRuntime::with_executor(&executor),
            body,
        );
    });
}

mod global_executor {
    use super::on_global_executor;
    ferry_conformance::fs_suite!(on_global_executor);
    ferry_conformance::download_suite!(on_global_executor);
}

mod two_thread_executor {
    use super::on_two_thread_executor;
    ferry_conformance::fs_suite!(on_two_thread_executor);
    ferry_conformance::download_suite!(on_two_thread_executor);
}
