//! `cargo xtask bench`: builds the `ferry-bench` binary in release mode and runs it. The
//! binary is a ferry-compare harness: it runs every workload on every backend and baseline
//! (interleaved and rotated, after a warm-up round), prints the table, and writes
//! `target/ferry-bench/results.json`, one SVG chart per workload and `index.html`. One harness
//! for ferry's own workloads and for users' (see crates/ferry-compare).

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn help() -> &'static str {
    "cargo xtask bench [--quick] [--only WORKLOAD[,WORKLOAD]] [--runs N] [--warmup N] \
     [--items N] [--concurrency N] [--fresh] [--save NAME] [--baseline NAME]\n  \
     --quick          small sizes and 3 runs: a smoke run of about half a minute\n  \
     --only W         run only the named workload(s); repeatable or comma-separated\n  \
     --runs N         runs per workload (default 5, quick 3); the table shows median, min, max\n  \
     --warmup N       discarded rounds first (default 1)\n  \
     --items N        override the workload's item count (operations, tasks, files, sleeps)\n  \
     --concurrency N  override the workload's limit (fan-out limit, semaphore tasks, queue \
     capacity, file limit)\n  \
     --fresh          every case in a fresh process (HTTP and memory cases always are)\n  \
     --save NAME      keep this run as NAME; --baseline NAME compares with it and flags \
     regressions beyond the noise\n  \
     every option of ferry-compare works: `cargo xtask bench --help-harness` lists them"
}

/// Runs the benchmarks as `args` (what follows `bench`) say.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{}", help());
        return Ok(());
    }
    let binary = build()?;
    let mut command = Command::new(&binary);
    if args.iter().any(|arg| arg == "--help-harness") {
        command.arg("--help");
    } else {
        command
            .args(args)
            .arg("--out")
            .arg(out_dir())
            .current_dir(workspace_root());
    }
    let status = command
        .status()
        .map_err(|error| format!("could not start {}: {error}", binary.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("ferry-bench exited with {status}"))
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_owned)
}

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from);
    target.join("ferry-bench")
}

/// Builds the bench binary in release mode and returns its path.
fn build() -> Result<PathBuf, String> {
    eprintln!("bench: building ferry-bench (release)");
    let output = Command::new(crate::cargo_bin())
        .current_dir(workspace_root())
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "ferry-bench",
            "--message-format=json-render-diagnostics",
        ])
        .output()
        .map_err(|error| format!("could not start cargo build: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "building ferry-bench failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    // The executable's path is in cargo's `compiler-artifact` message; finding it there
    // respects CARGO_TARGET_DIR and build.target-dir without parsing any config.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains("\"compiler-artifact\"") && line.contains("ferry-bench"))
        .find_map(|line| {
            let start = line.find("\"executable\":\"")? + "\"executable\":\"".len();
            let end = start + line[start..].find('"')?;
            Some(PathBuf::from(&line[start..end]))
        })
        .ok_or_else(|| "cargo build did not report the ferry-bench executable".to_owned())
}
