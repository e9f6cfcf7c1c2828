//! Streaming file handles: [`FileReader`], [`FileWriter`] and the [`WriteMode`] to open one in.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::{FsError, FsOp};

/// How [`FileSystem::open_write`](super::FileSystem::open_write) opens a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteMode {
    /// Create the file, or empty it if it exists.
    Truncate,
    /// Create the file, or keep its content and write after it.
    Append,
    /// Create the file; fail with [`AlreadyExists`](io::ErrorKind::AlreadyExists) if it
    /// exists. Creating and checking are one step, so two writers never both succeed.
    CreateNew,
}

/// A backend's boxed streaming reader, as [`FileReader::new`] takes it.
pub type RawFileReader = Box<dyn AsyncRead + Send + Unpin>;

/// A file open for streaming reads: a futures-io [`AsyncRead`].
///
/// Read it with `futures::io::AsyncReadExt` (`read`, `read_to_end`, `read_exact`), wrap it in
/// a `futures::io::BufReader` for line-by-line reading, or copy it into a
/// [`FileWriter`] with `futures::io::copy`. Errors come back as [`io::Error`]s of the
/// operating system's kind that carry an [`FsError`] naming the path
/// (`FsError::new(FsOp::Read, path, error)` recovers it).
///
/// Dropping it closes the file.
pub struct FileReader {
    inner: RawFileReader,
    path: PathBuf,
}

impl FileReader {
    /// Wraps a backend's reader for the file at `path`.
    pub fn new(path: impl Into<PathBuf>, inner: RawFileReader) -> Self {
        Self {
            inner,
            path: path.into(),
        }
    }

    /// The path the file was opened at.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Debug for FileReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileReader")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl AsyncRead for FileReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        Pin::new(&mut this.inner)
            .poll_read(cx, buf)
            .map_err(|error| with_path(FsOp::Read, &this.path, error))
    }
}

/// What a backend implements for a file open for writing; [`FileWriter`] wraps it.
///
/// Beyond [`AsyncWrite`], a file can be synced to storage, which an atomic write needs.
pub trait RawFileWriter: AsyncWrite + Send + Unpin {
    /// Flushes buffered data, then asks the operating system to put the file's data and
    /// metadata on storage (`fsync`); ready when it has.
    ///
    /// Called repeatedly until it returns `Ready`, like [`AsyncWrite::poll_flush`].
    fn poll_sync_all(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

// Architecture invariant: backends hand their writers over as trait objects.
const _: Option<&dyn RawFileWriter> = None;

/// A file open for streaming writes: a futures-io [`AsyncWrite`], plus
/// [`sync_all`](Self::sync_all).
///
/// Write it with `futures::io::AsyncWriteExt` (`write_all`, then `close`). Backends buffer
/// writes (tokio's holds up to 128 KiB) until [`poll_flush`](AsyncWrite::poll_flush),
/// [`poll_close`](AsyncWrite::poll_close) or `sync_all`. Errors come back as [`io::Error`]s
/// of the operating system's kind that carry an [`FsError`] naming the path.
///
/// Always `close()` (or `flush()`) before dropping: dropping closes the file without
/// flushing, so data still in the buffer is lost, and so is the error of a write that failed
/// late. A write already handed to the operating system finishes in the background.
pub struct FileWriter {
    inner: Box<dyn RawFileWriter>,
    path: PathBuf,
}

impl FileWriter {
    /// Wraps a backend's writer for the file at `path`.
    pub fn new(path: impl Into<PathBuf>, inner: Box<dyn RawFileWriter>) -> Self {
        Self {
            inner,
            path: path.into(),
        }
    }

    /// The path the file was opened at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes everything written so far and waits until the operating system reports it on
    /// storage (data and metadata: `fsync`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses nothing already written to the writer, but the data is then
    /// not known to be on storage; call `sync_all` again to be sure.
    pub async fn sync_all(&mut self) -> Result<(), FsError> {
        futures_util::future::poll_fn(|cx| Pin::new(&mut *self.inner).poll_sync_all(cx))
            .await
            .map_err(|error| FsError::new(FsOp::Sync, &self.path, error))
    }
}

impl fmt::Debug for FileWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl AsyncWrite for FileWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        Pin::new(&mut *this.inner)
            .poll_write(cx, buf)
            .map_err(|error| with_path(FsOp::Write, &this.path, error))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        Pin::new(&mut *this.inner)
            .poll_flush(cx)
            .map_err(|error| with_path(FsOp::Write, &this.path, error))
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        Pin::new(&mut *this.inner)
            .poll_close(cx)
            .map_err(|error| with_path(FsOp::Write, &this.path, error))
    }
}

/// An I/O error of the same kind that says which file it came from.
fn with_path(op: FsOp, path: &Path, error: io::Error) -> io::Error {
    FsError::new(op, path, error).into()
}
