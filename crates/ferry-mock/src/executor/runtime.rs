//! [`MockRuntime`]: the runtime traits on the deterministic executor and its virtual clock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use ferry_core::rt::{
    BlockingTask, BoxTask, Clock, RawJoinHandle, Sleep, Spawn, SpawnBlocking, Timer,
};

use super::core::Shared;
use super::task::{MockJoin, Outcome, TaskCell, Work};
use super::timer::MockSleep;
use crate::rng::MockRng;
use crate::trace::{TaskId, TaskInfo, TraceEvent, TraceKind};

/// ferry's runtime traits ([`Spawn`], [`SpawnBlocking`], [`Clock`], [`Timer`]) on the mock's
/// single-threaded, seeded executor and its virtual clock.
///
/// A `MockRuntime` is a cheap handle (clone it into tasks freely); the executor itself is
/// driven by [`run`](crate::run) or a [`MockRunner`](crate::MockRunner), which hand one out.
///
/// - **Scheduling**: tasks run on the thread that drives the runner, one at a time. Which
///   ready task runs next is drawn from a generator seeded with the run's seed, so one seed
///   always gives the same interleaving and other seeds explore others.
/// - **Time**: [`now`](Clock::now) starts at [`zero`](Self::zero) and moves only when every
///   task waits and the earliest thing waited on is a timer; it then jumps straight to that
///   timer's deadline. Sleeps, timeouts and deadlines take no wall time and are exact.
/// - **Blocking work**: [`spawn_blocking`](ferry_core::SpawnBlockingExt::spawn_blocking)
///   closures run on the executor thread too, at a turn drawn like any task's; virtual time
///   stands still while they run. A closure that blocks waiting for a task would block the
///   whole executor, so closures must only compute or do real I/O.
/// - **Abort**: the task's future is dropped at its next turn, and its handle reports
///   cancellation. When the runner is dropped, every remaining task is dropped.
/// - **Trace**: spawns, ends, aborts, timer fires and clock moves are recorded with their
///   virtual time; other components add their own events with [`record`](Self::record).
///
/// Wakers may be sent to and used from other threads safely, but wakes from outside break
/// the determinism, and the runner reports a deadlock as soon as nothing is ready and no
/// timer is pending unless told to wait for them
/// ([`Builder::external_wake_grace`](crate::Builder::external_wake_grace)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::{Clock, SpawnExt, Timer};
///
/// let (order, elapsed) = ferry_mock::run(7, |rt| async move {
///     let slow = rt.spawn({
///         let rt = rt.clone();
///         async move {
///             rt.sleep(Duration::from_secs(60)).await;
///             "slow"
///         }
///     });
///     let fast = rt.named("fast").spawn({
///         let rt = rt.clone();
///         async move {
///             rt.sleep(Duration::from_secs(1)).await;
///             "fast"
///         }
///     });
///     let order = vec![fast.await.unwrap(), slow.await.unwrap()];
///     (order, rt.now() - rt.zero())
/// });
/// assert_eq!(order, ["fast", "slow"]);
/// // A minute of virtual time, exactly, in no wall time at all.
/// assert_eq!(elapsed, Duration::from_secs(60));
/// ```
#[derive(Clone)]
pub struct MockRuntime {
    shared: Arc<Shared>,
}

impl MockRuntime {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// The seed this run's scheduling (and every forked generator) derives from.
    pub fn seed(&self) -> u64 {
        self.shared.seed
    }

    /// The instant the virtual clock started at: `now()` minus [`elapsed`](Self::elapsed).
    ///
    /// It is a real instant taken when the runner was built, so instants differ between runs;
    /// compare durations since zero instead.
    pub fn zero(&self) -> Instant {
        self.shared.base
    }

    /// Virtual time since [`zero`](Self::zero).
    pub fn elapsed(&self) -> Duration {
        self.shared.lock().now
    }

    /// A spawner that gives the next task a name, shown in the trace and deadlock reports.
    ///
    /// ```
    /// use ferry_core::SpawnExt;
    ///
    /// ferry_mock::run(1, |rt| async move {
    ///     let task = rt.named("fetcher").spawn(async { 3 });
    ///     assert_eq!(task.await.unwrap(), 3);
    ///     assert!(rt.trace()[0].to_string().contains("\"fetcher\""));
    /// });
    /// ```
    pub fn named(&self, name: impl Into<String>) -> Named<'_> {
        Named {
            runtime: self,
            name: name.into(),
        }
    }

    /// Gives other ready tasks a turn: the returned future is pending once, then ready.
    ///
    /// # Cancel safety
    ///
    /// Dropping it has no effect beyond the task having been queued once more.
    pub fn yield_now(&self) -> YieldNow {
        YieldNow { yielded: false }
    }

    /// Whether events are being recorded ([`Builder::trace`](crate::Builder::trace)).
    pub fn is_tracing(&self) -> bool {
        self.shared.lock().trace.is_some()
    }

    /// Records an event of another mock component (or of a test) in the trace, stamped with
    /// the current virtual time and the running task.
    ///
    /// `detail` is only formatted when tracing is on. Use a short fixed `component` such as
    /// `"http"` or `"fs"`; keep `detail` free of anything that varies between runs (real
    /// instants, addresses, hash map order) so that traces stay comparable.
    pub fn record(&self, component: &str, detail: impl fmt::Display) {
        let mut core = self.shared.lock();
        if core.trace.is_some() {
            let task = core.current;
            core.record(TraceKind::Custom {
                task,
                component: component.to_owned(),
                detail: detail.to_string(),
            });
        }
    }

    /// Everything recorded so far; empty when tracing is off.
    pub fn trace(&self) -> Vec<TraceEvent> {
        self.shared.lock().trace.clone().unwrap_or_default()
    }

    /// A new random generator for a mock component, derived from the run's seed.
    ///
    /// Forks come from a stream of their own, separate from the scheduler's, and are handed
    /// out in the order they are asked for: a component that forks one when it is built gets
    /// the same numbers in every run with the seed.
    pub fn fork_rng(&self) -> MockRng {
        self.shared.lock().fork_rng()
    }

    /// The tasks alive now (spawned and not yet ended), by id; `main` is not included.
    pub fn live_tasks(&self) -> Vec<TaskInfo> {
        let core = self.shared.lock();
        let mut tasks: Vec<TaskInfo> = core.tasks.iter().map(|entry| entry.info()).collect();
        tasks.sort_by_key(|task| task.id);
        tasks
    }

    /// The task being polled now, if called from inside one.
    pub fn current_task(&self) -> Option<TaskId> {
        self.shared.lock().current
    }

    fn spawn_work(&self, work: Work, name: Option<String>) -> RawJoinHandle {
        match self.shared.add_task(work, name) {
            Ok(cell) => RawJoinHandle::new(MockJoin::new(cell)),
            Err(work) => {
                // The runtime has shut down: the task can never run. Drop it here, outside
                // the executor's lock, and hand back a handle that reports cancellation.
                drop(work);
                let cell = Arc::new(TaskCell::new(TaskId(u64::MAX), 0, Weak::new()));
                cell.finish(Outcome::Cancelled);
                RawJoinHandle::new(MockJoin::new(cell))
            }
        }
    }
}

impl fmt::Debug for MockRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let core = self.shared.lock();
        f.debug_struct("MockRuntime")
            .field("seed", &self.shared.seed)
            .field("elapsed", &core.now)
            .field("tasks", &core.tasks.len())
            .field("timers", &core.timers.len())
            .finish()
    }
}

impl Spawn for MockRuntime {
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle {
        self.spawn_work(Work::Future(task), None)
    }
}

impl SpawnBlocking for MockRuntime {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        self.spawn_work(Work::Blocking(task), None)
    }
}

/// The wall-clock date of virtual time zero: 2026-01-01T00:00:00Z, fixed so that dates (an
/// HTTP-date `Retry-After`, file times) repeat from run to run.
const WALL_CLOCK_ZERO: Duration = Duration::from_secs(1_767_225_600);

impl Clock for MockRuntime {
    fn now(&self) -> Instant {
        self.shared.base + self.elapsed()
    }

    fn system_now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + WALL_CLOCK_ZERO + self.elapsed()
    }
}

impl Timer for MockRuntime {
    fn sleep_until(&self, deadline: Instant) -> Sleep {
        Sleep::new(self.sleep_until_typed(deadline))
    }

    /// The mock's sleep on virtual time, without ferry's box.
    fn sleep_typed(&self, duration: Duration) -> impl Future<Output = ()> + Send + Sync + 'static {
        // The same saturation as ferry-core's default `Timer::sleep`, so the boxed and typed
        // sleeps of a huge duration end at the same far instant instead of overflowing.
        const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);
        let now = self.now();
        let deadline = now
            .checked_add(duration)
            .or_else(|| now.checked_add(FAR_FUTURE))
            .unwrap_or(now);
        self.sleep_until_typed(deadline)
    }

    /// The mock's sleep on virtual time, without ferry's box.
    fn sleep_until_typed(
        &self,
        deadline: Instant,
    ) -> impl Future<Output = ()> + Send + Sync + 'static {
        let at = deadline.saturating_duration_since(self.shared.base);
        MockSleep::new(Arc::clone(&self.shared), at)
    }
}

/// A [`MockRuntime`] that names the tasks it spawns; made by [`MockRuntime::named`].
#[derive(Debug)]
pub struct Named<'a> {
    runtime: &'a MockRuntime,
    name: String,
}

impl Spawn for Named<'_> {
    fn spawn_boxed(&self, task: BoxTask) -> RawJoinHandle {
        self.runtime
            .spawn_work(Work::Future(task), Some(self.name.clone()))
    }
}

impl SpawnBlocking for Named<'_> {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        self.runtime
            .spawn_work(Work::Blocking(task), Some(self.name.clone()))
    }
}

/// The future returned by [`MockRuntime::yield_now`].
///
/// # Cancel safety
///
/// Dropping it has no effect beyond the task having been queued once more.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
