//! The harness: runs every case of every comparison, interleaved and rotated, in this process
//! or each in a fresh one, and gathers the rows.
//!
//! # Order of runs
//!
//! A comparison's cases run back to back within one round (so a slow moment of a shared
//! machine hits them alike), and the order rotates by one every round (so no case is always
//! first, paying for the process's first allocations or a cold cache). The first `warmup`
//! rounds are discarded.
//!
//! # Fresh processes
//!
//! With `--fresh`, or for a comparison marked [`fresh_process`](Comparison::fresh_process),
//! each run of a case re-executes the current binary with the environment variable
//! `FERRY_COMPARE_CHILD` naming the case; [`Harness::run`] in that child runs the case once,
//! prints the sample on stdout and exits. So the binary must build the same harness whatever
//! its arguments, and call [`Harness::run`] or [`Harness::main`] before doing anything else.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::baseline::{self, BaselineError, Change, Verdict};
use crate::comparison::{CaseError, Comparison};
use crate::config::{Config, ConfigError, HELP};
use crate::measure::Sample;
use crate::stats::{self, Layout, Observation, Row};
use crate::workload::Sizes;

/// The environment variable that makes a process a fresh-process child.
pub const CHILD_ENV: &str = "FERRY_COMPARE_CHILD";
const SAMPLE_PREFIX: &str = "ferry-compare-sample\t";

/// What a child is asked to run.
#[derive(Debug, Serialize, Deserialize)]
struct ChildRequest {
    comparison: String,
    case: String,
    sizes: Sizes,
}

/// Why a harness run failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The command line was not understood.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `--only` or `--reference` named nothing the harness has.
    #[error("unknown {what} `{name}`; known: {known}")]
    Unknown {
        /// `comparison` or `case`.
        what: &'static str,
        /// The name given.
        name: String,
        /// The names there are.
        known: String,
    },
    /// A saved run could not be read or written.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// An output file could not be written.
    #[error("could not write {path}: {message}")]
    Output {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
}

/// A case that failed in one run; the harness goes on with the others.
#[derive(Debug)]
pub struct Failure {
    /// The comparison.
    pub comparison: String,
    /// The case.
    pub case: String,
    /// Which round (warm-up rounds count).
    pub round: usize,
    /// Why.
    pub error: CaseError,
}

/// Everything a harness run found.
#[derive(Debug)]
pub struct Outcome {
    /// One row per comparison and case.
    pub rows: Vec<Row>,
    /// Against the saved run, per row (`None`: not in it, or no `--baseline`).
    pub changes: Vec<Option<Change>>,
    /// The saved run compared against.
    pub baseline: Option<String>,
    /// Notes from the runs, each once.
    pub notes: Vec<String>,
    /// Cases that failed.
    pub failures: Vec<Failure>,
    /// Measured runs per case.
    pub runs: usize,
    /// Whether it ran at quick sizes.
    pub quick: bool,
    /// The comparisons' summaries, by name.
    pub summaries: BTreeMap<String, String>,
    /// The title.
    pub title: String,
}

impl Outcome {
    /// The rows that regressed against the saved run.
    pub fn regressions(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .zip(&self.changes)
            .filter(|(_, change)| change.is_some_and(|c| c.verdict == Verdict::Regressed))
            .map(|(row, _)| row)
            .collect()
    }
}

/// The comparisons of one program, run together.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use ferry_compare::backends::Mock;
/// use ferry_compare::{Comparison, Config, Env, Figure, Harness, Report, Sizes, Workload};
/// use ferry_rt::Timer;
///
/// /// 100 timeouts of 30 s: an hour of virtual time, no wall time to speak of.
/// struct Timeouts;
///
/// impl Workload for Timeouts {
///     type Error = std::convert::Infallible;
///
///     async fn run<E: Env>(self: Arc<Self>, env: E, _: Sizes) -> Result<Report, Self::Error> {
///         for _ in 0..100 {
///             env.rt().sleep(Duration::from_secs(30)).await;
///         }
///         Ok(Report::new().items(100))
///     }
/// }
///
/// let harness = Harness::new("timeouts").compare(
///     Comparison::new("timeouts", Figure::nanos_per("timeout"))
///         .workload(Timeouts)
///         .on(Mock::new())
///         .on(Mock::new().seed(1).named("mock-1")),
/// );
/// let outcome = harness.run(&Config::quiet(3)).unwrap();
/// assert_eq!(outcome.rows.len(), 2);
/// let mock = &outcome.rows[0];
/// assert_eq!(mock.virtual_ms.unwrap().median, 3_000_000.0);
/// assert_eq!(mock.samples.len(), 3);
/// print!("{}", ferry_compare::report::table(&outcome));
/// ```
#[derive(Debug, Default)]
pub struct Harness {
    title: String,
    comparisons: Vec<Comparison>,
}

impl Harness {
    /// A harness with no comparisons; `title` heads the table and the HTML page.
    pub fn new(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            comparisons: Vec::new(),
        }
    }

    /// Adds a comparison.
    pub fn compare(mut self, comparison: impl Into<Comparison>) -> Self {
        self.comparisons.push(comparison.into());
        self
    }

    /// The whole program: parses the command line, runs, prints the table, writes
    /// results.json, one SVG chart per comparison and index.html, saves or compares with a
    /// baseline when asked, and returns the exit code (1 when a case failed).
    pub fn main(self) -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let config = match Config::from_args(&args) {
            Ok(Some(config)) => config,
            Ok(None) => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            Err(error) => {
                eprintln!("{error}");
                return ExitCode::from(2);
            }
        };
        match self.run_and_report(&config) {
            Ok(code) => code,
            Err(error) => {
                eprintln!("{}: {error}", self.title);
                ExitCode::FAILURE
            }
        }
    }

    fn run_and_report(&self, config: &Config) -> Result<ExitCode, HarnessError> {
        let started = Instant::now();
        let outcome = self.run(config)?;
        print!("{}", crate::report::table(&outcome));
        for failure in &outcome.failures {
            eprintln!(
                "FAILED: {} / {} (round {}): {}",
                failure.comparison, failure.case, failure.round, failure.error
            );
        }
        if let Some(dir) = &config.out_dir {
            let written = crate::report::write_all(&outcome, dir)?;
            println!(
                "wrote {} ({} files) in {:.1} s",
                dir.display(),
                written,
                started.elapsed().as_secs_f64()
            );
            if let Some(name) = &config.save {
                let path = baseline::save(&dir.join("baselines"), name, &outcome.rows)?;
                println!("saved this run as `{name}`: {}", path.display());
            }
        }
        let regressed = outcome.regressions();
        if let Some(name) = &outcome.baseline {
            println!(
                "against `{name}`: {} regressed beyond the noise",
                regressed.len()
            );
        }
        let failed =
            !outcome.failures.is_empty() || (config.fail_on_regression && !regressed.is_empty());
        Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        })
    }

    /// Runs the comparisons as `config` says and returns what was found, printing nothing but
    /// the progress bar. In a fresh-process child it runs the one case asked for, prints its
    /// sample and exits the process.
    ///
    /// # Errors
    ///
    /// `--only` or `--reference` names nothing here, or `--baseline` names no readable saved
    /// run. A failing case is not an error: it is in [`Outcome::failures`].
    pub fn run(&self, config: &Config) -> Result<Outcome, HarnessError> {
        if let Ok(request) = std::env::var(CHILD_ENV) {
            self.child(&request);
        }
        let selected = self.select(config)?;
        let saved = match (&config.baseline, &config.out_dir) {
            (Some(name), Some(dir)) => Some(baseline::load(&dir.join("baselines"), name)?),
            (Some(name), None) => {
                return Err(HarnessError::Baseline(BaselineError::Io {
                    path: name.into(),
                    source: std::io::Error::other("--baseline needs an output directory"),
                }));
            }
            _ => None,
        };
        let filtered = only_cases(selected, &config.cases)?;
        let selected: Vec<&Comparison> = filtered.iter().collect();
        let rounds = config.warmup + config.runs;
        let total: usize = selected.iter().map(|c| c.cases.len() * rounds).sum();
        let progress = progress_bar(config.progress, total as u64);
        let mut observations = Vec::new();
        let mut failures = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        for comparison in &selected {
            let fresh = config.fresh || comparison.fresh_process;
            let count = comparison.cases.len();
            for round in 0..rounds {
                let warm = round < config.warmup;
                for index in 0..count {
                    let case = &comparison.cases[(index + round) % count];
                    progress.set_message(format!(
                        "{} / {}{}",
                        comparison.name,
                        case.label,
                        if warm { " (warm-up)" } else { "" }
                    ));
                    let result = if fresh {
                        run_in_child(&comparison.name, &case.label, &config.sizes)
                    } else {
                        case.run_once(&config.sizes)
                    };
                    progress.inc(1);
                    match result {
                        Ok(sample) if !warm => {
                            for note in &sample.notes {
                                if !notes.contains(note) {
                                    notes.push(note.clone());
                                }
                            }
                            observations.push(Observation {
                                comparison: comparison.name.clone(),
                                case: case.label.clone(),
                                runtime: case.runtime.clone(),
                                baseline: case.baseline,
                                run: round - config.warmup,
                                sample,
                            });
                        }
                        Ok(_) => {}
                        Err(error) => failures.push(Failure {
                            comparison: comparison.name.clone(),
                            case: case.label.clone(),
                            round,
                            error,
                        }),
                    }
                }
            }
        }
        progress.finish_and_clear();
        let layouts: Vec<Layout> = selected
            .iter()
            .map(|c| Layout {
                name: c.name.clone(),
                unit: c.figure.unit().to_owned(),
                higher_is_better: c.figure.higher_is_better(),
                cases: c.cases.iter().map(|case| case.label.clone()).collect(),
            })
            .collect();
        let rows = stats::aggregate(&observations, &layouts, &config.reference);
        let changes = match &saved {
            Some(saved) => baseline::compare(saved, &rows),
            None => vec![None; rows.len()],
        };
        Ok(Outcome {
            rows,
            changes,
            baseline: saved.map(|saved| saved.name),
            notes,
            failures,
            runs: config.runs,
            quick: config.sizes.quick,
            summaries: selected
                .iter()
                .map(|c| (c.name.clone(), c.summary.clone()))
                .collect(),
            title: self.title.clone(),
        })
    }

    /// The comparisons `--only` selects, checked against `--reference`.
    fn select(&self, config: &Config) -> Result<Vec<&Comparison>, HarnessError> {
        let known = || {
            self.comparisons
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for name in &config.only {
            if !self.comparisons.iter().any(|c| &c.name == name) {
                return Err(HarnessError::Unknown {
                    what: "comparison",
                    name: name.clone(),
                    known: known(),
                });
            }
        }
        let selected: Vec<&Comparison> = self
            .comparisons
            .iter()
            .filter(|c| config.only.is_empty() || config.only.contains(&c.name))
            .collect();
        if let stats::Reference::Case(label) = &config.reference {
            let found = selected
                .iter()
                .any(|c| c.labels().contains(&label.as_str()));
            if !found {
                let labels: Vec<&str> = selected.iter().flat_map(|c| c.labels()).collect();
                return Err(HarnessError::Unknown {
                    what: "case",
                    name: label.clone(),
                    known: labels.join(", "),
                });
            }
        }
        Ok(selected)
    }

    /// Runs the case `request` names, prints its sample (or its error) and exits.
    fn child(&self, request: &str) -> ! {
        let outcome = serde_json::from_str::<ChildRequest>(request)
            .map_err(|error| format!("bad {CHILD_ENV} {request:?}: {error}"))
            .and_then(|request| {
                let case = self
                    .comparisons
                    .iter()
                    .filter(|c| c.name == request.comparison)
                    .flat_map(|c| &c.cases)
                    .find(|case| case.label == request.case)
                    .ok_or_else(|| {
                        format!(
                            "this binary has no case `{}` in comparison `{}`",
                            request.case, request.comparison
                        )
                    })?;
                case.run_once(&request.sizes)
                    .map_err(|error| error.to_string())
            });
        match outcome {
            Ok(sample) => {
                let line = serde_json::to_string(&sample).unwrap_or_default();
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{SAMPLE_PREFIX}{line}");
                let _ = stdout.flush();
                std::process::exit(0)
            }
            Err(message) => {
                eprintln!("{message}");
                std::process::exit(1)
            }
        }
    }
}

/// The comparisons with only the cases `labels` names (all of them when it is empty);
/// comparisons left with no case are dropped.
fn only_cases(
    selected: Vec<&Comparison>,
    labels: &[String],
) -> Result<Vec<Comparison>, HarnessError> {
    if labels.is_empty() {
        return Ok(selected.into_iter().cloned().collect());
    }
    for label in labels {
        if !selected
            .iter()
            .any(|c| c.labels().contains(&label.as_str()))
        {
            let known: Vec<&str> = selected.iter().flat_map(|c| c.labels()).collect();
            return Err(HarnessError::Unknown {
                what: "case",
                name: label.clone(),
                known: known.join(", "),
            });
        }
    }
    Ok(selected
        .into_iter()
        .map(|comparison| {
            let mut comparison = comparison.clone();
            comparison.cases.retain(|case| labels.contains(&case.label));
            comparison
        })
        .filter(|comparison| !comparison.cases.is_empty())
        .collect())
}

/// Runs one case once in a fresh copy of this binary.
fn run_in_child(comparison: &str, case: &str, sizes: &Sizes) -> Result<Sample, CaseError> {
    let request = ChildRequest {
        comparison: comparison.to_owned(),
        case: case.to_owned(),
        sizes: sizes.clone(),
    };
    let request = serde_json::to_string(&request).map_err(|e| CaseError::Child(e.to_string()))?;
    let exe = std::env::current_exe()
        .map_err(|error| CaseError::Child(format!("cannot find this binary: {error}")))?;
    let output = Command::new(&exe)
        .args(std::env::args_os().skip(1))
        .env(CHILD_ENV, request)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| CaseError::Child(format!("cannot start {}: {error}", exe.display())))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|line| line.strip_prefix(SAMPLE_PREFIX));
    match line {
        Some(line) if output.status.success() => serde_json::from_str(line)
            .map_err(|error| CaseError::Child(format!("unreadable sample {line:?}: {error}"))),
        _ => Err(CaseError::Child(format!(
            "{} exited with {}: {}",
            exe.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))),
    }
}

fn progress_bar(enabled: bool, total: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {elapsed_precise} {msg}")
    {
        bar.set_style(style);
    }
    bar
}
