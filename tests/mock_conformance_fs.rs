//! The file system and pipeline conformance cases on the mock backend's in-memory file system, in a
//! `/work` directory of a fresh `MemFs` per case: once with no latency (each operation gives
//! one turn to the other tasks) and once with a millisecond of virtual latency per operation,
//! under another scheduling seed.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use ferry_conformance::fs::FsEnv;
use ferry_fs::FileSystem;
use ferry_mock::{MemFs, MockRuntime};

fn run_in_work_dir<F, Fut>(seed: u64, latency: Duration, body: F)
where
    F: FnOnce(FsEnv<MockRuntime, MemFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    ferry_mock::run(seed, |rt| async move {
        let fs = MemFs::new(&rt).with_latency(latency);
        let root = Path::new("/work");
        fs.create_dir(root)
            .await
            .expect("create the case's directory");
        // Permissions are always enforced in memory: there is no superuser.
        body(FsEnv::new(rt, fs.clone(), root).with_enforced_permissions(true)).await;
        fs.remove_dir_all(root)
            .await
            .expect("the case's directory is removed");
    });
}

fn without_latency<F, Fut>(body: F)
where
    F: FnOnce(FsEnv<MockRuntime, MemFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    run_in_work_dir(ferry_mock::DEFAULT_SEED, Duration::ZERO, body);
}

fn with_latency<F, Fut>(body: F)
where
    F: FnOnce(FsEnv<MockRuntime, MemFs>) -> Fut,
    Fut: Future<Output = ()>,
{
    run_in_work_dir(0x0DD_5EED, Duration::from_millis(1), body);
}

mod no_latency {
    use super::without_latency;
    ferry_conformance::fs_suite!(without_latency);
    ferry_conformance::pipeline_suite!(without_latency);
}

mod one_ms_latency {
    use super::with_latency;
    ferry_conformance::fs_suite!(with_latency);
    ferry_conformance::pipeline_suite!(with_latency);
}
