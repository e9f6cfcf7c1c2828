//! The trace: what happened during a run, stamped with virtual time.
//!
//! Two runs with the same seed produce equal traces (`Vec<TraceEvent>` compares with `==`),
//! so a test can check determinism, and a failing run can be explained by printing its trace
//! (each event's [`Display`](fmt::Display) is one readable line).

use std::fmt;
use std::time::Duration;

/// A task's number within one run: `main` (the body given to [`run`](crate::run) or
/// [`MockRunner::block_on`](crate::MockRunner::block_on)) is 0, spawned tasks count up from 1
/// in the order they were spawned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The body the runner blocks on.
    pub const MAIN: TaskId = TaskId(0);

    /// The number itself.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::MAIN {
            f.write_str("main")
        } else {
            write!(f, "#{}", self.0)
        }
    }
}

/// A timer's number within one run, counting up from 0 in the order timers were first polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub(crate) u64);

impl TimerId {
    /// The number itself.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timer #{}", self.0)
    }
}

/// A task as errors and inspection report it: its id and the name it was spawned with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's id.
    pub id: TaskId,
    /// The name given with [`MockRuntime::named`](crate::MockRuntime::named), if any.
    pub name: Option<String>,
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{} {name:?}", self.id),
            None => write!(f, "{}", self.id),
        }
    }
}

/// One thing that happened, at a virtual time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// Virtual time since the clock's zero when it happened.
    pub at: Duration,
    /// What happened.
    pub kind: TraceKind,
}

/// What a [`TraceEvent`] records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceKind {
    /// A task or a blocking closure was spawned.
    Spawned {
        /// The new task.
        task: TaskId,
        /// Its name, if it was given one.
        name: Option<String>,
        /// Whether it is a `spawn_blocking` closure rather than a future.
        blocking: bool,
        /// The task that was running when it was spawned; `None` when spawned from outside
        /// the executor (a runner method, another thread).
        parent: Option<TaskId>,
    },
    /// A task ran to completion (its future finished or its closure returned).
    Ended {
        /// The task.
        task: TaskId,
    },
    /// A raw task panicked. Tasks spawned through `SpawnExt` catch their own panics and end
    /// normally, so this only shows for futures handed straight to `spawn_boxed`.
    Panicked {
        /// The task.
        task: TaskId,
        /// The panic's message.
        message: String,
    },
    /// An aborted task was dropped before it finished.
    Aborted {
        /// The task.
        task: TaskId,
    },
    /// A timer reached its deadline and woke whoever waited on it.
    TimerFired {
        /// The timer.
        timer: TimerId,
        /// The task that first polled the sleep, if it was polled inside a task.
        owner: Option<TaskId>,
    },
    /// The virtual clock moved forward; the event's `at` is the new time.
    TimeAdvanced {
        /// The time before the move.
        from: Duration,
    },
    /// An event recorded by another mock component (scripted HTTP, in-memory files) or by a
    /// test, through [`MockRuntime::record`](crate::MockRuntime::record).
    Custom {
        /// The task that was running when it was recorded, if any.
        task: Option<TaskId>,
        /// Who recorded it, such as `"http"` or `"fs"`.
        component: String,
        /// What happened, in words.
        detail: String,
    },
}

/// Writes a virtual time as seconds with nanosecond precision, so that lines align and no
/// rounding hides a difference between two runs.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>6}.{:09}s", self.0.as_secs(), self.0.subsec_nanos())
    }
}

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}  ", Seconds(self.at))?;
        match &self.kind {
            TraceKind::Spawned {
                task,
                name,
                blocking,
                parent,
            } => {
                let what = if *blocking { "blocking task" } else { "task" };
                let info = TaskInfo {
                    id: *task,
                    name: name.clone(),
                };
                write!(f, "{what} {info} spawned")?;
                match parent {
                    Some(parent) => write!(f, " by {parent}"),
                    None => f.write_str(" from outside the executor"),
                }
            }
            TraceKind::Ended { task } => write!(f, "task {task} ended"),
            TraceKind::Panicked { task, message } => write!(f, "task {task} panicked: {message}"),
            TraceKind::Aborted { task } => write!(f, "task {task} aborted"),
            TraceKind::TimerFired { timer, owner } => match owner {
                Some(owner) => write!(f, "{timer} (slept on by {owner}) fired"),
                None => write!(f, "{timer} fired"),
            },
            TraceKind::TimeAdvanced { from } => {
                write!(f, "time advanced from {}", Seconds(*from))
            }
            TraceKind::Custom {
                task,
                component,
                detail,
            } => match task {
                Some(task) => write!(f, "[{component}] {task}: {detail}"),
                None => write!(f, "[{component}] {detail}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_display_as_one_aligned_line() {
        let spawned = TraceEvent {
            at: Duration::from_millis(1500),
            kind: TraceKind::Spawned {
                task: TaskId(3),
                name: Some("worker".into()),
                blocking: false,
                parent: Some(TaskId::MAIN),
            },
        };
        assert_eq!(
            spawned.to_string(),
            "     1.500000000s  task #3 \"worker\" spawned by main"
        );
        let custom = TraceEvent {
            at: Duration::ZERO,
            kind: TraceKind::Custom {
                task: Some(TaskId(2)),
                component: "http".into(),
                detail: "GET /items -> 200".into(),
            },
        };
        assert_eq!(
            custom.to_string(),
            "     0.000000000s  [http] #2: GET /items -> 200"
        );
    }
}
