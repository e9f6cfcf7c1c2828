//! The dependency rules: which crates may never appear in which dependency trees, and how
//! many crates the interface crate may pull in.
//!
//! Architecture invariant: no crate below the backends (ferry-rt, ferry-core, ferry-http,
//! ferry-fs, ferry-pipeline) depends on a runtime; no HTTP stack (hyper, h2, rustls) appears
//! below the backends; the toolkit (ferry-core) has no HTTP, URL, CSV or JSON crate; ferry-rt's
//! normal tree stays within [`RT_BUDGET`] crates; and ferry-smol pulls in no tokio runtime. hyper 1.x (and h2 under it) depend on tokio's runtime-free parts, `sync` and
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
    /// Groups of crates that must not appear.
    forbidden: &'static [&'static [&'static str]],
    /// Forbidden crates that may appear after all, with only these features enabled.
    tolerated: &'static [(&'static str, &'static [&'static str])],
    /// The most crates (the package itself included) its tree may list.
    max_crates: Option<usize>,
}

/// How many crates `cargo tree -e normal -p ferry-rt` may list, ferry-rt itself included: the
/// promise to library authors that the interface crate costs them next to nothing.
const RT_BUDGET: usize = 8;

/// HTTP stacks: only the backends (and the test server) speak HTTP on the wire.
const HTTP_STACKS: &[&str] = &["hyper", "hyper-util", "h2", "rustls", "reqwest", "surf"];

/// HTTP types, URLs and data formats: what the toolkit (ferry-core) must not carry.
const HTTP_AND_DATA: &[&str] = &["http", "url", "csv", "serde_json"];

/// What ferry-http's default features bring (decoders, the cookie jar and its `url`): a
/// library that takes ferry-http without them must not get them some other way.
const HTTP_EXTRAS: &[&str] = &[
    "async-compression",
    "zstd-sys",
    "brotli",
    "cookie_store",
    "url",
];

/// How many crates the example library `paged-crawler` may list (`cargo tree -e normal`): what
/// docs/LIBRARY_AUTHORS.md measured, so a dependency that creeps into the interface crates is
/// noticed.
const CRAWLER_BUDGET: usize = 40;

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
    // Even the tests of the crates below the backends must not lean on a runtime, so
    // dev-dependencies count too.
    Rule {
        package: "ferry-rt",
        edges: "normal,build,dev",
        forbidden: &[RUNTIMES, HTTP_STACKS],
        tolerated: &[],
        max_crates: None,
    },
    Rule {
        package: "ferry-rt",
        edges: "normal",
        forbidden: &[],
        tolerated: &[],
        max_crates: Some(RT_BUDGET),
    },
    Rule {
        package: "ferry-core",
        edges: "normal,build,dev",
        forbidden: &[RUNTIMES, HTTP_STACKS, HTTP_AND_DATA],
        tolerated: &[],
        max_crates: None,
    },
    Rule {
        package: "ferry-http",
        edges: "normal,build,dev",
        forbidden: &[RUNTIMES, HTTP_STACKS],
        tolerated: &[],
        max_crates: None,
    },
    Rule {
        package: "ferry-fs",
        edges: "normal,build,dev",
        forbidden: &[RUNTIMES, HTTP_STACKS],
        tolerated: &[],
        max_crates: None,
    },
    Rule {
        package: "ferry-pipeline",
        edges: "normal,build,dev",
        forbidden: &[RUNTIMES, HTTP_STACKS],
        tolerated: &[],
        max_crates: None,
    },
    // ferry-db drives tokio-postgres over sockets its caller's runtime opens: tokio's I/O
    // traits only, no scheduler, reactor or timer, and no other runtime (its tests run on
    // every backend, so only normal edges count).
    Rule {
        package: "ferry-db",
        edges: "normal,build",
        forbidden: &[RUNTIMES],
        tolerated: &[("tokio", TOKIO_WITHOUT_RUNTIME)],
        max_crates: None,
    },
    Rule {
        package: "paged-crawler",
        edges: "normal",
        forbidden: &[RUNTIMES, HTTP_STACKS, HTTP_EXTRAS],
        tolerated: &[],
        max_crates: None,
    },
    Rule {
        package: "paged-crawler",
        edges: "normal",
        forbidden: &[],
        tolerated: &[],
        max_crates: Some(CRAWLER_BUDGET),
    },
    Rule {
        package: "ferry-smol",
        edges: "normal,build",
        forbidden: &[&["tokio"]],
        tolerated: &[("tokio", TOKIO_WITHOUT_RUNTIME)],
        max_crates: None,
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
                if let Some(max) = rule.max_crates {
                    let count = distinct_crates(&crates);
                    if count > max {
                        broken.push(format!(
                            "{} lists {count} crates with edges {}, more than its budget of {max}",
                            rule.package, rule.edges
                        ));
                    } else {
                        println!(
                            "deps: {} lists {count} crates with edges {} (budget {max})",
                            rule.package, rule.edges
                        );
                    }
                    continue;
                }
                let forbidden = rule.forbidden.concat();
                let found = forbidden_in(&crates, &forbidden, rule.tolerated);
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
                        forbidden.join(", "),
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

/// How many different crates a tree lists (a crate reached by several paths counts once).
fn distinct_crates(crates: &[TreeCrate]) -> usize {
    let mut names: Vec<&str> = crates.iter().map(|krate| krate.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names.len()
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

    /// The crates below the backends: none of them may name a runtime or an HTTP stack.
    const INTERFACE_CRATES: &[&str] = &[
        "ferry-rt",
        "ferry-core",
        "ferry-http",
        "ferry-fs",
        "ferry-pipeline",
    ];

    #[test]
    fn every_crate_below_the_backends_forbids_runtimes_and_http_stacks() {
        for package in INTERFACE_CRATES {
            let rule = RULES
                .iter()
                .find(|rule| rule.package == *package && rule.max_crates.is_none())
                .unwrap_or_else(|| panic!("{package} has no dependency rule"));
            assert!(rule.edges.contains("dev"), "{package}: tests count too");
            assert!(
                rule.forbidden.contains(&RUNTIMES),
                "{package} allows runtimes"
            );
            assert!(
                rule.forbidden.contains(&HTTP_STACKS),
                "{package} allows HTTP stacks"
            );
        }
    }

    #[test]
    fn the_toolkit_forbids_http_url_csv_and_json() {
        let rule = RULES
            .iter()
            .find(|rule| rule.package == "ferry-core")
            .expect("ferry-core has a rule");
        assert!(rule.forbidden.contains(&HTTP_AND_DATA));
        for krate in ["http", "url", "csv", "serde_json"] {
            assert!(HTTP_AND_DATA.contains(&krate), "{krate}");
        }
    }

    #[test]
    fn a_crate_reached_twice_counts_once_against_a_budget() {
        let crates = crate_names(
            "ferry-rt v0.1.0 (/x)\npin-project-lite v0.2.16\npin-project-lite v0.2.16\n",
        );
        assert_eq!(distinct_crates(&crates), 2);
    }

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
