//! Cases for the toolkit (gather, task groups, semaphore, queue, pools, timeouts) on a runtime.
//!
//! Run them with [`toolkit_suite!`](crate::toolkit_suite).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use futures::channel::oneshot;
use futures::future::{BoxFuture, FutureExt};

use ferry_core::gather::{ItemError, gather, gather_settled, try_gather};
use ferry_core::task_group::ChildError;
use ferry_core::{
    CancelFlag, Deadline, Elapsed, Semaphore, SpawnExt, TaskGroup, WorkerPool,
    map_concurrent_unordered, queue, timeout, to_thread, to_thread_cancellable,
};

use crate::runtime::TestRuntime;

/// Runs every case of this module as a `#[test]`; see the [crate docs](crate).
#[macro_export]
macro_rules! toolkit_suite {
    ($with_runtime:path) => {
        $crate::__suite!(
            $with_runtime,
            toolkit,
            [
                task_group_join_returns_values_in_spawn_order,
                task_group_first_failure_aborts_siblings,
                task_group_failure_stops_siblings_before_join,
                task_group_child_panic_becomes_group_error,
                task_group_abort_all_makes_join_report_cancellation,
                dropping_task_group_aborts_children,
                dropping_task_group_join_aborts_children,
                empty_task_group_joins_to_empty_vec,
                to_thread_returns_output,
                to_thread_turns_panic_into_error,
                gather_with_timers_keeps_input_order_under_a_limit,
                try_gather_with_timers_cancels_the_slow_rest,
                deadline_around_gather_cancels_the_whole_gather,
                timeout_marks_the_slow_future_in_gather_settled,
                map_concurrent_with_timers_respects_its_limit,
                semaphore_limits_spawned_tasks_and_returns_every_permit,
                queue_moves_items_between_tasks_exactly_once,
                worker_pool_over_a_queue_lets_join_complete,
            ]
        );
    };
}

/// Runs the cases that need blocking work on real OS threads, running while the async side
/// goes on, as a thread pool backend (tokio, smol) provides. A deterministic backend that runs
/// blocking closures inline at a scheduling point (the mock) does not run these.
#[macro_export]
macro_rules! threaded_blocking_suite {
    ($with_runtime:path) => {
        $crate::__suite!(
            $with_runtime,
            toolkit,
            [to_thread_cancellable_sets_flag_when_dropped]
        );
    };
}

/// How long a case waits for something that should happen promptly before failing.
const PATIENCE: Duration = Duration::from_secs(5);
/// A sleep that stands for "never finishes on its own" in these cases.
const FOREVER: Duration = Duration::from_secs(3600);

/// Set when the value holding the guard is dropped: shows that a future was cancelled.
#[derive(Clone, Default)]
struct DropFlag(Arc<AtomicBool>);

struct SetOnDrop(Arc<AtomicBool>);

impl DropFlag {
    fn guard(&self) -> SetOnDrop {
        SetOnDrop(Arc::clone(&self.0))
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs `future`, failing the case if it takes longer than [`PATIENCE`].
async fn within<R: TestRuntime, F: Future>(rt: &R, what: &str, future: F) -> F::Output {
    match timeout(rt, PATIENCE, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what} did not finish within {PATIENCE:?}"),
    }
}

/// Waits until `flag` is set, failing the case after [`PATIENCE`].
async fn until_set<R: TestRuntime>(rt: &R, what: &str, flag: &DropFlag) {
    let deadline = Deadline::after(rt, PATIENCE);
    while !flag.is_set() {
        assert!(deadline.check().is_ok(), "{what} within {PATIENCE:?}");
        rt.sleep(Duration::from_millis(1)).await;
    }
}

/// A child that waits (nearly) forever holding a drop guard, so that its abort is visible.
fn sleeps_forever<R: TestRuntime>(
    rt: &R,
    flag: &DropFlag,
) -> impl Future<Output = Result<u32, String>> + Send + 'static {
    let rt = rt.clone();
    let guard = flag.guard();
    async move {
        let _guard = guard;
        rt.sleep(FOREVER).await;
        Ok(u32::MAX)
    }
}

/// Values come back in spawn order even though later children finish first.
pub async fn task_group_join_returns_values_in_spawn_order<R: TestRuntime>(rt: R) {
    let mut group = TaskGroup::new(rt.clone());
    for i in 0..4_u32 {
        let rt = rt.clone();
        let index = group.spawn(async move {
            rt.sleep(Duration::from_millis(u64::from(4 - i) * 5)).await;
            Ok::<_, String>(i * 10)
        });
        assert_eq!(index, i as usize);
    }
    assert_eq!(group.len(), 4);
    let values = within(&rt, "the group", group.join()).await;
    assert_eq!(values, Ok(vec![0, 10, 20, 30]));
}

/// The first child to fail aborts its sleeping sibling, and join returns only after the
/// sibling is gone, with the failed child's index.
pub async fn task_group_first_failure_aborts_siblings<R: TestRuntime>(rt: R) {
    let sibling = DropFlag::default();
    let mut group = TaskGroup::new(rt.clone());
    group.spawn(sleeps_forever(&rt, &sibling));
    let failing_rt = rt.clone();
    group.spawn(async move {
        failing_rt.sleep(Duration::from_millis(5)).await;
        Err("child 1 failed".to_owned())
    });
    group.spawn(async { Ok(2) });
    let error = within(&rt, "the failing group", group.join())
        .await
        .expect_err("a child failed");
    assert_eq!(error.index(), 1);
    assert_eq!(
        error.error(),
        &ChildError::Failed("child 1 failed".to_owned())
    );
    assert!(
        error.others().is_empty(),
        "the aborted sibling is not a failure"
    );
    assert!(
        sibling.is_set(),
        "the sleeping sibling should be dropped before join returns"
    );
}

/// A failure stops the siblings at once, even while nobody awaits `join` yet.
pub async fn task_group_failure_stops_siblings_before_join<R: TestRuntime>(rt: R) {
    let sibling = DropFlag::default();
    let mut group = TaskGroup::new(rt.clone());
    group.spawn(sleeps_forever(&rt, &sibling));
    group.spawn(async { Err("child 1 failed".to_owned()) });
    until_set(
        &rt,
        "the failure should stop the sibling before join",
        &sibling,
    )
    .await;
    let error = within(&rt, "the failed group", group.join())
        .await
        .expect_err("a child failed");
    assert_eq!(error.index(), 1);
}

/// A child's panic is a group error carrying the message, and aborts the siblings.
pub async fn task_group_child_panic_becomes_group_error<R: TestRuntime>(rt: R) {
    let sibling = DropFlag::default();
    let mut group = TaskGroup::new(rt.clone());
    let panicking_rt = rt.clone();
    group.spawn(async move {
        panicking_rt.sleep(Duration::from_millis(2)).await;
        if true {
            panic!("child 0 panicked");
        }
        Ok::<u32, String>(0)
    });
    group.spawn(sleeps_forever(&rt, &sibling));
    let error = within(&rt, "the panicking group", group.join())
        .await
        .expect_err("a child panicked");
    assert_eq!(error.index(), 0);
    let panicked = error.error().panicked().expect("the error is the panic");
    assert_eq!(panicked.message(), "child 0 panicked");
    assert!(sibling.is_set(), "the sibling should be aborted");
}

/// Children aborted by hand make join fail with a cancellation, never hang or succeed.
pub async fn task_group_abort_all_makes_join_report_cancellation<R: TestRuntime>(rt: R) {
    let first = DropFlag::default();
    let second = DropFlag::default();
    let mut group = TaskGroup::new(rt.clone());
    group.spawn(sleeps_forever(&rt, &first));
    group.spawn(sleeps_forever(&rt, &second));
    group.abort_all();
    let error = within(&rt, "the aborted group", group.join())
        .await
        .expect_err("children were aborted");
    assert!(error.error().is_cancelled(), "got {error:?}");
    assert!(first.is_set() && second.is_set());
}

/// Dropping a group aborts its running children.
pub async fn dropping_task_group_aborts_children<R: TestRuntime>(rt: R) {
    let child = DropFlag::default();
    let (started_tx, started_rx) = oneshot::channel();
    let mut group = TaskGroup::new(rt.clone());
    let sleeping = sleeps_forever(&rt, &child);
    group.spawn(async move {
        let _ = started_tx.send(());
        sleeping.await
    });
    within(&rt, "the child's start", started_rx)
        .await
        .expect("the child starts");
    drop(group);
    until_set(&rt, "dropping the group should abort its child", &child).await;
}

/// Dropping the join future before it completes aborts the children too.
pub async fn dropping_task_group_join_aborts_children<R: TestRuntime>(rt: R) {
    let child = DropFlag::default();
    let mut group = TaskGroup::new(rt.clone());
    group.spawn(sleeps_forever(&rt, &child));
    group.spawn(async { Ok(1) });
    let gave_up = timeout(&rt, Duration::from_millis(10), group.join()).await;
    assert!(gave_up.is_err(), "the group cannot finish in 10 ms");
    until_set(&rt, "dropping the join should abort the child", &child).await;
}

/// A group with no children joins at once to nothing.
pub async fn empty_task_group_joins_to_empty_vec<R: TestRuntime>(rt: R) {
    let group: TaskGroup<R, u32, String> = TaskGroup::new(rt.clone());
    assert!(group.is_empty());
    let joined = futures::poll!(group.join());
    assert_eq!(joined, std::task::Poll::Ready(Ok(Vec::new())));
}

/// A blocking closure's value comes back.
pub async fn to_thread_returns_output<R: TestRuntime>(rt: R) {
    let data: Vec<u64> = (1..=100).collect();
    let sum = within(
        &rt,
        "to_thread",
        to_thread(&rt, move || data.iter().sum::<u64>()),
    )
    .await;
    assert_eq!(sum.expect("the closure returns"), 5050);
}

/// A blocking closure's panic is an error, with its message.
pub async fn to_thread_turns_panic_into_error<R: TestRuntime>(rt: R) {
    let result = within(
        &rt,
        "to_thread",
        to_thread(&rt, || -> u32 { panic!("blocking closure panicked") }),
    )
    .await;
    match result {
        Err(ferry_core::JoinError::Panicked(panicked)) => {
            assert_eq!(panicked.message(), "blocking closure panicked");
        }
        other => panic!("expected a panic error, got {other:?}"),
    }
}

/// Dropping a cancellable to_thread sets the flag the running closure checks, so it stops.
///
/// Part of [`threaded_blocking_suite!`](crate::threaded_blocking_suite): the closure must run
/// on another thread while the case drops its future.
pub async fn to_thread_cancellable_sets_flag_when_dropped<R: TestRuntime>(rt: R) {
    let (started_tx, started_rx) = oneshot::channel();
    let (stopped_tx, stopped_rx) = oneshot::channel();
    let work = to_thread_cancellable(&rt, move |cancel: &CancelFlag| {
        let _ = started_tx.send(());
        let mut spins = 0_u64;
        // Bounded so that a broken flag fails the case instead of hanging the pool forever.
        while !cancel.is_cancelled() && spins < 10_000 {
            std::thread::sleep(Duration::from_millis(1));
            spins += 1;
        }
        let _ = stopped_tx.send(cancel.is_cancelled());
        spins
    });
    within(&rt, "the closure's start", started_rx)
        .await
        .expect("the closure starts");
    drop(work);
    let saw_flag = within(&rt, "the closure's stop", stopped_rx)
        .await
        .expect("the closure reports");
    assert!(saw_flag, "the closure should stop because the flag was set");
}

/// gather over timers returns outputs in input order, and a limit of 2 over four 20 ms sleeps
/// takes at least two rounds.
pub async fn gather_with_timers_keeps_input_order_under_a_limit<R: TestRuntime>(rt: R) {
    let start = rt.now();
    let sleeps = [20_u64, 5, 20, 5].into_iter().enumerate().map(|(i, ms)| {
        let rt = rt.clone();
        async move {
            rt.sleep(Duration::from_millis(ms)).await;
            i
        }
    });
    let outputs = within(&rt, "gather", gather(sleeps).limit(2).expect("valid limit")).await;
    assert_eq!(outputs, [0, 1, 2, 3]);
    let took = rt.now() - start;
    assert!(
        took >= Duration::from_millis(25),
        "two at a time, the 20 ms sleeps cannot overlap fully: took {took:?}"
    );
}

/// try_gather on a runtime returns the error of a timer-driven failure and drops the rest.
pub async fn try_gather_with_timers_cancels_the_slow_rest<R: TestRuntime>(rt: R) {
    let slow = DropFlag::default();
    let failing_rt = rt.clone();
    let failing: BoxFuture<'static, Result<u32, String>> = async move {
        failing_rt.sleep(Duration::from_millis(5)).await;
        Err("fast failure".to_owned())
    }
    .boxed();
    let sleeping = sleeps_forever(&rt, &slow).boxed();
    let mut all = try_gather([sleeping, failing]);
    let result = within(&rt, "try_gather", &mut all).await;
    assert_eq!(result, Err("fast failure".to_owned()));
    assert!(
        slow.is_set(),
        "the slow future should be dropped on the failure"
    );
}

/// A deadline around a whole gather gives up on all of it and drops every future.
pub async fn deadline_around_gather_cancels_the_whole_gather<R: TestRuntime>(rt: R) {
    let slow = DropFlag::default();
    let quick_rt = rt.clone();
    let quick: BoxFuture<'static, Result<u32, String>> = async move {
        quick_rt.sleep(Duration::from_millis(1)).await;
        Ok(1)
    }
    .boxed();
    let sleeping = sleeps_forever(&rt, &slow).boxed();
    let deadline = Deadline::after(rt.clone(), Duration::from_millis(20));
    let start = rt.now();
    let result = deadline.run(gather([quick, sleeping])).await;
    let elapsed = result.expect_err("one future never finishes");
    assert_eq!(elapsed.allowed(), Duration::from_millis(20));
    assert!(rt.now() - start >= Duration::from_millis(20));
    assert!(
        slow.is_set(),
        "the gathered futures should be dropped with the deadline"
    );
}

/// A timeout per future turns the slow one into a failure in its own slot; the others keep
/// their values.
pub async fn timeout_marks_the_slow_future_in_gather_settled<R: TestRuntime>(rt: R) {
    let durations = [Duration::from_millis(1), FOREVER, Duration::from_millis(2)];
    let work = durations.map(|d| timeout(&rt, Duration::from_millis(30), rt.sleep(d)));
    let report = within(&rt, "gather_settled", gather_settled(work)).await;
    let results = report.results();
    assert_eq!(results[0], Ok(()));
    assert_eq!(
        results[1],
        Err(ItemError::Failed(Elapsed::new(Duration::from_millis(30))))
    );
    assert_eq!(results[2], Ok(()));
}

/// A bounded map over timer-driven futures never has more than its limit in flight, and uses
/// all of it.
pub async fn map_concurrent_with_timers_respects_its_limit<R: TestRuntime>(rt: R) {
    let now = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let results = map_concurrent_unordered(0..12_u64, 3, |i| {
        let (rt, now, peak) = (rt.clone(), Arc::clone(&now), Arc::clone(&peak));
        async move {
            let in_flight = now.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(in_flight, Ordering::SeqCst);
            rt.sleep(Duration::from_millis(1 + i % 3)).await;
            now.fetch_sub(1, Ordering::SeqCst);
            i
        }
    })
    .expect("valid limit");
    let mut outputs: Vec<u64> = within(&rt, "the map", results.collect()).await;
    outputs.sort_unstable();
    assert_eq!(outputs, (0..12).collect::<Vec<_>>());
    assert_eq!(peak.load(Ordering::SeqCst), 3);
}

/// Twenty spawned tasks share a semaphore of three: never more than three hold a permit, all
/// twenty run, and every permit is back at the end.
pub async fn semaphore_limits_spawned_tasks_and_returns_every_permit<R: TestRuntime>(rt: R) {
    let semaphore = Arc::new(Semaphore::new(3));
    let held = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (semaphore, held, peak, sleeper) = (
            Arc::clone(&semaphore),
            Arc::clone(&held),
            Arc::clone(&peak),
            rt.clone(),
        );
        tasks.push(rt.spawn(async move {
            let _permit = semaphore.acquire_owned().await.expect("never closed");
            let now = held.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            sleeper.sleep(Duration::from_millis(5)).await;
            held.fetch_sub(1, Ordering::SeqCst);
        }));
    }
    for task in tasks {
        within(&rt, "a semaphore task", task)
            .await
            .expect("the task does not panic");
    }
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        (1..=3).contains(&peak),
        "{peak} tasks held a permit at once"
    );
    assert_eq!(semaphore.available_permits(), 3, "every permit came back");
}

/// Two spawned producers and two spawned consumers move 1,000 items through a queue of
/// capacity 4: each item arrives exactly once, and the consumers see the end once the
/// producers are done.
pub async fn queue_moves_items_between_tasks_exactly_once<R: TestRuntime>(rt: R) {
    let (tx, rx) = queue::bounded::<usize>(4).expect("4 is a valid capacity");
    let mut producers = Vec::new();
    for producer in 0..2 {
        let tx = tx.clone();
        producers.push(rt.spawn(async move {
            for item in (producer * 500)..(producer * 500 + 500) {
                tx.send(item).await.expect("receivers are alive");
            }
        }));
    }
    drop(tx);
    let mut consumers = Vec::new();
    for _ in 0..2 {
        let rx = rx.clone();
        consumers.push(rt.spawn(async move {
            let mut got = Vec::new();
            while let Ok(item) = rx.recv().await {
                got.push(item);
            }
            got
        }));
    }
    let mut seen = vec![0_u8; 1000];
    for consumer in consumers {
        let got = within(&rt, "a consumer", consumer)
            .await
            .expect("the consumer does not panic");
        for item in got {
            seen[item] += 1;
        }
    }
    for producer in producers {
        within(&rt, "a producer", producer)
            .await
            .expect("the producer does not panic");
    }
    let wrong: Vec<usize> = (0..1000).filter(|&item| seen[item] != 1).collect();
    assert!(wrong.is_empty(), "items not seen exactly once: {wrong:?}");
}

/// A worker pool drains a queue fed by a spawned producer, reports every item, and lets the
/// queue's `join` complete.
pub async fn worker_pool_over_a_queue_lets_join_complete<R: TestRuntime>(rt: R) {
    let (tx, rx) = queue::bounded::<u32>(3).expect("3 is a valid capacity");
    let producer = rt.spawn(async move {
        for item in 0..30 {
            tx.send(item).await.expect("receivers are alive");
        }
    });
    let pool = WorkerPool::new(4).expect("4 is a valid limit");
    let sleeper = rt.clone();
    let report = within(
        &rt,
        "the pool",
        pool.run_queue(&rx, |item| {
            let sleeper = sleeper.clone();
            async move {
                sleeper.sleep(Duration::from_millis(1)).await;
                if item % 10 == 9 {
                    Err(format!("item {item} failed"))
                } else {
                    Ok(item)
                }
            }
        }),
    )
    .await;
    within(&rt, "the queue's join", rx.join())
        .await
        .expect("the pool marked every item done");
    within(&rt, "the producer", producer)
        .await
        .expect("the producer does not panic");
    assert_eq!(report.total(), 30);
    assert_eq!(report.failed_count(), 3);
}
