//! The blocking `std::fs` side of a backend's [`FileSystem`](super::FileSystem).
//!
//! Backends on real threads run each file operation as one job on their blocking pool
//! (measured faster than tokio's and smol's own async file modules, which are the same jobs
//! split finer). What such a job does is the same on every runtime, so it lives here once;
//! backends only choose the pool. Every function here blocks: call them from a blocking job,
//! never from async code directly.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use super::{DirEntry, FileType, FsError, FsOp, Metadata, WriteMode};

/// Converts std's metadata to ferry's.
pub fn metadata_from_std(metadata: &std::fs::Metadata) -> Metadata {
    let std_type = metadata.file_type();
    let file_type = if std_type.is_file() {
        FileType::File
    } else if std_type.is_dir() {
        FileType::Dir
    } else if std_type.is_symlink() {
        FileType::Symlink
    } else {
        FileType::Other
    };
    let converted =
        Metadata::new(file_type, metadata.len()).with_readonly(metadata.permissions().readonly());
    match metadata.modified() {
        Ok(modified) => converted.with_modified(modified),
        Err(_) => converted,
    }
}

/// The metadata of `path`, following symlinks.
pub fn metadata(path: &Path) -> io::Result<Metadata> {
    std::fs::metadata(path).map(|metadata| metadata_from_std(&metadata))
}

/// Lists `dir` with each entry's metadata, in one blocking call.
///
/// Errors on an entry name that entry's path; an entry removed between the listing and its
/// `stat` is left out, since it is no longer there.
pub fn list_dir(dir: &Path) -> Result<Vec<DirEntry>, FsError> {
    let entries =
        std::fs::read_dir(dir).map_err(|error| FsError::new(FsOp::ReadDir, dir, error))?;
    let mut listing = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| FsError::new(FsOp::ReadDir, dir, error))?;
        let path = entry.path();
        match entry.metadata() {
            Ok(metadata) => listing.push(DirEntry::new(path, metadata_from_std(&metadata))),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(FsError::new(FsOp::Metadata, path, error)),
        }
    }
    Ok(listing)
}

/// Appends `contents` to `path`, creating it if missing.
pub fn append(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().append(true).create(true).open(path)?;
    file.write_all(contents)
}

/// Makes `path` read-only, or writable by its owner again.
pub fn set_readonly(path: &Path, readonly: bool) -> io::Result<()> {
    let mut permissions = std::fs::metadata(path)?.permissions();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // std's `set_readonly(false)` would make the file writable by everyone; only the
        // owner's write bit is given back here.
        let mode = permissions.mode();
        permissions.set_mode(if readonly {
            mode & !0o222
        } else {
            mode | 0o200
        });
    }
    #[cfg(not(unix))]
    permissions.set_readonly(readonly);
    std::fs::set_permissions(path, permissions)
}

/// Makes the entries of directory `path` durable (fsync on the directory).
pub fn sync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(path)?.sync_all()
    }
    // Windows cannot open a directory as a file without extra flags std does not expose, and
    // NTFS journals renames; there is nothing to sync.
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).map(drop)
    }
}

/// Opens `path` for writing in `mode`, and a second handle to the same open file.
///
/// The second handle is for `fsync`: a backend's buffered async file usually borrows its file
/// across an await, so syncing through a clone avoids taking it apart.
pub fn open_for_write(path: &Path, mode: WriteMode) -> io::Result<(File, File)> {
    let mut options = OpenOptions::new();
    match mode {
        WriteMode::Truncate => options.write(true).create(true).truncate(true),
        WriteMode::Append => options.append(true).create(true),
        WriteMode::CreateNew => options.write(true).create_new(true),
    };
    let file = options.open(path)?;
    let for_sync = file.try_clone()?;
    Ok((file, for_sync))
}
