//! [`MockError`]: why a mock run ended without the body's output.

use std::fmt;
use std::time::Duration;

use ferry_core::Panicked;

use crate::trace::TaskInfo;

/// A mock run failed: what went wrong, when on the virtual clock, and the seed that replays it.
///
/// Its message always names the seed, so a failure seen once (in CI, across a sweep of seeds)
/// can be replayed exactly with [`run`](crate::run) or [`Builder::seed`](crate::Builder::seed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at {at:?} of virtual time (seed {seed}; rerun with this seed to replay)")]
pub struct MockError {
    seed: u64,
    at: Duration,
    kind: MockErrorKind,
}

impl MockError {
    pub(crate) fn new(seed: u64, at: Duration, kind: MockErrorKind) -> Self {
        Self { seed, at, kind }
    }

    /// The seed of the failed run.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Virtual time since zero when the run failed.
    pub fn at(&self) -> Duration {
        self.at
    }

    /// What went wrong.
    pub fn kind(&self) -> &MockErrorKind {
        &self.kind
    }

    /// The tasks that were left waiting, if the run deadlocked.
    pub fn deadlocked_tasks(&self) -> Option<&[TaskInfo]> {
        match &self.kind {
            MockErrorKind::Deadlock { waiting } => Some(waiting),
            _ => None,
        }
    }
}

/// The ways a mock run can fail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MockErrorKind {
    /// Every task waits on something that is not a timer, so nothing can ever run again.
    Deadlock {
        /// The waiting tasks, `main` first, then by id.
        waiting: Vec<TaskInfo>,
    },
    /// The body (the future given to `run` or `block_on`) panicked.
    Panicked(Panicked),
    /// The executor polled tasks this many times: a task probably loops without waiting on a
    /// timer, so virtual time cannot move. Raise it with
    /// [`Builder::max_steps`](crate::Builder::max_steps) if the run is just long.
    StepLimit {
        /// The limit that was reached.
        limit: u64,
    },
    /// Every task waits and the next timer lies beyond the virtual time limit set with
    /// [`Builder::max_virtual_time`](crate::Builder::max_virtual_time).
    TimeLimit {
        /// The limit.
        limit: Duration,
        /// When the next timer would have fired.
        next_timer: Duration,
    },
}

impl fmt::Display for MockErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Deadlock { waiting } => {
                f.write_str(
                    "deadlock: every task waits on something that is not a timer; waiting: ",
                )?;
                for (i, task) in waiting.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{task}")?;
                }
                Ok(())
            }
            Self::Panicked(panicked) => write!(f, "the body panicked: {panicked}"),
            Self::StepLimit { limit } => write!(
                f,
                "step limit of {limit} polls reached (a task may loop without waiting on a timer)"
            ),
            Self::TimeLimit { limit, next_timer } => write!(
                f,
                "virtual time limit of {limit:?} reached: the next timer would fire at {next_timer:?}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::TaskId;

    #[test]
    fn deadlock_message_names_tasks_time_and_seed() {
        let error = MockError::new(
            42,
            Duration::from_secs(2),
            MockErrorKind::Deadlock {
                waiting: vec![
                    TaskInfo {
                        id: TaskId::MAIN,
                        name: None,
                    },
                    TaskInfo {
                        id: TaskId(4),
                        name: Some("consumer".into()),
                    },
                ],
            },
        );
        assert_eq!(
            error.to_string(),
            "deadlock: every task waits on something that is not a timer; waiting: main, \
             #4 \"consumer\" at 2s of virtual time (seed 42; rerun with this seed to replay)"
        );
    }
}
