//! Saved runs (`--save NAME`) and the verdict of a new run against one (`--baseline NAME`).
//!
//! # The rule
//!
//! A case is judged on its figure, in the direction that is better for it. Against the saved
//! run's median `m`, min-max spread and the new run's own spread, it has
//!
//! - **regressed** when the new median is worse than the *worst* saved run, the new *best* run
//!   is still worse than the saved median, and the medians differ by more than 5 %;
//! - **improved** in the mirror case (new median better than the best saved run, new worst run
//!   better than the saved median, more than 5 % apart);
//! - **within noise** otherwise.
//!
//! The saved min and max are the noise that run itself showed, so a change has to clear it,
//! and the new run's spread must clear the old median, so one lucky or unlucky run cannot
//! decide. The 5 % floor keeps runs with almost no spread (a few runs of a short workload)
//! from flagging the drift between two invocations of one binary (CPU frequency, caches, a
//! neighbour on a shared machine). With one run a side the rule reduces to "more than 5 %
//! apart"; use 5 or more runs to give it a spread to work with.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::stats::{Row, Summary};

/// The least relative change of the medians that can count as a regression or improvement.
pub const MIN_CHANGE: f64 = 0.05;

/// The verdict on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Worse beyond the noise.
    Regressed,
    /// Better beyond the noise.
    Improved,
    /// No change the noise cannot explain.
    WithinNoise,
}

/// A case against its saved self.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The verdict.
    pub verdict: Verdict,
    /// New median over saved median.
    pub ratio: f64,
}

/// Judges `new` against `old` by [the rule](self#the-rule).
///
/// ```
/// use ferry_compare::baseline::{Verdict, judge};
/// use ferry_compare::stats::Summary;
///
/// let old = Summary { median: 100.0, min: 95.0, max: 105.0 };
/// let slower = Summary { median: 130.0, min: 120.0, max: 140.0 };
/// assert_eq!(judge(&old, &slower, false).verdict, Verdict::Regressed);
/// let noisy = Summary { median: 104.0, min: 90.0, max: 120.0 };
/// assert_eq!(judge(&old, &noisy, false).verdict, Verdict::WithinNoise);
/// ```
pub fn judge(old: &Summary, new: &Summary, higher_is_better: bool) -> Change {
    let ratio = if old.median != 0.0 {
        new.median / old.median
    } else {
        f64::NAN
    };
    // Judge as "less is better" throughout: where more is better, negate every figure (the
    // min and max swap places).
    let flip = |s: &Summary| {
        if higher_is_better {
            Summary {
                median: -s.median,
                min: -s.max,
                max: -s.min,
            }
        } else {
            *s
        }
    };
    let (old, new) = (flip(old), flip(new));
    let change = if old.median != 0.0 {
        (new.median - old.median) / old.median.abs()
    } else {
        0.0
    };
    let verdict = if new.median > old.max && new.min > old.median && change > MIN_CHANGE {
        Verdict::Regressed
    } else if new.median < old.min && new.max < old.median && change < -MIN_CHANGE {
        Verdict::Improved
    } else {
        Verdict::WithinNoise
    };
    Change { verdict, ratio }
}

/// A run saved with `--save NAME`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedRun {
    /// The name it was saved under.
    pub name: String,
    /// Its rows.
    pub rows: Vec<Row>,
}

/// Why a saved run could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The name would not make a plain file name.
    #[error("baseline name {0:?} must be letters, digits, `-`, `_` or `.`, not starting with `.`")]
    BadName(String),
    /// Reading or writing the file failed.
    #[error("baseline {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a saved run.
    #[error("baseline {path} is not a saved run: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        #[source]
        source: serde_json::Error,
    },
}

/// The file of the run saved as `name` under `dir`.
///
/// # Errors
///
/// `name` is empty, starts with a dot or has characters other than letters, digits, `-`,
/// `_` and `.`.
pub fn path_of(dir: &Path, name: &str) -> Result<PathBuf, BaselineError> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        Ok(dir.join(format!("{name}.json")))
    } else {
        Err(BaselineError::BadName(name.to_owned()))
    }
}

/// Saves `rows` as `name` under `dir` (made if missing); returns the file.
///
/// # Errors
///
/// A bad name, or the file could not be written.
pub fn save(dir: &Path, name: &str, rows: &[Row]) -> Result<PathBuf, BaselineError> {
    let path = path_of(dir, name)?;
    let io = |source| BaselineError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let saved = SavedRun {
        name: name.to_owned(),
        rows: rows.to_vec(),
    };
    let text = serde_json::to_string_pretty(&saved).map_err(|source| BaselineError::Format {
        path: path.clone(),
        source,
    })?;
    std::fs::write(&path, text).map_err(io)?;
    Ok(path)
}

/// Loads the run saved as `name` under `dir`.
///
/// # Errors
///
/// A bad name, a missing or unreadable file, or one that is not a saved run.
pub fn load(dir: &Path, name: &str) -> Result<SavedRun, BaselineError> {
    let path = path_of(dir, name)?;
    let text = std::fs::read_to_string(&path).map_err(|source| BaselineError::Io {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| BaselineError::Format { path, source })
}

/// The change of every row of `rows` that the saved run has too (same workload, case and
/// unit), in the order of `rows`; `None` for rows new since.
pub fn compare(saved: &SavedRun, rows: &[Row]) -> Vec<Option<Change>> {
    rows.iter()
        .map(|row| {
            saved
                .rows
                .iter()
                .find(|old| {
                    old.workload == row.workload
                        && old.backend == row.backend
                        && old.unit == row.unit
                })
                .map(|old| judge(&old.figure, &row.figure, row.higher_is_better))
        })
        .collect()
}
