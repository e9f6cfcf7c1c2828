//! Atomic whole-file replacement: temporary file, `fsync`, rename, directory `fsync`.

use std::collections::hash_map::RandomState;
use std::ffi::OsStr;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_io::AsyncWrite;
use futures_util::future::poll_fn;

use super::{FileSystem, FileWriter, FsError, FsOp, WriteMode};

/// How many names to try before giving up when temporary names collide.
const NAME_ATTEMPTS: u32 = 16;

/// File names longer than this are shortened in the temporary name, which must stay under
/// the usual 255-byte limit.
const MAX_NAME_PREFIX: usize = 64;

/// The directory a file lives in, `.` for a bare file name.
pub(super) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Whether `name` is the name of a temporary file that
/// [`write_atomic`](super::FileSystemExt::write_atomic) makes (`.{name}.{random}.ferry-tmp`).
///
/// For tests and cleanup tools: a temporary file outlives its write only if the process died
/// mid-way.
///
/// ```
/// use std::ffi::OsStr;
/// use ferry_fs::is_atomic_temp_name;
///
/// assert!(is_atomic_temp_name(OsStr::new(".out.json.00c0ffee00c0ffee.ferry-tmp")));
/// assert!(!is_atomic_temp_name(OsStr::new("out.json")));
/// ```
pub fn is_atomic_temp_name(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.') && name.ends_with(".ferry-tmp")
}

/// A fresh temporary name next to `file_name`: `.{file_name}.{random}.ferry-tmp`.
pub(crate) fn temp_name(file_name: &OsStr) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // RandomState is seeded per process (and varies per instance), so names from two
    // processes writing the same directory do not collide; the counter separates names within
    // one process. CreateNew catches whatever still collides.
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let random = hasher.finish();

    let name = file_name.to_string_lossy();
    let mut prefix_len = name.len().min(MAX_NAME_PREFIX);
    while !name.is_char_boundary(prefix_len) {
        prefix_len -= 1;
    }
    format!(".{}.{random:016x}.ferry-tmp", &name[..prefix_len])
}

/// Removes a temporary file (one from [`create_temp`]) when dropped while it still holds its
/// path: the cleanup of a write that was cancelled or failed before its final rename.
///
/// Set `path` to `None` once the file has been renamed into place (or removed) to disarm it.
/// The removal runs in the background ([`FileSystem::remove_file_in_background`]), since a
/// destructor cannot wait.
#[derive(Debug)]
pub struct TempFileGuard<'a, F: FileSystem + ?Sized> {
    /// The file system the temporary file is on.
    pub fs: &'a F,
    /// The temporary file to remove on drop, or `None` when disarmed.
    pub path: Option<PathBuf>,
}

impl<F: FileSystem + ?Sized> Drop for TempFileGuard<'_, F> {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            self.fs.remove_file_in_background(path);
        }
    }
}

/// Creates a new temporary file in `dir`, named after `file_name` (a hidden name ending in
/// `.ferry-tmp`, see [`is_atomic_temp_name`]), for writing what will be renamed to
/// `dir/file_name`: the first half of an atomic write whose content streams in.
///
/// The file is created with [`WriteMode::CreateNew`], so an existing file is never opened;
/// a name taken by chance is retried with another random suffix a few times.
///
/// # Cancel safety
///
/// Dropping the future before it completes may leave the new, empty file behind; pair it with
/// a [`TempFileGuard`] as soon as it returns.
pub async fn create_temp<F: FileSystem + ?Sized>(
    fs: &F,
    dir: &Path,
    file_name: &OsStr,
) -> Result<(PathBuf, FileWriter), FsError> {
    let mut attempt = 0;
    loop {
        let path = dir.join(temp_name(file_name));
        match fs.open_write(&path, WriteMode::CreateNew).await {
            Ok(writer) => return Ok((path, writer)),
            Err(error) if error.is_already_exists() && attempt + 1 < NAME_ATTEMPTS => {
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Writes `contents` into a new file, syncs it and closes it.
async fn fill(mut writer: FileWriter, contents: &[u8]) -> Result<(), FsError> {
    let path = writer.path().to_path_buf();
    let mut rest = contents;
    while !rest.is_empty() {
        let written = poll_fn(|cx| Pin::new(&mut writer).poll_write(cx, rest))
            .await
            .map_err(|error| FsError::new(FsOp::Write, &path, error))?;
        if written == 0 {
            let error = io::Error::new(io::ErrorKind::WriteZero, "the file accepted no more bytes");
            return Err(FsError::new(FsOp::Write, &path, error));
        }
        rest = &rest[written..];
    }
    writer.sync_all().await?;
    poll_fn(|cx| Pin::new(&mut writer).poll_close(cx))
        .await
        .map_err(|error| FsError::new(FsOp::Write, &path, error))
}

/// See [`FileSystemExt::write_atomic`](super::FileSystemExt::write_atomic).
pub(super) async fn write_atomic<F: FileSystem + ?Sized>(
    fs: &F,
    target: &Path,
    contents: &[u8],
) -> Result<(), FsError> {
    let Some(file_name) = target.file_name() else {
        let error = io::Error::new(io::ErrorKind::InvalidInput, "the path names no file");
        return Err(FsError::new(FsOp::Write, target, error));
    };
    let dir = parent_dir(target);

    let (temp_path, writer) = create_temp(fs, dir, file_name).await?;
    let mut guard = TempFileGuard {
        fs,
        path: Some(temp_path.clone()),
    };
    // The writer is closed (dropped inside `fill`) before the rename: Windows cannot rename an
    // open file.
    let mut result = fill(writer, contents).await;
    if result.is_ok() {
        result = fs.rename(&temp_path, target).await;
    }
    if let Err(error) = result {
        // Removing the temporary file is best effort: the write's own error is the one to
        // report. The guard stays armed while this runs, so a cancellation here still cleans up.
        let _ = fs.remove_file(&temp_path).await;
        guard.path = None;
        return Err(error);
    }
    guard.path = None;
    fs.sync_dir(dir).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_hidden_unique_and_recognised() {
        let first = temp_name(OsStr::new("out.json"));
        let second = temp_name(OsStr::new("out.json"));
        assert_ne!(first, second);
        assert!(first.starts_with(".out.json."));
        assert!(is_atomic_temp_name(OsStr::new(&first)));
        assert!(!is_atomic_temp_name(OsStr::new("out.json")));
    }

    #[test]
    fn temp_name_of_a_long_name_stays_short() {
        let long = "é".repeat(200);
        let name = temp_name(OsStr::new(&long));
        assert!(name.len() < 100, "{} bytes", name.len());
    }

    #[test]
    fn parent_of_a_bare_name_is_the_working_directory() {
        assert_eq!(parent_dir(Path::new("a.json")), Path::new("."));
        assert_eq!(parent_dir(Path::new("/d/a.json")), Path::new("/d"));
    }
}
