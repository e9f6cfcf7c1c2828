//! What a download report holds: what was saved, what failed and why.

use std::fmt;
use std::path::PathBuf;

use ferry_fs::FsError;
use ferry_http::HttpError;

/// Why one URL was not saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The text is not an absolute `http`/`https` URL; nothing was sent.
    #[error("{url:?} is not a valid http(s) URL: {reason}")]
    InvalidUrl {
        /// The text given (redacted).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL's path names no file (it is empty or ends in `/`; only a query is no name
    /// either), and no `Content-Disposition` name was allowed or given.
    #[error("{url} names no file (empty path, a path ending in '/', or a query only)")]
    NoFileName {
        /// The URL (redacted).
        url: String,
    },
    /// The request failed, or the answer was an error status, or the body broke off.
    #[error("downloading {url}: {source}")]
    Http {
        /// The URL (redacted).
        url: String,
        /// What failed.
        #[source]
        source: HttpError,
    },
    /// The file could not be written; no partial file is left at `path`.
    #[error("saving {url} as {}: {source}", path.display())]
    Fs {
        /// The URL (redacted).
        url: String,
        /// Where the file was to go.
        path: PathBuf,
        /// What failed.
        #[source]
        source: FsError,
    },
}

/// One saved file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The URL, as given.
    pub url: String,
    /// Where the file is: inside the target directory.
    pub path: PathBuf,
    /// How many bytes it has.
    pub bytes: u64,
}

/// One URL that was not saved.
#[derive(Debug)]
pub struct Failed {
    /// The URL, as given.
    pub url: String,
    /// Why.
    pub error: DownloadError,
}

/// The outcome of [`Downloader::download`](super::Downloader::download): every URL given is
/// in exactly one of the lists, each in input order.
#[derive(Debug, Default)]
pub struct DownloadReport {
    /// The files saved.
    pub saved: Vec<Saved>,
    /// The URLs that failed, and why.
    pub failed: Vec<Failed>,
}

impl DownloadReport {
    /// The bytes saved in all.
    pub fn total_bytes(&self) -> u64 {
        self.saved.iter().map(|saved| saved.bytes).sum()
    }

    /// Whether every URL was saved.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty()
    }
}

impl fmt::Display for DownloadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} saved ({} bytes), {} failed",
            self.saved.len(),
            self.total_bytes(),
            self.failed.len()
        )?;
        for failed in &self.failed {
            writeln!(f, "  failed: {}", failed.error)?;
        }
        Ok(())
    }
}
