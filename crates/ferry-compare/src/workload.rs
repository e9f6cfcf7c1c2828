//! What a user writes: a [`Workload`], generic over an [`Env`] (a runtime, an HTTP client and
//! a file system built for one backend), and the [`Report`] it returns.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use ferry_fs::FileSystem;
use ferry_http::{HttpClient, HttpSettings};
use ferry_rt::Runtime;
use serde::{Deserialize, Serialize};

/// Size overrides every run gets: `--quick`, `--items N` and `--concurrency N`.
///
/// A workload keeps its own defaults and asks for the figure it should use:
///
/// ```
/// use ferry_compare::Sizes;
///
/// let quick = Sizes { quick: true, ..Sizes::default() };
/// assert_eq!(quick.items(1_000_000, 50_000), 50_000);
/// let forced = Sizes { items: Some(7), ..Sizes::default() };
/// assert_eq!(forced.items(1_000_000, 50_000), 7);
/// assert_eq!(forced.concurrency(64), 64);
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    /// Small sizes for a smoke run.
    pub quick: bool,
    /// How many items (operations, tasks, files, requests) a workload handles.
    pub items: Option<usize>,
    /// How many at once, where the workload has a limit.
    pub concurrency: Option<usize>,
}

impl Sizes {
    /// The item count: the override, else `quick` or `full`.
    pub fn items(&self, full: usize, quick: usize) -> usize {
        self.items.unwrap_or(if self.quick { quick } else { full })
    }

    /// The concurrency: the override, else `default`.
    pub fn concurrency(&self, default: usize) -> usize {
        self.concurrency.unwrap_or(default)
    }
}

/// What one run of a workload says about itself, besides what the harness measures.
///
/// All parts are optional: an empty report means "time all of me".
///
/// ```
/// use std::time::Duration;
/// use ferry_compare::Report;
///
/// let report = Report::new()
///     .items(1_000)
///     .timed(Duration::from_millis(20))
///     .note("warm cache");
/// assert_eq!(report.item_count(), Some(1_000));
/// ```
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    items: Option<u64>,
    timed: Option<Duration>,
    value: Option<f64>,
    notes: Vec<String>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many items the run handled: gives throughput (items per second of wall time) and
    /// the `ns/item` figure.
    pub fn items(mut self, count: u64) -> Self {
        self.items = Some(count);
        self
    }

    /// The wall time of the part that matters, timed by the workload itself (for example
    /// without starting a server first). Without it the harness times the whole run.
    pub fn timed(mut self, elapsed: Duration) -> Self {
        self.timed = Some(elapsed);
        self
    }

    /// The figure itself, for a [`Figure::custom`] comparison (bytes per task, an efficiency).
    pub fn value(mut self, value: f64) -> Self {
        self.value = Some(value);
        self
    }

    /// Something the reader should know about this run; repeated notes are shown once.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The item count, if reported.
    pub fn item_count(&self) -> Option<u64> {
        self.items
    }

    /// The workload's own timing, if reported.
    pub fn timed_wall(&self) -> Option<Duration> {
        self.timed
    }

    /// The custom figure, if reported.
    pub fn custom_value(&self) -> Option<f64> {
        self.value
    }

    /// The notes.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// Which number of a run a comparison ranks by: its unit and whether more is better.
///
/// ```
/// use ferry_compare::Figure;
///
/// assert_eq!(Figure::nanos_per("task").unit(), "ns/task");
/// assert!(Figure::per_second("req/s").higher_is_better());
/// assert!(!Figure::wall_ms().higher_is_better());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    kind: FigureKind,
    unit: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FigureKind {
    WallMs,
    NanosPerItem,
    PerSecond,
    Custom { higher_is_better: bool },
}

impl Figure {
    /// Milliseconds of wall time (the workload's [`Report::timed`] if given).
    pub fn wall_ms() -> Self {
        Self {
            kind: FigureKind::WallMs,
            unit: "ms".to_owned(),
        }
    }

    /// Nanoseconds of wall time per reported item, unit `ns/<item>`; needs [`Report::items`].
    pub fn nanos_per(item: &str) -> Self {
        Self {
            kind: FigureKind::NanosPerItem,
            unit: format!("ns/{item}"),
        }
    }

    /// Reported items per second of wall time, under `unit` (`req/s`); needs
    /// [`Report::items`]. More is better.
    pub fn per_second(unit: &str) -> Self {
        Self {
            kind: FigureKind::PerSecond,
            unit: unit.to_owned(),
        }
    }

    /// The workload's own [`Report::value`], under `unit`.
    pub fn custom(unit: &str, higher_is_better: bool) -> Self {
        Self {
            kind: FigureKind::Custom { higher_is_better },
            unit: unit.to_owned(),
        }
    }

    /// The unit shown next to the figure.
    pub fn unit(&self) -> &str {
        &self.unit
    }

    /// Whether a larger figure is better.
    pub fn higher_is_better(&self) -> bool {
        matches!(
            self.kind,
            FigureKind::PerSecond
                | FigureKind::Custom {
                    higher_is_better: true
                }
        )
    }

    /// The figure of one run, or what the report lacks to give it.
    pub(crate) fn of(&self, wall: Duration, report: &Report) -> Result<f64, &'static str> {
        let items = || {
            report
                .items
                .filter(|items| *items > 0)
                .ok_or("an item count above zero (Report::items)")
        };
        match self.kind {
            FigureKind::WallMs => Ok(wall.as_secs_f64() * 1e3),
            FigureKind::NanosPerItem => Ok(wall.as_nanos() as f64 / items()? as f64),
            FigureKind::PerSecond => {
                let seconds = wall.as_secs_f64();
                if seconds > 0.0 {
                    Ok(items()? as f64 / seconds)
                } else {
                    Err("a wall time above zero")
                }
            }
            FigureKind::Custom { .. } => report.value.ok_or("a value (Report::value)"),
        }
    }
}

/// Why an [`Env`] could not give what a workload asked for.
#[derive(Debug, thiserror::Error)]
#[error("backend {backend} could not build {what}: {source}")]
pub struct EnvError {
    backend: String,
    what: &'static str,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl EnvError {
    /// `backend` could not build `what` (an HTTP client, a file system) because of `source`.
    pub fn new(
        backend: &str,
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            backend: backend.to_owned(),
            what,
            source: source.into(),
        }
    }
}

/// What one backend gives a workload: a runtime, and an HTTP client and a file system that
/// work on that runtime.
///
/// The built-in backends give ferry's own: `TokioRuntime` with `TokioHttpClient` and
/// `TokioFs`, `SmolRuntime` with `SmolHttpClient` and `SmolFs`, `MockRuntime` with scripted
/// HTTP (`MockHttp`) and an in-memory file system (`MemFs`). A third-party backend implements
/// this trait and [`Backend`](crate::Backend).
pub trait Env: Send + Sync + 'static {
    /// The runtime.
    type Rt: Runtime + Clone + 'static;
    /// An HTTP client on that runtime.
    type Http: HttpClient + Clone + 'static;
    /// A file system on that runtime.
    type Fs: FileSystem + Clone + 'static;

    /// The backend's name, as in the results (`tokio-ct`).
    fn backend(&self) -> &str;

    /// The runtime.
    fn rt(&self) -> &Self::Rt;

    /// A new HTTP client with `settings`.
    ///
    /// # Errors
    ///
    /// The backend refused the settings (an invalid root certificate, for example).
    fn http(&self, settings: HttpSettings) -> Result<Self::Http, EnvError>;

    /// The file system.
    fn fs(&self) -> Self::Fs;
}

/// An async workload written once, generic over the [`Env`] of whatever backend runs it.
///
/// The harness hands it a fresh runtime for every run and times it from its first poll to
/// its end (or takes the workload's [`Report::timed`]).
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use ferry_compare::{Env, Report, Sizes, Workload};
/// use ferry_rt::Timer;
///
/// /// Sleeps ten times for 5 ms.
/// struct Naps;
///
/// impl Workload for Naps {
///     type Error = std::convert::Infallible;
///
///     async fn run<E: Env>(self: Arc<Self>, env: E, _sizes: Sizes) -> Result<Report, Self::Error> {
///         for _ in 0..10 {
///             env.rt().sleep(Duration::from_millis(5)).await;
///         }
///         Ok(Report::new().items(10))
///     }
/// }
/// ```
pub trait Workload: Send + Sync + 'static {
    /// Why a run failed.
    type Error: std::error::Error + Send + Sync + 'static;

    /// One run on `env`, at `sizes`.
    fn run<E: Env>(
        self: Arc<Self>,
        env: E,
        sizes: Sizes,
    ) -> impl Future<Output = Result<Report, Self::Error>> + Send;
}
