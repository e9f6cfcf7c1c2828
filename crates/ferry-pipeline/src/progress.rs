//! Progress reports a UI can draw: what a step has done, how fast, and how often to say so.

use std::sync::Arc;
use std::time::Duration;

/// A snapshot of one step's progress, handed to the context's progress callback.
///
/// `done == succeeded + failed + filtered`: every record the step has finished with, however
/// it ended.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Progress {
    /// The step's name.
    pub step: String,
    /// The step's index in the pipeline, from 0.
    pub step_index: usize,
    /// How many records the step expects to handle, when it knows (its input's length, or the
    /// rows of the files it read).
    pub total: Option<u64>,
    /// Records finished: succeeded, failed or filtered out.
    pub done: u64,
    /// Records that came out of the step.
    pub succeeded: u64,
    /// Records that failed, whatever the policy did with them.
    pub failed: u64,
    /// Time since the step started, on the context's clock.
    pub elapsed: Duration,
    /// `done` per second of `elapsed` (0 before any time has passed).
    pub rate_per_second: f64,
    /// Whether this is the step's last report (sent when it ends, successfully or not).
    pub finished: bool,
}

/// The callback a [`PipelineContext`](super::PipelineContext) sends [`Progress`] to.
///
/// It is called on the task running the pipeline, outside any lock: keep it short (draw a
/// bar, or `try_send` into a channel a UI task reads) because the step waits for it.
pub type ProgressCallback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How often a step reports progress: when `every_items` more records are done since the
/// last report, or when `every` has passed since it on the context's clock, whichever comes
/// first; and always once when the step ends.
///
/// Time is looked at only when a record finishes (no timer runs), so a step that makes no
/// progress sends no reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressThrottle {
    /// Report after this many more records (at least 1).
    pub every_items: u64,
    /// Report after this much time.
    pub every: Duration,
}

impl ProgressThrottle {
    /// Reports after every record: for tests and small runs.
    pub const EVERY_ITEM: Self = Self {
        every_items: 1,
        every: Duration::ZERO,
    };
}

impl Default for ProgressThrottle {
    /// Every 100 records or every 100 ms: smooth for a terminal bar, cheap for big runs.
    fn default() -> Self {
        Self {
            every_items: 100,
            every: Duration::from_millis(100),
        }
    }
}

pub(crate) fn rate(done: u64, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        done as f64 / seconds
    } else {
        0.0
    }
}
