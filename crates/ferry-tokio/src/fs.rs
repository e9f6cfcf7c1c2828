//! [`TokioFs`]: ferry's [`FileSystem`](ferry_fs::FileSystem) on tokio's blocking thread
//! pool.

use std::fs::File;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use ferry_core::rt::{BlockingTask, RawJoinHandle, SpawnBlocking};
use ferry_fs::{StdFileStreams, StdFs};
use tokio::io::{AsyncRead as _, AsyncWrite as _, BufReader, BufWriter, ReadBuf};
use tokio::runtime::Handle;

use crate::TokioRuntime;

/// Buffer size of streaming handles: one trip to the blocking pool moves this much at most
/// (unless the caller's own buffer is larger), instead of one trip per small read or write.
const STREAM_BUFFER: usize = 128 * 1024;

/// ferry's [`FileSystem`](ferry_fs::FileSystem) on a tokio runtime: each operation is
/// one job on tokio's blocking thread pool, running `std::fs` (ferry-core's [`StdFs`] on this
/// runtime).
///
/// `tokio::fs` does the same per call, but some of its operations are several jobs (a
/// listing with metadata is one per entry, an append is three); here every operation of the
/// trait is exactly one. Streaming handles are tokio files behind a 128 KiB buffer, exposed
/// as futures-io traits.
///
/// Holds a tokio [`Handle`], so it can be cloned freely and used from any thread, inside the
/// runtime or not. Dropping a future before its job has started keeps the job from running.
///
/// ```
/// use ferry_fs::{FileSystem, FileSystemExt};
/// use ferry_tokio::TokioRuntime;
///
/// let tokio = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let dir = tempfile::tempdir().unwrap();
/// tokio.block_on(async {
///     let fs = TokioRuntime::current().fs();
///     let path = dir.path().join("greeting.json");
///     fs.write_json_atomic(&path, &["hello", "ferry"]).await.unwrap();
///     let words: Vec<String> = fs.read_json(&path).await.unwrap();
///     assert_eq!(words, ["hello", "ferry"]);
///
///     let error = fs.read(&dir.path().join("missing")).await.unwrap_err();
///     assert!(error.is_not_found());
/// });
/// ```
#[derive(Debug, Clone)]
pub struct TokioFs(StdFs<TokioPool>);

impl TokioFs {
    /// The file system on the runtime behind `handle`.
    pub fn new(handle: Handle) -> Self {
        Self(StdFs::new(TokioPool(TokioRuntime::from_handle(handle))))
    }

    /// The file system on the runtime the calling thread is running on.
    ///
    /// # Panics
    ///
    /// Panics when called outside a tokio runtime; use [`TokioFs::new`] with a handle there.
    pub fn current() -> Self {
        Self::new(Handle::current())
    }
}

impl TokioRuntime {
    /// The file system on this runtime: a [`TokioFs`].
    pub fn fs(&self) -> TokioFs {
        TokioFs::new(self.handle().clone())
    }
}

ferry_fs::__forward_file_system!([] TokioFs => |fs| &fs.0);

/// What [`StdFs`] runs on: tokio's blocking pool, and tokio files as streams.
#[derive(Debug, Clone)]
struct TokioPool(TokioRuntime);

impl SpawnBlocking for TokioPool {
    fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
        self.0.spawn_blocking_boxed(task)
    }
}

impl StdFileStreams for TokioPool {
    type Reader = TokioReader;
    type Writer = TokioWriter;

    fn reader(&self, file: File) -> TokioReader {
        // A tokio file runs its jobs on the runtime it is polled in, like all of `tokio::fs`.
        let file = tokio::fs::File::from_std(file);
        TokioReader(BufReader::with_capacity(STREAM_BUFFER, file))
    }

    fn writer(&self, file: File) -> TokioWriter {
        let file = tokio::fs::File::from_std(file);
        TokioWriter(BufWriter::with_capacity(STREAM_BUFFER, file))
    }
}

/// A buffered tokio file as a futures-io reader.
struct TokioReader(BufReader<tokio::fs::File>);

impl futures_io::AsyncRead for TokioReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut read_buf = ReadBuf::new(buf);
        ready!(Pin::new(&mut self.0).poll_read(cx, &mut read_buf))?;
        Poll::Ready(Ok(read_buf.filled().len()))
    }
}

/// A buffered tokio file as a futures-io writer.
struct TokioWriter(BufWriter<tokio::fs::File>);

impl futures_io::AsyncWrite for TokioWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
