//! `StdFs` on a hand-run blocking pool, to see exactly when its jobs run: a dropped operation's
//! job never starts, a job that never ran is an error naming the path, and a background
//! removal runs though nobody awaits it.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use ferry_core::rt::{BlockingTask, JoinError, RawJoinHandle, RawTask, SpawnBlocking};
use ferry_fs::{FileSystem, FsOp, StdFileStreams, StdFs};
use futures::FutureExt;
use futures::io::AllowStdIo;

/// A blocking "pool" that queues jobs until the test runs them (or drops them unrun, as a
/// runtime shutting down does), honouring aborts the way a real pool does for jobs that have
/// not started.
#[derive(Clone, Default)]
struct ManualPool {
    queued: Arc<Mutex<Vec<(BlockingTask, JobState)>>>,
}

#[derive(Clone, Default)]
struct JobState {
    aborted: Arc<AtomicBool>,
    /// Set once the job ran (`Some(true)`) or was dropped unrun (`Some(false)`).
    ended: Arc<Mutex<Option<bool>>>,
}

impl RawTask for JobState {
    fn poll_finished(&mut self, _: &mut Context<'_>) -> Poll<Result<(), JoinError>> {
        // Nothing wakes a waiting future: the tests poll by hand after running the queue.
        match *self.ended.lock().expect("not poisoned") {
            Some(true) => Poll::Ready(Ok(())),
            Some(false) => Poll::Ready(Err(JoinError::cancelled())),
            None if self.aborted.load(Ordering::SeqCst) => Poll::Ready(Err(JoinError::cancelled())),
            None => Poll::Pending,
        }
    }

    fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
    }

    fn is_finished(&self) -> bool {
        self.ended.lock().expect("not poisoned").is_some()
    }
}

impl SpawnBlocking for ManualPool {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        let state = JobState::default();
        self.queued
            .lock()
            .expect("not poisoned")
            .push((task, state.clone()));
        RawJoinHandle::new(state)
    }
}

impl StdFileStreams for ManualPool {
    type Reader = AllowStdIo<File>;
    type Writer = AllowStdIo<File>;

    fn reader(&self, file: File) -> Self::Reader {
        AllowStdIo::new(file)
    }

    fn writer(&self, file: File) -> Self::Writer {
        AllowStdIo::new(file)
    }
}

impl ManualPool {
    /// Runs every queued job that was not aborted; returns how many ran.
    fn run_queued(&self) -> usize {
        let queued = std::mem::take(&mut *self.queued.lock().expect("not poisoned"));
        let mut ran = 0;
        for (task, state) in queued {
            if state.aborted.load(Ordering::SeqCst) {
                continue;
            }
            task();
            *state.ended.lock().expect("not poisoned") = Some(true);
            ran += 1;
        }
        ran
    }

    /// Drops every queued job without running it, as a pool shutting down does.
    fn drop_queued(&self) {
        for (_, state) in std::mem::take(&mut *self.queued.lock().expect("not poisoned")) {
            *state.ended.lock().expect("not poisoned") = Some(false);
        }
    }
}

/// A path in a fresh directory of the system's temporary directory, removed when dropped.
struct TempPath {
    dir: PathBuf,
}

impl TempPath {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ferry-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        Self { dir }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn dropping_an_operation_before_its_job_starts_keeps_the_job_from_running() {
    let temp = TempPath::new("dropped-before-start");
    let path = temp.file("never.txt");
    let pool = ManualPool::default();
    let fs = StdFs::new(pool.clone());

    let mut write = fs.write(&path, b"data");
    assert!((&mut write).now_or_never().is_none(), "the job is queued");
    drop(write);

    assert_eq!(
        pool.run_queued(),
        0,
        "the dropped operation's job was aborted"
    );
    assert!(!path.exists(), "the file was never written");
}

#[test]
fn an_awaited_operation_gives_its_jobs_result() {
    let temp = TempPath::new("awaited");
    let path = temp.file("kept.txt");
    let pool = ManualPool::default();
    let fs = StdFs::new(pool.clone());

    let mut write = fs.write(&path, b"data");
    assert!((&mut write).now_or_never().is_none(), "the job is queued");
    assert_eq!(pool.run_queued(), 1);
    write
        .now_or_never()
        .expect("the job has run")
        .expect("the write succeeds");
    assert_eq!(std::fs::read(&path).expect("written"), b"data");
}

#[test]
fn a_job_that_never_ran_is_an_io_error_naming_the_operation_and_path() {
    let temp = TempPath::new("never-ran");
    let path = temp.file("missing-job.txt");
    let pool = ManualPool::default();
    let fs = StdFs::new(pool.clone());

    let mut read = fs.read(&path);
    assert!((&mut read).now_or_never().is_none(), "the job is queued");
    pool.drop_queued();
    let error = read
        .now_or_never()
        .expect("the job has ended")
        .expect_err("a job that never ran has no content");
    assert!(error.is_io(), "got {error}");
    assert_eq!(error.op(), FsOp::Read);
    assert_eq!(error.path(), path);
}

#[test]
fn remove_file_in_background_runs_without_being_awaited() {
    let temp = TempPath::new("background-removal");
    let path = temp.file("leftover.tmp");
    std::fs::write(&path, b"temporary").expect("file to remove");
    let pool = ManualPool::default();
    let fs = StdFs::new(pool.clone());

    fs.remove_file_in_background(path.clone());
    assert!(path.exists(), "nothing runs until the pool does");
    assert_eq!(
        pool.run_queued(),
        1,
        "the removal was detached, not aborted"
    );
    assert!(!path.exists(), "the file was removed");
}
