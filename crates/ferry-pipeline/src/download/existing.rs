//! What a download does about an entry that already has its file's name.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::Path;

use ferry_fs::{FileSystem, FileType};

/// What a [`Downloader`](super::Downloader) does when the name a file is to get is already
/// taken in the target directory, by a file from an earlier run, a directory, or a symbolic
/// link (dangling or not).
///
/// Only [`Overwrite`](Self::Overwrite) ever replaces an entry the run did not write, and never
/// a directory. A symbolic link is never followed: its target is never touched, whatever the
/// policy; `Overwrite` replaces the link itself.
///
/// Entries are seen twice: in a listing of the directory before any request (so that the
/// names are planned, and skips decided, in input order), and at the final rename, which
/// under `KeepBoth` and `Skip` is a [`rename_noreplace`](FileSystem::rename_noreplace): an
/// entry that appears while the download runs (another process, another downloader in the
/// same directory) is never replaced either.
///
/// ```
/// use ferry_pipeline::download::{Downloader, ExistingEntry};
/// use ferry_fs::FileSystem;
/// use ferry_http::HttpClient;
///
/// async fn sync_mirror(client: impl HttpClient, fs: impl FileSystem, urls: &[&str]) {
///     // Re-running fetches only what is not there yet.
///     let report = Downloader::new(client, fs, "/data/mirror")
///         .on_existing(ExistingEntry::Skip)
///         .download(urls)
///         .await;
///     for skipped in &report.skipped {
///         println!("{} already there as {}", skipped.url, skipped.path.display());
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ExistingEntry {
    /// The default: keep what is there and save the new file under the next free name with
    /// the collision suffix (`name-1.ext`, `name-2.ext`, ...), as wget does. The report's
    /// [`Saved::path`](super::Saved::path) says which name it got.
    #[default]
    KeepBoth,
    /// Keep what is there and do not download: the URL is reported in
    /// [`DownloadReport::skipped`](super::DownloadReport::skipped) as already there. A
    /// directory at the name counts as being there too. No request is sent for a name seen
    /// taken before the downloads start; one taken while the body was on its way costs the
    /// transfer, whose temporary file is removed.
    Skip,
    /// Replace a file or a symbolic link at the name (the link, not its target) by the
    /// rename. A directory is never replaced: that URL fails with
    /// [`DownloadError::TargetIsDirectory`](super::DownloadError::TargetIsDirectory).
    Overwrite,
}

/// The entries of the target directory when the run starts, by exact name.
#[derive(Debug, Default)]
pub(super) struct Existing {
    by_name: HashMap<OsString, FileType>,
}

impl Existing {
    /// Lists `dir`. A directory that cannot be listed counts as empty: the no-replace rename
    /// still protects whatever is there, and a real problem shows when the file is written.
    pub(super) async fn list<F: FileSystem + ?Sized>(fs: &F, dir: &Path) -> Self {
        let by_name = match fs.read_dir(dir).await {
            Ok(entries) => entries
                .into_iter()
                .map(|entry| (entry.name().to_os_string(), entry.metadata().file_type()))
                .collect(),
            Err(_) => HashMap::new(),
        };
        Self { by_name }
    }

    /// The names that are text (any other cannot collide with a planned name, which always
    /// is).
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().filter_map(|name| name.to_str())
    }

    /// What is at `name`, if anything.
    pub(super) fn get(&self, name: &str) -> Option<FileType> {
        self.by_name.get(OsStr::new(name)).copied()
    }
}
