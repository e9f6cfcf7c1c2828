//! [`StepRecorder`]: how a step counts what it does into its run's context.

use std::sync::Arc;
use std::time::Instant;

use super::context::{PipelineContext, StepState, StepStats};
use super::error::{
    DeadRecord, Disposition, FailedRecord, FailurePolicy, PipelineError, RecordError,
    RecordPosition,
};
use super::progress::{Progress, rate};

/// Counts what one step does, for the step's own code: custom [`Step`](super::Step)s call it
/// for every record they take in, hand on, filter out or fail.
///
/// Each call updates the context at once, so a dropped run leaves counts that say exactly
/// what was done, and sends a progress report if the throttle allows.
#[derive(Debug)]
pub struct StepRecorder<'a> {
    pub(super) ctx: &'a PipelineContext,
    pub(super) index: usize,
    pub(super) name: String,
}

impl StepRecorder<'_> {
    /// The step's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The run's context.
    pub fn context(&self) -> &PipelineContext {
        self.ctx
    }

    /// Says how many records the step expects to handle in all, for progress reports.
    pub fn expect_total(&self, total: u64) {
        self.ctx.lock().steps[self.index].total = Some(total);
    }

    /// Counts `n` records taken in.
    pub fn received(&self, n: u64) {
        self.ctx.lock().steps[self.index].stats.records_in += n;
    }

    /// Expects `n` records in all and counts them taken in at once: for a step that takes
    /// its whole input before handing anything on.
    pub(crate) fn received_all(&self, n: usize) {
        self.expect_total(n as u64);
        self.received(n as u64);
    }

    /// Counts `n` records handed on.
    pub fn succeeded(&self, n: u64) {
        self.update(|stats| stats.records_out += n);
    }

    /// Counts `n` records left out on purpose (not failures).
    pub fn filtered(&self, n: u64) {
        self.update(|stats| stats.filtered += n);
    }

    /// Counts a failed record and applies `policy` to it.
    ///
    /// `record` is called only under [`FailurePolicy::DeadLetter`], to keep a copy of the
    /// record if the step has one.
    ///
    /// # Errors
    ///
    /// [`PipelineError::Record`] under [`FailurePolicy::FailRun`]: the step should return it
    /// at once.
    pub fn failed(
        &self,
        policy: FailurePolicy,
        position: RecordPosition,
        error: RecordError,
        record: impl FnOnce() -> Option<DeadRecord>,
    ) -> Result<(), PipelineError> {
        let disposition = match policy {
            FailurePolicy::FailRun => {
                self.update(|stats| stats.failed += 1);
                return Err(PipelineError::Record {
                    step: self.name.clone(),
                    position,
                    source: error,
                });
            }
            FailurePolicy::Skip => Disposition::Skipped,
            FailurePolicy::DeadLetter => Disposition::DeadLettered,
        };
        let record = match disposition {
            Disposition::DeadLettered => record(),
            Disposition::Skipped => None,
        };
        let failure = FailedRecord {
            step: self.name.clone(),
            step_index: self.index,
            position,
            error,
            disposition,
            record,
        };
        self.update(move |stats| {
            stats.failed += 1;
            match disposition {
                Disposition::Skipped => stats.skipped += 1,
                Disposition::DeadLettered => stats.dead_lettered += 1,
            }
        });
        self.ctx.lock().failures.push(failure);
        Ok(())
    }

    /// Counts the outcome of one record, the one at `index` of the step's input: its output
    /// is handed on (`Some`), or its failure goes through [`failed`](Self::failed) (`None`),
    /// with `copy` as the dead letter's record.
    ///
    /// # Errors
    ///
    /// As [`failed`](Self::failed).
    pub(crate) fn record_outcome<T>(
        &self,
        policy: FailurePolicy,
        index: usize,
        outcome: Result<T, RecordError>,
        copy: Option<serde_json::Value>,
    ) -> Result<Option<T>, PipelineError> {
        match outcome {
            Ok(out) => {
                self.succeeded(1);
                Ok(Some(out))
            }
            Err(error) => {
                self.failed(policy, RecordPosition::Index(index), error, || {
                    copy.map(DeadRecord::Json)
                })?;
                Ok(None)
            }
        }
    }

    /// A second handle on the same step, for a stream that counts in two places.
    pub(crate) fn duplicate(&self) -> Self {
        Self {
            ctx: self.ctx,
            index: self.index,
            name: self.name.clone(),
        }
    }

    /// Counts `n` more failed records without reports of their own: the rest of a batch whose
    /// failure stops the run.
    pub(crate) fn failed_with_run(&self, n: u64) {
        self.update(|stats| stats.failed += n);
    }

    /// A [`PipelineError::Step`] for this step: the step failed as a whole.
    pub fn step_error(
        &self,
        error: impl std::error::Error + Send + Sync + 'static,
    ) -> PipelineError {
        PipelineError::Step {
            step: self.name.clone(),
            source: Arc::new(error),
        }
    }

    /// Marks the step ended and sends its last progress report;
    /// [`Pipeline::run`](super::Pipeline::run) calls it when the step's future completes.
    pub fn finish(&self) {
        let now = self.ctx.clock.now();
        let progress = {
            let mut state = self.ctx.lock();
            let step = &mut state.steps[self.index];
            step.ended = Some(now);
            step.stats.finished = true;
            self.ctx
                .progress
                .as_ref()
                .map(|_| progress_of(self.index, step, now, true))
        };
        self.send(progress);
    }

    fn update(&self, change: impl FnOnce(&mut StepStats)) {
        let throttle = self.ctx.throttle;
        let wants_progress = self.ctx.progress.is_some();
        let progress = {
            let mut state = self.ctx.lock();
            let step = &mut state.steps[self.index];
            change(&mut step.stats);
            if wants_progress {
                let now = self.ctx.clock.now();
                let done = done(&step.stats);
                let due = done.saturating_sub(step.reported_done) >= throttle.every_items.max(1)
                    || now.saturating_duration_since(step.reported_at) >= throttle.every;
                if due {
                    step.reported_done = done;
                    step.reported_at = now;
                    Some(progress_of(self.index, step, now, false))
                } else {
                    None
                }
            } else {
                None
            }
        };
        self.send(progress);
    }

    fn send(&self, progress: Option<Progress>) {
        if let (Some(callback), Some(progress)) = (&self.ctx.progress, progress) {
            callback(&progress);
        }
    }
}

fn done(stats: &StepStats) -> u64 {
    stats.records_out + stats.failed + stats.filtered
}

fn progress_of(index: usize, step: &StepState, now: Instant, finished: bool) -> Progress {
    let elapsed = now.saturating_duration_since(step.started);
    let done = done(&step.stats);
    Progress {
        step: step.stats.name.clone(),
        step_index: index,
        total: step.total,
        done,
        succeeded: step.stats.records_out,
        failed: step.stats.failed,
        elapsed,
        rate_per_second: rate(done, elapsed),
        finished,
    }
}
