//! Downloading many URLs into a directory, concurrently, each file written atomically.
//!
//! [`Downloader`] fetches URLs a bounded number at a time (5 by default) through any
//! [`HttpClient`] (put a [`ResilientClient`](ferry_http::ResilientClient) under it for
//! retries and per-host limits), streams each body into a temporary file next to its target
//! through the [`FileSystem`], syncs it and renames it into place, and reports what was saved
//! and what failed.
//!
//! # Names
//!
//! A file is named after its URL's last path segment, percent-decoded and made safe
//! ([`sanitize_file_name`]): whatever the URL holds (`..`, `%2f`, `\`, NUL, control
//! characters, device names), the file lands directly inside the target directory. The names
//! are decided before any request, in input order, so that two URLs with one name get
//! `name.ext`, `name-1.ext`, `name-2.ext`, ... the same way on every run, however the
//! downloads interleave (names are compared without case).
//!
//! # Names already taken
//!
//! What happens when an entry (a file from an earlier run, a directory, a symbolic link) already
//! has a file's name is the [`ExistingEntry`] policy, set with [`Downloader::on_existing`]. The
//! default, [`KeepBoth`](ExistingEntry::KeepBoth), never destroys anything the run did not
//! write: the new file takes the next free collision suffix, as wget does. Names taken when the
//! run starts are planned around in input order; one taken while a download runs is caught by
//! the final [`rename_noreplace`](ferry_fs::FileSystem::rename_noreplace), which never
//! replaces anything, and the file takes the next free suffix then.
//! [`Skip`](ExistingEntry::Skip) reports the URL as already there
//! ([`DownloadReport::skipped`]); [`Overwrite`](ExistingEntry::Overwrite) replaces files and
//! links (never a link's target, never a directory: that is
//! [`DownloadError::TargetIsDirectory`]).
//!
//! `Content-Disposition` names are not used by default, because they arrive with the
//! responses, in no fixed order, and come from the server; with
//! [`Downloader::prefer_content_disposition`] a response's `filename*`/`filename` wins over
//! the URL's (made safe in the same way, its collision suffix taken when the response
//! arrives), and a URL with no name of its own is fetched to see if the server names it.
//!
//! # Atomic files
//!
//! A body is never held whole in memory: chunks go straight to a temporary file
//! (`.{name}.{random}.ferry-tmp`, the [`write_atomic`](ferry_fs::FileSystemExt::write_atomic)
//! convention). Only after the whole body arrived and was synced is the file renamed to its
//! name, then the directory synced (and the directory's own entry in its parent, once, after
//! creating it). A failed download removes its temporary file; a
//! cancelled one (the future dropped) removes it in the background. Either way, no partial
//! file ever appears under the final name.

mod error;
mod existing;
mod name;
mod save;

pub use error::{DownloadError, DownloadReport, Failed, Saved, Skipped};
pub use existing::ExistingEntry;
pub use name::{file_name_from_content_disposition, file_name_from_url, sanitize_file_name};

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use futures_util::StreamExt;
use http::header::CONTENT_DISPOSITION;
use url::Url;

use existing::Existing;
use ferry_core::ConcurrencyLimit;
use ferry_fs::{FileSystem, FileType};
use ferry_http::{HttpClient, HttpClientExt, redact_url_str};
use name::NameRegistry;
use save::Place;

/// Downloads URLs into a directory; see the [module docs](self).
///
/// ```
/// use std::path::Path;
/// use ferry_core::ConcurrencyLimit;
/// use ferry_pipeline::download::Downloader;
/// use ferry_fs::FileSystem;
/// use ferry_http::HttpClient;
///
/// async fn fetch_reports(client: impl HttpClient, fs: impl FileSystem) {
///     let report = Downloader::new(client, fs, "/data/reports")
///         .concurrency(ConcurrencyLimit::new(8).unwrap())
///         .download([
///             "https://reports.example.com/2024/q1.pdf",
///             "https://reports.example.com/2024/q2.pdf",
///             "https://mirror.example.com/2024/q1.pdf", // saved as q1-1.pdf
///         ])
///         .await;
///     for saved in &report.saved {
///         println!("{} -> {} ({} bytes)", saved.url, saved.path.display(), saved.bytes);
///     }
///     for failed in &report.failed {
///         eprintln!("{}", failed.error);
///     }
/// }
/// ```
///
/// # Sharing
///
/// `Downloader` is `Clone` when its client and file system are (as ferry's backends' clients,
/// a [`ResilientClient`](ferry_http::ResilientClient) and every ferry file system are,
/// cheaply): clones share the client, so per-host limits still hold across them, and two
/// clones downloading into one directory at once never overwrite each other's files under
/// [`KeepBoth`](ExistingEntry::KeepBoth) or [`Skip`](ExistingEntry::Skip). It is `Send` and
/// `Sync` when they are.
#[derive(Clone)]
pub struct Downloader<C, F> {
    client: C,
    fs: F,
    dir: PathBuf,
    limit: ConcurrencyLimit,
    prefer_content_disposition: bool,
    existing: ExistingEntry,
}

/// The default number of downloads at once.
pub const DEFAULT_CONCURRENCY: usize = 5;

/// One URL's place in the run: its index, its URL, and the name planned for it.
struct Job {
    index: usize,
    given: String,
    /// The parsed URL, or why it is not one.
    url: Result<Url, String>,
    /// The safe name from the URL, before any collision suffix.
    base: Option<String>,
    /// The name planned: `base`, or `base` with a collision suffix.
    name: Option<String>,
}

/// What became of one URL that did not fail.
enum Outcome {
    Saved(Saved),
    Skipped(Skipped),
}

impl<C: HttpClient, F: FileSystem> Downloader<C, F> {
    /// Downloads into `dir` (created if missing) with `client`, writing through `fs`, 5 at
    /// a time, naming files after their URLs, keeping entries already there
    /// ([`ExistingEntry::KeepBoth`]).
    pub fn new(client: C, fs: F, dir: impl Into<PathBuf>) -> Self {
        Self {
            client,
            fs,
            dir: dir.into(),
            limit: ConcurrencyLimit::new(DEFAULT_CONCURRENCY)
                .unwrap_or(ConcurrencyLimit::UNLIMITED),
            prefer_content_disposition: false,
            existing: ExistingEntry::default(),
        }
    }

    /// At most `limit` downloads at once.
    pub fn concurrency(mut self, limit: ConcurrencyLimit) -> Self {
        self.limit = limit;
        self
    }

    /// Names a file after its response's `Content-Disposition` when it has one; see the
    /// [module docs](self#names).
    pub fn prefer_content_disposition(mut self, prefer: bool) -> Self {
        self.prefer_content_disposition = prefer;
        self
    }

    /// What to do when a file's name is already taken in the directory; see
    /// [`ExistingEntry`] (by default [`KeepBoth`](ExistingEntry::KeepBoth)).
    pub fn on_existing(mut self, policy: ExistingEntry) -> Self {
        self.existing = policy;
        self
    }

    /// The policy for names already taken.
    pub fn existing_entry(&self) -> ExistingEntry {
        self.existing
    }

    /// The target directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Downloads every URL of `urls` and reports on each, in input order.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops every download in flight: their requests are abandoned and
    /// their temporary files removed in the background; files already renamed into place
    /// stay. No partial file is left under a final name.
    pub async fn download<I>(&self, urls: I) -> DownloadReport
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        // Made once for all; if that fails, each download tries again and reports its own
        // error, so that every URL is accounted for.
        let dir_ready = self.fs.create_dir_all(&self.dir).await.is_ok();
        if dir_ready {
            // The directory's entry in its parent, so that the files survive a crash with
            // it. Best effort: the downloads themselves do not depend on it.
            let parent = match self.dir.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            let _ = self.fs.sync_dir(parent).await;
        }
        let existing = if dir_ready {
            Existing::list(&self.fs, &self.dir).await
        } else {
            Existing::default()
        };
        let mut names = NameRegistry::default();
        if self.existing == ExistingEntry::KeepBoth {
            // Planned around: a name taken now is never tried.
            for name in existing.names() {
                names.mark_taken(name);
            }
        }
        let jobs: Vec<Job> = urls
            .into_iter()
            .enumerate()
            .map(|(index, given)| {
                let given = given.as_ref().to_owned();
                let url = parse_url(&given);
                let base = url.as_ref().ok().and_then(file_name_from_url);
                let name = base.as_deref().map(|base| names.reserve(base));
                Job {
                    index,
                    given,
                    url,
                    base,
                    name,
                }
            })
            .collect();
        let names = Mutex::new(names);
        let (names, existing) = (&names, &existing);
        let mut outcomes: Vec<(usize, String, Result<Outcome, DownloadError>)> =
            futures_util::stream::iter(jobs)
                .map(|job| async move {
                    let outcome = self.fetch_one(&job, names, existing, dir_ready).await;
                    (job.index, job.given, outcome)
                })
                .buffer_unordered(self.limit.get())
                .collect()
                .await;
        outcomes.sort_by_key(|(index, _, _)| *index);
        let mut report = DownloadReport::default();
        for (_, url, outcome) in outcomes {
            match outcome {
                Ok(Outcome::Saved(saved)) => report.saved.push(saved),
                Ok(Outcome::Skipped(skipped)) => report.skipped.push(skipped),
                Err(error) => report.failed.push(Failed { url, error }),
            }
        }
        report
    }

    /// Whether `name`, as listed before the run, settles the URL without a request: skipped
    /// as already there, or refused because a directory has the name.
    fn settled_by_listing(
        &self,
        job: &Job,
        name: &str,
        existing: &Existing,
    ) -> Option<Result<Outcome, DownloadError>> {
        let found = existing.get(name)?;
        let path = self.dir.join(name);
        match self.existing {
            ExistingEntry::Skip => Some(Ok(Outcome::Skipped(Skipped {
                url: job.given.clone(),
                path,
            }))),
            ExistingEntry::Overwrite if found == FileType::Dir => {
                Some(Err(DownloadError::TargetIsDirectory {
                    url: redact_url_str(&job.given),
                    path,
                }))
            }
            _ => None,
        }
    }

    async fn fetch_one(
        &self,
        job: &Job,
        names: &Mutex<NameRegistry>,
        existing: &Existing,
        dir_ready: bool,
    ) -> Result<Outcome, DownloadError> {
        let redacted = || redact_url_str(&job.given);
        let url = match &job.url {
            Ok(url) => url,
            Err(reason) => {
                return Err(DownloadError::InvalidUrl {
                    url: redacted(),
                    reason: reason.clone(),
                });
            }
        };
        if job.name.is_none() && !self.prefer_content_disposition {
            return Err(DownloadError::NoFileName { url: redacted() });
        }
        if !self.prefer_content_disposition {
            if let Some(settled) = job
                .name
                .as_deref()
                .and_then(|name| self.settled_by_listing(job, name, existing))
            {
                return settled;
            }
        }
        if !dir_ready {
            self.fs
                .create_dir_all(&self.dir)
                .await
                .map_err(|source| DownloadError::Fs {
                    url: redacted(),
                    path: self.dir.clone(),
                    source,
                })?;
        }
        let http = |source| DownloadError::Http {
            url: redacted(),
            source,
        };
        let response = self
            .client
            .get(url.as_str())
            .send()
            .await
            .map_err(http)?
            .error_for_status()
            .map_err(http)?;
        let from_header = self
            .prefer_content_disposition
            .then(|| response.headers().get(CONTENT_DISPOSITION))
            .flatten()
            .and_then(|value| value.to_str().ok())
            .and_then(file_name_from_content_disposition);
        let lock = || names.lock().unwrap_or_else(|e| e.into_inner());
        let (base, name) = match (from_header, &job.name) {
            (Some(name), _) => {
                let reserved = lock().reserve(&name);
                (name, reserved)
            }
            (None, Some(name)) => (
                job.base.clone().unwrap_or_else(|| name.clone()),
                name.clone(),
            ),
            (None, None) => return Err(DownloadError::NoFileName { url: redacted() }),
        };
        if self.prefer_content_disposition {
            if let Some(settled) = self.settled_by_listing(job, &name, existing) {
                return settled;
            }
        }
        let path = self.dir.join(&name);
        let next_free = || self.dir.join(lock().reserve(&base));
        let place = match self.existing {
            ExistingEntry::Overwrite => Place::Replace,
            ExistingEntry::Skip => Place::NoReplace,
            ExistingEntry::KeepBoth => Place::NextFree(&next_free),
        };
        let (placed, bytes) =
            save::stream_to_file(&self.fs, &self.dir, &path, response.bytes_stream(), place)
                .await
                .map_err(|error| match error {
                    save::SaveError::Body(source) => http(source),
                    save::SaveError::Fs(source)
                        if self.existing == ExistingEntry::Overwrite
                            && source.kind() == io::ErrorKind::IsADirectory =>
                    {
                        DownloadError::TargetIsDirectory {
                            url: redacted(),
                            path: path.clone(),
                        }
                    }
                    save::SaveError::Fs(source) => DownloadError::Fs {
                        url: redacted(),
                        path: source.target().unwrap_or(&path).to_path_buf(),
                        source,
                    },
                })?;
        Ok(match placed {
            save::Placed::At(path) => Outcome::Saved(Saved {
                url: job.given.clone(),
                path,
                bytes,
            }),
            save::Placed::Taken(path) => Outcome::Skipped(Skipped {
                url: job.given.clone(),
                path,
            }),
        })
    }
}

/// Parses `text` as an absolute `http`/`https` URL, or says why it is not one.
fn parse_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|error| error.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the scheme {:?} is not http or https",
            url.scheme()
        ));
    }
    Ok(url)
}

impl<C, F> fmt::Debug for Downloader<C, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Downloader")
            .field("dir", &self.dir)
            .field("limit", &self.limit)
            .field(
                "prefer_content_disposition",
                &self.prefer_content_disposition,
            )
            .field("existing", &self.existing)
            .finish_non_exhaustive()
    }
}
