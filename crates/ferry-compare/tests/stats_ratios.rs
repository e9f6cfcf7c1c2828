//! The statistics on synthetic timings: summaries, per-run ratios and their references.

use std::time::Duration;

use ferry_compare::Sample;
use ferry_compare::stats::{Layout, Observation, Reference, Row, Summary, aggregate, median};

fn sample(value: f64) -> Sample {
    Sample {
        wall: Duration::from_millis(value as u64),
        cpu: Some(Duration::from_millis(value as u64 / 2)),
        peak_rss: Some(1 << 20),
        virtual_time: None,
        items: Some(10),
        value,
        notes: Vec::new(),
    }
}

fn observation(case: &str, runtime: &str, baseline: bool, run: usize, value: f64) -> Observation {
    Observation {
        comparison: "w".to_owned(),
        case: case.to_owned(),
        runtime: runtime.to_owned(),
        baseline,
        run,
        sample: sample(value),
    }
}

/// The layout of `observations`' one comparison, its cases in order of appearance.
fn layout(observations: &[Observation], higher_is_better: bool) -> Vec<Layout> {
    let mut cases: Vec<String> = Vec::new();
    for observation in observations {
        if !cases.contains(&observation.case) {
            cases.push(observation.case.clone());
        }
    }
    vec![Layout {
        name: "w".to_owned(),
        unit: "ms".to_owned(),
        higher_is_better,
        cases,
    }]
}

fn row<'a>(rows: &'a [Row], case: &str) -> &'a Row {
    rows.iter().find(|row| row.backend == case).unwrap()
}

#[test]
fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
    assert_eq!(median(&[]), None);
    assert_eq!(Summary::of(&[]), None);
}

#[test]
fn ratios_pair_samples_of_the_same_run() {
    // Run 1 is twice as slow for everyone: the per-run ratio stays 1.5, where the ratio of
    // the medians would be 2.0 / 1.5 hidden in noise.
    let observations = [
        observation("ferry", "rt", false, 0, 3.0),
        observation("base", "rt", true, 0, 2.0),
        observation("ferry", "rt", false, 1, 6.0),
        observation("base", "rt", true, 1, 4.0),
        observation("ferry", "rt", false, 2, 3.0),
        observation("base", "rt", true, 2, 2.0),
    ];
    let rows = aggregate(
        &observations,
        &layout(&observations, false),
        &Reference::Auto,
    );
    let ferry = row(&rows, "ferry");
    assert_eq!(ferry.ratio_to_reference, Some(1.5));
    assert_eq!(ferry.ratio_to_same_runtime, Some(1.5));
    assert_eq!(
        (ferry.figure.median, ferry.figure.min, ferry.figure.max),
        (3.0, 3.0, 6.0)
    );
    assert_eq!(ferry.samples, [3.0, 3.0, 6.0]);
    assert_eq!(ferry.fastest_baseline.as_deref(), Some("base"));
    assert_eq!(ferry.reference, None);
}

#[test]
fn the_best_baseline_is_taken_run_by_run() {
    // Run 0's best baseline is `a`, run 1's is `b`: each run's ratio uses its own best.
    let observations = [
        observation("ferry", "x", false, 0, 10.0),
        observation("a", "x", true, 0, 5.0),
        observation("b", "y", true, 0, 8.0),
        observation("ferry", "x", false, 1, 10.0),
        observation("a", "x", true, 1, 20.0),
        observation("b", "y", true, 1, 4.0),
    ];
    let rows = aggregate(
        &observations,
        &layout(&observations, false),
        &Reference::BestBaseline,
    );
    let ferry = row(&rows, "ferry");
    // Ratios 2.0 and 2.5: the median is 2.25.
    assert_eq!(ferry.ratio_to_reference, Some(2.25));
    // Against the baselines on its own runtime only (`a`): 2.0 and 0.5.
    assert_eq!(ferry.ratio_to_same_runtime, Some(1.25));
}

#[test]
fn where_higher_is_better_the_best_baseline_is_the_largest() {
    let observations = [
        observation("ferry", "rt", false, 0, 90.0),
        observation("slow", "rt", true, 0, 50.0),
        observation("fast", "rt", true, 0, 100.0),
    ];
    let rows = aggregate(
        &observations,
        &layout(&observations, true),
        &Reference::Auto,
    );
    assert_eq!(row(&rows, "ferry").ratio_to_reference, Some(0.9));
    assert_eq!(
        row(&rows, "ferry").fastest_baseline.as_deref(),
        Some("fast")
    );
    assert!(row(&rows, "ferry").higher_is_better);
}

#[test]
fn a_named_reference_is_used_in_every_run() {
    let observations = [
        observation("tokio-ct", "tokio-ct", false, 0, 4.0),
        observation("smol", "smol", false, 0, 2.0),
        observation("tokio-ct", "tokio-ct", false, 1, 6.0),
        observation("smol", "smol", false, 1, 2.0),
    ];
    let reference = Reference::Case("smol".to_owned());
    let rows = aggregate(&observations, &layout(&observations, false), &reference);
    assert_eq!(row(&rows, "tokio-ct").ratio_to_reference, Some(2.5));
    assert_eq!(row(&rows, "smol").ratio_to_reference, Some(1.0));
    assert_eq!(row(&rows, "smol").reference.as_deref(), Some("smol"));
}

#[test]
fn without_baselines_the_first_case_is_the_reference() {
    let observations = [
        observation("tokio-ct", "tokio-ct", false, 0, 4.0),
        observation("smol", "smol", false, 0, 2.0),
    ];
    let rows = aggregate(
        &observations,
        &layout(&observations, false),
        &Reference::Auto,
    );
    assert_eq!(row(&rows, "smol").ratio_to_reference, Some(0.5));
    assert_eq!(row(&rows, "smol").reference.as_deref(), Some("tokio-ct"));
    assert_eq!(row(&rows, "smol").ratio_to_same_runtime, None);
    // With only baselines asked for and none present there is no ratio.
    let rows = aggregate(
        &observations,
        &layout(&observations, false),
        &Reference::BestBaseline,
    );
    assert_eq!(row(&rows, "smol").ratio_to_reference, None);
}

#[test]
fn every_measure_is_summarised() {
    let observations = [
        observation("a", "rt", false, 0, 100.0),
        observation("a", "rt", false, 1, 300.0),
    ];
    let rows = aggregate(
        &observations,
        &layout(&observations, false),
        &Reference::Auto,
    );
    let a = row(&rows, "a");
    assert_eq!(a.wall_ms.median, 200.0);
    assert_eq!(a.cpu_ms.unwrap().max, 150.0);
    assert_eq!(a.peak_rss.unwrap().min, 1048576.0);
    // 10 items in 0.1 s and in 0.3 s.
    let throughput = a.throughput.unwrap();
    assert_eq!((throughput.min, throughput.max), (10.0 / 0.3, 100.0));
    assert_eq!(a.virtual_ms, None);
    assert_eq!(a.size, 10);
}

#[test]
fn rows_follow_the_order_cases_were_added_and_the_first_added_is_the_reference() {
    // Run 0 started with `b` (rotation), but `a` was added first.
    let observations = [
        observation("b", "rt", false, 0, 2.0),
        observation("a", "rt", false, 0, 4.0),
    ];
    let layouts = vec![Layout {
        name: "w".to_owned(),
        unit: "ms".to_owned(),
        higher_is_better: false,
        cases: vec!["a".to_owned(), "b".to_owned(), "never-ran".to_owned()],
    }];
    let rows = aggregate(&observations, &layouts, &Reference::Auto);
    let labels: Vec<&str> = rows.iter().map(|row| row.backend.as_str()).collect();
    assert_eq!(labels, ["a", "b"]);
    assert_eq!(rows[1].ratio_to_reference, Some(0.5));
    assert_eq!(rows[1].reference.as_deref(), Some("a"));
}
