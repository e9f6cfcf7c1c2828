//! The harness's order of runs, its warm-up, its failures and its output, on the mock
//! (no timed assertions: only counts, orders and what is reported).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_compare::backends::Mock;
use ferry_compare::config::Config;
use ferry_compare::harness::HarnessError;
use ferry_compare::stats::Reference;
use ferry_compare::{CaseError, Comparison, Env, Figure, Harness, Report, Sizes, Workload};
use ferry_rt::Timer;

/// Logs which backend ran it, then sleeps `items` x 1 ms of virtual time.
struct Logged {
    log: Arc<Mutex<Vec<String>>>,
}

#[derive(Debug, thiserror::Error)]
#[error("asked to fail")]
struct Asked;

impl Workload for Logged {
    type Error = Asked;

    async fn run<E: Env>(self: Arc<Self>, env: E, sizes: Sizes) -> Result<Report, Asked> {
        self.log.lock().unwrap().push(env.backend().to_owned());
        if env.backend() == "failing" {
            return Err(Asked);
        }
        let items = sizes.items(5, 2);
        for _ in 0..items {
            env.rt().sleep(Duration::from_millis(1)).await;
        }
        Ok(Report::new().items(items as u64).note("logged"))
    }
}

fn three_mocks(log: &Arc<Mutex<Vec<String>>>) -> Comparison {
    Comparison::new("logged", Figure::nanos_per("item"))
        .summary("sleeps")
        .workload(Logged {
            log: Arc::clone(log),
        })
        .on(Mock::new().named("a"))
        .on(Mock::new().named("b"))
        .on(Mock::new().named("c"))
        .into()
}

#[test]
fn cases_interleave_and_rotate_and_warm_up_rounds_are_discarded() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let harness = Harness::new("t").compare(three_mocks(&log));
    let config = Config {
        warmup: 1,
        ..Config::quiet(3)
    };
    let outcome = harness.run(&config).unwrap();
    let order = log.lock().unwrap().join(" ");
    // Four rounds (one warm-up), each shifted by one.
    assert_eq!(order, "a b c b c a c a b a b c");
    for row in &outcome.rows {
        assert_eq!(row.samples.len(), 3, "{}", row.backend);
        assert_eq!(row.virtual_ms.unwrap().median, 5.0);
        assert_eq!(row.size, 5);
    }
    assert_eq!(outcome.notes, ["logged"]);
    assert!(outcome.failures.is_empty());
}

#[test]
fn sizes_reach_the_workload() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let harness = Harness::new("t").compare(three_mocks(&log));
    let mut config = Config::quiet(1);
    config.sizes.quick = true;
    let outcome = harness.run(&config).unwrap();
    assert_eq!(outcome.rows[0].virtual_ms.unwrap().median, 2.0);
    assert!(outcome.quick);
}

#[test]
fn a_failing_case_is_reported_and_the_others_still_run() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let comparison = Comparison::new("logged", Figure::wall_ms())
        .workload(Logged {
            log: Arc::clone(&log),
        })
        .on(Mock::new().named("failing"))
        .on(Mock::new().named("fine"));
    let outcome = Harness::new("t")
        .compare(comparison)
        .run(&Config::quiet(2))
        .unwrap();
    assert_eq!(outcome.failures.len(), 2);
    assert!(
        outcome
            .failures
            .iter()
            .all(|f| f.case == "failing" && matches!(f.error, CaseError::Workload { .. }))
    );
    assert_eq!(outcome.rows.len(), 1);
    assert_eq!(outcome.rows[0].backend, "fine");
}

#[test]
fn a_figure_that_needs_an_item_count_fails_without_one() {
    let comparison = Comparison::new("plain", Figure::nanos_per("op")).case(
        "no-items",
        "none",
        false,
        |_: &Sizes| Ok::<_, Asked>(Report::new()),
    );
    let outcome = Harness::new("t")
        .compare(comparison)
        .run(&Config::quiet(1))
        .unwrap();
    let error = &outcome.failures[0].error;
    assert!(matches!(error, CaseError::Figure { .. }), "{error}");
    assert!(error.to_string().contains("ns/op"));
}

#[test]
fn a_panicking_case_is_a_failure_not_a_crash() {
    let comparison =
        Comparison::new("boom", Figure::wall_ms()).case("boom", "none", false, |_: &Sizes| {
            if true {
                panic!("kaboom");
            }
            Ok::<_, Asked>(Report::new())
        });
    let outcome = Harness::new("t")
        .compare(comparison)
        .run(&Config::quiet(1))
        .unwrap();
    assert!(matches!(&outcome.failures[0].error, CaseError::Panicked(m) if m == "kaboom"));
}

#[test]
fn baselines_are_the_default_reference_and_custom_figures_are_ranked() {
    let comparison = Comparison::new("custom", Figure::custom("bytes/task", false))
        .case("ours", "rt", false, |_: &Sizes| {
            Ok::<_, Asked>(Report::new().value(300.0))
        })
        .baseline("theirs", "rt", |_: &Sizes| {
            Ok::<_, Asked>(Report::new().value(200.0))
        });
    let outcome = Harness::new("t")
        .compare(comparison)
        .run(&Config::quiet(2))
        .unwrap();
    let ours = &outcome.rows[0];
    assert_eq!(ours.ratio_to_reference, Some(1.5));
    assert_eq!(ours.fastest_baseline.as_deref(), Some("theirs"));
    assert_eq!(ours.unit, "bytes/task");
}

#[test]
fn unknown_names_are_errors_that_list_the_known_ones() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let harness = Harness::new("t").compare(three_mocks(&log));
    let mut config = Config::quiet(1);
    config.only = vec!["nope".to_owned()];
    let error = harness.run(&config).unwrap_err();
    assert!(matches!(
        error,
        HarnessError::Unknown {
            what: "comparison",
            ..
        }
    ));
    assert!(error.to_string().contains("logged"));
    let mut config = Config::quiet(1);
    config.reference = Reference::Case("d".to_owned());
    let error = harness.run(&config).unwrap_err();
    assert!(error.to_string().contains("a, b, c"), "{error}");
    assert!(log.lock().unwrap().is_empty());
}

#[test]
fn the_outputs_hold_every_row_and_chart() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let outcome = Harness::new("ferry on mocks")
        .compare(three_mocks(&log))
        .run(&Config::quiet(2))
        .unwrap();
    let table = ferry_compare::report::table(&outcome);
    assert!(table.contains("ferry on mocks"));
    assert_eq!(table.lines().filter(|l| l.starts_with("logged")).count(), 3);

    let json: serde_json::Value =
        serde_json::from_str(&ferry_compare::report::to_json(&outcome)).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for field in [
        "workload",
        "backend",
        "median",
        "min",
        "max",
        "unit",
        "ratio_to_baseline",
        "virtual_ms",
        "cpu_ms",
        "peak_rss_bytes",
        "throughput_per_s",
    ] {
        assert!(rows[0].get(field).is_some(), "no {field}");
    }
    assert_eq!(rows[0]["unit"], "ns/item");
    assert_eq!(rows[0]["ratio_to_baseline"], 1.0);

    let dir = tempfile::tempdir().unwrap();
    let written = ferry_compare::report::write_all(&outcome, dir.path()).unwrap();
    assert_eq!(written, 3);
    let svg = std::fs::read_to_string(dir.path().join("logged.svg")).unwrap();
    assert!(svg.contains("<svg"));
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("ferry on mocks"));
    assert!(!html.contains("<?xml"));
}

#[test]
fn case_filters_run_only_the_named_cases() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let harness = Harness::new("t").compare(three_mocks(&log));
    let mut config = Config::quiet(2);
    config.cases = vec!["b".to_owned()];
    let outcome = harness.run(&config).unwrap();
    assert_eq!(log.lock().unwrap().join(" "), "b b");
    assert_eq!(outcome.rows.len(), 1);
    config.cases = vec!["z".to_owned()];
    assert!(matches!(
        harness.run(&config),
        Err(HarnessError::Unknown { what: "case", .. })
    ));
}
