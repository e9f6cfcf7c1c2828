//! Cases for the [`Downloader`] on a backend's file system: what happens to an entry that
//! already has a file's name (a file from an earlier run, a directory, a symbolic link) under
//! each [`ExistingEntry`] policy, and two downloads racing for one name.
//!
//! They take the same [`FsEnv`] as the [file system cases](crate::fs) (symbolic links through
//! [`FsEnv::with_symlinks`]; cases that need them are skipped with a note without) and need
//! no server: the HTTP client answers from memory ([`NumberedBodies`]). Run them with
//! [`download_suite!`](crate::download_suite).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ferry_core::SpawnExt;
use ferry_fs::{FileSystem, FileSystemExt, FileType};
use ferry_pipeline::download::{DownloadError, DownloadReport, Downloader, ExistingEntry};

use crate::fs::{FsEnv, TestFs, temp_files};
use crate::runtime::TestRuntime;

mod client;

pub use client::NumberedBodies;

/// Runs every case of this module as a `#[test]`; see the [module docs](self).
#[macro_export]
macro_rules! download_suite {
    ($with_fs:path) => {
        $crate::__suite!(
            $with_fs,
            download,
            [
                keep_both_is_the_default_and_keeps_a_file_from_an_earlier_run,
                keep_both_takes_a_suffix_beside_a_directory_and_symlinks,
                skip_reports_what_is_there_and_sends_no_request_for_it,
                overwrite_replaces_a_file_and_a_link_itself_but_never_a_directory,
                a_rerun_with_skip_fetches_nothing_again,
                two_downloaders_at_once_in_one_directory_never_overwrite_each_other,
                two_skipping_downloaders_at_once_save_a_name_once,
            ]
        );
    };
}

fn url(name: &str) -> String {
    format!("http://files.test/{name}")
}

/// The entries of `dir`, sorted, with their types as a listing shows them (links not
/// followed).
async fn entries(fs: &impl FileSystem, dir: &Path) -> Vec<(String, FileType)> {
    let mut entries: Vec<(String, FileType)> = fs
        .read_dir(dir)
        .await
        .unwrap_or_else(|error| panic!("listing {}: {error}", dir.display()))
        .iter()
        .map(|entry| {
            let name = entry.name().to_string_lossy().into_owned();
            (name, entry.metadata().file_type())
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

async fn text(fs: &impl FileSystem, path: &Path) -> String {
    fs.read_to_string(path)
        .await
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

fn saved_paths(report: &DownloadReport) -> Vec<PathBuf> {
    report
        .saved
        .iter()
        .map(|saved| saved.path.clone())
        .collect()
}

fn skipped_paths(report: &DownloadReport) -> Vec<PathBuf> {
    report
        .skipped
        .iter()
        .map(|skipped| skipped.path.clone())
        .collect()
}

/// A download directory with a file from an earlier run, a directory with a file in it, and,
/// where links exist, a link to a file outside it and a dangling link.
struct Planted {
    dl: PathBuf,
    secret: PathBuf,
    nowhere: PathBuf,
    links: bool,
}

async fn plant<R, F: TestFs>(env: &FsEnv<R, F>) -> Planted {
    let dl = env.root.join("dl");
    let secret = env.root.join("secret.txt");
    let nowhere = env.root.join("nowhere.txt");
    env.fs.create_dir(&dl).await.expect("create dl");
    env.fs
        .write(&dl.join("a.txt"), b"earlier run")
        .await
        .expect("write a.txt");
    env.fs
        .create_dir(&dl.join("d.txt"))
        .await
        .expect("create d.txt/");
    env.fs
        .write(&dl.join("d.txt").join("inside"), b"kept")
        .await
        .expect("write d.txt/inside");
    env.fs
        .write(&secret, b"secret")
        .await
        .expect("write secret");
    let links = match &env.symlinks {
        Some(symlinks) => {
            symlinks.make(&secret, &dl.join("l.txt"));
            symlinks.make(&nowhere, &dl.join("gone.txt"));
            true
        }
        None => {
            println!("note: no symbolic links on this file system; the link parts are left out");
            false
        }
    };
    Planted {
        dl,
        secret,
        nowhere,
        links,
    }
}

impl Planted {
    /// The names planted, in the order the cases download them.
    fn names(&self) -> Vec<&'static str> {
        let mut names = vec!["a.txt", "d.txt"];
        if self.links {
            names.extend(["l.txt", "gone.txt"]);
        }
        names
    }

    /// Asserts that everything planted is as it was, except the entries in `replaced`.
    async fn assert_untouched(&self, fs: &impl FileSystem, replaced: &[&str]) {
        if !replaced.contains(&"a.txt") {
            assert_eq!(text(fs, &self.dl.join("a.txt")).await, "earlier run");
        }
        assert_eq!(
            text(fs, &self.dl.join("d.txt").join("inside")).await,
            "kept"
        );
        assert_eq!(text(fs, &self.secret).await, "secret", "a link's target");
        assert!(
            !fs.exists(&self.nowhere).await.expect("exists"),
            "nothing was created through the dangling link"
        );
        let listing = entries(fs, &self.dl).await;
        let kind = |name: &str| {
            listing
                .iter()
                .find(|(entry, _)| entry == name)
                .map(|(_, kind)| *kind)
        };
        assert_eq!(kind("d.txt"), Some(FileType::Dir), "{listing:?}");
        if self.links {
            for link in ["l.txt", "gone.txt"] {
                if !replaced.contains(&link) {
                    assert_eq!(kind(link), Some(FileType::Symlink), "{link}: {listing:?}");
                }
            }
            if !replaced.contains(&"l.txt") {
                assert_eq!(text(fs, &self.dl.join("l.txt")).await, "secret");
            }
        }
        assert!(temp_files(fs, &self.dl).await.is_empty(), "{listing:?}");
    }
}

/// With no policy set, a download whose name is taken by a file from an earlier run is saved
/// under the next free suffix, in input order, and the earlier file is left as it was.
pub async fn keep_both_is_the_default_and_keeps_a_file_from_an_earlier_run<
    R: TestRuntime,
    F: TestFs,
>(
    env: FsEnv<R, F>,
) {
    let dl = env.root.join("dl");
    env.fs.create_dir(&dl).await.expect("create dl");
    env.fs
        .write(&dl.join("a.txt"), b"earlier run")
        .await
        .expect("write a.txt");
    let client = NumberedBodies::new();
    let downloader = Downloader::new(client.clone(), env.fs.clone(), &dl);
    assert_eq!(downloader.existing_entry(), ExistingEntry::KeepBoth);
    let report = downloader
        .download([
            url("a.txt"),
            url("b.txt"),
            "http://mirror.test/a.txt".to_owned(),
        ])
        .await;
    assert!(report.is_complete(), "{report}");
    assert!(report.skipped.is_empty());
    assert_eq!(
        saved_paths(&report),
        [dl.join("a-1.txt"), dl.join("b.txt"), dl.join("a-2.txt")]
    );
    assert_eq!(text(&env.fs, &dl.join("a.txt")).await, "earlier run");
    for saved in &report.saved {
        assert!(text(&env.fs, &saved.path).await.starts_with("/"));
    }
    assert_eq!(client.answered(), 3);
}

/// Under `KeepBoth`, a directory and symbolic links (to a file, and dangling) at the names
/// are all kept: the files take suffixed names, no link is followed or replaced.
pub async fn keep_both_takes_a_suffix_beside_a_directory_and_symlinks<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let planted = plant(&env).await;
    let names = planted.names();
    let report = Downloader::new(NumberedBodies::new(), env.fs.clone(), &planted.dl)
        .on_existing(ExistingEntry::KeepBoth)
        .download(names.iter().map(|name| url(name)))
        .await;
    assert!(report.is_complete(), "{report}");
    let expected: Vec<PathBuf> = names
        .iter()
        .map(|name| {
            let (stem, ext) = name.split_once('.').expect("names have extensions");
            planted.dl.join(format!("{stem}-1.{ext}"))
        })
        .collect();
    assert_eq!(saved_paths(&report), expected);
    for (saved, name) in report.saved.iter().zip(&names) {
        assert!(
            text(&env.fs, &saved.path)
                .await
                .starts_with(&format!("/{name} #"))
        );
    }
    planted.assert_untouched(&env.fs, &[]).await;
}

/// Under `Skip`, every URL whose name is taken (file, directory, links) is reported as
/// already there with the entry's path, no request is sent for it, and nothing planted
/// changes; a free name is downloaded.
pub async fn skip_reports_what_is_there_and_sends_no_request_for_it<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let planted = plant(&env).await;
    let mut names = planted.names();
    names.push("new.txt");
    let client = NumberedBodies::new();
    let report = Downloader::new(client.clone(), env.fs.clone(), &planted.dl)
        .on_existing(ExistingEntry::Skip)
        .download(names.iter().map(|name| url(name)))
        .await;
    assert!(report.is_complete(), "{report}");
    let taken: Vec<PathBuf> = names[..names.len() - 1]
        .iter()
        .map(|name| planted.dl.join(name))
        .collect();
    assert_eq!(skipped_paths(&report), taken);
    assert_eq!(report.skipped[0].url, url("a.txt"));
    assert_eq!(saved_paths(&report), [planted.dl.join("new.txt")]);
    assert_eq!(client.answered(), 1, "only the free name was fetched");
    assert!(report.to_string().contains("already there"), "{report}");
    planted.assert_untouched(&env.fs, &[]).await;
}

/// Under `Overwrite`, a file at the name and a symbolic link (the link itself, not the file it
/// points to) are replaced; a directory is never replaced, and its URL fails with a typed
/// error before any request.
pub async fn overwrite_replaces_a_file_and_a_link_itself_but_never_a_directory<
    R: TestRuntime,
    F: TestFs,
>(
    env: FsEnv<R, F>,
) {
    let planted = plant(&env).await;
    let names = planted.names();
    let client = NumberedBodies::new();
    let report = Downloader::new(client.clone(), env.fs.clone(), &planted.dl)
        .on_existing(ExistingEntry::Overwrite)
        .download(names.iter().map(|name| url(name)))
        .await;
    let replaced: Vec<&str> = names
        .iter()
        .copied()
        .filter(|name| *name != "d.txt")
        .collect();
    assert_eq!(
        saved_paths(&report),
        replaced
            .iter()
            .map(|name| planted.dl.join(name))
            .collect::<Vec<_>>()
    );
    assert_eq!(report.failed.len(), 1, "{report}");
    match &report.failed[0].error {
        DownloadError::TargetIsDirectory { path, .. } => {
            assert_eq!(path, &planted.dl.join("d.txt"));
        }
        other => panic!("expected TargetIsDirectory, got {other}"),
    }
    assert_eq!(
        client.answered(),
        replaced.len(),
        "no request for the directory"
    );
    let listing = entries(&env.fs, &planted.dl).await;
    for name in &replaced {
        assert!(
            listing.contains(&(name.to_string(), FileType::File)),
            "{name} is a plain file now: {listing:?}"
        );
        assert!(
            text(&env.fs, &planted.dl.join(name))
                .await
                .starts_with(&format!("/{name} #"))
        );
    }
    planted.assert_untouched(&env.fs, &replaced).await;
}

/// Running the same download again under `Skip` sends no request and leaves the first run's
/// files as they were.
pub async fn a_rerun_with_skip_fetches_nothing_again<R: TestRuntime, F: TestFs>(env: FsEnv<R, F>) {
    let dl = env.root.join("dl");
    let urls = [url("a.txt"), url("b.txt")];
    let client = NumberedBodies::new();
    let downloader = Downloader::new(client.clone(), env.fs.clone(), &dl);
    let first = downloader.download(&urls).await;
    assert!(first.is_complete(), "{first}");
    let before = [
        text(&env.fs, &dl.join("a.txt")).await,
        text(&env.fs, &dl.join("b.txt")).await,
    ];
    let again = downloader
        .clone()
        .on_existing(ExistingEntry::Skip)
        .download(&urls)
        .await;
    assert!(again.saved.is_empty() && again.failed.is_empty(), "{again}");
    assert_eq!(skipped_paths(&again), [dl.join("a.txt"), dl.join("b.txt")]);
    assert_eq!(client.answered(), 2);
    let after = [
        text(&env.fs, &dl.join("a.txt")).await,
        text(&env.fs, &dl.join("b.txt")).await,
    ];
    assert_eq!(before, after);
}

/// Two clones of one downloader, on two tasks, fetch the same names into one directory at
/// once under `KeepBoth`: every download is saved, under distinct names, and every file holds
/// the body of the download that reports it.
pub async fn two_downloaders_at_once_in_one_directory_never_overwrite_each_other<
    R: TestRuntime,
    F: TestFs,
>(
    env: FsEnv<R, F>,
) {
    let dl = env.root.join("dl");
    let names = ["x.txt", "y.txt", "z.txt"];
    let downloader = Downloader::new(NumberedBodies::new(), env.fs.clone(), &dl);
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let downloader = downloader.clone();
            let urls: Vec<String> = names.iter().map(|name| url(name)).collect();
            env.rt.spawn(async move { downloader.download(urls).await })
        })
        .collect();
    let mut paths = BTreeSet::new();
    let mut bodies = BTreeSet::new();
    for task in tasks {
        let report = task.await.expect("download task");
        assert!(report.is_complete(), "{report}");
        assert_eq!(report.saved.len(), names.len());
        for (saved, name) in report.saved.iter().zip(names) {
            let body = text(&env.fs, &saved.path).await;
            assert!(body.starts_with(&format!("/{name} #")), "{body}");
            assert!(
                paths.insert(saved.path.clone()),
                "{} twice",
                saved.path.display()
            );
            bodies.insert(body);
        }
    }
    assert_eq!(
        bodies.len(),
        2 * names.len(),
        "every body is in a file of its own"
    );
    let listing = entries(&env.fs, &dl).await;
    assert_eq!(listing.len(), 2 * names.len(), "{listing:?}");
}

/// Two downloaders fetching one name at once under `Skip`: one saves it, the other reports
/// it as already there; the file holds one whole body and no temporary file is left.
pub async fn two_skipping_downloaders_at_once_save_a_name_once<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let dl = env.root.join("dl");
    let downloader = Downloader::new(NumberedBodies::new(), env.fs.clone(), &dl)
        .on_existing(ExistingEntry::Skip);
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let downloader = downloader.clone();
            env.rt
                .spawn(async move { downloader.download([url("once.txt")]).await })
        })
        .collect();
    let (mut saved, mut skipped) = (0, 0);
    for task in tasks {
        let report = task.await.expect("download task");
        assert!(report.is_complete(), "{report}");
        saved += report.saved.len();
        skipped += report.skipped.len();
    }
    assert_eq!((saved, skipped), (1, 1));
    let body = text(&env.fs, &dl.join("once.txt")).await;
    assert!(body == "/once.txt #1" || body == "/once.txt #2", "{body}");
    assert_eq!(entries(&env.fs, &dl).await.len(), 1);
}
