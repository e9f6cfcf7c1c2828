//! [`TokioFs`]: ferry's [`FileSystem`] on tokio's blocking thread pool.

use std::fs::File;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use ferry_core::fs::{
    DirEntry, FileReader, FileSystem, FileWriter, FsError, FsOp, Metadata, RawFileWriter,
    WriteMode, std_fs,
};
use tokio::io::{AsyncRead as _, AsyncWrite as _, BufReader, BufWriter, ReadBuf};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use crate::TokioRuntime;

/// Buffer size of streaming handles: one trip to the blocking pool moves this much at most
/// (unless the caller's own buffer is larger), instead of one trip per small read or write.
const STREAM_BUFFER: usize = 128 * 1024;

/// ferry's [`FileSystem`] on a tokio runtime: each operation is one job on tokio's blocking
/// thread pool, running `std::fs`.
///
/// `tokio::fs` does the same per call, but some of its operations are several jobs (a
/// listing with metadata is one per entry, an append is three); here every operation of the
/// trait is exactly one. Streaming handles are tokio files behind a 128 KiB buffer, exposed
/// as futures-io traits.
///
/// Holds a tokio [`Handle`], so it can be cloned freely and used from any thread, inside the
/// runtime or not.
///
/// ```
/// use ferry_core::fs::{FileSystem, FileSystemExt};
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
pub struct TokioFs {
    handle: Handle,
}

impl TokioFs {
    /// The file system on the runtime behind `handle`.
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }

    /// The file system on the runtime the calling thread is running on.
    ///
    /// # Panics
    ///
    /// Panics when called outside a tokio runtime; use [`TokioFs::new`] with a handle there.
    pub fn current() -> Self {
        Self::new(Handle::current())
    }

    /// Runs `op` on the blocking pool; its `io::Error` becomes an [`FsError`] for `op_name`
    /// on `path`.
    async fn run<T, F>(&self, op_name: FsOp, path: &Path, op: F) -> Result<T, FsError>
    where
        F: FnOnce(&Path) -> io::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let owned = path.to_path_buf();
        join(self.handle.spawn_blocking(move || op(&owned)))
            .await
            .map_err(|error| FsError::new(op_name, path, error))
    }
}

impl TokioRuntime {
    /// The file system on this runtime: a [`TokioFs`].
    pub fn fs(&self) -> TokioFs {
        TokioFs::new(self.handle().clone())
    }
}

/// The output of a blocking job; a job that never ran (the runtime is shutting down) is an
/// error, and a panic is passed on.
async fn join<T>(task: JoinHandle<io::Result<T>>) -> io::Result<T> {
    match task.await {
        Ok(result) => result,
        Err(error) => match error.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(_) => Err(io::Error::other("the tokio runtime is shutting down")),
        },
    }
}

#[async_trait::async_trait]
impl FileSystem for TokioFs {
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
        join(
            self.handle
                .spawn_blocking(move || std::fs::rename(owned_from, owned_to)),
        )
        .await
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
        let _guard = self.handle.enter();
        let file = tokio::fs::File::from_std(file);
        let reader = TokioReader(BufReader::with_capacity(STREAM_BUFFER, file));
        Ok(FileReader::new(path, Box::new(reader)))
    }

    async fn open_write(&self, path: &Path, mode: WriteMode) -> Result<FileWriter, FsError> {
        let (file, for_sync) = self
            .run(FsOp::Open, path, move |path| {
                std_fs::open_for_write(path, mode)
            })
            .await?;
        let _guard = self.handle.enter();
        let writer = TokioWriter {
            file: BufWriter::with_capacity(STREAM_BUFFER, tokio::fs::File::from_std(file)),
            for_sync: Arc::new(for_sync),
            handle: self.handle.clone(),
            sync: None,
        };
        Ok(FileWriter::new(path, Box::new(writer)))
    }

    async fn sync_dir(&self, path: &Path) -> Result<(), FsError> {
        self.run(FsOp::SyncDir, path, std_fs::sync_dir).await
    }

    fn remove_file_in_background(&self, path: PathBuf) {
        // If the runtime is shutting down the job never runs and the file stays: this is
        // best-effort cleanup by contract.
        drop(self.handle.spawn_blocking(move || {
            let _ = std::fs::remove_file(path);
        }));
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

/// A buffered tokio file as a futures-io writer that can also `fsync`.
struct TokioWriter {
    file: BufWriter<tokio::fs::File>,
    /// The same open file, for `fsync` on the blocking pool.
    for_sync: Arc<File>,
    handle: Handle,
    /// An `fsync` in progress, so that polling `poll_sync_all` again waits for it rather than
    /// starting another.
    sync: Option<JoinHandle<io::Result<()>>>,
}

impl futures_io::AsyncWrite for TokioWriter {
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
        Pin::new(&mut self.file).poll_shutdown(cx)
    }
}

impl RawFileWriter for TokioWriter {
    fn poll_sync_all(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.sync.is_none() {
            // Flushing the buffer and tokio's write in flight first means everything written
            // so far has reached the operating system before the fsync starts.
            ready!(Pin::new(&mut this.file).poll_flush(cx))?;
            let file = Arc::clone(&this.for_sync);
            this.sync = Some(this.handle.spawn_blocking(move || file.sync_all()));
        }
        let task = this.sync.as_mut().expect("a sync job was just started");
        let result = ready!(Pin::new(task).poll(cx));
        this.sync = None;
        Poll::Ready(match result {
            Ok(synced) => synced,
            Err(_) => Err(io::Error::other("the tokio runtime is shutting down")),
        })
    }
}
