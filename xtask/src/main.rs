//! Project automation, in the cargo-xtask style: `cargo xtask <task>`.
//!
//! The alias in `.cargo/config.toml` runs this binary, so nothing needs installing beyond
//! cargo itself. Tasks:
//!
//! - `ci`: everything CI checks, in the order that fails fastest: the Debian packages the tests
//!   need (installed when missing), formatting, the runtime
//!   dependency rules, clippy with warnings denied, the tests, the docs with warnings denied,
//!   then that the micro benchmarks build and `bench --quick` runs.
//! - `deps`: only the dependency rules (see [`deps`]).
//! - `packages`: installs the Debian packages the tests need when missing (see [`packages`]).
//! - `bench`: the comparative benchmarks (see [`mod@bench`] and docs/BENCHMARKS.md).

mod bench;
mod deps;
mod packages;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let result = match task {
        "ci" => ci(),
        "deps" => deps::check_all(),
        "packages" => packages::ensure_installed(),
        "bench" => bench::run(&args[1..]),
        "help" | "--help" | "-h" => {
            print_help();
            Ok(())
        }
        other => Err(format!("unknown task `{other}`; run `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "cargo xtask <task>\n\n\
         tasks:\n  \
         ci     fmt check, dependency rules, clippy -D warnings, tests, docs -D warnings, bench smoke\n  \
         deps   check that ferry-core names no runtime and ferry-smol pulls in no tokio runtime\n  \
         packages  install the Debian packages the tests need (nginx, redis-server, ...) if missing\n  \
         bench  the comparative benchmarks (ferry-compare): table, target/ferry-bench/ with\n         results.json, SVG charts and index.html\n  \
         help   this text\n\n{}",
        bench::help()
    );
}

/// Runs what CI runs; stops at the first failing step.
fn ci() -> Result<(), String> {
    step("packages", packages::ensure_installed())?;
    step("format", cargo(&["fmt", "--all", "--", "--check"]))?;
    step("dependency rules", deps::check_all())?;
    step(
        "clippy",
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step("tests", cargo(&["test", "--workspace", "--all-features"]))?;
    step(
        "docs",
        run(Command::new(cargo_bin())
            .args(["doc", "--workspace", "--all-features", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings")),
    )?;
    // The micro benchmarks only have to build; the comparative benchmarks run once at their
    // quick sizes as a smoke test (about 30 s on 2 cores plus the release build). Nothing is
    // asserted about speed: CI machines are shared and noisy.
    step(
        "benchmarks build",
        cargo(&["bench", "-p", "ferry", "--bench", "primitives", "--no-run"]),
    )?;
    step("benchmarks smoke run", bench::run(&["--quick".to_owned()]))?;
    println!("xtask ci: all steps passed");
    Ok(())
}

fn step(name: &str, result: Result<(), String>) -> Result<(), String> {
    match result {
        Ok(()) => {
            println!("xtask ci: {name} ok");
            Ok(())
        }
        Err(message) => Err(format!("{name} failed: {message}")),
    }
}

/// The cargo that invoked us, so that `cargo +toolchain xtask` stays on that toolchain.
pub(crate) fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn cargo(args: &[&str]) -> Result<(), String> {
    run(Command::new(cargo_bin()).args(args))
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|error| format!("could not start {command:?}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} exited with {status}"))
    }
}
