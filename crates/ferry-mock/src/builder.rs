//! [`Builder`]: a mock run's seed, tracing and safety limits.

use std::future::Future;
use std::time::Duration;

use crate::error::MockError;
use crate::executor::{Limits, MockRunner, MockRuntime, Shared};

/// The seed used when none is given: scheduling with it is as arbitrary as with any other.
pub const DEFAULT_SEED: u64 = 0x00F3_2217_5EED;

/// How many lines of trace a failing [`Builder::run`] prints.
const TRACE_TAIL: usize = 30;

/// Configures a mock run: the seed, tracing, and limits that turn runaway runs into errors.
///
/// | setting | default |
/// |---|---|
/// | [`seed`](Self::seed) | [`DEFAULT_SEED`] |
/// | [`trace`](Self::trace) | on |
/// | [`max_steps`](Self::max_steps) | 50,000,000 task polls |
/// | [`max_virtual_time`](Self::max_virtual_time) | 365 days |
/// | [`external_wake_grace`](Self::external_wake_grace) | zero |
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::Timer;
/// use ferry_mock::{Builder, MockErrorKind};
///
/// // A loop that sleeps forever in steps is stopped by the virtual time limit.
/// let error = Builder::new()
///     .seed(3)
///     .max_virtual_time(Duration::from_secs(3600))
///     .try_run(|rt| async move {
///         loop {
///             rt.sleep(Duration::from_secs(60)).await;
///         }
///     })
///     .unwrap_err();
/// assert!(matches!(error.kind(), MockErrorKind::TimeLimit { .. }));
/// assert_eq!(error.seed(), 3);
/// assert_eq!(error.at(), Duration::from_secs(3600));
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    seed: u64,
    trace: bool,
    limits: Limits,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with the defaults in the table above.
    pub fn new() -> Self {
        Self {
            seed: DEFAULT_SEED,
            trace: true,
            limits: Limits {
                max_steps: 50_000_000,
                max_virtual_time: Duration::from_secs(86_400 * 365),
                external_wake_grace: Duration::ZERO,
            },
        }
    }

    /// The seed that decides the order in which ready tasks run (and seeds every generator
    /// forked with [`MockRuntime::fork_rng`]). The same seed replays the same run.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Whether to record the [trace](crate::TraceEvent). Recording costs a little memory per
    /// spawn, end and timer; turn it off for runs of millions of tasks.
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = on;
        self
    }

    /// The most task polls (and blocking closures) a run may take before it fails with
    /// [`StepLimit`](crate::MockErrorKind::StepLimit): a guard against a task that loops
    /// without waiting on a timer, which would otherwise keep virtual time from moving and
    /// spin forever.
    pub fn max_steps(mut self, steps: u64) -> Self {
        self.limits.max_steps = steps;
        self
    }

    /// The furthest virtual time (since zero) that time may jump to by itself; a run that
    /// would need to go further fails with [`TimeLimit`](crate::MockErrorKind::TimeLimit).
    /// It catches tasks that sleep "forever" (ferry turns a too-large sleep into thirty
    /// years) while everything else waits, and endless retry loops.
    pub fn max_virtual_time(mut self, limit: Duration) -> Self {
        self.limits.max_virtual_time = limit;
        self
    }

    /// How long (wall time) the runner waits for a wake from another thread when nothing is
    /// ready and no timer is pending, before it reports a deadlock.
    ///
    /// Only needed when tasks wait on real threads (which makes the run nondeterministic);
    /// with the default of zero, a deadlock is reported at once.
    pub fn external_wake_grace(mut self, grace: Duration) -> Self {
        self.limits.external_wake_grace = grace;
        self
    }

    /// A runner with these settings, for tests that drive it by hand.
    pub fn build(&self) -> MockRunner {
        MockRunner::new(Shared::new(self.seed, self.trace), self.limits.clone())
    }

    /// Runs `body` to completion on a new runner and returns its output, or why it failed.
    ///
    /// Tasks still alive when the body finishes are dropped. See [`try_run`](crate::try_run).
    ///
    /// # Errors
    ///
    /// See [`MockRunner::block_on`].
    pub fn try_run<T, F, Fut>(&self, body: F) -> Result<T, MockError>
    where
        F: FnOnce(MockRuntime) -> Fut,
        Fut: Future<Output = T>,
    {
        let mut runner = self.build();
        let future = body(runner.runtime().clone());
        runner.block_on(future)
    }

    /// Runs `body` to completion on a new runner and returns its output; panics on failure
    /// with a message naming the seed, after printing the end of the trace. See
    /// [`run`](crate::run).
    ///
    /// # Panics
    ///
    /// When the run fails in any way [`try_run`](Self::try_run) reports.
    pub fn run<T, F, Fut>(&self, body: F) -> T
    where
        F: FnOnce(MockRuntime) -> Fut,
        Fut: Future<Output = T>,
    {
        let mut runner = self.build();
        let future = body(runner.runtime().clone());
        match runner.block_on(future) {
            Ok(output) => output,
            Err(error) => {
                let trace = runner.trace();
                if !trace.is_empty() {
                    let skipped = trace.len().saturating_sub(TRACE_TAIL);
                    eprintln!(
                        "ferry-mock: trace of the failed run (seed {}), last {} of {} events:",
                        error.seed(),
                        trace.len() - skipped,
                        trace.len()
                    );
                    for event in &trace[skipped..] {
                        eprintln!("  {event}");
                    }
                }
                drop(runner);
                panic!("ferry-mock: {error}");
            }
        }
    }
}
