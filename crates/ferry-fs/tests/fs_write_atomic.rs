//! `write_atomic` step by step, on an in-memory file system that fails on demand: what is
//! left behind after a failure at each step, and after cancellation.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use ferry_fs::{
    DirEntry, FileReader, FileSystem, FileSystemExt, FileType, FileWriter, FsError, FsOp, Metadata,
    RawFileWriter, WriteMode, is_atomic_temp_name,
};
use futures::executor::block_on;

/// A step of an atomic write that the fake file system can be told to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Open,
    Write,
    Sync,
    Rename,
    SyncDir,
}

#[derive(Default)]
struct State {
    files: BTreeMap<PathBuf, Vec<u8>>,
    fail_at: Option<Step>,
    /// How many `CreateNew` opens report "already exists" before one succeeds.
    collisions: usize,
    removed_in_background: Vec<PathBuf>,
}

/// Files in a map; everything else is not needed by `write_atomic`.
#[derive(Clone, Default)]
struct FakeFs(Arc<Mutex<State>>);

impl FakeFs {
    fn with_file(path: &str, contents: &[u8]) -> Self {
        let fs = Self::default();
        fs.0.lock()
            .unwrap()
            .files
            .insert(path.into(), contents.to_vec());
        fs
    }

    fn failing_at(self, step: Step) -> Self {
        self.0.lock().unwrap().fail_at = Some(step);
        self
    }

    fn fails(&self, step: Step) -> io::Result<()> {
        if self.0.lock().unwrap().fail_at == Some(step) {
            Err(io::Error::other(format!("injected failure at {step:?}")))
        } else {
            Ok(())
        }
    }

    fn files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        self.0.lock().unwrap().files.clone()
    }
}

struct FakeWriter {
    fs: FakeFs,
    path: PathBuf,
}

impl futures::io::AsyncWrite for FakeWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.fs.fails(Step::Write)?;
        // Half a buffer at a time, so callers must loop until everything is written.
        let n = buf.len().div_ceil(2);
        let mut state = self.fs.0.lock().unwrap();
        state
            .files
            .entry(self.path.clone())
            .or_default()
            .extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl RawFileWriter for FakeWriter {
    fn poll_sync_all(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.fs.fails(Step::Sync))
    }
}

fn unsupported(op: FsOp, path: &Path) -> FsError {
    FsError::new(op, path, io::ErrorKind::Unsupported.into())
}

#[async_trait::async_trait]
impl FileSystem for FakeFs {
    async fn read(&self, path: &Path) -> Result<Vec<u8>, FsError> {
        self.files()
            .remove(path)
            .ok_or_else(|| FsError::new(FsOp::Read, path, io::ErrorKind::NotFound.into()))
    }
    async fn write(&self, path: &Path, _: &[u8]) -> Result<(), FsError> {
        Err(unsupported(FsOp::Write, path))
    }
    async fn append(&self, path: &Path, _: &[u8]) -> Result<(), FsError> {
        Err(unsupported(FsOp::Append, path))
    }
    async fn create_dir(&self, path: &Path) -> Result<(), FsError> {
        Err(unsupported(FsOp::CreateDir, path))
    }
    async fn create_dir_all(&self, path: &Path) -> Result<(), FsError> {
        Err(unsupported(FsOp::CreateDir, path))
    }
    async fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        Err(unsupported(FsOp::ReadDir, path))
    }
    async fn remove_file(&self, path: &Path) -> Result<(), FsError> {
        match self.0.lock().unwrap().files.remove(path) {
            Some(_) => Ok(()),
            None => Err(FsError::new(
                FsOp::RemoveFile,
                path,
                io::ErrorKind::NotFound.into(),
            )),
        }
    }
    async fn remove_dir_all(&self, path: &Path) -> Result<(), FsError> {
        Err(unsupported(FsOp::RemoveDir, path))
    }
    async fn rename(&self, from: &Path, to: &Path) -> Result<(), FsError> {
        self.fails(Step::Rename)
            .map_err(|e| FsError::rename(from, to, e))?;
        let mut state = self.0.lock().unwrap();
        let contents = state.files.remove(from).expect("renamed file exists");
        state.files.insert(to.to_path_buf(), contents);
        Ok(())
    }
    async fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        match self.files().get(path) {
            Some(contents) => Ok(Metadata::new(FileType::File, contents.len() as u64)),
            None => Err(FsError::new(
                FsOp::Metadata,
                path,
                io::ErrorKind::NotFound.into(),
            )),
        }
    }
    async fn set_readonly(&self, path: &Path, _: bool) -> Result<(), FsError> {
        Err(unsupported(FsOp::SetPermissions, path))
    }
    async fn open_read(&self, path: &Path) -> Result<FileReader, FsError> {
        Err(unsupported(FsOp::Open, path))
    }
    async fn open_write(&self, path: &Path, mode: WriteMode) -> Result<FileWriter, FsError> {
        assert_eq!(
            mode,
            WriteMode::CreateNew,
            "write_atomic only creates new files"
        );
        self.fails(Step::Open)
            .map_err(|e| FsError::new(FsOp::Open, path, e))?;
        let mut state = self.0.lock().unwrap();
        if state.collisions > 0 || state.files.contains_key(path) {
            state.collisions = state.collisions.saturating_sub(1);
            return Err(FsError::new(
                FsOp::Open,
                path,
                io::ErrorKind::AlreadyExists.into(),
            ));
        }
        state.files.insert(path.to_path_buf(), Vec::new());
        let writer = FakeWriter {
            fs: self.clone(),
            path: path.to_path_buf(),
        };
        Ok(FileWriter::new(path, Box::new(writer)))
    }
    async fn sync_dir(&self, path: &Path) -> Result<(), FsError> {
        self.fails(Step::SyncDir)
            .map_err(|e| FsError::new(FsOp::SyncDir, path, e))
    }
    fn remove_file_in_background(&self, path: PathBuf) {
        let mut state = self.0.lock().unwrap();
        state.files.remove(&path);
        state.removed_in_background.push(path);
    }
}

fn only_target(contents: &[u8]) -> BTreeMap<PathBuf, Vec<u8>> {
    BTreeMap::from([(PathBuf::from("/d/t.json"), contents.to_vec())])
}

#[test]
fn success_replaces_the_target_and_leaves_nothing_else() {
    let fs = FakeFs::with_file("/d/t.json", b"old");
    block_on(fs.write_atomic("/d/t.json", b"new content")).expect("atomic write");
    assert_eq!(fs.files(), only_target(b"new content"));
}

#[test]
fn failure_before_the_rename_removes_the_temp_file_and_keeps_the_target() {
    for (step, op) in [
        (Step::Open, FsOp::Open),
        (Step::Write, FsOp::Write),
        (Step::Sync, FsOp::Sync),
        (Step::Rename, FsOp::Rename),
    ] {
        let fs = FakeFs::with_file("/d/t.json", b"old").failing_at(step);
        let error = block_on(fs.write_atomic("/d/t.json", b"new")).expect_err("injected");
        assert_eq!(error.op(), op, "failing at {step:?}: {error}");
        assert!(
            error.to_string().contains("injected failure"),
            "failing at {step:?}, the cause is kept: {error}"
        );
        assert_eq!(fs.files(), only_target(b"old"), "failing at {step:?}");
        assert!(fs.0.lock().unwrap().removed_in_background.is_empty());
    }
}

#[test]
fn failed_directory_sync_is_reported_after_the_new_content_is_in_place() {
    let fs = FakeFs::with_file("/d/t.json", b"old").failing_at(Step::SyncDir);
    let error = block_on(fs.write_atomic("/d/t.json", b"new")).expect_err("injected");
    assert_eq!(error.op(), FsOp::SyncDir);
    assert_eq!(error.path(), Path::new("/d"));
    assert_eq!(fs.files(), only_target(b"new"));
}

#[test]
fn colliding_temp_names_are_retried() {
    let fs = FakeFs::with_file("/d/t.json", b"old");
    fs.0.lock().unwrap().collisions = 3;
    block_on(fs.write_atomic("/d/t.json", b"new")).expect("retried past collisions");
    assert_eq!(fs.files(), only_target(b"new"));
}

#[test]
fn endless_collisions_end_in_an_already_exists_error() {
    let fs = FakeFs::with_file("/d/t.json", b"old");
    fs.0.lock().unwrap().collisions = usize::MAX;
    let error = block_on(fs.write_atomic("/d/t.json", b"new")).expect_err("gives up");
    assert!(error.is_already_exists(), "got {error}");
    assert_eq!(fs.files(), only_target(b"old"));
}

#[test]
fn a_path_without_a_file_name_is_invalid_input() {
    let fs = FakeFs::default();
    let error = block_on(fs.write_atomic("/", b"x")).expect_err("no file name");
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    assert!(fs.files().is_empty());
}

/// A writer that never finishes, to cancel an atomic write in the middle.
struct StuckWriter;

impl futures::io::AsyncWrite for StuckWriter {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Pending
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Pending
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Pending
    }
}

impl RawFileWriter for StuckWriter {
    fn poll_sync_all(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Pending
    }
}

/// The fake file system, but its files never accept a byte.
#[derive(Clone, Default)]
struct StuckFs(FakeFs);

#[async_trait::async_trait]
impl FileSystem for StuckFs {
    async fn read(&self, path: &Path) -> Result<Vec<u8>, FsError> {
        self.0.read(path).await
    }
    async fn write(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        self.0.write(path, contents).await
    }
    async fn append(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        self.0.append(path, contents).await
    }
    async fn create_dir(&self, path: &Path) -> Result<(), FsError> {
        self.0.create_dir(path).await
    }
    async fn create_dir_all(&self, path: &Path) -> Result<(), FsError> {
        self.0.create_dir_all(path).await
    }
    async fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError> {
        self.0.read_dir(path).await
    }
    async fn remove_file(&self, path: &Path) -> Result<(), FsError> {
        self.0.remove_file(path).await
    }
    async fn remove_dir_all(&self, path: &Path) -> Result<(), FsError> {
        self.0.remove_dir_all(path).await
    }
    async fn rename(&self, from: &Path, to: &Path) -> Result<(), FsError> {
        self.0.rename(from, to).await
    }
    async fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        self.0.metadata(path).await
    }
    async fn set_readonly(&self, path: &Path, readonly: bool) -> Result<(), FsError> {
        self.0.set_readonly(path, readonly).await
    }
    async fn open_read(&self, path: &Path) -> Result<FileReader, FsError> {
        self.0.open_read(path).await
    }
    async fn open_write(&self, path: &Path, mode: WriteMode) -> Result<FileWriter, FsError> {
        drop(self.0.open_write(path, mode).await?);
        Ok(FileWriter::new(path, Box::new(StuckWriter)))
    }
    async fn sync_dir(&self, path: &Path) -> Result<(), FsError> {
        self.0.sync_dir(path).await
    }
    fn remove_file_in_background(&self, path: PathBuf) {
        self.0.remove_file_in_background(path)
    }
}

#[test]
fn dropping_a_write_in_progress_removes_its_temp_file_in_the_background() {
    let fs = StuckFs(FakeFs::with_file("/d/t.json", b"old"));
    {
        let mut write = std::pin::pin!(fs.write_atomic("/d/t.json", b"new"));
        assert!(block_on(async { futures::poll!(write.as_mut()) }).is_pending());
        let files = fs.0.files();
        assert_eq!(
            files.len(),
            2,
            "the temp file exists while writing: {files:?}"
        );
    }
    let removed = fs.0.0.lock().unwrap().removed_in_background.clone();
    assert_eq!(removed.len(), 1, "one removal was started: {removed:?}");
    assert!(is_atomic_temp_name(removed[0].file_name().unwrap()));
    assert_eq!(removed[0].parent(), Some(Path::new("/d")));
    assert_eq!(fs.0.files(), only_target(b"old"));
}
