//! to_thread through a hand-run blocking pool, to see exactly what dropping does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::FutureExt;

use super::{CancelFlag, to_thread, to_thread_cancellable};
use crate::rt::{BlockingTask, JoinError, RawJoinHandle, RawTask, SpawnBlocking};

/// A blocking "pool" that queues closures until the test runs them, honouring aborts the way
/// a real pool does for closures that have not started.
#[derive(Clone, Default)]
struct ManualPool {
    queued: Arc<Mutex<Vec<(BlockingTask, ManualTask)>>>,
}

#[derive(Clone, Default)]
struct ManualTask {
    aborted: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
}

impl RawTask for ManualTask {
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), JoinError>> {
        if self.aborted.load(Ordering::SeqCst) && !self.finished.load(Ordering::SeqCst) {
            return Poll::Ready(Err(JoinError::cancelled()));
        }
        if self.finished.load(Ordering::SeqCst) {
            return Poll::Ready(Ok(()));
        }
        // Nothing wakes the waiting task: these tests poll by hand (`now_or_never`) after
        // running the queue.
        let _ = cx;
        Poll::Pending
    }

    fn abort(&self) {
        self.aborted.store(true, Ordering::SeqCst);
    }

    fn is_finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }
}

impl SpawnBlocking for ManualPool {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        let state = ManualTask::default();
        self.queued
            .lock()
            .expect("not poisoned")
            .push((task, state.clone()));
        RawJoinHandle::new(state)
    }
}

impl ManualPool {
    /// Runs every queued closure that was not aborted; returns how many ran.
    fn run_queued(&self) -> usize {
        let queued = std::mem::take(&mut *self.queued.lock().expect("not poisoned"));
        let mut ran = 0;
        for (task, state) in queued {
            if state.aborted.load(Ordering::SeqCst) {
                continue;
            }
            task();
            state.finished.store(true, Ordering::SeqCst);
            ran += 1;
        }
        ran
    }
}

#[test]
fn to_thread_resolves_to_the_closures_value() {
    let pool = ManualPool::default();
    let mut work = to_thread(&pool, || 6 * 7);
    assert!((&mut work).now_or_never().is_none(), "nothing has run yet");
    assert_eq!(pool.run_queued(), 1);
    assert_eq!(work.now_or_never().map(Result::ok), Some(Some(42)));
}

#[test]
fn dropping_to_thread_before_it_starts_keeps_the_closure_from_running() {
    let pool = ManualPool::default();
    let ran = Arc::new(AtomicBool::new(false));
    let closure_ran = Arc::clone(&ran);
    let work = to_thread(&pool, move || closure_ran.store(true, Ordering::SeqCst));
    drop(work);
    assert_eq!(pool.run_queued(), 0);
    assert!(!ran.load(Ordering::SeqCst));
}

#[test]
fn dropping_cancellable_to_thread_sets_the_flag_the_closure_sees() {
    let pool = ManualPool::default();
    let seen = Arc::new(Mutex::new(None::<CancelFlag>));
    let keep = Arc::clone(&seen);
    let work = to_thread_cancellable(&pool, move |cancel: &CancelFlag| {
        *keep.lock().expect("not poisoned") = Some(cancel.clone());
    });
    // Run the closure first, as if it had started on a thread, then drop the future.
    let queued = std::mem::take(&mut *pool.queued.lock().expect("not poisoned"));
    for (task, _) in queued {
        task();
    }
    let flag = seen
        .lock()
        .expect("not poisoned")
        .take()
        .expect("the closure ran");
    assert!(!flag.is_cancelled());
    drop(work);
    assert!(
        flag.is_cancelled(),
        "dropping the future sets the closure's flag"
    );
}

#[test]
fn a_completed_to_thread_does_not_cancel_on_drop() {
    let pool = ManualPool::default();
    let seen = Arc::new(Mutex::new(None::<CancelFlag>));
    let keep = Arc::clone(&seen);
    let mut work = to_thread_cancellable(&pool, move |cancel: &CancelFlag| {
        *keep.lock().expect("not poisoned") = Some(cancel.clone());
        7
    });
    pool.run_queued();
    assert_eq!((&mut work).now_or_never().map(Result::ok), Some(Some(7)));
    drop(work);
    let flag = seen
        .lock()
        .expect("not poisoned")
        .take()
        .expect("the closure ran");
    assert!(!flag.is_cancelled(), "nothing was cancelled");
}
