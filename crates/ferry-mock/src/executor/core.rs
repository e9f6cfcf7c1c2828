//! The executor's state: tasks, the ready queue, timers, the clock, the trace.
//!
//! Everything sits behind one mutex in [`Shared`]. The executor is single-threaded, so the
//! lock is uncontended except when a waker is used from another thread; it is what makes
//! those wakes safe without `unsafe`. The executor never polls a future or runs a closure
//! while holding it: task code calls back into the runtime (spawn, sleep, now, wake), which
//! takes the lock.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::{Duration, Instant};

use super::slab::Slab;
use super::task::{MAIN_SLOT, TaskCell, TaskEntry, Work};
use super::timer::Timers;
use crate::rng::MockRng;
use crate::trace::{TaskId, TaskInfo, TraceEvent, TraceKind};

/// What the runtime handles, wakers, sleeps and the runner share.
pub(crate) struct Shared {
    core: Mutex<Core>,
    /// Signalled when a task becomes ready while the runner waits for a wake from another
    /// thread (see `Builder::external_wake_grace`).
    unparked: Condvar,
    /// The real instant the virtual clock calls zero.
    pub(crate) base: Instant,
    pub(crate) seed: u64,
}

impl Shared {
    pub(crate) fn new(seed: u64, trace: bool) -> Self {
        Self {
            core: Mutex::new(Core::new(seed, trace)),
            unparked: Condvar::new(),
            base: Instant::now(),
            seed,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        // The lock is never held across user code, so a poisoned lock can only come from a
        // panic inside the executor's own bookkeeping; its state is still consistent enough
        // to shut down, which is all that can happen next.
        self.core.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts a task in the ready queue (once), from its waker, on any thread.
    pub(crate) fn schedule(&self, slot: usize, id: TaskId) {
        let mut core = self.lock();
        if core.schedule(slot, id) && core.parked {
            self.unparked.notify_one();
        }
    }

    /// Marks a task aborted and queues it, so that the executor drops it at its next turn.
    pub(crate) fn abort(&self, slot: usize, id: TaskId) {
        let mut core = self.lock();
        if let Some(entry) = core.tasks.get_mut(slot).filter(|entry| entry.id == id) {
            entry.aborted = true;
            if core.schedule(slot, id) && core.parked {
                self.unparked.notify_one();
            }
        }
    }

    /// Adds a task; returns its cell, or gives the work back if the runtime has shut down.
    pub(crate) fn add_task(
        self: &Arc<Self>,
        work: Work,
        name: Option<String>,
    ) -> Result<Arc<TaskCell>, Work> {
        let mut core = self.lock();
        if core.closed {
            return Err(work);
        }
        core.next_task += 1;
        let id = TaskId(core.next_task);
        let slot = core.tasks.vacant();
        let cell = Arc::new(TaskCell::new(id, slot, Arc::downgrade(self)));
        let blocking = matches!(work, Work::Blocking(_));
        let parent = core.current;
        core.record(TraceKind::Spawned {
            task: id,
            name: name.clone(),
            blocking,
            parent,
        });
        core.tasks.insert(TaskEntry {
            id,
            name,
            work: Some(work),
            waker: Waker::from(Arc::clone(&cell)),
            cell: Arc::clone(&cell),
            scheduled: true,
            aborted: false,
        });
        core.ready.push((slot, id));
        if core.parked {
            self.unparked.notify_one();
        }
        Ok(cell)
    }

    /// Waits up to `grace` of wall time for a task to become ready; returns whether one did.
    pub(crate) fn wait_for_wake(&self, grace: Duration) -> bool {
        let mut core = self.lock();
        core.parked = true;
        let (mut core, _) = self
            .unparked
            .wait_timeout_while(core, grace, |core| core.ready.is_empty())
            .unwrap_or_else(PoisonError::into_inner);
        core.parked = false;
        !core.ready.is_empty()
    }
}

/// The body the runner blocks on, while it is running.
pub(crate) struct MainState {
    pub(crate) scheduled: bool,
}

pub(crate) struct Core {
    /// Virtual time since zero.
    pub(crate) now: Duration,
    pub(crate) tasks: Slab<TaskEntry>,
    /// Tasks ready to run, in no meaningful order: the next one is drawn at random.
    pub(crate) ready: Vec<(usize, TaskId)>,
    pub(crate) main: Option<MainState>,
    pub(crate) timers: Timers,
    /// `None` when tracing is off.
    pub(crate) trace: Option<Vec<TraceEvent>>,
    /// The task being polled, for trace events that say who did what.
    pub(crate) current: Option<TaskId>,
    next_task: u64,
    /// Polls and closure runs so far, for the step limit.
    pub(crate) steps: u64,
    /// Set at shutdown: new tasks are cancelled at once.
    pub(crate) closed: bool,
    /// The runner is waiting on `Shared::unparked`.
    pub(crate) parked: bool,
    scheduler_rng: MockRng,
    component_rng: MockRng,
}

/// Mixed into the seed for the components' stream, so that it differs from the scheduler's
/// (the first 64 bits of the fractional part of the square root of 2).
const COMPONENT_STREAM: u64 = 0x6A09_E667_F3BC_C908;

impl Core {
    fn new(seed: u64, trace: bool) -> Self {
        Self {
            now: Duration::ZERO,
            tasks: Slab::new(),
            ready: Vec::new(),
            main: None,
            timers: Timers::new(),
            trace: trace.then(Vec::new),
            current: None,
            next_task: 0,
            steps: 0,
            closed: false,
            parked: false,
            scheduler_rng: MockRng::new(seed),
            component_rng: MockRng::new(seed ^ COMPONENT_STREAM),
        }
    }

    pub(crate) fn record(&mut self, kind: TraceKind) {
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent { at: self.now, kind });
        }
    }

    /// Queues the task in `slot` if it is still the task `id` and not queued yet; returns
    /// whether it was queued.
    pub(crate) fn schedule(&mut self, slot: usize, id: TaskId) -> bool {
        let scheduled = if slot == MAIN_SLOT {
            self.main.as_mut().map(|main| &mut main.scheduled)
        } else {
            self.tasks
                .get_mut(slot)
                .filter(|entry| entry.id == id)
                .map(|entry| &mut entry.scheduled)
        };
        match scheduled {
            Some(flag) if !*flag => {
                *flag = true;
                self.ready.push((slot, id));
                true
            }
            _ => false,
        }
    }

    /// Draws the next task to run from the ready queue, skipping entries of tasks that have
    /// ended since they were queued.
    pub(crate) fn pick(&mut self) -> Option<(usize, TaskId)> {
        while !self.ready.is_empty() {
            let len = self.ready.len();
            // One ready task needs no draw; skipping it keeps the stream for real choices.
            let index = if len == 1 {
                0
            } else {
                self.scheduler_rng.below(len as u64) as usize
            };
            let (slot, id) = self.ready.swap_remove(index);
            let scheduled = if slot == MAIN_SLOT {
                self.main.as_mut().map(|main| &mut main.scheduled)
            } else {
                self.tasks
                    .get_mut(slot)
                    .filter(|entry| entry.id == id)
                    .map(|entry| &mut entry.scheduled)
            };
            if let Some(flag) = scheduled {
                if *flag {
                    *flag = false;
                    self.current = Some(id);
                    return Some((slot, id));
                }
            }
        }
        None
    }

    /// Moves the clock forward to `to` (never back) and records the move.
    pub(crate) fn set_time(&mut self, to: Duration) {
        if to > self.now {
            let from = self.now;
            self.now = to;
            self.record(TraceKind::TimeAdvanced { from });
        }
    }

    /// Every task still alive, `main` first, then by id: the report of a deadlock.
    pub(crate) fn waiting_tasks(&self) -> Vec<TaskInfo> {
        let mut tasks: Vec<TaskInfo> = self.tasks.iter().map(TaskEntry::info).collect();
        tasks.sort_by_key(|task| task.id);
        if self.main.is_some() {
            tasks.insert(
                0,
                TaskInfo {
                    id: TaskId::MAIN,
                    name: None,
                },
            );
        }
        tasks
    }

    pub(crate) fn fork_rng(&mut self) -> MockRng {
        self.component_rng.fork()
    }
}
