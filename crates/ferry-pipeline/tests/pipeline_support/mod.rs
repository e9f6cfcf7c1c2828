//! Shared by the pipeline tests (here and in ferry-mock's tests): an in-memory file system
//! and clocks that tests control.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ferry_core::Clock;
use ferry_fs::{
    DirEntry, FileReader, FileSystem, FileType, FileWriter, FsError, FsOp, Metadata, RawFileWriter,
    WriteMode,
};

#[derive(Default)]
struct Files {
    files: BTreeMap<PathBuf, Vec<u8>>,
    /// Paths whose writes fail, to check that a failed write fails the step.
    refuse_writes: Vec<PathBuf>,
}

/// Files in a map, instant and flat (no directories): enough for reading inputs and writing
/// outputs, atomically or streaming.
#[derive(Clone, Default)]
pub struct MemFs(Arc<Mutex<Files>>);

impl MemFs {
    pub fn with_file(self, path: &str, contents: impl AsRef<[u8]>) -> Self {
        self.0
            .lock()
            .unwrap()
            .files
            .insert(path.into(), contents.as_ref().to_vec());
        self
    }

    pub fn refusing_writes_to(self, path: &str) -> Self {
        self.0.lock().unwrap().refuse_writes.push(path.into());
        self
    }

    pub fn contents(&self, path: &str) -> Option<String> {
        let files = &self.0.lock().unwrap().files;
        files
            .get(Path::new(path))
            .map(|bytes| String::from_utf8(bytes.clone()).expect("test files are UTF-8"))
    }

    pub fn paths(&self) -> Vec<PathBuf> {
        self.0.lock().unwrap().files.keys().cloned().collect()
    }

    fn check_writable(&self, op: FsOp, path: &Path) -> Result<(), FsError> {
        let files = self.0.lock().unwrap();
        let refused = files.refuse_writes.iter().any(|refused| {
            path == refused
                || path.file_name().is_some_and(|name| {
                    name.to_string_lossy().contains(&*refused.to_string_lossy())
                })
        });
        if refused {
            Err(FsError::new(
                op,
                path,
                io::ErrorKind::PermissionDenied.into(),
            ))
        } else {
            Ok(())
        }
    }
}

fn not_found(op: FsOp, path: &Path) -> FsError {
    FsError::new(op, path, io::ErrorKind::NotFound.into())
}

struct MemWriter {
    fs: MemFs,
    path: PathBuf,
}

impl futures::io::AsyncWrite for MemWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut files = self.fs.0.lock().unwrap();
        files
            .files
            .entry(self.path.clone())
            .or_default()
            .extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl RawFileWriter for MemWriter {
    fn poll_sync_all(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[async_trait::async_trait]
impl FileSystem for MemFs {
    async fn read(&self, path: &Path) -> Result<Vec<u8>, FsError> {
        let files = self.0.lock().unwrap();
        files
            .files
            .get(path)
            .cloned()
            .ok_or_else(|| not_found(FsOp::Read, path))
    }
    async fn write(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        self.check_writable(FsOp::Write, path)?;
        let mut files = self.0.lock().unwrap();
        files.files.insert(path.to_owned(), contents.to_vec());
        Ok(())
    }
    async fn append(&self, path: &Path, contents: &[u8]) -> Result<(), FsError> {
        self.check_writable(FsOp::Append, path)?;
        let mut files = self.0.lock().unwrap();
        files
            .files
            .entry(path.to_owned())
            .or_default()
            .extend_from_slice(contents);
        Ok(())
    }
    async fn create_dir(&self, _: &Path) -> Result<(), FsError> {
        Ok(())
    }
    async fn create_dir_all(&self, _: &Path) -> Result<(), FsError> {
        Ok(())
    }
    async fn read_dir(&self, _: &Path) -> Result<Vec<DirEntry>, FsError> {
        let files = self.0.lock().unwrap();
        Ok(files
            .files
            .iter()
            .map(|(path, contents)| {
                DirEntry::new(path, Metadata::new(FileType::File, contents.len() as u64))
            })
            .collect())
    }
    async fn remove_file(&self, path: &Path) -> Result<(), FsError> {
        let mut files = self.0.lock().unwrap();
        files
            .files
            .remove(path)
            .map(drop)
            .ok_or_else(|| not_found(FsOp::RemoveFile, path))
    }
    async fn remove_dir_all(&self, _: &Path) -> Result<(), FsError> {
        Ok(())
    }
    async fn rename(&self, from: &Path, to: &Path) -> Result<(), FsError> {
        let mut files = self.0.lock().unwrap();
        let contents = files
            .files
            .remove(from)
            .ok_or_else(|| not_found(FsOp::Rename, from))?;
        files.files.insert(to.to_owned(), contents);
        Ok(())
    }
    async fn metadata(&self, path: &Path) -> Result<Metadata, FsError> {
        let files = self.0.lock().unwrap();
        files
            .files
            .get(path)
            .map(|contents| Metadata::new(FileType::File, contents.len() as u64))
            .ok_or_else(|| not_found(FsOp::Metadata, path))
    }
    async fn set_readonly(&self, _: &Path, _: bool) -> Result<(), FsError> {
        Ok(())
    }
    async fn open_read(&self, path: &Path) -> Result<FileReader, FsError> {
        let contents = self.read(path).await?;
        Ok(FileReader::new(
            path,
            Box::new(futures::io::Cursor::new(contents)),
        ))
    }
    async fn open_write(&self, path: &Path, mode: WriteMode) -> Result<FileWriter, FsError> {
        self.check_writable(FsOp::Open, path)?;
        let mut files = self.0.lock().unwrap();
        match mode {
            WriteMode::Truncate => {
                files.files.insert(path.to_owned(), Vec::new());
            }
            WriteMode::Append => {
                files.files.entry(path.to_owned()).or_default();
            }
            WriteMode::CreateNew => {
                if files.files.contains_key(path) {
                    return Err(FsError::new(
                        FsOp::Open,
                        path,
                        io::ErrorKind::AlreadyExists.into(),
                    ));
                }
                files.files.insert(path.to_owned(), Vec::new());
            }
        }
        let writer = MemWriter {
            fs: self.clone(),
            path: path.to_owned(),
        };
        Ok(FileWriter::new(path, Box::new(writer)))
    }
    async fn sync_dir(&self, _: &Path) -> Result<(), FsError> {
        Ok(())
    }
    fn remove_file_in_background(&self, path: PathBuf) {
        self.0.lock().unwrap().files.remove(&path);
    }
}

/// A clock that moves only when the test says.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<Instant>>);

impl ManualClock {
    pub fn new() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}
