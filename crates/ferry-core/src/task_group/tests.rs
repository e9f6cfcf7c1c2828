//! TaskGroup on futures' thread pool, through a minimal `Spawn` for it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::channel::oneshot;
use futures::executor::{ThreadPool, block_on};
use futures::future::{AbortHandle, FutureExt, abortable, pending};

use super::{ChildError, TaskGroup};
use crate::rt::{BoxTask, JoinError, RawJoinHandle, RawTask, Spawn};

/// futures' thread pool as a ferry spawner: tasks are `Abortable`, and report their end
/// through a oneshot.
#[derive(Clone)]
struct PoolSpawner(ThreadPool);

struct PoolTask {
    ended: oneshot::Receiver<bool>,
    abort: AbortHandle,
    finished: Arc<AtomicBool>,
}

impl RawTask for PoolTask {
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), JoinError>> {
        match ready!(Pin::new(&mut self.ended).poll(cx)) {
            Ok(true) => Poll::Ready(Ok(())),
            _ => Poll::Ready(Err(JoinError::cancelled())),
        }
    }

    fn abort(&self) {
        self.abort.abort();
    }

    fn is_finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }
}

impl Spawn for PoolSpawner {
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle {
        let (task, abort) = abortable(task);
        let (ended_tx, ended) = oneshot::channel();
        let finished = Arc::new(AtomicBool::new(false));
        let task_finished = Arc::clone(&finished);
        self.0.spawn_ok(async move {
            // The abortable (and the future inside it) is dropped at the end of this
            // statement, before the end is reported: an aborted child is gone when its
            // handle resolves.
            let completed = task.await.is_ok();
            task_finished.store(true, Ordering::SeqCst);
            let _ = ended_tx.send(completed);
        });
        RawJoinHandle::new(PoolTask {
            ended,
            abort,
            finished,
        })
    }
}

fn spawner() -> PoolSpawner {
    PoolSpawner(
        ThreadPool::builder()
            .pool_size(2)
            .create()
            .expect("thread pool"),
    )
}

/// Set when the guard is dropped: shows that a child was cancelled.
#[derive(Clone, Default)]
struct DropFlag(Arc<AtomicBool>);

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl DropFlag {
    fn guard(&self) -> SetOnDrop {
        SetOnDrop(Arc::clone(&self.0))
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Waits (on this thread) up to five seconds for the flag.
    fn wait(&self, what: &str) {
        let start = Instant::now();
        while !self.is_set() {
            assert!(start.elapsed() < Duration::from_secs(5), "{what}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn waits_forever(flag: &DropFlag) -> impl Future<Output = Result<u32, String>> + Send + 'static {
    let guard = flag.guard();
    async move {
        let _guard = guard;
        pending::<()>().await;
        Ok(0)
    }
}

#[test]
fn join_returns_values_in_spawn_order_whatever_order_children_finish() {
    let mut group = TaskGroup::new(spawner());
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..3).map(|_| oneshot::channel::<u32>()).unzip();
    for receiver in receivers {
        group.spawn(async move { receiver.await.map_err(|_| "sender dropped".to_owned()) });
    }
    for (i, sender) in senders.into_iter().enumerate().rev() {
        sender.send(i as u32).expect("child alive");
    }
    assert_eq!(block_on(group.join()), Ok(vec![0, 1, 2]));
}

#[test]
fn first_error_stops_siblings_even_before_join_is_awaited() {
    let sibling = DropFlag::default();
    let mut group = TaskGroup::new(spawner());
    group.spawn(waits_forever(&sibling));
    let failing = group.spawn(async { Err::<u32, _>("child 1 failed".to_owned()) });
    sibling.wait("the failure should stop the sibling without anyone awaiting join");
    let error = block_on(group.join()).expect_err("a child failed");
    assert_eq!(error.index(), failing);
    assert_eq!(
        error.error(),
        &ChildError::Failed("child 1 failed".to_owned())
    );
    assert!(error.others().is_empty());
    assert_eq!(
        error.to_string(),
        "task 1 of the group failed: child 1 failed"
    );
}

#[test]
fn a_child_spawned_after_a_failure_never_runs() {
    let sibling = DropFlag::default();
    let mut group = TaskGroup::new(spawner());
    group.spawn(waits_forever(&sibling));
    group.spawn(async { Err::<u32, _>("failed".to_owned()) });
    sibling.wait("the failure should stop the sibling");
    let late_ran = Arc::new(AtomicBool::new(false));
    let ran = Arc::clone(&late_ran);
    group.spawn(async move {
        ran.store(true, Ordering::SeqCst);
        Ok(2)
    });
    let error = block_on(group.join()).expect_err("a child failed");
    assert_eq!(error.index(), 1);
    assert!(
        error.others().is_empty(),
        "a child stopped unstarted is no failure"
    );
    assert!(!late_ran.load(Ordering::SeqCst), "the group was stopping");
}

#[test]
fn a_panicking_child_becomes_a_group_error_with_its_index() {
    let sibling = DropFlag::default();
    let mut group = TaskGroup::new(spawner());
    group.spawn(waits_forever(&sibling));
    group.spawn(async {
        if true {
            panic!("child 1 panicked");
        }
        Ok(1)
    });
    let error = block_on(group.join()).expect_err("a child panicked");
    assert_eq!(error.index(), 1);
    assert_eq!(
        error.error().panicked().map(|p| p.message()),
        Some("child 1 panicked")
    );
    assert!(sibling.is_set(), "join returns after the sibling has ended");
}

#[test]
fn siblings_failing_at_the_same_moment_are_all_reported() {
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let go = go_rx.shared();
    let (started_tx, started_rx) = futures::channel::mpsc::unbounded::<()>();
    let mut group = TaskGroup::new(spawner());
    for i in 0..2 {
        let (go, started) = (go.clone(), started_tx.clone());
        group.spawn(async move {
            started.unbounded_send(()).expect("test alive");
            let _ = go.await;
            Err::<u32, _>(format!("child {i} failed"))
        });
    }
    // Both children are waiting on `go` before it fires, so each sees it ready at its next
    // poll, before (or as) it sees the other's stop signal: both fail on their own.
    block_on(started_rx.take(2).for_each(|()| async {}));
    go_tx.send(()).expect("children alive");
    let error = block_on(group.join()).expect_err("both failed");
    let mut indexes = vec![error.index()];
    indexes.extend(error.others().iter().map(|(index, _)| *index));
    indexes.sort_unstable();
    assert_eq!(indexes, [0, 1]);
    assert!(
        error.to_string().ends_with("(and 1 more failed)"),
        "{error}"
    );
}

#[test]
fn dropping_the_group_aborts_its_children() {
    let child = DropFlag::default();
    let mut group = TaskGroup::new(spawner());
    group.spawn(waits_forever(&child));
    drop(group);
    child.wait("dropping the group should abort its child");
}

#[test]
fn abort_all_makes_join_report_cancellation() {
    let child = DropFlag::default();
    let mut group = TaskGroup::new(spawner());
    group.spawn(waits_forever(&child));
    group.abort_all();
    let error = block_on(group.join()).expect_err("the child was aborted");
    assert_eq!(error.index(), 0);
    assert!(error.error().is_cancelled());
    assert!(child.is_set());
}

#[test]
fn an_empty_group_joins_at_once() {
    let group: TaskGroup<_, u8, String> = TaskGroup::new(spawner());
    assert!(group.is_empty());
    assert_eq!(group.join().now_or_never(), Some(Ok(Vec::new())));
}
