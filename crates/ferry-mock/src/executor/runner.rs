//! [`MockRunner`]: drives the executor, moves virtual time, detects deadlocks.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ferry_core::Panicked;

use super::core::{Core, MainState, Shared};
use super::runtime::MockRuntime;
use super::task::{MAIN_SLOT, Outcome, TaskCell, Work};
use crate::error::{MockError, MockErrorKind};
use crate::trace::{TaskId, TraceEvent, TraceKind};

/// Limits and options a runner keeps from its [`Builder`](crate::Builder).
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub(crate) max_steps: u64,
    pub(crate) max_virtual_time: Duration,
    pub(crate) external_wake_grace: Duration,
}

/// Owns a mock executor and drives it: to the end of a future with time jumping by itself
/// ([`block_on`](Self::block_on)), or step by step under the test's control
/// ([`run_until_idle`](Self::run_until_idle), [`advance`](Self::advance)).
///
/// Made by [`Builder::build`](crate::Builder::build). Tasks are spawned through
/// [`runtime`](Self::runtime). Dropping the runner drops every task still alive (their
/// handles report cancellation) and every pending timer.
///
/// # Examples
///
/// Looking in between, with time moved by hand:
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::time::Duration;
/// use ferry_core::{SpawnExt, Timer};
///
/// let mut runner = ferry_mock::Builder::new().build();
/// let rt = runner.runtime().clone();
/// let ticks = Arc::new(AtomicU32::new(0));
/// let counter = Arc::clone(&ticks);
/// let ticker = rt.spawn({
///     let rt = rt.clone();
///     async move {
///         for _ in 0..5 {
///             rt.sleep(Duration::from_secs(1)).await;
///             counter.fetch_add(1, Ordering::SeqCst);
///         }
///     }
/// });
/// runner.advance(Duration::from_millis(2500)).unwrap();
/// assert_eq!(ticks.load(Ordering::SeqCst), 2);
/// assert_eq!(runner.elapsed(), Duration::from_millis(2500));
/// assert_eq!(runner.next_timer(), Some(Duration::from_secs(3)));
/// runner.block_on(ticker).unwrap().unwrap();
/// assert_eq!(ticks.load(Ordering::SeqCst), 5);
/// assert_eq!(runner.elapsed(), Duration::from_secs(5));
/// ```
pub struct MockRunner {
    runtime: MockRuntime,
    limits: Limits,
    /// Reused between timer firings, so firing allocates nothing in the steady state.
    wake_buffer: Vec<Waker>,
}

/// What one turn of the executor did.
enum Step {
    /// The body's turn came; the caller polls it.
    Main,
    /// A task was polled, run or dropped.
    Ran,
    /// Nothing is ready.
    Idle,
}

/// The work taken out of the executor for one turn.
enum Turn {
    Run {
        slot: usize,
        id: TaskId,
        work: Work,
        waker: Waker,
    },
    Drop {
        cell: Arc<TaskCell>,
        work: Option<Work>,
    },
}

impl MockRunner {
    pub(crate) fn new(shared: Shared, limits: Limits) -> Self {
        Self {
            runtime: MockRuntime::new(Arc::new(shared)),
            limits,
            wake_buffer: Vec::new(),
        }
    }

    fn shared(&self) -> &Arc<Shared> {
        self.runtime.shared()
    }

    /// The runtime to spawn on and read the clock from; clone it into tasks.
    pub fn runtime(&self) -> &MockRuntime {
        &self.runtime
    }

    /// The seed of this run.
    pub fn seed(&self) -> u64 {
        self.runtime.seed()
    }

    /// Virtual time since zero.
    pub fn elapsed(&self) -> Duration {
        self.runtime.elapsed()
    }

    /// Everything recorded so far; empty when tracing is off.
    pub fn trace(&self) -> Vec<TraceEvent> {
        self.runtime.trace()
    }

    /// When (since zero) the earliest pending timer fires, if any timer is pending.
    pub fn next_timer(&self) -> Option<Duration> {
        self.shared().lock().timers.next_deadline()
    }

    /// Runs `future` on the executor, with every spawned task, until it finishes.
    ///
    /// Whenever nothing is ready, virtual time jumps to the earliest pending timer. The body
    /// need not be `Send`: it is polled on this thread, as task `main`.
    ///
    /// # Errors
    ///
    /// - [`Deadlock`](MockErrorKind::Deadlock) when nothing is ready and no timer is pending
    ///   (after waiting [`external_wake_grace`](crate::Builder::external_wake_grace)), naming
    ///   every waiting task;
    /// - [`Panicked`](MockErrorKind::Panicked) when the body panics;
    /// - [`StepLimit`](MockErrorKind::StepLimit) and [`TimeLimit`](MockErrorKind::TimeLimit)
    ///   when the run exceeds the builder's limits.
    ///
    /// On error the body is dropped; spawned tasks stay alive until the runner is dropped,
    /// so the test can still inspect them.
    pub fn block_on<F: Future>(&mut self, future: F) -> Result<F::Output, MockError> {
        let mut future = pin!(future);
        let waker = Waker::from(Arc::new(TaskCell::new(
            TaskId::MAIN,
            MAIN_SLOT,
            Arc::downgrade(self.shared()),
        )));
        let mut cx = Context::from_waker(&waker);
        {
            let mut core = self.shared().lock();
            core.main = Some(MainState { scheduled: true });
            core.ready.push((MAIN_SLOT, TaskId::MAIN));
        }
        let result = loop {
            match self.step() {
                Ok(Step::Ran) => {}
                Ok(Step::Main) => {
                    let polled = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)));
                    self.shared().lock().current = None;
                    match polled {
                        Ok(Poll::Ready(output)) => break Ok(output),
                        Ok(Poll::Pending) => {}
                        Err(payload) => {
                            let panicked = Panicked::from_payload(payload);
                            break Err(self.error(MockErrorKind::Panicked(panicked)));
                        }
                    }
                }
                Ok(Step::Idle) => match self.jump_to_next_timer() {
                    Ok(true) => {}
                    Ok(false) => {
                        let grace = self.limits.external_wake_grace;
                        if grace.is_zero() || !self.shared().wait_for_wake(grace) {
                            let waiting = self.shared().lock().waiting_tasks();
                            break Err(self.error(MockErrorKind::Deadlock { waiting }));
                        }
                    }
                    Err(error) => break Err(error),
                },
                Err(error) => break Err(error),
            }
        };
        let mut core = self.shared().lock();
        core.main = None;
        core.current = None;
        result
    }

    /// Runs ready tasks until none is ready, without moving time; returns how many turns ran.
    ///
    /// # Errors
    ///
    /// [`StepLimit`](MockErrorKind::StepLimit) when the builder's step limit is reached.
    pub fn run_until_idle(&mut self) -> Result<u64, MockError> {
        let mut turns = 0;
        loop {
            match self.step()? {
                Step::Idle => return Ok(turns),
                Step::Ran | Step::Main => turns += 1,
            }
        }
    }

    /// Moves virtual time forward by `by`, running every task due on the way.
    ///
    /// Runs ready tasks first, then fires each timer due up to the new time, in deadline
    /// order, running the tasks it wakes before moving on: a task that sleeps again while
    /// `advance` is in progress wakes within it if its new deadline is still in range. The
    /// clock ends exactly `by` later. The virtual time limit does not apply to explicit moves;
    /// a duration too large for the clock moves it thirty years, ferry's "never".
    ///
    /// # Errors
    ///
    /// [`StepLimit`](MockErrorKind::StepLimit) when the builder's step limit is reached.
    pub fn advance(&mut self, by: Duration) -> Result<(), MockError> {
        let now = self.elapsed();
        let target = clamp_to_clock(self.shared(), now, by);
        self.run_until_idle()?;
        loop {
            let next = self.shared().lock().timers.next_deadline();
            match next {
                Some(deadline) if deadline <= target => {
                    self.fire_at(deadline);
                    self.run_until_idle()?;
                }
                _ => break,
            }
        }
        self.shared().lock().set_time(target);
        Ok(())
    }

    /// Like [`advance`](Self::advance), to the virtual time `at` since zero; does nothing if
    /// the clock is already past it.
    ///
    /// # Errors
    ///
    /// [`StepLimit`](MockErrorKind::StepLimit) when the builder's step limit is reached.
    pub fn advance_to(&mut self, at: Duration) -> Result<(), MockError> {
        let now = self.elapsed();
        self.advance(at.saturating_sub(now))
    }

    fn error(&self, kind: MockErrorKind) -> MockError {
        MockError::new(self.seed(), self.elapsed(), kind)
    }

    /// One turn: draws a ready task and polls it (or runs its closure, or drops it if it was
    /// aborted). The body's turn is left to the caller.
    fn step(&mut self) -> Result<Step, MockError> {
        let turn = {
            let mut core = self.shared().lock();
            if core.ready.is_empty() {
                return Ok(Step::Idle);
            }
            if core.steps >= self.limits.max_steps {
                let limit = self.limits.max_steps;
                drop(core);
                return Err(self.error(MockErrorKind::StepLimit { limit }));
            }
            let Some((slot, id)) = core.pick() else {
                return Ok(Step::Idle);
            };
            core.steps += 1;
            if slot == MAIN_SLOT {
                return Ok(Step::Main);
            }
            let aborted = core.tasks.get(slot).is_some_and(|entry| entry.aborted);
            if aborted {
                core.current = None;
                core.record(TraceKind::Aborted { task: id });
                match core.tasks.remove(slot) {
                    Some(entry) => Turn::Drop {
                        cell: Arc::clone(&entry.cell),
                        work: entry.work,
                    },
                    None => return Ok(Step::Ran),
                }
            } else {
                // `pick` only returns tasks in the slab, and only a task being polled has no
                // work (polls do not nest), so the early returns below are never taken.
                let Some(entry) = core.tasks.get_mut(slot) else {
                    return Ok(Step::Ran);
                };
                let Some(work) = entry.work.take() else {
                    return Ok(Step::Ran);
                };
                Turn::Run {
                    slot,
                    id,
                    work,
                    waker: entry.waker.clone(),
                }
            }
        };
        match turn {
            Turn::Drop { cell, work } => {
                // Dropped outside the lock: the future's destructors may wake or spawn.
                drop(work);
                cell.finish(Outcome::Cancelled);
            }
            Turn::Run {
                slot,
                id,
                work,
                waker,
            } => self.run_turn(slot, id, work, &waker),
        }
        Ok(Step::Ran)
    }

    fn run_turn(&mut self, slot: usize, id: TaskId, work: Work, waker: &Waker) {
        let outcome = match work {
            Work::Future(mut future) => {
                let mut cx = Context::from_waker(waker);
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx))) {
                    Ok(Poll::Pending) => {
                        let mut core = self.shared().lock();
                        core.current = None;
                        if let Some(entry) = core.tasks.get_mut(slot).filter(|e| e.id == id) {
                            entry.work = Some(Work::Future(future));
                        }
                        return;
                    }
                    Ok(Poll::Ready(())) => Outcome::Completed,
                    Err(payload) => Outcome::Panicked(Panicked::from_payload(payload)),
                }
            }
            Work::Blocking(closure) => match catch_unwind(AssertUnwindSafe(closure)) {
                Ok(()) => Outcome::Completed,
                Err(payload) => Outcome::Panicked(Panicked::from_payload(payload)),
            },
        };
        let entry = {
            let mut core = self.shared().lock();
            core.current = None;
            core.record(match &outcome {
                Outcome::Panicked(panicked) => TraceKind::Panicked {
                    task: id,
                    message: panicked.message().to_owned(),
                },
                _ => TraceKind::Ended { task: id },
            });
            core.tasks.remove(slot)
        };
        if let Some(entry) = entry {
            entry.cell.finish(outcome);
        }
    }

    /// Jumps the clock to the earliest pending timer and fires everything due then; returns
    /// whether there was a timer to jump to.
    fn jump_to_next_timer(&mut self) -> Result<bool, MockError> {
        let next = self.shared().lock().timers.next_deadline();
        let Some(deadline) = next else {
            return Ok(false);
        };
        let limit = self.limits.max_virtual_time;
        if deadline > limit {
            return Err(self.error(MockErrorKind::TimeLimit {
                limit,
                next_timer: deadline,
            }));
        }
        self.fire_at(deadline);
        Ok(true)
    }

    /// Sets the clock to `at` and wakes every timer due by then, in deadline order.
    fn fire_at(&mut self, at: Duration) {
        let mut wake = std::mem::take(&mut self.wake_buffer);
        {
            let mut guard = self.shared().lock();
            let core: &mut Core = &mut guard;
            core.set_time(at);
            core.timers.fire_due(core.now, &mut wake, &mut core.trace);
        }
        for waker in wake.drain(..) {
            waker.wake();
        }
        self.wake_buffer = wake;
    }

    /// Closes the executor and drops every task and timer, outside the lock. Destructors may
    /// wake or try to spawn; new tasks are cancelled at once because the executor is closed,
    /// so this ends after at most a second round.
    fn shut_down(&mut self) {
        loop {
            let (tasks, timers) = {
                let mut core = self.shared().lock();
                core.closed = true;
                core.ready.clear();
                core.main = None;
                (core.tasks.drain(), core.timers.drain())
            };
            if tasks.is_empty() && timers.is_empty() {
                break;
            }
            for entry in tasks {
                let cell = Arc::clone(&entry.cell);
                drop(entry);
                cell.finish(Outcome::Cancelled);
            }
            drop(timers);
        }
    }
}

/// `now + by`, kept within what `Instant` can represent past the clock's zero.
fn clamp_to_clock(shared: &Shared, now: Duration, by: Duration) -> Duration {
    const NEVER: Duration = Duration::from_secs(86_400 * 365 * 30);
    [now.checked_add(by), now.checked_add(NEVER)]
        .into_iter()
        .flatten()
        .find(|target| shared.base.checked_add(*target).is_some())
        .unwrap_or(now)
}

impl Drop for MockRunner {
    fn drop(&mut self) {
        self.shut_down();
    }
}

impl fmt::Debug for MockRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockRunner")
            .field("runtime", &self.runtime)
            .field("limits", &self.limits)
            .finish()
    }
}
