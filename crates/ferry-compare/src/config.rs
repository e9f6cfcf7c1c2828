//! How a harness run is set up: in code, or from the command line.

use std::path::PathBuf;

use crate::stats::Reference;
use crate::workload::Sizes;

/// Runs per case unless `--runs` says otherwise.
pub const RUNS: usize = 5;
/// Runs per case with `--quick`.
pub const QUICK_RUNS: usize = 3;

/// The command line's help.
pub const HELP: &str = "\
options:
  --quick             small sizes and 3 runs: a smoke run
  --runs N            measured runs per case (default 5, quick 3)
  --warmup N          discarded runs before them (default 1)
  --fresh             run every case in a fresh process (peaks never mix)
  --only NAME[,NAME]  only these comparisons; repeatable
  --case LABEL[,LABEL]  only these cases (`ferry smol`), for profiling one; repeatable
  --reference CASE    ratios against this case (default: the best baseline of each run, or
                      the first case where there are no baselines)
  --items N           the workloads' item count
  --concurrency N     the workloads' limit
  --save NAME         save this run as NAME (under OUT/baselines)
  --baseline NAME     compare with the run saved as NAME and flag changes beyond the noise
  --fail-on-regression  exit with 1 when a case regressed against --baseline
  --out DIR           where results.json, the SVG charts and index.html go
                      (default: $CARGO_TARGET_DIR/ferry-compare or target/ferry-compare)
  --no-files          write nothing (table only)
  --no-progress       no progress bar";

/// The set-up of one harness run.
///
/// ```
/// use ferry_compare::Config;
///
/// let args = ["--quick", "--runs", "4", "--reference", "smol"].map(String::from);
/// let config = Config::from_args(&args).unwrap().unwrap();
/// assert!(config.sizes.quick);
/// assert_eq!(config.runs, 4);
/// assert!(Config::from_args(&["--runs".to_owned(), "0".to_owned()]).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// Measured runs per case.
    pub runs: usize,
    /// Discarded runs before them, done the same way.
    pub warmup: usize,
    /// Every case in a fresh process.
    pub fresh: bool,
    /// The size overrides every workload gets.
    pub sizes: Sizes,
    /// Only the comparisons with these names (all when empty).
    pub only: Vec<String>,
    /// Only the cases with these labels (all when empty).
    pub cases: Vec<String>,
    /// What the ratios compare against.
    pub reference: Reference,
    /// Save the run under this name.
    pub save: Option<String>,
    /// Compare with the run saved under this name.
    pub baseline: Option<String>,
    /// Exit with 1 when a case regressed against the baseline.
    pub fail_on_regression: bool,
    /// Where the files go; `None` writes nothing.
    pub out_dir: Option<PathBuf>,
    /// Draw a progress bar (on a terminal).
    pub progress: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            runs: RUNS,
            warmup: 1,
            fresh: false,
            sizes: Sizes::default(),
            only: Vec::new(),
            cases: Vec::new(),
            reference: Reference::Auto,
            save: None,
            baseline: None,
            fail_on_regression: false,
            out_dir: Some(default_out_dir()),
            progress: true,
        }
    }
}

impl Config {
    /// For tests and doctests: `runs` runs, no warm-up, no files, no progress bar.
    pub fn quiet(runs: usize) -> Self {
        Self {
            runs: runs.max(1),
            warmup: 0,
            out_dir: None,
            progress: false,
            ..Self::default()
        }
    }

    /// Parses the command line (without the program name); `Ok(None)` for `--help`.
    ///
    /// # Errors
    ///
    /// An unknown option, a missing value, or a count that is not a positive whole number.
    pub fn from_args(args: &[String]) -> Result<Option<Self>, ConfigError> {
        let mut config = Self::default();
        let mut runs = None;
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let mut value = || {
                args.next()
                    .cloned()
                    .ok_or_else(|| ConfigError::MissingValue(flag.clone()))
            };
            match flag.as_str() {
                "--quick" => config.sizes.quick = true,
                "--fresh" => config.fresh = true,
                "--no-progress" => config.progress = false,
                "--no-files" => config.out_dir = None,
                "--fail-on-regression" => config.fail_on_regression = true,
                "--runs" => runs = Some(positive(flag, &value()?)?),
                "--warmup" => {
                    let text = value()?;
                    config.warmup = text.parse().map_err(|_| ConfigError::NotANumber {
                        flag: flag.clone(),
                        value: text,
                    })?;
                }
                "--items" => config.sizes.items = Some(positive(flag, &value()?)?),
                "--concurrency" => config.sizes.concurrency = Some(positive(flag, &value()?)?),
                "--only" => config.only.extend(
                    value()?
                        .split(',')
                        .filter(|name| !name.is_empty())
                        .map(str::to_owned),
                ),
                "--case" => config.cases.extend(
                    value()?
                        .split(',')
                        .filter(|name| !name.is_empty())
                        .map(str::to_owned),
                ),
                "--reference" => config.reference = Reference::Case(value()?),
                "--save" => config.save = Some(value()?),
                "--baseline" => config.baseline = Some(value()?),
                "--out" => config.out_dir = Some(PathBuf::from(value()?)),
                "--help" | "-h" => return Ok(None),
                other => return Err(ConfigError::Unknown(other.to_owned())),
            }
        }
        config.runs = runs.unwrap_or(if config.sizes.quick { QUICK_RUNS } else { RUNS });
        Ok(Some(config))
    }
}

/// Why the command line was not understood.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An option this harness does not know.
    #[error("unknown option `{0}`\n{HELP}")]
    Unknown(String),
    /// An option without its value.
    #[error("`{0}` needs a value")]
    MissingValue(String),
    /// A count that is not a (positive) whole number.
    #[error("`{flag}` wants a positive whole number, got `{value}`")]
    NotANumber {
        /// The option.
        flag: String,
        /// What it got.
        value: String,
    },
}

fn positive(flag: &str, value: &str) -> Result<usize, ConfigError> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ConfigError::NotANumber {
            flag: flag.to_owned(),
            value: value.to_owned(),
        }),
    }
}

/// `$CARGO_TARGET_DIR/ferry-compare`, else `target/ferry-compare` in the current directory.
fn default_out_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("ferry-compare")
}
