//! Saved runs and the regression rule, on synthetic summaries.

use ferry_compare::baseline::{self, BaselineError, MIN_CHANGE, Verdict, judge};
use ferry_compare::stats::{Row, Summary};

fn summary(median: f64, min: f64, max: f64) -> Summary {
    Summary { median, min, max }
}

#[test]
fn a_slower_run_beyond_the_saved_spread_is_a_regression() {
    let old = summary(100.0, 95.0, 105.0);
    let change = judge(&old, &summary(120.0, 110.0, 130.0), false);
    assert_eq!(change.verdict, Verdict::Regressed);
    assert_eq!(change.ratio, 1.2);
}

#[test]
fn a_faster_run_beyond_the_saved_spread_is_an_improvement() {
    let old = summary(100.0, 95.0, 105.0);
    assert_eq!(
        judge(&old, &summary(80.0, 75.0, 90.0), false).verdict,
        Verdict::Improved
    );
}

#[test]
fn a_median_inside_the_saved_spread_is_noise() {
    let old = summary(100.0, 80.0, 130.0);
    assert_eq!(
        judge(&old, &summary(125.0, 120.0, 128.0), false).verdict,
        Verdict::WithinNoise
    );
}

#[test]
fn one_lucky_run_that_reaches_the_old_median_keeps_it_noise() {
    // The new median is past the old max, but the new best run is as good as the old median.
    let old = summary(100.0, 95.0, 105.0);
    assert_eq!(
        judge(&old, &summary(110.0, 99.0, 115.0), false).verdict,
        Verdict::WithinNoise
    );
}

#[test]
fn changes_under_the_floor_are_noise_even_without_spread() {
    let old = summary(100.0, 100.0, 100.0);
    let tiny = 100.0 * (1.0 + MIN_CHANGE / 2.0);
    assert_eq!(
        judge(&old, &summary(tiny, tiny, tiny), false).verdict,
        Verdict::WithinNoise
    );
    assert_eq!(
        judge(&old, &summary(106.0, 106.0, 106.0), false).verdict,
        Verdict::Regressed
    );
}

#[test]
fn where_more_is_better_a_drop_is_the_regression() {
    let old = summary(1000.0, 950.0, 1050.0);
    assert_eq!(
        judge(&old, &summary(800.0, 780.0, 850.0), true).verdict,
        Verdict::Regressed
    );
    assert_eq!(
        judge(&old, &summary(1200.0, 1100.0, 1300.0), true).verdict,
        Verdict::Improved
    );
}

fn row(backend: &str, median: f64) -> Row {
    Row {
        workload: "w".to_owned(),
        backend: backend.to_owned(),
        runtime: backend.to_owned(),
        baseline: false,
        unit: "ms".to_owned(),
        higher_is_better: false,
        figure: summary(median, median * 0.95, median * 1.05),
        samples: vec![median],
        size: 0,
        ratio_to_reference: None,
        reference: None,
        fastest_baseline: None,
        ratio_to_same_runtime: None,
        wall_ms: summary(median, median, median),
        cpu_ms: None,
        peak_rss: None,
        throughput: None,
        virtual_ms: None,
    }
}

#[test]
fn a_saved_run_reads_back_and_is_matched_by_workload_and_case() {
    let dir = tempfile::tempdir().unwrap();
    let path = baseline::save(dir.path(), "before-v2", &[row("smol", 100.0)]).unwrap();
    assert!(path.ends_with("before-v2.json"));
    let saved = baseline::load(dir.path(), "before-v2").unwrap();
    assert_eq!(saved.rows, [row("smol", 100.0)]);
    let changes = baseline::compare(&saved, &[row("smol", 150.0), row("tokio-ct", 10.0)]);
    assert_eq!(changes[0].unwrap().verdict, Verdict::Regressed);
    assert_eq!(changes[1], None);
}

#[test]
fn baseline_names_must_be_plain_file_names() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["", "../up", ".hidden", "a/b", "with space"] {
        assert!(
            matches!(
                baseline::path_of(dir.path(), bad),
                Err(BaselineError::BadName(_))
            ),
            "{bad:?} was accepted"
        );
    }
    assert!(matches!(
        baseline::load(dir.path(), "never-saved"),
        Err(BaselineError::Io { .. })
    ));
    std::fs::write(dir.path().join("junk.json"), "{not json").unwrap();
    assert!(matches!(
        baseline::load(dir.path(), "junk"),
        Err(BaselineError::Format { .. })
    ));
}
