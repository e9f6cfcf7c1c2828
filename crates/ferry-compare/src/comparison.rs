//! A comparison: one workload's cases (one per backend, plus any hand-written baselines), the
//! figure they are ranked by, and how they must be run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::backend::{Backend, BackendError};
use crate::measure::{Probe, Readings, Sample};
use crate::workload::{Figure, Report, Sizes, Workload};

/// Why one run of one case gave no sample.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The backend could not run it.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The workload returned an error.
    #[error("the workload failed: {chain}")]
    Workload {
        /// The error and its sources, joined by `: `.
        chain: String,
        /// The error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The workload panicked.
    #[error("the workload panicked: {0}")]
    Panicked(String),
    /// The report lacks what the comparison's figure needs.
    #[error("the figure in {unit} needs {needs}, which the workload did not report")]
    Figure {
        /// The figure's unit.
        unit: String,
        /// What was missing.
        needs: &'static str,
    },
    /// A case run in a fresh process failed there or said nothing the harness understood.
    #[error("the fresh process for this case failed: {0}")]
    Child(String),
}

impl CaseError {
    /// The workload's `error`, its sources spelled out in the message.
    pub(crate) fn workload(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        let mut chain = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Workload {
            chain,
            source: Box::new(error),
        }
    }
}

pub(crate) type RunFn = dyn Fn(&Sizes) -> Result<Sample, CaseError> + Send + Sync;

/// One backend or baseline of a comparison.
#[derive(Clone)]
pub(crate) struct Case {
    /// What runs, as in the results: `tokio-ct`, `ferry smol`, `tokio::spawn tokio-ct`.
    pub(crate) label: String,
    /// The runtime underneath, which pairs a case with the baselines on the same runtime.
    pub(crate) runtime: String,
    /// A hand-written baseline (the libraries used directly).
    pub(crate) baseline: bool,
    pub(crate) run: Arc<RunFn>,
}

impl Case {
    /// Runs the case once, a panic included in the error.
    pub(crate) fn run_once(&self, sizes: &Sizes) -> Result<Sample, CaseError> {
        catch_unwind(AssertUnwindSafe(|| (self.run)(sizes))).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_owned());
            Err(CaseError::Panicked(message))
        })
    }
}

/// One workload measured on several backends (and, optionally, next to hand-written
/// baselines), ranked by one [`Figure`].
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use ferry_compare::backends::Mock;
/// use ferry_compare::{Comparison, Env, Figure, Report, Sizes, Workload};
/// use ferry_rt::Timer;
///
/// struct Nap;
///
/// impl Workload for Nap {
///     type Error = std::convert::Infallible;
///
///     async fn run<E: Env>(self: Arc<Self>, env: E, _: Sizes) -> Result<Report, Self::Error> {
///         env.rt().sleep(Duration::from_millis(5)).await;
///         Ok(Report::new())
///     }
/// }
///
/// let comparison: Comparison = Comparison::new("nap", Figure::wall_ms())
///     .summary("one 5 ms sleep")
///     .workload(Nap)
///     .on(Mock::new())
///     .on(Mock::new().seed(8).named("mock-8"))
///     .into();
/// assert_eq!(comparison.labels(), ["mock", "mock-8"]);
/// ```
#[derive(Clone)]
pub struct Comparison {
    pub(crate) name: String,
    pub(crate) summary: String,
    pub(crate) figure: Figure,
    pub(crate) fresh_process: bool,
    pub(crate) cases: Vec<Case>,
}

impl std::fmt::Debug for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Comparison")
            .field("name", &self.name)
            .field("figure", &self.figure)
            .field("fresh_process", &self.fresh_process)
            .field("cases", &self.labels())
            .finish()
    }
}

impl Comparison {
    /// A comparison named `name` (on the command line and in the results), ranked by
    /// `figure`, with no cases yet.
    pub fn new(name: &str, figure: Figure) -> Self {
        Self {
            name: name.to_owned(),
            summary: String::new(),
            figure,
            fresh_process: false,
            cases: Vec::new(),
        }
    }

    /// One line saying what is measured, shown with the charts.
    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = summary.to_owned();
        self
    }

    /// Runs every case of this comparison in a fresh process (a memory peak, pinned threads
    /// or a global runtime must not carry from one case to the next), whatever the harness's
    /// `--fresh` says.
    pub fn fresh_process(mut self, fresh: bool) -> Self {
        self.fresh_process = fresh;
        self
    }

    /// Adds cases of `workload`: call [`on`](WithWorkload::on) for each backend.
    pub fn workload<W: Workload>(self, workload: W) -> WithWorkload<W> {
        WithWorkload {
            comparison: self,
            workload: Arc::new(workload),
            prefix: String::new(),
        }
    }

    /// Adds a hand-written baseline (code that uses a library directly, without ferry):
    /// `run` builds whatever runtime it needs, does the work and reports; the harness times
    /// the whole call unless the report is [`timed`](Report::timed). `runtime` pairs it
    /// with the cases on the same runtime.
    pub fn baseline<E>(
        self,
        label: &str,
        runtime: &str,
        run: impl Fn(&Sizes) -> Result<Report, E> + Send + Sync + 'static,
    ) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        self.case(label, runtime, true, run)
    }

    /// Adds a case run by a plain function, as [`baseline`](Self::baseline) does, saying
    /// whether it is a baseline.
    pub fn case<E>(
        mut self,
        label: &str,
        runtime: &str,
        baseline: bool,
        run: impl Fn(&Sizes) -> Result<Report, E> + Send + Sync + 'static,
    ) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let figure = self.figure.clone();
        self.cases.push(Case {
            label: label.to_owned(),
            runtime: runtime.to_owned(),
            baseline,
            run: Arc::new(move |sizes| {
                let probe = Probe::start();
                let report = run(sizes).map_err(CaseError::workload);
                let readings = probe.stop();
                sample(&figure, report?, readings, None)
            }),
        });
        self
    }

    /// The cases' labels, in the order they were added.
    pub fn labels(&self) -> Vec<&str> {
        self.cases.iter().map(|case| case.label.as_str()).collect()
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A [`Comparison`] being given the backends its workload runs on.
pub struct WithWorkload<W> {
    comparison: Comparison,
    workload: Arc<W>,
    prefix: String,
}

impl<W: Workload> WithWorkload<W> {
    /// Labels the following cases `<prefix><backend name>` (`ferry tokio-ct`), to tell them
    /// from baselines.
    pub fn label_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_owned();
        self
    }

    /// Runs the workload on `backend` too.
    pub fn on<B: Backend>(mut self, backend: B) -> Self {
        let label = format!("{}{}", self.prefix, backend.name());
        let runtime = backend.runtime().to_owned();
        let figure = self.comparison.figure.clone();
        let workload = Arc::clone(&self.workload);
        let backend = Arc::new(backend);
        self.comparison.cases.push(Case {
            label,
            runtime,
            baseline: false,
            run: Arc::new(move |sizes: &Sizes| {
                let workload = Arc::clone(&workload);
                let sizes = sizes.clone();
                let finished = backend.block_on(move |env| async move {
                    let probe = Probe::start();
                    let report = workload.run(env, sizes).await;
                    (report, probe.stop())
                })?;
                let (report, readings) = finished.output;
                let report = report.map_err(CaseError::workload)?;
                sample(&figure, report, readings, finished.virtual_time)
            }),
        });
        self
    }

    /// Runs the workload on every built-in backend this crate was built with: tokio-ct,
    /// tokio-mt, smol and the mock (unscripted HTTP), in that order.
    pub fn on_enabled_backends(self) -> Self {
        #[cfg(feature = "tokio")]
        let this = self
            .on(crate::backends::TokioCt::new())
            .on(crate::backends::TokioMt::new());
        #[cfg(not(feature = "tokio"))]
        let this = self;
        #[cfg(feature = "smol")]
        let this = this.on(crate::backends::Smol::new());
        #[cfg(feature = "mock")]
        let this = this.on(crate::backends::Mock::new());
        this
    }

    /// Adds a hand-written baseline; see [`Comparison::baseline`].
    pub fn baseline<E>(
        mut self,
        label: &str,
        runtime: &str,
        run: impl Fn(&Sizes) -> Result<Report, E> + Send + Sync + 'static,
    ) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        self.comparison = self.comparison.baseline(label, runtime, run);
        self
    }

    /// The comparison with its cases.
    pub fn done(self) -> Comparison {
        self.comparison
    }
}

impl<W: Workload> From<WithWorkload<W>> for Comparison {
    fn from(with: WithWorkload<W>) -> Self {
        with.done()
    }
}

/// Turns a report and the probe's readings into a sample.
fn sample(
    figure: &Figure,
    report: Report,
    readings: Readings,
    virtual_time: Option<std::time::Duration>,
) -> Result<Sample, CaseError> {
    let wall = report.timed_wall().unwrap_or(readings.wall);
    let value = figure
        .of(wall, &report)
        .map_err(|needs| CaseError::Figure {
            unit: figure.unit().to_owned(),
            needs,
        })?;
    let mut notes = report.notes().to_vec();
    if !readings.peak_reset && readings.peak_rss.is_some() {
        notes.push(
            "peak RSS: the kernel refused a reset, so in-process peaks include earlier cases; \
             run with --fresh for exact peaks"
                .to_owned(),
        );
    }
    Ok(Sample {
        wall,
        cpu: readings.cpu,
        peak_rss: readings.peak_rss,
        virtual_time,
        items: report.item_count(),
        value,
        notes,
    })
}
