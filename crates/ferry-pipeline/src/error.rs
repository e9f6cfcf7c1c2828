//! What can go wrong with a record or a run, and what a step does about it.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// A record's failure: any error, shared so that every report of it (the run's error, the
/// skipped list, the dead-letter list) can hold the same value. Downcast it with
/// `error.downcast_ref::<E>()` to get the step's own error type back ([`Panicked`] for a
/// panic caught in an [`Enrich`](super::Enrich) or [`Batch`](super::Batch) function).
///
/// [`Panicked`]: ferry_core::Panicked
pub type RecordError = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// What a step does with a record that fails.
///
/// Whatever the policy, the failure is counted in the step's [`failed`](super::StepStats)
/// count, so that for every step `in == out + failed + filtered` once it has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FailurePolicy {
    /// Stop the run: [`Pipeline::run`](super::Pipeline::run) returns
    /// [`PipelineError::Record`] naming the step and the record's position. The default, so
    /// that a failure is never passed over unless the caller says so.
    #[default]
    FailRun,
    /// Leave the record out, list its error in the context's
    /// [`skipped`](super::PipelineContext::skipped) failures, and go on.
    Skip,
    /// Leave the record out, keep it (when the step can) with its error in the context's
    /// [`dead_letters`](super::PipelineContext::dead_letters), and go on.
    DeadLetter,
}

/// Where a failed record was in a step's input.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecordPosition {
    /// The record at this index (from 0) of the step's input.
    Index(usize),
    /// The record on this line (from 1) of a file the step read.
    Line {
        /// The file.
        path: PathBuf,
        /// The line, counted from 1.
        line: u64,
    },
    /// A whole batch of records, when a batch's failure stops the run.
    Batch {
        /// The batch's index, from 0.
        batch: usize,
        /// The index of the batch's first record in the step's input.
        first: usize,
        /// How many records the batch holds.
        len: usize,
    },
}

impl fmt::Display for RecordPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Index(index) => write!(f, "record #{index}"),
            Self::Line { path, line } => write!(f, "{} line {line}", path.display()),
            Self::Batch { batch, first, len } => write!(
                f,
                "batch #{batch} (records #{first}..#{})",
                first + len.saturating_sub(1)
            ),
        }
    }
}

/// A copy of a failed record, kept in the dead-letter list.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DeadRecord {
    /// The record as JSON, taken before the step handed it on (records are serde types).
    Json(serde_json::Value),
    /// The raw text of a line or row that did not parse.
    Text(String),
}

/// What became of a failed record that did not stop the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// Left out under [`FailurePolicy::Skip`].
    Skipped,
    /// Left out and kept under [`FailurePolicy::DeadLetter`].
    DeadLettered,
}

/// A record that failed in a step and was left out of the run.
#[derive(Debug, Clone)]
pub struct FailedRecord {
    pub(crate) step: String,
    pub(crate) step_index: usize,
    pub(crate) position: RecordPosition,
    pub(crate) error: RecordError,
    pub(crate) disposition: Disposition,
    pub(crate) record: Option<DeadRecord>,
}

impl FailedRecord {
    /// The name of the step it failed in.
    pub fn step(&self) -> &str {
        &self.step
    }

    /// The index of that step in the pipeline, from 0.
    pub fn step_index(&self) -> usize {
        self.step_index
    }

    /// Where the record was in the step's input.
    pub fn position(&self) -> &RecordPosition {
        &self.position
    }

    /// Why it failed.
    pub fn error(&self) -> &RecordError {
        &self.error
    }

    /// Whether it was skipped or dead-lettered.
    pub fn disposition(&self) -> Disposition {
        self.disposition
    }

    /// The record itself: for dead letters when the step could keep it, never for skipped
    /// records.
    pub fn record(&self) -> Option<&DeadRecord> {
        self.record.as_ref()
    }
}

impl fmt::Display for FailedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&describe(&self.step, &self.position, &self.error))
    }
}

/// `step `name`, position: error`, leaving out a line position: the errors of records read
/// from files name the file and line themselves.
fn describe(step: &str, position: &RecordPosition, error: &RecordError) -> String {
    match position {
        RecordPosition::Line { .. } => format!("step `{step}`: {error}"),
        _ => format!("step `{step}`, {position}: {error}"),
    }
}

/// Why a pipeline run stopped.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A record failed in a step whose policy is [`FailurePolicy::FailRun`].
    #[error("{} (the run stopped)", describe(.step, .position, .source))]
    Record {
        /// The step's name.
        step: String,
        /// Where the record was in the step's input.
        position: RecordPosition,
        /// Why it failed.
        source: RecordError,
    },
    /// A step failed as a whole, not because of one record (a file that cannot be read or
    /// written).
    #[error("step `{step}` failed: {source}")]
    Step {
        /// The step's name.
        step: String,
        /// Why it failed.
        source: RecordError,
    },
}

impl PipelineError {
    /// The name of the step that failed.
    pub fn step(&self) -> &str {
        match self {
            Self::Record { step, .. } | Self::Step { step, .. } => step,
        }
    }

    /// Where the failing record was, if one record stopped the run.
    pub fn position(&self) -> Option<&RecordPosition> {
        match self {
            Self::Record { position, .. } => Some(position),
            Self::Step { .. } => None,
        }
    }
}

/// A batch size of zero was asked for; a batch must hold at least one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("batch size must be at least 1, got 0")]
pub struct InvalidBatchSize;
