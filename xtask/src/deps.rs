//! The dependency rules: which crates may never appear in which dependency trees.
//!
//! Architecture invariant: ferry-core depends on no runtime, and ferry-smol pulls in no tokio.
//! These rules are what make "runs on any runtime" true; they are checked on the resolved
//! dependency graph (`cargo tree`), so a runtime sneaking in through a transitive dependency
//! is caught too.

use std::process::Command;

/// A crate whose tree must not contain some crates.
struct Rule {
    package: &'static str,
    /// Dependency kinds `cargo tree -e` looks at.
    edges: &'static str,
    forbidden: &'static [&'static str],
}

const RUNTIMES: &[&str] = &[
    "tokio",
    "smol",
    "async-io",
    "async-std",
    "async-executor",
    "async-global-executor",
];

const RULES: &[Rule] = &[
    // Even ferry-core's tests must not lean on a runtime, so dev-dependencies count too.
    Rule {
        package: "ferry-core",
        edges: "normal,build,dev",
        forbidden: RUNTIMES,
    },
    Rule {
        package: "ferry-smol",
        edges: "normal,build",
        forbidden: &["tokio"],
    },
];

/// Checks every rule whose package is in the workspace.
pub(crate) fn check_all() -> Result<(), String> {
    let mut broken = Vec::new();
    for rule in RULES {
        match tree(rule.package, rule.edges)? {
            None => println!(
                "deps: {} is not in the workspace yet; rule skipped",
                rule.package
            ),
            Some(crates) => {
                let found = forbidden_in(&crates, rule.forbidden);
                if found.is_empty() {
                    println!(
                        "deps: {} is free of {}",
                        rule.package,
                        rule.forbidden.join(", ")
                    );
                } else {
                    broken.push(format!("{} depends on {}", rule.package, found.join(", ")));
                }
            }
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken.join("; "))
    }
}

/// The crate names in `package`'s dependency tree, or `None` if there is no such package.
fn tree(package: &str, edges: &str) -> Result<Option<Vec<String>>, String> {
    if !is_workspace_member(package)? {
        return Ok(None);
    }
    let output = Command::new(crate::cargo_bin())
        .args(["tree", "--package", package, "--edges", edges])
        .args(["--prefix", "none", "--format", "{p}", "--all-features"])
        .output()
        .map_err(|error| format!("could not run cargo tree: {error}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("cargo tree -p {package} failed: {stderr}"));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(Some(crate_names(&stdout)))
}

/// Whether `package` is one of the workspace's members.
fn is_workspace_member(package: &str) -> Result<bool, String> {
    let output = Command::new(crate::cargo_bin())
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .map_err(|error| format!("could not run cargo metadata: {error}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("cargo metadata failed: {stderr}"));
    }
    // The member list is JSON; a quoted name field is unambiguous enough to look for without
    // pulling a JSON parser into xtask.
    let metadata = String::from_utf8_lossy(&output.stdout);
    Ok(metadata.contains(&format!("\"name\":\"{package}\"")))
}

/// Crate names from `cargo tree --prefix none --format {p}` lines such as `tokio v1.40.0`.
fn crate_names(tree: &str) -> Vec<String> {
    tree.lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn forbidden_in(crates: &[String], forbidden: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = crates
        .iter()
        .filter(|name| forbidden.contains(&name.as_str()))
        .cloned()
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_forbidden_crate_in_tree_output() {
        let crates = crate_names("ferry-core v0.1.0 (/x)\nfutures-util v0.3.31\ntokio v1.40.0\n");
        assert_eq!(forbidden_in(&crates, RUNTIMES), vec!["tokio".to_owned()]);
    }

    #[test]
    fn ignores_crates_that_only_share_a_prefix() {
        let crates = crate_names("tokio-util v0.7.0\nasync-io-extra v1.0.0\n");
        assert!(forbidden_in(&crates, RUNTIMES).is_empty());
    }

    #[test]
    fn ferry_core_has_no_runtime_in_its_tree() {
        let crates = tree("ferry-core", "normal,build,dev")
            .expect("cargo tree runs")
            .expect("ferry-core is a workspace member");
        assert!(crates.iter().any(|name| name == "ferry-core"));
        let found = forbidden_in(&crates, RUNTIMES);
        assert!(found.is_empty(), "ferry-core depends on {found:?}");
    }
}
