//! Each case in a fresh process: this test is its own `main` (`harness = false`), because the
//! harness re-executes the current binary, which must build the same harness and hand the
//! child its case.

use std::process::ExitCode;
use std::sync::Arc;

use ferry_compare::backends::Mock;
use ferry_compare::{Comparison, Config, Env, Figure, Harness, Report, Sizes, Workload};

/// Reports the id of the process it ran in.
struct WhichProcess;

impl Workload for WhichProcess {
    type Error = std::convert::Infallible;

    async fn run<E: Env>(self: Arc<Self>, _env: E, sizes: Sizes) -> Result<Report, Self::Error> {
        Ok(Report::new()
            .items(sizes.items(3, 1) as u64)
            .note(format!("pid {}", std::process::id())))
    }
}

fn harness() -> Harness {
    Harness::new("fresh").compare(
        Comparison::new("which-process", Figure::wall_ms())
            .workload(WhichProcess)
            .on(Mock::new())
            .on(Mock::new().named("mock-2"))
            .done()
            .fresh_process(true),
    )
}

fn main() -> ExitCode {
    // In a child this runs the case asked for and exits.
    let mut config = Config::quiet(2);
    config.sizes.items = Some(11);
    let outcome = harness().run(&config).expect("the harness runs");
    let mut failed = Vec::new();
    if !outcome.failures.is_empty() {
        failed.push(format!("failures: {:?}", outcome.failures));
    }
    let parent = format!("pid {}", std::process::id());
    // Two cases x two runs, each in its own process: four pids, none of them this one.
    if outcome.notes.len() != 4 || outcome.notes.contains(&parent) {
        failed.push(format!(
            "expected 4 child pids, got {:?} (parent {parent})",
            outcome.notes
        ));
    }
    for row in &outcome.rows {
        // The sizes reached the children.
        if row.samples.len() != 2 || row.size != 11 {
            failed.push(format!("row {} has {:?}", row.backend, row));
        }
    }
    if failed.is_empty() {
        println!("test each_case_runs_in_a_fresh_process_with_the_parents_sizes ... ok");
        ExitCode::SUCCESS
    } else {
        eprintln!("each_case_runs_in_a_fresh_process_with_the_parents_sizes FAILED:");
        for failure in failed {
            eprintln!("  {failure}");
        }
        ExitCode::FAILURE
    }
}
