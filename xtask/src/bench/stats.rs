//! From raw samples to one row per workload and backend: median, min, max, and the ratios to
//! the baselines computed run by run.

use std::collections::BTreeMap;

/// One measurement, as the bench binary printed it.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub(crate) workload: String,
    pub(crate) backend: String,
    pub(crate) runtime: String,
    pub(crate) baseline: bool,
    pub(crate) value: f64,
    pub(crate) unit: String,
    pub(crate) size: usize,
    /// Whether a larger value is better (rates); less is better otherwise.
    pub(crate) higher_is_better: bool,
    /// Which run of the workload it came from; ratios compare samples of the same run.
    pub(crate) run: usize,
}

impl Sample {
    /// Parses a `result` line; `Ok(None)` for any other line.
    pub(crate) fn parse(line: &str, run: usize) -> Result<Option<Self>, String> {
        let Some(rest) = line.strip_prefix("result\t") else {
            return Ok(None);
        };
        let fields: Vec<&str> = rest.split('\t').collect();
        let [
            workload,
            backend,
            runtime,
            baseline,
            value,
            unit,
            size,
            direction,
        ] = fields[..]
        else {
            return Err(format!("unexpected result line from ferry-bench: {line}"));
        };
        let bad = |what: &str| format!("bad {what} in result line from ferry-bench: {line}");
        Ok(Some(Self {
            workload: workload.to_owned(),
            backend: backend.to_owned(),
            runtime: runtime.to_owned(),
            baseline: baseline == "true",
            value: value.parse().map_err(|_| bad("value"))?,
            unit: unit.to_owned(),
            size: size.parse().map_err(|_| bad("size"))?,
            higher_is_better: direction == "higher",
            run,
        }))
    }
}

/// One workload x backend over all runs.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) workload: String,
    pub(crate) backend: String,
    pub(crate) runtime: String,
    pub(crate) baseline: bool,
    pub(crate) unit: String,
    pub(crate) size: usize,
    pub(crate) higher_is_better: bool,
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) samples: Vec<f64>,
    /// Median over runs of this value divided by the best baseline of the same run (the
    /// fastest: least time, or most requests per second where higher is better).
    pub(crate) ratio_to_baseline: Option<f64>,
    /// Median over runs of this value divided by the fastest baseline on the same runtime in
    /// the same run (ferry's own overhead on that runtime).
    pub(crate) ratio_to_same_runtime: Option<f64>,
    /// The baseline that was fastest by median, what `ratio_to_baseline` compares against.
    pub(crate) fastest_baseline: Option<String>,
}

/// Groups `samples` into rows, in the order the backends first appear.
pub(crate) fn aggregate(samples: &[Sample]) -> Vec<Row> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut values: BTreeMap<(String, String), Vec<&Sample>> = BTreeMap::new();
    for sample in samples {
        let key = (sample.workload.clone(), sample.backend.clone());
        if !values.contains_key(&key) {
            order.push(key.clone());
        }
        values.entry(key).or_default().push(sample);
    }
    let mut rows: Vec<Row> = order
        .iter()
        .map(|key| {
            let group = &values[key];
            let first = group[0];
            let mut sorted: Vec<f64> = group.iter().map(|sample| sample.value).collect();
            sorted.sort_by(f64::total_cmp);
            let same_run_fastest = |filter: &dyn Fn(&Sample) -> bool| {
                let ratios: Vec<f64> = group
                    .iter()
                    .filter_map(|sample| {
                        let best = samples
                            .iter()
                            .filter(|other| {
                                other.workload == sample.workload
                                    && other.run == sample.run
                                    && other.baseline
                                    && filter(other)
                            })
                            .map(|other| other.value)
                            .reduce(|a, b| best_of(a, b, sample.higher_is_better))?;
                        (best > 0.0).then(|| sample.value / best)
                    })
                    .collect();
                median_of(ratios)
            };
            Row {
                workload: first.workload.clone(),
                backend: first.backend.clone(),
                runtime: first.runtime.clone(),
                baseline: first.baseline,
                unit: first.unit.clone(),
                size: first.size,
                higher_is_better: first.higher_is_better,
                median: median_of(sorted.clone()).unwrap_or(f64::NAN),
                min: sorted[0],
                max: sorted[sorted.len() - 1],
                ratio_to_baseline: same_run_fastest(&|_| true),
                ratio_to_same_runtime: same_run_fastest(&|other| other.runtime == first.runtime),
                samples: sorted,
                fastest_baseline: None,
            }
        })
        .collect();
    let fastest: BTreeMap<String, String> = rows
        .iter()
        .filter(|row| row.baseline)
        .fold(BTreeMap::<String, &Row>::new(), |mut best, row| {
            let entry = best.entry(row.workload.clone()).or_insert(row);
            if best_of(row.median, entry.median, row.higher_is_better) == row.median {
                *entry = row;
            }
            best
        })
        .into_iter()
        .map(|(workload, row)| (workload, row.backend.clone()))
        .collect();
    for row in &mut rows {
        row.fastest_baseline = fastest.get(&row.workload).cloned();
    }
    rows
}

/// The better of two values.
fn best_of(a: f64, b: f64, higher_is_better: bool) -> f64 {
    if higher_is_better { a.max(b) } else { a.min(b) }
}

/// The median (mean of the middle two for an even count); `None` when empty.
pub(crate) fn median_of(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(backend: &str, baseline: bool, value: f64, run: usize) -> Sample {
        Sample {
            workload: "w".to_owned(),
            backend: backend.to_owned(),
            runtime: "rt".to_owned(),
            baseline,
            value,
            unit: "ns/op".to_owned(),
            size: 1,
            higher_is_better: false,
            run,
        }
    }

    #[test]
    fn ratios_compare_samples_of_the_same_run() {
        // Run 1 is twice as slow for everyone: per-run ratios stay 1.5 even though the
        // medians alone would give 2.0 / 1.5.
        let samples = [
            sample("ferry", false, 3.0, 0),
            sample("base", true, 2.0, 0),
            sample("ferry", false, 6.0, 1),
            sample("base", true, 4.0, 1),
            sample("ferry", false, 3.0, 2),
            sample("base", true, 2.0, 2),
        ];
        let rows = aggregate(&samples);
        let ferry = &rows[0];
        assert_eq!(ferry.ratio_to_baseline, Some(1.5));
        assert_eq!((ferry.median, ferry.min, ferry.max), (3.0, 3.0, 6.0));
        assert_eq!(ferry.fastest_baseline.as_deref(), Some("base"));
    }

    #[test]
    fn where_higher_is_better_the_best_baseline_is_the_largest() {
        let mut samples = [
            sample("ferry", false, 90.0, 0),
            sample("slow", true, 50.0, 0),
            sample("fast", true, 100.0, 0),
        ];
        for sample in &mut samples {
            sample.higher_is_better = true;
        }
        let rows = aggregate(&samples);
        assert_eq!(rows[0].ratio_to_baseline, Some(0.9));
        assert_eq!(rows[0].fastest_baseline.as_deref(), Some("fast"));
    }

    #[test]
    fn a_workload_without_baselines_has_no_ratio() {
        let rows = aggregate(&[sample("ferry", false, 1.0, 0)]);
        assert_eq!(rows[0].ratio_to_baseline, None);
    }

    #[test]
    fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median_of(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median_of(Vec::new()), None);
    }

    #[test]
    fn result_lines_parse_and_other_lines_are_skipped() {
        let line = "result\tqueue\tferry smol\tsmol\tfalse\t91.5\tns/item\t1000\tlower";
        let parsed = Sample::parse(line, 2).unwrap().unwrap();
        assert_eq!(
            (parsed.backend.as_str(), parsed.value, parsed.run),
            ("ferry smol", 91.5, 2)
        );
        assert!(Sample::parse("note\tpinned", 0).unwrap().is_none());
        assert!(Sample::parse("result\ttoo\tfew", 0).is_err());
    }
}
