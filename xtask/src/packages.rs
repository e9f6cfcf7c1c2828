//! `cargo xtask packages`: installs the Debian packages the tests need (nginx, redis-server,
//! PostgreSQL, ...) when they are missing, so that a new machine runs the whole suite.
//!
//! The list is `.ci/debian-packages`, one package a line (`#` starts a comment). A package
//! that `dpkg-query` reports installed is left alone; the rest are installed with one
//! `apt-get update` and one `apt-get install`, which needs root (CI runs as root). On a machine
//! without apt-get or without root the step says which packages are missing and fails: the
//! tests that need them would fail anyway, with less to go on.

use std::path::Path;
use std::process::Command;

const LIST: &str = ".ci/debian-packages";

/// Installs whatever on the list is missing.
pub(crate) fn ensure_installed() -> Result<(), String> {
    let text = std::fs::read_to_string(Path::new(LIST))
        .map_err(|error| format!("cannot read {LIST}: {error}"))?;
    let wanted = parse_list(&text);
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|package| !is_installed(package))
        .collect();
    if missing.is_empty() {
        println!("packages: all {} installed", wanted.len());
        return Ok(());
    }
    println!("packages: installing {}", missing.join(" "));
    let apt = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|error| {
                format!(
                    "cannot run apt-get ({error}); install these Debian packages by hand: {}",
                    missing.join(" ")
                )
            })?;
        if status.success() {
            Ok(())
        } else {
            Err(format!(
                "apt-get {} exited with {status} (it needs root); missing: {}",
                args.join(" "),
                missing.join(" ")
            ))
        }
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(missing.iter().copied());
    apt(&install)?;
    Ok(())
}

/// The package names in the list's text, comments and blank lines left out.
fn parse_list(text: &str) -> Vec<&str> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|name| !name.is_empty())
        .collect()
}

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["--show", "--showformat=${db:Status-Status}", package])
        .output()
        .map(|output| output.status.success() && output.stdout == b"installed")
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::parse_list;

    #[test]
    fn comments_and_blank_lines_are_not_packages() {
        let text = "# header\n\nnginx  # the HTTP conformance run\nredis-server\n";
        assert_eq!(parse_list(text), ["nginx", "redis-server"]);
    }
}
