//! The state a run carries: its id, each step's counts and timing, failed records, progress.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::error::{Disposition, FailedRecord};
use super::progress::{Progress, ProgressCallback, ProgressThrottle};
use super::recorder::StepRecorder;
use ferry_core::rt::Clock;

/// A run's identifier, for logs and reports.
///
/// [`RunId::generate`] makes one unique across runs and processes; tests that want the same
/// id every time (on the mock backend) set it with [`RunId::new`] or [`RunId::from_u64`],
/// for example from the mock's seeded random source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(String);

impl RunId {
    /// An id the caller chose.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// `run-` and `n` as 16 hex digits: for ids drawn from a seeded random source.
    pub fn from_u64(n: u64) -> Self {
        Self(format!("run-{n:016x}"))
    }

    /// A fresh id, unique within the process (a counter) and, in practice, across processes
    /// (the process id and the wall clock's nanoseconds at the call).
    ///
    /// This reads the wall clock, not ferry's [`Clock`]: it names the run and plays no part
    /// in its timing.
    pub fn generate() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64);
        Self(format!("run-{nanos:016x}-{:x}-{count}", std::process::id()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One step's counts and timing.
///
/// Once the step has finished, `records_in == records_out + failed + filtered`: no record
/// disappears without being counted. While it runs, or if the run was dropped or stopped by
/// another record's failure mid-way, [`in_flight`](Self::in_flight) says how many records it
/// had taken and not finished with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StepStats {
    /// The step's name.
    pub name: String,
    /// Records the step took in (for a reader: rows or lines it read).
    pub records_in: u64,
    /// Records the step handed on.
    pub records_out: u64,
    /// Records that failed, whatever the policy did with them: `skipped + dead_lettered`,
    /// plus the one that stopped the run under [`FailurePolicy::FailRun`](super::FailurePolicy::FailRun).
    pub failed: u64,
    /// Failed records left out under [`FailurePolicy::Skip`](super::FailurePolicy::Skip).
    pub skipped: u64,
    /// Failed records left out under [`FailurePolicy::DeadLetter`](super::FailurePolicy::DeadLetter).
    pub dead_lettered: u64,
    /// Records a step left out on purpose (a filter), not because they failed.
    pub filtered: u64,
    /// Time from the step's start to its end (or to now, if it has not ended), on the
    /// context's clock.
    pub elapsed: Duration,
    /// Whether the step ended (with success or an error), as opposed to still running or
    /// dropped mid-way.
    pub finished: bool,
}

impl StepStats {
    /// Records taken in but neither handed on, failed nor filtered: in flight now, or dropped
    /// when the run stopped mid-way.
    pub fn in_flight(&self) -> u64 {
        self.records_in
            .saturating_sub(self.records_out + self.failed + self.filtered)
    }

    /// Whether every record taken in is accounted for: `in == out + failed + filtered`.
    pub fn is_balanced(&self) -> bool {
        self.records_in == self.records_out + self.failed + self.filtered
    }
}

/// The end-of-run summary: the run id, each step's counts and timing, the failed records.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PipelineReport {
    /// The run's id.
    pub run_id: RunId,
    /// Time since the context was made, on its clock.
    pub elapsed: Duration,
    /// One entry per step that started, in order.
    pub steps: Vec<StepStats>,
    /// Records skipped or dead-lettered, in the order they failed.
    pub failures: Vec<FailedRecord>,
}

impl fmt::Display for PipelineReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "run {} in {:.3?}", self.run_id, self.elapsed)?;
        writeln!(
            f,
            "  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>10}",
            "step", "in", "out", "failed", "skipped", "dead", "filtered", "time"
        )?;
        for step in &self.steps {
            writeln!(
                f,
                "  {:<16} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>10.3?}{}",
                step.name,
                step.records_in,
                step.records_out,
                step.failed,
                step.skipped,
                step.dead_lettered,
                step.filtered,
                step.elapsed,
                if step.finished { "" } else { " (not finished)" }
            )?;
        }
        // A long run can fail thousands of records: the first few show what went wrong,
        // the context's lists hold them all.
        const SHOWN: usize = 10;
        for failure in self.failures.iter().take(SHOWN) {
            writeln!(f, "  {:?}: {failure}", failure.disposition)?;
        }
        if self.failures.len() > SHOWN {
            writeln!(f, "  ... and {} more", self.failures.len() - SHOWN)?;
        }
        Ok(())
    }
}

pub(super) struct StepState {
    pub(super) stats: StepStats,
    pub(super) started: Instant,
    pub(super) ended: Option<Instant>,
    pub(super) total: Option<u64>,
    pub(super) reported_done: u64,
    pub(super) reported_at: Instant,
}

pub(super) struct RunState {
    pub(super) steps: Vec<StepState>,
    pub(super) failures: Vec<FailedRecord>,
}

/// The shared state of one pipeline run: its id, each step's counts and timing (on a ferry
/// [`Clock`], so exact on the mock backend), the records skipped or dead-lettered, and where
/// progress goes.
///
/// Make one per run and pass it to [`Pipeline::run`](super::Pipeline::run); read
/// [`report`](Self::report) at the end, or at any time from another task (it is `Sync`).
///
/// ```
/// use std::time::Instant;
/// use ferry_core::Clock;
/// use ferry_pipeline::{PipelineContext, RunId};
///
/// struct WallClock;
/// impl Clock for WallClock {
///     fn now(&self) -> Instant {
///         Instant::now()
///     }
/// }
///
/// let ctx = PipelineContext::builder(WallClock)
///     .run_id(RunId::new("nightly-42"))
///     .on_progress(|progress| println!("{}: {} done", progress.step, progress.done))
///     .build();
/// assert_eq!(ctx.run_id().as_str(), "nightly-42");
/// ```
pub struct PipelineContext {
    pub(super) run_id: RunId,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) created: Instant,
    pub(super) progress: Option<ProgressCallback>,
    pub(super) throttle: ProgressThrottle,
    pub(super) state: Mutex<RunState>,
}

impl fmt::Debug for PipelineContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineContext")
            .field("run_id", &self.run_id)
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}

/// Builds a [`PipelineContext`]; see [`PipelineContext::builder`].
pub struct PipelineContextBuilder {
    clock: Arc<dyn Clock>,
    run_id: Option<RunId>,
    progress: Option<ProgressCallback>,
    throttle: ProgressThrottle,
}

impl fmt::Debug for PipelineContextBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineContextBuilder")
            .field("run_id", &self.run_id)
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}

impl PipelineContextBuilder {
    /// Sets the run id (by default [`RunId::generate`]).
    #[must_use]
    pub fn run_id(mut self, id: RunId) -> Self {
        self.run_id = Some(id);
        self
    }

    /// Sends progress reports to `callback`, as often as the
    /// [`progress_throttle`](Self::progress_throttle) allows (by default every 100 records or
    /// 100 ms). See [`ProgressCallback`] for where it runs. To feed a UI task, send the
    /// [`Progress`] into a channel from here.
    #[must_use]
    pub fn on_progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Sets how often progress is reported.
    #[must_use]
    pub fn progress_throttle(mut self, throttle: ProgressThrottle) -> Self {
        self.throttle = throttle;
        self
    }

    /// Makes the context; its run's clock starts now.
    pub fn build(self) -> PipelineContext {
        let created = self.clock.now();
        PipelineContext {
            run_id: self.run_id.unwrap_or_else(RunId::generate),
            clock: self.clock,
            created,
            progress: self.progress,
            throttle: self.throttle,
            state: Mutex::new(RunState {
                steps: Vec::new(),
                failures: Vec::new(),
            }),
        }
    }
}

impl PipelineContext {
    /// A context with a generated run id, no progress callback, timed on `clock` (pass the
    /// runtime: every backend's runtime is a [`Clock`]).
    pub fn new(clock: impl Clock + 'static) -> Self {
        Self::builder(clock).build()
    }

    /// A builder to set the run id and progress reporting.
    pub fn builder(clock: impl Clock + 'static) -> PipelineContextBuilder {
        PipelineContextBuilder {
            clock: Arc::new(clock),
            run_id: None,
            progress: None,
            throttle: ProgressThrottle::default(),
        }
    }

    /// The run's id.
    pub fn run_id(&self) -> &RunId {
        &self.run_id
    }

    /// The clock steps are timed on.
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// The counts and timing of every step that has started, in order.
    pub fn steps(&self) -> Vec<StepStats> {
        let now = self.clock.now();
        self.lock()
            .steps
            .iter()
            .map(|step| snapshot(step, now))
            .collect()
    }

    /// The records skipped under [`FailurePolicy::Skip`](super::FailurePolicy::Skip), in the order they failed.
    pub fn skipped(&self) -> Vec<FailedRecord> {
        self.failures_with(Disposition::Skipped)
    }

    /// The records dead-lettered under [`FailurePolicy::DeadLetter`](super::FailurePolicy::DeadLetter), in the order they
    /// failed, each with its error and (when the step could keep it) the record.
    pub fn dead_letters(&self) -> Vec<FailedRecord> {
        self.failures_with(Disposition::DeadLettered)
    }

    /// The summary so far: at the end of a run, its report.
    pub fn report(&self) -> PipelineReport {
        let now = self.clock.now();
        let state = self.lock();
        PipelineReport {
            run_id: self.run_id.clone(),
            elapsed: now.saturating_duration_since(self.created),
            steps: state.steps.iter().map(|step| snapshot(step, now)).collect(),
            failures: state.failures.clone(),
        }
    }

    /// Starts counting a new step; [`Pipeline::run`](super::Pipeline::run) calls it for each
    /// step, in order.
    pub fn begin_step(&self, name: &str) -> StepRecorder<'_> {
        let now = self.clock.now();
        let mut state = self.lock();
        state.steps.push(StepState {
            stats: StepStats {
                name: name.to_owned(),
                records_in: 0,
                records_out: 0,
                failed: 0,
                skipped: 0,
                dead_lettered: 0,
                filtered: 0,
                elapsed: Duration::ZERO,
                finished: false,
            },
            started: now,
            ended: None,
            total: None,
            reported_done: 0,
            reported_at: now,
        });
        StepRecorder {
            ctx: self,
            index: state.steps.len() - 1,
            name: name.to_owned(),
        }
    }

    fn failures_with(&self, disposition: Disposition) -> Vec<FailedRecord> {
        self.lock()
            .failures
            .iter()
            .filter(|failure| failure.disposition == disposition)
            .cloned()
            .collect()
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, RunState> {
        // A panic in a progress callback never happens under the lock, and counting cannot
        // panic, so a poisoned lock still holds consistent counts.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn snapshot(step: &StepState, now: Instant) -> StepStats {
    let mut stats = step.stats.clone();
    stats.elapsed = step
        .ended
        .unwrap_or(now)
        .saturating_duration_since(step.started);
    stats
}
