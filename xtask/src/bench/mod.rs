//! `cargo xtask bench`: builds the `ferry-bench` binary in release mode, runs every workload
//! several times, and reports the median, min and max per workload and backend, with ratios
//! to the baselines computed within each run (a noisy machine slows a whole run, not one
//! case). Writes `target/ferry-bench/results.json` and one SVG chart per workload.

mod chart;
mod results;
mod stats;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use stats::{Row, Sample};

/// Runs per workload unless `--runs` says otherwise.
const RUNS: usize = 5;
/// Runs per workload with `--quick`.
const QUICK_RUNS: usize = 3;

/// What the command line asked for.
#[derive(Debug, Default)]
struct Options {
    quick: bool,
    only: Vec<String>,
    runs: Option<usize>,
    /// Passed on to the bench binary as they are (`--items N`, `--concurrency N`).
    size_args: Vec<String>,
}

/// One workload as the bench binary lists it.
#[derive(Debug)]
struct WorkloadInfo {
    name: String,
    pending: Option<String>,
    fresh_process: bool,
    unit: String,
    higher_is_better: bool,
    summary: String,
}

pub(crate) fn help() -> &'static str {
    "cargo xtask bench [--quick] [--only WORKLOAD[,WORKLOAD]] [--runs N] [--items N] \
     [--concurrency N]\n  \
     --quick          small sizes and 3 runs: a smoke run of well under a minute\n  \
     --only W         run only the named workload(s); repeatable or comma-separated\n  \
     --runs N         runs per workload (default 5, quick 3); the table shows median, min, max\n  \
     --items N        override the workload's item count (operations, tasks, files, sleeps)\n  \
     --concurrency N  override the workload's limit (fan-out limit, semaphore tasks, queue \
     capacity, file limit)"
}

/// Runs the benchmarks as `args` (what follows `bench`) say.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let started = Instant::now();
    let binary = build()?;
    let workloads = list(&binary)?;
    for name in &options.only {
        if !workloads.iter().any(|workload| &workload.name == name) {
            let known: Vec<&str> = workloads.iter().map(|w| w.name.as_str()).collect();
            return Err(format!(
                "unknown workload `{name}`; known: {}",
                known.join(", ")
            ));
        }
    }
    let selected: Vec<&WorkloadInfo> = workloads
        .iter()
        .filter(|workload| options.only.is_empty() || options.only.contains(&workload.name))
        .collect();
    let runs = options
        .runs
        .unwrap_or(if options.quick { QUICK_RUNS } else { RUNS });

    let mut samples = Vec::new();
    let mut notes = BTreeSet::new();
    for workload in &selected {
        if let Some(why) = &workload.pending {
            println!("bench: skipping {} ({why})", workload.name);
            continue;
        }
        eprint!("bench: {} ", workload.name);
        for run in 0..runs {
            eprint!(".");
            let outputs = if workload.fresh_process {
                cases(&binary, &workload.name)?
                    .iter()
                    .map(|case| bench_run(&binary, &workload.name, Some(case), run, &options))
                    .collect::<Result<Vec<_>, _>>()?
                    .concat()
            } else {
                bench_run(&binary, &workload.name, None, run, &options)?
            };
            for line in outputs.lines() {
                if let Some(note) = line.strip_prefix("note\t") {
                    notes.insert(note.to_owned());
                } else if let Some(sample) = Sample::parse(line, run)? {
                    samples.push(sample);
                }
            }
        }
        eprintln!();
    }

    let rows = stats::aggregate(&samples);
    let out_dir = out_dir();
    std::fs::create_dir_all(&out_dir)
        .map_err(|error| format!("could not create {}: {error}", out_dir.display()))?;
    print_table(&rows, &selected, runs);
    for note in &notes {
        println!("note: {note}");
    }
    let json_path = out_dir.join("results.json");
    write(&json_path, &results::to_json(&rows, runs, options.quick))?;
    for workload in &selected {
        let workload_rows: Vec<&Row> = rows
            .iter()
            .filter(|r| r.workload == workload.name)
            .collect();
        if workload_rows.is_empty() {
            continue;
        }
        let path = out_dir.join(format!("{}.svg", workload.name));
        chart::draw(&path, &workload.name, &workload.summary, &workload_rows)?;
    }
    println!(
        "bench: wrote {} and one SVG per workload in {} ({} runs, {:.1} s in all)",
        json_path.display(),
        out_dir.display(),
        runs,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or_else(|| format!("`{flag}` needs a value"))
        };
        match flag.as_str() {
            "--quick" => options.quick = true,
            "--only" => options.only.extend(
                value()?
                    .split(',')
                    .filter(|name| !name.is_empty())
                    .map(str::to_owned),
            ),
            "--runs" => {
                let text = value()?;
                match text.parse::<usize>() {
                    Ok(runs) if runs > 0 => options.runs = Some(runs),
                    _ => return Err(format!("`--runs` wants a positive number, got `{text}`")),
                }
            }
            "--items" | "--concurrency" => {
                let text = value()?;
                options.size_args.push(flag.clone());
                options.size_args.push(text);
            }
            "--help" | "-h" => {
                println!("{}", help());
                std::process::exit(0);
            }
            other => return Err(format!("unknown option `{other}`\n{}", help())),
        }
    }
    Ok(options)
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

fn list(binary: &Path) -> Result<Vec<WorkloadInfo>, String> {
    let output = capture(Command::new(binary).arg("list"))?;
    output
        .lines()
        .filter_map(|line| line.strip_prefix("workload\t"))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, status, fresh, unit, direction, summary] = fields[..] else {
                return Err(format!("unexpected workload line from ferry-bench: {line}"));
            };
            Ok(WorkloadInfo {
                name: name.to_owned(),
                pending: status.strip_prefix("pending: ").map(str::to_owned),
                fresh_process: fresh == "true",
                unit: unit.to_owned(),
                higher_is_better: direction == "higher",
                summary: summary.to_owned(),
            })
        })
        .collect()
}

fn cases(binary: &Path, workload: &str) -> Result<Vec<String>, String> {
    let output = capture(Command::new(binary).args(["cases", workload]))?;
    Ok(output
        .lines()
        .filter_map(|line| line.strip_prefix("case\t"))
        .map(str::to_owned)
        .collect())
}

fn bench_run(
    binary: &Path,
    workload: &str,
    case: Option<&String>,
    run: usize,
    options: &Options,
) -> Result<String, String> {
    let mut command = Command::new(binary);
    command
        .args(["run", workload])
        .args(&options.size_args)
        .args(["--rotate", &run.to_string()]);
    if options.quick {
        command.arg("--quick");
    }
    if let Some(case) = case {
        command.args(["--backend", case]);
    }
    capture(&mut command)
}

fn capture(command: &mut Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|error| format!("could not start {command:?}: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{command:?} exited with {}:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text)
        .map_err(|error| format!("could not write {}: {error}", path.display()))
}

fn print_table(rows: &[Row], workloads: &[&WorkloadInfo], runs: usize) {
    println!(
        "\n{:<22} {:<34} {:>12} {:>12} {:>12} {:<10} {:>8} {:>8}",
        "workload", "backend", "median", "min", "max", "unit", "vs best", "vs same"
    );
    println!("{}", "-".repeat(126));
    for workload in workloads {
        for row in rows.iter().filter(|row| row.workload == workload.name) {
            println!(
                "{:<22} {:<34} {:>12} {:>12} {:>12} {:<10} {:>8} {:>8}",
                row.workload,
                format!("{}{}", row.backend, if row.baseline { " *" } else { "" }),
                figure(row.median),
                figure(row.min),
                figure(row.max),
                format!(
                    "{}{}",
                    workload.unit,
                    if workload.higher_is_better { " ^" } else { "" }
                ),
                ratio(row.ratio_to_baseline),
                ratio(row.ratio_to_same_runtime),
            );
        }
    }
    println!(
        "\n* baseline (the library used directly). median/min/max over {runs} runs. Less is \
         better, except units marked ^ (more is better).\nvs best: median over runs of value / \
         best baseline in the same run. vs same: the same against the best baseline on the same \
         runtime."
    );
}

fn figure(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| format!("{value:.2}x"))
}
