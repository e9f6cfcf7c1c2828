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
//! downloads interleave (names are compared without case). A file of the same name already in
//! the directory is replaced.
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
mod name;
mod save;

pub use error::{DownloadError, DownloadReport, Failed, Saved};
pub use name::{file_name_from_content_disposition, file_name_from_url, sanitize_file_name};

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use futures_util::StreamExt;
use http::header::CONTENT_DISPOSITION;
use url::Url;

use ferry_core::ConcurrencyLimit;
use ferry_fs::FileSystem;
use ferry_http::{HttpClient, HttpClientExt, redact_url_str};
use name::NameRegistry;

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
pub struct Downloader<C, F> {
    client: C,
    fs: F,
    dir: PathBuf,
    limit: ConcurrencyLimit,
    prefer_content_disposition: bool,
}

/// The default number of downloads at once.
pub const DEFAULT_CONCURRENCY: usize = 5;

/// One URL's place in the run: its index, its URL, and the name planned for it.
struct Job {
    index: usize,
    given: String,
    /// The parsed URL, or why it is not one.
    url: Result<Url, String>,
    name: Option<String>,
}

impl<C: HttpClient, F: FileSystem> Downloader<C, F> {
    /// Downloads into `dir` (created if missing) with `client`, writing through `fs`, 5 at
    /// a time, naming files after their URLs.
    pub fn new(client: C, fs: F, dir: impl Into<PathBuf>) -> Self {
        Self {
            client,
            fs,
            dir: dir.into(),
            limit: ConcurrencyLimit::new(DEFAULT_CONCURRENCY)
                .unwrap_or(ConcurrencyLimit::UNLIMITED),
            prefer_content_disposition: false,
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
        let mut names = NameRegistry::default();
        let jobs: Vec<Job> = urls
            .into_iter()
            .enumerate()
            .map(|(index, given)| {
                let given = given.as_ref().to_owned();
                let url = parse_url(&given);
                let name = url
                    .as_ref()
                    .ok()
                    .and_then(file_name_from_url)
                    .map(|name| names.reserve(&name));
                Job {
                    index,
                    given,
                    url,
                    name,
                }
            })
            .collect();
        let names = Mutex::new(names);
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
        let names = &names;
        let mut outcomes: Vec<(usize, String, Result<Saved, DownloadError>)> =
            futures_util::stream::iter(jobs)
                .map(|job| async move {
                    let outcome = self.fetch_one(&job, names, dir_ready).await;
                    (job.index, job.given, outcome)
                })
                .buffer_unordered(self.limit.get())
                .collect()
                .await;
        outcomes.sort_by_key(|(index, _, _)| *index);
        let mut report = DownloadReport::default();
        for (_, url, outcome) in outcomes {
            match outcome {
                Ok(saved) => report.saved.push(saved),
                Err(error) => report.failed.push(Failed { url, error }),
            }
        }
        report
    }

    async fn fetch_one(
        &self,
        job: &Job,
        names: &Mutex<NameRegistry>,
        dir_ready: bool,
    ) -> Result<Saved, DownloadError> {
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
        let name = match (from_header, &job.name) {
            (Some(name), _) => names
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .reserve(&name),
            (None, Some(name)) => name.clone(),
            (None, None) => return Err(DownloadError::NoFileName { url: redacted() }),
        };
        let path = self.dir.join(&name);
        let bytes = save::stream_to_file(&self.fs, &self.dir, &path, response.bytes_stream())
            .await
            .map_err(|error| match error {
                save::SaveError::Body(source) => http(source),
                save::SaveError::Fs(source) => DownloadError::Fs {
                    url: redacted(),
                    path: path.clone(),
                    source,
                },
            })?;
        Ok(Saved {
            url: job.given.clone(),
            path,
            bytes,
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
            .finish_non_exhaustive()
    }
}
