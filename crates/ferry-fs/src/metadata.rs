//! [`Metadata`], [`FileType`] and [`DirEntry`]: what a backend reports about a path.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What kind of thing a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileType {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (only reported where links are not followed: [`DirEntry`]).
    Symlink,
    /// Anything else: a socket, a device, a pipe.
    Other,
}

/// A file's or directory's metadata: type, length, modification time, read-only flag.
///
/// ```
/// use ferry_fs::{FileType, Metadata};
///
/// let metadata = Metadata::new(FileType::File, 12).with_readonly(true);
/// assert!(metadata.is_file() && metadata.readonly());
/// assert_eq!(metadata.len(), 12);
/// assert_eq!(metadata.modified(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    file_type: FileType,
    len: u64,
    modified: Option<SystemTime>,
    readonly: bool,
}

impl Metadata {
    /// Metadata of a `file_type` of `len` bytes, with no modification time, writable.
    pub fn new(file_type: FileType, len: u64) -> Self {
        Self {
            file_type,
            len,
            modified: None,
            readonly: false,
        }
    }

    /// Sets the last modification time.
    #[must_use]
    pub fn with_modified(mut self, modified: SystemTime) -> Self {
        self.modified = Some(modified);
        self
    }

    /// Sets the read-only flag.
    #[must_use]
    pub fn with_readonly(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }

    /// What kind of thing the path names.
    pub fn file_type(&self) -> FileType {
        self.file_type
    }

    /// Whether it is a regular file.
    pub fn is_file(&self) -> bool {
        self.file_type == FileType::File
    }

    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type == FileType::Dir
    }

    /// Whether it is a symbolic link.
    pub fn is_symlink(&self) -> bool {
        self.file_type == FileType::Symlink
    }

    /// Its length in bytes (for a directory, whatever the platform reports).
    #[allow(clippy::len_without_is_empty)] // An empty file is `len() == 0`; directories make `is_empty` ambiguous.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// When it was last modified, where the platform and the backend know.
    pub fn modified(&self) -> Option<SystemTime> {
        self.modified
    }

    /// Whether it is marked read-only (on Unix: no write permission bit is set).
    pub fn readonly(&self) -> bool {
        self.readonly
    }
}

/// One entry of a directory listing ([`FileSystem::read_dir`](super::FileSystem::read_dir)).
///
/// ```
/// use ferry_fs::{DirEntry, FileType, Metadata};
///
/// let entry = DirEntry::new("/data/a.json", Metadata::new(FileType::File, 3));
/// assert_eq!(entry.name(), "a.json");
/// assert!(entry.metadata().is_file());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    path: PathBuf,
    metadata: Metadata,
}

impl DirEntry {
    /// The entry at `path` (the listed directory joined with the entry's name).
    pub fn new(path: impl Into<PathBuf>, metadata: Metadata) -> Self {
        Self {
            path: path.into(),
            metadata,
        }
    }

    /// The entry's file name, without the directory.
    pub fn name(&self) -> &OsStr {
        self.path.file_name().unwrap_or_default()
    }

    /// The entry's full path: the listed directory joined with [`name`](Self::name).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entry's metadata. Symbolic links are not followed: a link is reported as
    /// [`FileType::Symlink`].
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Shorthand for `metadata().is_file()`.
    pub fn is_file(&self) -> bool {
        self.metadata.is_file()
    }

    /// Shorthand for `metadata().is_dir()`.
    pub fn is_dir(&self) -> bool {
        self.metadata.is_dir()
    }

    /// Shorthand for `metadata().len()`.
    pub fn len(&self) -> u64 {
        self.metadata.len()
    }

    /// Whether the entry is a file of zero bytes.
    pub fn is_empty(&self) -> bool {
        self.is_file() && self.len() == 0
    }
}
