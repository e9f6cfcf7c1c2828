//! From samples to one [`Row`] per comparison and case: median, min and max of every measure,
//! and ratios to a reference computed run by run (a noisy moment slows every case of a run
//! alike, so the ratio within a run is steadier than the ratio of medians).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::measure::Sample;

/// What the ratios compare against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Reference {
    /// The best baseline of the same run where the comparison has baselines, else its first
    /// case.
    #[default]
    Auto,
    /// The best baseline of the same run (least time, or most where more is better).
    BestBaseline,
    /// The case with this label (`tokio-ct`), in the same run.
    Case(String),
}

/// One sample with where it came from.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The comparison's name.
    pub comparison: String,
    /// The case's label.
    pub case: String,
    /// The case's runtime.
    pub runtime: String,
    /// Whether the case is a hand-written baseline.
    pub baseline: bool,
    /// Which run it belongs to; ratios pair samples of the same run.
    pub run: usize,
    /// The measurements.
    pub sample: Sample,
}

/// Median, min and max of one measure over the runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The median (the mean of the middle two for an even count).
    pub median: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl Summary {
    /// The summary of `values`; `None` when there are none.
    ///
    /// ```
    /// use ferry_compare::stats::Summary;
    ///
    /// let summary = Summary::of(&[3.0, 1.0, 2.0, 10.0]).unwrap();
    /// assert_eq!((summary.median, summary.min, summary.max), (2.5, 1.0, 10.0));
    /// ```
    pub fn of(values: &[f64]) -> Option<Self> {
        let median = median(values)?;
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Some(Self { median, min, max })
    }
}

/// The median (the mean of the middle two for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    })
}

/// One comparison x case over all runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The comparison's name.
    pub workload: String,
    /// The case's label.
    pub backend: String,
    /// The runtime underneath.
    pub runtime: String,
    /// Whether the case is a hand-written baseline.
    pub baseline: bool,
    /// The figure's unit.
    pub unit: String,
    /// Whether a larger figure is better.
    pub higher_is_better: bool,
    /// The figure over the runs.
    pub figure: Summary,
    /// Every run's figure, sorted.
    pub samples: Vec<f64>,
    /// The items the workload reported (the largest over the runs), 0 when none.
    pub size: u64,
    /// Median over runs of the figure over the reference's figure of the same run.
    pub ratio_to_reference: Option<f64>,
    /// The case the ratio compares against, when it is one case rather than the best
    /// baseline of each run.
    pub reference: Option<String>,
    /// The baseline that is best by median (of the comparison's baselines).
    pub fastest_baseline: Option<String>,
    /// Median over runs of the figure over the best baseline on the same runtime.
    pub ratio_to_same_runtime: Option<f64>,
    /// Wall time in ms.
    pub wall_ms: Summary,
    /// CPU time (user + system, every thread) in ms.
    pub cpu_ms: Option<Summary>,
    /// Peak resident memory in bytes.
    pub peak_rss: Option<Summary>,
    /// Items per second of wall time.
    pub throughput: Option<Summary>,
    /// Virtual time in ms, on a virtual clock.
    pub virtual_ms: Option<Summary>,
}

/// What the statistics need to know of a comparison.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Its name.
    pub name: String,
    /// Its figure's unit.
    pub unit: String,
    /// Whether a larger figure is better.
    pub higher_is_better: bool,
    /// Its cases' labels, in the order they were added: the order of the rows, and the
    /// first is the reference where there are no baselines.
    pub cases: Vec<String>,
}

/// Groups `observations` into rows, in the order of `layouts` and their cases (cases with
/// no observation get no row), with ratios against `reference`.
pub fn aggregate(
    observations: &[Observation],
    layouts: &[Layout],
    reference: &Reference,
) -> Vec<Row> {
    let mut groups: BTreeMap<(&str, &str), Vec<&Observation>> = BTreeMap::new();
    for observation in observations {
        let key = (observation.comparison.as_str(), observation.case.as_str());
        groups.entry(key).or_default().push(observation);
    }
    let mut rows: Vec<Row> = Vec::new();
    for layout in layouts {
        for case in &layout.cases {
            let Some(group) = groups.get(&(layout.name.as_str(), case.as_str())) else {
                continue;
            };
            if let Some(row) = row_of(observations, layout, group, reference) {
                rows.push(row);
            }
        }
    }
    name_fastest_baselines(&mut rows);
    rows
}

/// One row: `group` is the observations of one case of `layout`.
fn row_of(
    observations: &[Observation],
    layout: &Layout,
    group: &[&Observation],
    reference: &Reference,
) -> Option<Row> {
    let first = *group.first()?;
    let (unit, higher) = (layout.unit.clone(), layout.higher_is_better);
    let in_comparison: Vec<&Observation> = observations
        .iter()
        .filter(|other| other.comparison == first.comparison)
        .collect();
    let has_baselines = in_comparison.iter().any(|other| other.baseline);
    let first_case = layout.cases.first().cloned();
    let named = match reference {
        Reference::Case(label) => Some(label.clone()),
        Reference::Auto if !has_baselines => first_case,
        _ => None,
    };
    let per_run = |pick: &dyn Fn(&Observation) -> bool| {
        let ratios: Vec<f64> = group
            .iter()
            .filter_map(|observation| {
                let reference = in_comparison
                    .iter()
                    .filter(|other| other.run == observation.run && pick(other))
                    .map(|other| other.sample.value)
                    .reduce(|a, b| best_of(a, b, higher))?;
                (reference > 0.0).then(|| observation.sample.value / reference)
            })
            .collect();
        median(&ratios)
    };
    let ratio_to_reference = match &named {
        Some(label) => per_run(&|other| &other.case == label),
        None => per_run(&|other| other.baseline),
    };
    let ratio_to_same_runtime = per_run(&|other| other.baseline && other.runtime == first.runtime);
    let values: Vec<f64> = group.iter().map(|o| o.sample.value).collect();
    let mut samples = values.clone();
    samples.sort_by(f64::total_cmp);
    let measure = |of: &dyn Fn(&Sample) -> Option<f64>| {
        let values: Vec<f64> = group.iter().filter_map(|o| of(&o.sample)).collect();
        Summary::of(&values)
    };
    Some(Row {
        workload: first.comparison.clone(),
        backend: first.case.clone(),
        runtime: first.runtime.clone(),
        baseline: first.baseline,
        unit,
        higher_is_better: higher,
        figure: Summary::of(&values).unwrap_or(Summary {
            median: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
        }),
        samples,
        size: group
            .iter()
            .filter_map(|o| o.sample.items)
            .max()
            .unwrap_or(0),
        ratio_to_reference,
        reference: named,
        fastest_baseline: None,
        ratio_to_same_runtime,
        wall_ms: measure(&|s| Some(s.wall.as_secs_f64() * 1e3)).unwrap_or(Summary {
            median: f64::NAN,
            min: f64::NAN,
            max: f64::NAN,
        }),
        cpu_ms: measure(&|s| s.cpu.map(|cpu| cpu.as_secs_f64() * 1e3)),
        peak_rss: measure(&|s| s.peak_rss.map(|bytes| bytes as f64)),
        throughput: measure(&|s| s.throughput()),
        virtual_ms: measure(&|s| s.virtual_time.map(|t| t.as_secs_f64() * 1e3)),
    })
}

fn name_fastest_baselines(rows: &mut [Row]) {
    // Without a named reference the ratio is against the best baseline of each run; the row
    // names the baseline that is best by median, for the reader.
    let mut fastest: BTreeMap<String, (f64, String)> = BTreeMap::new();
    for row in rows.iter().filter(|row| row.baseline) {
        let entry = fastest
            .entry(row.workload.clone())
            .or_insert((row.figure.median, row.backend.clone()));
        if best_of(row.figure.median, entry.0, row.higher_is_better) == row.figure.median
            && row.figure.median != entry.0
        {
            *entry = (row.figure.median, row.backend.clone());
        }
    }
    for row in rows.iter_mut() {
        row.fastest_baseline = fastest.get(&row.workload).map(|(_, label)| label.clone());
    }
}

/// The better of two figures.
pub(crate) fn best_of(a: f64, b: f64, higher_is_better: bool) -> f64 {
    if higher_is_better { a.max(b) } else { a.min(b) }
}
