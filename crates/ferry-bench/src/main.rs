//! The workloads behind `cargo xtask bench`, run by ferry-compare.
//!
//! Each workload is written once against ferry's traits and run on every backend where it
//! makes sense, next to hand-written baselines that use the libraries directly. Every workload
//! is a ferry-compare [`Comparison`](ferry_compare::Comparison); the harness runs them
//! (interleaved and rotated, after a warm-up round, HTTP and memory cases each in a fresh
//! process), prints the table and writes results.json, one SVG per workload and index.html.
//! `cargo xtask bench` builds this binary in release mode and runs it with
//! `--out target/ferry-bench`; every option of ferry-compare's command line works here too
//! (`ferry-bench --help`).

mod backends;
mod pinning;
mod workloads;

use std::process::ExitCode;

use ferry_compare::Harness;

fn main() -> ExitCode {
    workloads::ALL
        .iter()
        .fold(Harness::new("ferry-bench"), |harness, workload| {
            harness.compare(workload.comparison())
        })
        .main()
}
