//! The dependency rules: which crates may never appear in which dependency trees.
//!
//! Architecture invariant: ferry-core depends on no runtime, and ferry-smol pulls in no tokio
//! runtime. hyper 1.x (and h2 under it) depend on tokio's runtime-free parts, `sync` and
//! `io-util`, whatever runtime drives them; those are tolerated in ferry-smol's tree, and any
//! tokio feature beyond them (a scheduler, the reactor, timers) is not.
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
    /// Forbidden crates that may appear after all, with only these features enabled.
    tolerated: &'static [(&'static str, &'static [&'static str])],
}

/// tokio's features that start no runtime, no reactor and no timer: what hyper and h2 use.
const TOKIO_WITHOUT_RUNTIME: &[&str] = &["bytes", "default", "io-util", "sync"];

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
        tolerated: &[],
    },
    Rule {
        package: "ferry-smol",
        edges: "normal,build",
        forbidden: &["tokio"],
        tolerated: &[("tokio", TOKIO_WITHOUT_RUNTIME)],
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
                let found = forbidden_in(&crates, rule.forbidden, rule.tolerated);
                if found.is_empty() {
                    let tolerated: Vec<String> = rule
                        .tolerated
                        .iter()
                        .map(|(name, features)| {
                            format!(" ({name} allowed with {})", features.join(","))
                        })
                        .collect();
                    println!(
                        "deps: {} is free of {}{}",
                        rule.package,
                        rule.forbidden.join(", "),
                        tolerated.concat()
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

/// The crates (with their enabled features) in `package`'s dependency tree, or `None` if
/// there is no such package.
fn tree(package: &str, edges: &str) -> Result<Option<Vec<TreeCrate>>, String> {
    if !is_workspace_member(package)? {
        return Ok(None);
    }
    let output = Command::new(crate::cargo_bin())
        .args(["tree", "--package", package, "--edges", edges])
        .args(["--prefix", "none", "--format", "{p} {f}", "--all-features"])
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

/// One line of `cargo tree --format "{p} {f}"`: a crate and its enabled features.
#[derive(Debug)]
struct TreeCrate {
    name: String,
    features: Vec<String>,
}

/// Crates from `cargo tree --prefix none --format "{p} {f}"` lines such as
/// `tokio v1.40.0 io-util,sync` (a path dependency has a `(/path)` before its features).
fn crate_names(tree: &str) -> Vec<TreeCrate> {
    tree.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next()?.to_owned();
            let _version = words.next();
            let features = words
                .filter(|word| !word.starts_with('('))
                .flat_map(|word| word.split(','))
                .map(str::to_owned)
                .collect();
            Some(TreeCrate { name, features })
        })
        .collect()
}

/// The forbidden crates in `crates`, except tolerated ones that enable only allowed features.
fn forbidden_in(
    crates: &[TreeCrate],
    forbidden: &[&str],
    tolerated: &[(&str, &[&str])],
) -> Vec<String> {
    let allowed = |krate: &TreeCrate| {
        tolerated.iter().any(|(name, features)| {
            *name == krate.name
                && krate
                    .features
                    .iter()
                    .all(|feature| features.contains(&feature.as_str()))
        })
    };
    let mut found: Vec<String> = crates
        .iter()
        .filter(|krate| forbidden.contains(&krate.name.as_str()) && !allowed(krate))
        .map(|krate| match krate.features.is_empty() {
            true => krate.name.clone(),
            false => format!("{} (features {})", krate.name, krate.features.join(",")),
        })
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
        assert_eq!(
            forbidden_in(&crates, RUNTIMES, &[]),
            vec!["tokio".to_owned()]
        );
    }

    #[test]
    fn ignores_crates_that_only_share_a_prefix() {
        let crates = crate_names("tokio-util v0.7.0\nasync-io-extra v1.0.0\n");
        assert!(forbidden_in(&crates, RUNTIMES, &[]).is_empty());
    }

    #[test]
    fn tolerates_tokio_without_runtime_features_only() {
        let tolerated: &[(&str, &[&str])] = &[("tokio", TOKIO_WITHOUT_RUNTIME)];
        let quiet = crate_names("hyper v1.0.0 client\ntokio v1.40.0 io-util,sync\n");
        assert!(forbidden_in(&quiet, &["tokio"], tolerated).is_empty());
        let runtime = crate_names("tokio v1.40.0 rt,sync,time\n");
        assert_eq!(
            forbidden_in(&runtime, &["tokio"], tolerated),
            vec!["tokio (features rt,sync,time)".to_owned()]
        );
    }

    #[test]
    fn ferry_core_has_no_runtime_in_its_tree() {
        let crates = tree("ferry-core", "normal,build,dev")
            .expect("cargo tree runs")
            .expect("ferry-core is a workspace member");
        assert!(crates.iter().any(|krate| krate.name == "ferry-core"));
        let found = forbidden_in(&crates, RUNTIMES, &[]);
        assert!(found.is_empty(), "ferry-core depends on {found:?}");
    }
}
