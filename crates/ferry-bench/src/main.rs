//! The workloads behind `cargo xtask bench`.
//!
//! Each workload is written once against ferry's traits and run on every backend where it
//! makes sense, next to hand-written baselines that use the libraries directly. xtask builds
//! this binary in release mode, runs it several times and aggregates what it prints; the
//! binary itself only measures. Its protocol, one tab-separated record per line:
//!
//! - `ferry-bench list` prints
//!   `workload <name> <status> <fresh-process> <unit> <higher|lower> <summary>` per workload
//!   (higher or lower: which is better), where status is `ready` or `pending: <why>` and fresh-process says whether
//!   each backend must run in its own process (memory peaks must not mix).
//! - `ferry-bench run <workload> [--backend NAME] [--items N] [--concurrency N] [--quick]
//!   [--rotate N]` runs every case once (or the one named), the list rotated by N, and prints
//!   `result <workload> <backend> <runtime> <baseline> <value> <unit> <size> <higher|lower>`
//!   per case, and
//!   `note <text>` for what the reader should know (core pinning).
//! - `ferry-bench cases <workload>` prints the case names, for fresh-process workloads.

mod backends;
mod pinning;
mod workloads;

use std::process::ExitCode;

use workloads::{Sizes, Status, Workload};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ferry-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("list") => {
            for workload in workloads::ALL {
                let status = match workload.status {
                    Status::Ready => "ready".to_owned(),
                    Status::Pending(why) => format!("pending: {why}"),
                };
                println!(
                    "workload\t{}\t{}\t{}\t{}\t{}\t{}",
                    workload.name,
                    status,
                    workload.fresh_process,
                    workload.unit,
                    if workload.higher_is_better {
                        "higher"
                    } else {
                        "lower"
                    },
                    workload.summary
                );
            }
            Ok(())
        }
        Some("cases") => {
            let workload = find(args.get(1))?;
            for case in (workload.cases)() {
                println!("case\t{}", case.backend);
            }
            Ok(())
        }
        Some("run") => {
            let workload = find(args.get(1))?;
            let (options, sizes) = parse_options(&args[2..])?;
            run_workload(workload, &options, &sizes)
        }
        _ => Err(
            "usage: ferry-bench list | cases <workload> | run <workload> [--backend NAME] \
                  [--items N] [--concurrency N] [--quick]"
                .to_owned(),
        ),
    }
}

fn find(name: Option<&String>) -> Result<&'static Workload, String> {
    let name = name.ok_or("missing workload name")?;
    workloads::ALL
        .iter()
        .find(|workload| workload.name == name.as_str())
        .ok_or_else(|| format!("unknown workload `{name}`"))
}

fn parse_options(args: &[String]) -> Result<(Options, Sizes), String> {
    let mut backend = None;
    let mut sizes = Sizes::default();
    let mut rotate = 0;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("`{flag}` needs a value"))
                .cloned()
        };
        match flag.as_str() {
            "--quick" => sizes.quick = true,
            "--backend" => backend = Some(value()?),
            "--items" => sizes.items = Some(parse_positive(flag, &value()?)?),
            "--concurrency" => sizes.concurrency = Some(parse_positive(flag, &value()?)?),
            "--rotate" => {
                let text = value()?;
                rotate = text
                    .parse()
                    .map_err(|_| format!("`--rotate` wants a whole number, got `{text}`"))?;
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok((Options { backend, rotate }, sizes))
}

/// Which cases to run, and in what order.
struct Options {
    /// Only the case of this backend, when given.
    backend: Option<String>,
    /// Start the case list this many places later (wrapping): xtask passes the run's number so
    /// that no case is always first (and pays for the process's first allocations).
    rotate: usize,
}

fn parse_positive(flag: &str, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) | Err(_) => Err(format!(
            "`{flag}` wants a positive whole number, got `{value}`"
        )),
        Ok(n) => Ok(n),
    }
}

fn run_workload(workload: &Workload, options: &Options, sizes: &Sizes) -> Result<(), String> {
    let backend = options.backend.as_deref();
    if let Status::Pending(why) = workload.status {
        return Err(format!(
            "workload `{}` is not available yet: {why}",
            workload.name
        ));
    }
    let mut cases = (workload.cases)();
    if !cases.is_empty() {
        let shift = options.rotate % cases.len();
        cases.rotate_left(shift);
    }
    let mut ran = false;
    for case in cases
        .iter()
        .filter(|case| backend.is_none_or(|b| b == case.backend))
    {
        ran = true;
        let measured = (case.run)(sizes);
        println!(
            "result\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            workload.name,
            case.backend,
            case.runtime,
            case.baseline,
            measured.value,
            workload.unit,
            measured.size,
            if workload.higher_is_better {
                "higher"
            } else {
                "lower"
            },
        );
        for note in measured.notes {
            println!("note\t{note}");
        }
    }
    if ran {
        Ok(())
    } else {
        Err(format!(
            "workload `{}` has no backend `{}`",
            workload.name,
            backend.unwrap_or_default()
        ))
    }
}
