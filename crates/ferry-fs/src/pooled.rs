//! [`StdFs`]: a [`FileSystem`] of `std::fs` jobs on a backend's blocking pool.
//!
//! The tokio and smol backends run every operation the same way, as one job of
//! [`std_fs`](super::std_fs) on their blocking pool; they differ only in the pool and in how an
//! open file becomes an async stream. That is what a backend supplies ([`SpawnBlocking`] and
//! [`StdFileStreams`]); the rest is here once.

use std::fs::File;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures_io::{AsyncRead, AsyncWrite};

use super::{
    DirEntry, FileReader, FileSystem, FileWriter, FsError, FsOp, Metadata, RawFileWriter,
    WriteMode, std_fs,
};
use ferry_core::rt::{JoinError, SpawnBlocking, SpawnBlockingExt};
use ferry_core::thread::{ToThread, to_thread};

/// How a backend streams a `std::fs::File` asynchronously, for [`StdFs`].
///
/// Both streams should buffer (the backends hold 128 KiB), so that a small read or write is
/// not a trip to the blocking pool each.
pub trait StdFileStreams {
    /// An async reader over a file open for reading.
    type Reader: AsyncRead + Send + Unpin + 'static;
    /// An async writer over a file open for writing. [`StdFs`] adds `fsync` on top.
    type Writer: AsyncWrite + Send + Unpin + 'static;

    /// Wraps `file`, just opened for reading, in the backend's async reader.
    fn reader(&self, file: File) -> Self::Reader;

    /// Wraps `file`, just opened for writing, in the backend's async writer.
    fn writer(&self, file: File) -> Self::Writer;
}

/// ferry's [`FileSystem`] as `std::fs` jobs on the blocking pool of `B`: every operation of
/// the trait is exactly one job, running the [`std_fs`](super::std_fs) helpers.
///
/// This is what the tokio and smol backends' file systems are; a backend supplies `B`, which
/// runs the jobs ([`SpawnBlocking`]) and turns open files into streams ([`StdFileStreams`]).
///
/// # Cancel safety
///
/// Dropping an operation's future before its job has started keeps the job from running;
/// a job that has started runs to the end (threads cannot be interrupted) and its result is
/// discarded. A job that never runs (its runtime is shutting down) fails with an
/// [`io::Error`] inside the [`FsError`]; a panic in a job is passed on to the caller.
///
/// ```
/// use std::fs::File;
/// use std::task::{Context, Poll};
/// use ferry_fs::{FileSystem, StdFileStreams, StdFs};
/// use ferry_core::rt::{BlockingTask, JoinError, RawJoinHandle, RawTask, SpawnBlocking};
/// use futures::io::AllowStdIo;
///
/// /// A "pool" that runs each job at once on the calling thread: enough for an example.
/// #[derive(Clone)]
/// struct Inline;
///
/// struct Done;
///
/// impl RawTask for Done {
///     fn poll_finished(&mut self, _: &mut Context<'_>) -> Poll<Result<(), JoinError>> {
///         Poll::Ready(Ok(()))
///     }
///     fn abort(&self) {}
///     fn is_finished(&self) -> bool {
///         true
///     }
/// }
///
/// impl SpawnBlocking for Inline {
///     fn spawn_blocking_boxed(&self, task: BlockingTask) -> RawJoinHandle {
///         task();
///         RawJoinHandle::new(Done)
///     }
/// }
///
/// impl StdFileStreams for Inline {
///     type Reader = AllowStdIo<File>;
///     type Writer = AllowStdIo<File>;
///     fn reader(&self, file: File) -> Self::Reader {
///         AllowStdIo::new(file)
///     }
///     fn writer(&self, file: File) -> Self::Writer {
///         AllowStdIo::new(file)
///     }
/// }
///
/// let fs = StdFs::new(Inline);
/// let path = std::env::temp_dir().join(format!("ferry-std-fs-{}.txt", std::process::id()));
/// futures::executor::block_on(async {
///     fs.write(&path, b"hello").await.unwrap();
///     assert_eq!(fs.read(&path).await.unwrap(), b"hello");
///     fs.remove_file(&path).await.unwrap();
///     assert!(fs.read(&path).await.unwrap_err().is_not_found());
/// });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct StdFs<B> {
    backend: B,
}

impl<B> StdFs<B> {
    /// The file system on `backend`'s blocking pool and streams.
    pub fn new(backend: B) -> Self {
        Self { backend }
    }

    /// The backend running the jobs.
    pub fn backend(&self) -> &B {
        &self.backend
    }
}

impl<B: SpawnBlocking> StdFs<B> {
    /// Runs `op` as one job on the blocking pool; its `io::Error`, or the job's failure to
    /// run, becomes an [`FsError`] for `op_name` on `path`.
    async fn run<T, F>(&self, op_name: FsOp, path: &Path, op: F) -> Result<T, FsError>
    where
        F: FnOnce(&Path) -> io::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let owned = path.to_path_buf();
        job_output(to_thread(&self.backend, move || op(&owned)).await)
            .map_err(|error| FsError::new(op_name, path, error))
    }
}

/// The output of a blocking job: a job that never ran is an error, a panic is passed on.
fn job_output<T>(joined: Result<io::Result<T>, JoinError>) -> io::Result<T> {
    match joined {
        Ok(result) => result,
        Err(JoinError::Panicked(panicked)) => {
            std::panic::resume_unwind(Box::new(panicked.message().to_owned()))
        }
        Err(JoinError::Cancelled) => Err(io::Error::other(
            "the blocking job never ran: its runtime is shutting down",
        )),
    }
}

#[async_trait::async_trait]
impl<B> FileSystem for StdFs<B>
where
    B: SpawnBlocking + StdFileStreams + Clone + 'static,
{
    async fn read(&self, path: &Path) -> Result<Vec<u8>, FsError> {
        self.run(FsOp::Read, path, |path| std::fs::read(path)).await
    }

    async fn write(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        let contents = contents.to_vec();
        self.run(FsOp::Write, path, move |path| {
            std::fs::write(path, contents)
        })
        .await
    }

    async fn append(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        let contents = contents.to_vec();
        self.run(FsOp::Append, path, move |path| {
            std_fs::append(path, &contents)
        })
        .await
    }

    async fn create_dir(&self, path: &Path) -> Result<(), FsError> {
        self.run(FsOp::CreateDir, path, |path| std::fs::create_dir(path))
            .await
    }

    async fn create_dir_all(&self, path: &Path) -> Result<(), FsError> {
        self.run(FsOp::CreateDir, path, |path| std::fs::create_dir_all(path))
            .await
    }

    async fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        // The listing reports errors on entries with their own paths, so it builds its
        // FsErrors itself; `run` only adds one for a job that never ran.
        self.run(FsOp::ReadDir, path, |path| Ok(std_fs::list_dir(path)))
            .await?
    }

    async fn remove_file(&self, path: &Path) -> Result<(), FsError> {
        self.run(FsOp::RemoveFile, path, |path| std::fs::remove_file(path))
            .await
    }

    async fn remove_dir_all(&self, path: &Path) -> Result<(), FsError> {
        self.run(FsOp::RemoveDir, path, |path| std::fs::remove_dir_all(path))
            .await
    }

    async fn rename(&self, from: &Path, to: &Path) -> Result<(), FsError> {
        let (owned_from, owned_to) = (from.to_path_buf(), to.to_path_buf());
        job_output(to_thread(&self.backend, move || std::fs::rename(owned_from, owned_to)).await)
            .map_err(|error| FsError::rename(from, to, error))
    }

    async fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        self.run(FsOp::Metadata, path, std_fs::metadata).await
    }

    async fn set_readonly(&self, path: &Path, readonly: bool) -> Result<(), FsError> {
        self.run(FsOp::SetPermissions, path, move |path| {
            std_fs::set_readonly(path, readonly)
        })
        .await
    }

    async fn open_read(&self, path: &Path) -> Result<FileReader, FsError> {
        let file = self.run(FsOp::Open, path, |path| File::open(path)).await?;
        let reader = self.backend.reader(file);
        Ok(FileReader::new(path, Box::new(reader)))
    }

    async fn open_write(&self, path: &Path, mode: WriteMode) -> Result<FileWriter, FsError> {
        let (file, for_sync) = self
            .run(FsOp::Open, path, move |path| {
                std_fs::open_for_write(path, mode)
            })
            .await?;
        let writer = SyncingWriter {
            file: self.backend.writer(file),
            for_sync: Arc::new(for_sync),
            pool: self.backend.clone(),
            sync: None,
        };
        Ok(FileWriter::new(path, Box::new(writer)))
    }

    async fn sync_dir(&self, path: &Path) -> Result<(), FsError> {
        self.run(FsOp::SyncDir, path, std_fs::sync_dir).await
    }

    fn remove_file_in_background(&self, path: PathBuf) {
        // Dropping the handle detaches the job: it runs though nobody awaits it. If the
        // runtime is shutting down it never runs and the file stays, which best-effort
        // cleanup allows.
        drop(self.backend.spawn_blocking(move || {
            let _ = std::fs::remove_file(path);
        }));
    }
}

/// A backend's async writer that can also `fsync`, on the blocking pool.
struct SyncingWriter<W, B> {
    file: W,
    /// The same open file, for `fsync` on the blocking pool.
    for_sync: Arc<File>,
    pool: B,
    /// An `fsync` in progress, so that polling `poll_sync_all` again waits for it rather than
    /// starting another.
    sync: Option<ToThread<io::Result<()>>>,
}

// Nothing in the writer is pinned in place: the writer stream is `Unpin`, the job is polled
// through `Pin::new`, and the pool is only used by reference.
impl<W, B> Unpin for SyncingWriter<W, B> {}

impl<W: AsyncWrite + Unpin, B> AsyncWrite for SyncingWriter<W, B> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.file).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.file).poll_close(cx)
    }
}

impl<W, B> RawFileWriter for SyncingWriter<W, B>
where
    W: AsyncWrite + Send + Unpin,
    B: SpawnBlocking,
{
    fn poll_sync_all(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let job = match &mut this.sync {
            Some(job) => job,
            None => {
                // Flushing first waits for the stream's buffer and any write in flight, so
                // all data written so far has reached the operating system before the fsync.
                ready!(Pin::new(&mut this.file).poll_flush(cx))?;
                let file = Arc::clone(&this.for_sync);
                this.sync
                    .insert(to_thread(&this.pool, move || file.sync_all()))
            }
        };
        let joined = ready!(Pin::new(job).poll(cx));
        this.sync = None;
        Poll::Ready(job_output(joined))
    }
}
