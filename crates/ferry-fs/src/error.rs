//! [`FsError`]: what failed, on which path, and why.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::Utf8Error;

/// The file operation that failed, as named in an [`FsError`]'s message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FsOp {
    /// Reading a file (whole, or through a [`FileReader`](super::FileReader)).
    Read,
    /// Writing a file (whole, or through a [`FileWriter`](super::FileWriter)).
    Write,
    /// Appending to a file.
    Append,
    /// Opening a file for reading or writing.
    Open,
    /// Creating one directory.
    CreateDir,
    /// Listing a directory.
    ReadDir,
    /// Removing a file.
    RemoveFile,
    /// Removing a directory and everything in it.
    RemoveDir,
    /// Renaming (moving) a file or directory.
    Rename,
    /// Reading a file's metadata.
    Metadata,
    /// Changing a file's permissions.
    SetPermissions,
    /// Flushing a file's data to storage (`fsync`).
    Sync,
    /// Flushing a directory's entries to storage.
    SyncDir,
}

impl FsOp {
    /// The operation as a verb phrase, as it appears in error messages ("list directory").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Append => "append to",
            Self::Open => "open",
            Self::CreateDir => "create directory",
            Self::ReadDir => "list directory",
            Self::RemoveFile => "remove file",
            Self::RemoveDir => "remove directory",
            Self::Rename => "rename",
            Self::Metadata => "read metadata of",
            Self::SetPermissions => "set permissions of",
            Self::Sync => "sync",
            Self::SyncDir => "sync directory",
        }
    }
}

impl fmt::Display for FsOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file operation failed: which operation, on which path, and why.
///
/// The message names all three, like `failed to read /data/in.json: No such file or directory
/// (os error 2)`, and [`source`](StdError::source) gives the underlying error. Three causes are
/// told apart:
///
/// - the operating system refused ([`is_io`](Self::is_io)); [`kind`](Self::kind) gives its
///   [`io::ErrorKind`] and predicates cover the common ones
///   ([`is_not_found`](Self::is_not_found), [`is_permission_denied`](Self::is_permission_denied),
///   [`is_already_exists`](Self::is_already_exists));
/// - a file read as text was not UTF-8 ([`is_invalid_utf8`](Self::is_invalid_utf8));
/// - a file read as JSON did not parse into the asked type, or a value could not be written as
///   JSON ([`is_json`](Self::is_json)).
///
/// It converts into an [`io::Error`] of the same kind (with the `FsError` inside), so `?` works
/// in functions that return `io::Result`.
///
/// ```
/// use std::io;
/// use ferry_fs::{FsError, FsOp};
///
/// let error = FsError::new(FsOp::Read, "/data/in.json", io::ErrorKind::NotFound.into());
/// assert!(error.is_not_found());
/// assert_eq!(error.path().to_str(), Some("/data/in.json"));
/// assert_eq!(error.to_string(), "failed to read /data/in.json: entity not found");
/// ```
pub struct FsError {
    op: FsOp,
    path: PathBuf,
    target: Option<PathBuf>,
    cause: Cause,
}

enum Cause {
    Io(io::Error),
    Utf8(Utf8Error),
    Json(serde_json::Error),
}

impl FsError {
    /// An error from the operating system while doing `op` on `path`.
    ///
    /// Backends build their errors with this; an `error` that already carries an `FsError`
    /// (as the errors of [`FileReader`](super::FileReader) and
    /// [`FileWriter`](super::FileWriter) do) is unwrapped rather than wrapped twice.
    pub fn new(op: FsOp, path: impl Into<PathBuf>, error: io::Error) -> Self {
        if error.get_ref().is_some_and(|inner| inner.is::<FsError>()) {
            if let Some(inner) = error.into_inner() {
                if let Ok(fs_error) = inner.downcast::<FsError>() {
                    return *fs_error;
                }
            }
            // Unreachable in practice: the inner error was just checked to be an FsError.
            return Self::new(op, path, io::Error::other("lost inner file system error"));
        }
        Self {
            op,
            path: path.into(),
            target: None,
            cause: Cause::Io(error),
        }
    }

    /// Renaming `from` to `to` failed with `error`.
    pub fn rename(from: impl Into<PathBuf>, to: impl Into<PathBuf>, error: io::Error) -> Self {
        let mut fs_error = Self::new(FsOp::Rename, from, error);
        fs_error.target = Some(to.into());
        fs_error
    }

    pub(crate) fn utf8(path: &Path, error: Utf8Error) -> Self {
        Self {
            op: FsOp::Read,
            path: path.to_path_buf(),
            target: None,
            cause: Cause::Utf8(error),
        }
    }

    pub(crate) fn json(op: FsOp, path: &Path, error: serde_json::Error) -> Self {
        Self {
            op,
            path: path.to_path_buf(),
            target: None,
            cause: Cause::Json(error),
        }
    }

    /// The operation that failed.
    pub fn op(&self) -> FsOp {
        self.op
    }

    /// The path it failed on (for a rename, the source).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// For a failed rename, the destination.
    pub fn target(&self) -> Option<&Path> {
        self.target.as_deref()
    }

    /// The kind of failure: the operating system's for I/O errors,
    /// [`InvalidData`](io::ErrorKind::InvalidData) for bad UTF-8 or JSON.
    pub fn kind(&self) -> io::ErrorKind {
        match &self.cause {
            Cause::Io(error) => error.kind(),
            Cause::Utf8(_) | Cause::Json(_) => io::ErrorKind::InvalidData,
        }
    }

    /// The operating system's error, when that is the cause.
    pub fn io_error(&self) -> Option<&io::Error> {
        match &self.cause {
            Cause::Io(error) => Some(error),
            _ => None,
        }
    }

    /// The JSON error, when the cause was JSON that did not parse or a value that could not be
    /// serialized. Its `line()` and `column()` locate the problem in the file.
    pub fn json_error(&self) -> Option<&serde_json::Error> {
        match &self.cause {
            Cause::Json(error) => Some(error),
            _ => None,
        }
    }

    /// The UTF-8 error, when a file read as text was not UTF-8. Its `valid_up_to()` is the byte
    /// offset of the first bad byte.
    pub fn utf8_error(&self) -> Option<&Utf8Error> {
        match &self.cause {
            Cause::Utf8(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the operating system refused the operation (any [`kind`](Self::kind)).
    pub fn is_io(&self) -> bool {
        matches!(self.cause, Cause::Io(_))
    }

    /// Whether the file or directory (or one of its parents) does not exist.
    pub fn is_not_found(&self) -> bool {
        self.is_io() && self.kind() == io::ErrorKind::NotFound
    }

    /// Whether the operating system denied access (permissions, a read-only file).
    pub fn is_permission_denied(&self) -> bool {
        self.is_io() && self.kind() == io::ErrorKind::PermissionDenied
    }

    /// Whether the path already exists (creating a directory or a new file).
    pub fn is_already_exists(&self) -> bool {
        self.is_io() && self.kind() == io::ErrorKind::AlreadyExists
    }

    /// Whether a file read as text was not valid UTF-8.
    pub fn is_invalid_utf8(&self) -> bool {
        matches!(self.cause, Cause::Utf8(_))
    }

    /// Whether JSON did not parse into the asked type, or a value could not be serialized.
    pub fn is_json(&self) -> bool {
        matches!(self.cause, Cause::Json(_))
    }
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match &self.cause {
            Cause::Io(error) => {
                write!(f, "failed to {} {path}", self.op)?;
                if let Some(target) = &self.target {
                    write!(f, " to {}", target.display())?;
                }
                write!(f, ": {error}")
            }
            Cause::Utf8(error) => write!(f, "failed to read {path} as UTF-8 text: {error}"),
            Cause::Json(error) if self.op == FsOp::Read => {
                write!(f, "failed to parse JSON in {path}: {error}")
            }
            Cause::Json(error) => write!(f, "failed to serialize JSON for {path}: {error}"),
        }
    }
}

impl fmt::Debug for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("FsError");
        debug.field("op", &self.op).field("path", &self.path);
        if let Some(target) = &self.target {
            debug.field("target", target);
        }
        match &self.cause {
            Cause::Io(error) => debug.field("io", error),
            Cause::Utf8(error) => debug.field("utf8", error),
            Cause::Json(error) => debug.field("json", error),
        };
        debug.finish()
    }
}

impl StdError for FsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match &self.cause {
            Cause::Io(error) => Some(error),
            Cause::Utf8(error) => Some(error),
            Cause::Json(error) => Some(error),
        }
    }
}

impl From<FsError> for io::Error {
    /// An [`io::Error`] of the same [`kind`](FsError::kind) that carries the `FsError`
    /// (get it back with `get_ref()` and `downcast_ref::<FsError>()`).
    fn from(error: FsError) -> Self {
        io::Error::new(error.kind(), error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_operation_path_and_cause() {
        let error = FsError::new(
            FsOp::ReadDir,
            "/in",
            io::Error::new(io::ErrorKind::NotFound, "gone"),
        );
        assert_eq!(error.to_string(), "failed to list directory /in: gone");
        assert!(error.is_not_found());
        assert!(!error.is_permission_denied());
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("gone")
        );
    }

    #[test]
    fn rename_message_names_both_paths() {
        let error = FsError::rename("/a", "/b", io::ErrorKind::PermissionDenied.into());
        assert_eq!(error.target(), Some(Path::new("/b")));
        assert!(error.to_string().starts_with("failed to rename /a to /b: "));
        assert!(error.is_permission_denied());
    }

    #[test]
    fn io_error_round_trip_keeps_kind_and_is_not_wrapped_twice() {
        let original = FsError::new(FsOp::Write, "/out", io::ErrorKind::StorageFull.into());
        let as_io: io::Error = original.into();
        assert_eq!(as_io.kind(), io::ErrorKind::StorageFull);
        let back = FsError::new(FsOp::Sync, "/elsewhere", as_io);
        assert_eq!(back.op(), FsOp::Write);
        assert_eq!(back.path(), Path::new("/out"));
        assert_eq!(back.kind(), io::ErrorKind::StorageFull);
    }

    #[test]
    fn utf8_and_json_causes_are_invalid_data_not_io() {
        let bad = String::from_utf8(vec![b'a', 0xff])
            .unwrap_err()
            .utf8_error();
        let utf8 = FsError::utf8(Path::new("/t"), bad);
        assert!(utf8.is_invalid_utf8() && !utf8.is_io() && !utf8.is_json());
        assert_eq!(utf8.kind(), io::ErrorKind::InvalidData);
        assert_eq!(utf8.utf8_error().map(Utf8Error::valid_up_to), Some(1));

        let parse = serde_json::from_str::<u32>("{").unwrap_err();
        let json = FsError::json(FsOp::Read, Path::new("/j.json"), parse);
        assert!(json.is_json() && !json.is_not_found());
        assert!(
            json.to_string()
                .starts_with("failed to parse JSON in /j.json: ")
        );
        assert_eq!(json.json_error().map(serde_json::Error::line), Some(1));
    }
}
