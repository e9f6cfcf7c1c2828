//! Files for pipelines: a small [`FileSystem`] trait that backends implement, and helpers on
//! top of it ([`FileSystemExt`]: text, JSON, atomic writes).
//!
//! | you want | call |
//! |---|---|
//! | a whole file as bytes / text / JSON | [`read`](FileSystem::read), [`read_to_string`](FileSystemExt::read_to_string), [`read_json`](FileSystemExt::read_json) |
//! | to replace a file | [`write`](FileSystem::write), [`write_json`](FileSystemExt::write_json) |
//! | to replace it so readers never see half of it | [`write_atomic`](FileSystemExt::write_atomic), [`write_json_atomic`](FileSystemExt::write_json_atomic) |
//! | to add to a log | [`append`](FileSystem::append) |
//! | to stream gigabytes | [`open_read`](FileSystem::open_read) ([`FileReader`]), [`open_write`](FileSystem::open_write) ([`FileWriter`]) |
//! | directories | [`create_dir`](FileSystem::create_dir), [`create_dir_all`](FileSystem::create_dir_all), [`read_dir`](FileSystem::read_dir), [`remove_dir_all`](FileSystem::remove_dir_all) |
//! | to move or delete | [`rename`](FileSystem::rename), [`remove_file`](FileSystem::remove_file) |
//! | facts about a path | [`metadata`](FileSystem::metadata), [`exists`](FileSystemExt::exists) |
//!
//! Every failure is an [`FsError`] that names the operation and the path.
//!
//! Pipelines take the file system as a value (`F: FileSystem`, or `Arc<dyn FileSystem>`), not
//! from a global, so a test can hand them the mock backend's in-memory one. The tokio backend's
//! is `ferry_tokio::TokioFs`.
//!
//! ```
//! use std::path::Path;
//! use ferry_fs::{FileSystem, FileSystemExt, FsError};
//!
//! /// Counts the words of every `.txt` file in `dir` and writes the totals as JSON.
//! async fn count_words(fs: &dyn FileSystem, dir: &Path) -> Result<usize, FsError> {
//!     let mut total = 0;
//!     for entry in fs.read_dir(dir).await? {
//!         if entry.is_file() && entry.path().extension() == Some("txt".as_ref()) {
//!             total += fs.read_to_string(entry.path()).await?.split_whitespace().count();
//!         }
//!     }
//!     fs.write_json_atomic(dir.join("total.json"), &total).await?;
//!     Ok(total)
//! }
//! ```

use std::path::{Path, PathBuf};

mod atomic;
mod error;
mod ext;
mod file;
mod forward;
mod metadata;
mod pooled;
pub mod std_fs;

pub use atomic::is_atomic_temp_name;
pub use atomic::{TempFileGuard, create_temp};
pub use error::{FsError, FsOp};
pub use ext::FileSystemExt;
pub use file::{FileReader, FileWriter, RawFileReader, RawFileWriter, WriteMode};
pub use metadata::{DirEntry, FileType, Metadata};
pub use pooled::{StdFileStreams, StdFs};

/// The file operations a pipeline needs, implemented by each backend.
///
/// Object safe (`Arc<dyn FileSystem>` works) and implemented for `&T`, `Box<T>` and `Arc<T>`
/// of an implementor. Paths are taken as given: relative paths resolve against the process's
/// working directory on a real file system.
///
/// The methods are the primitives; [`FileSystemExt`] builds text, JSON, `exists` and atomic
/// writes on them for every implementor.
///
/// # Cancel safety
///
/// Every method is an operation the operating system does in one go or not at all (a read, a
/// rename, a listing), except the whole-file writes. Dropping a method's future before it
/// completes may leave the operation done or not done, never anything else, with this
/// exception: a dropped [`write`](Self::write) or [`append`](Self::append) may leave part of
/// its data in the file. Backends that run the operation on a thread pool ([`StdFs`]: tokio,
/// smol) let an operation that has started finish there, and discard its result; one that has
/// not started never runs. Use [`FileSystemExt::write_atomic`] when a half-written file must
/// never be seen.
#[async_trait::async_trait]
pub trait FileSystem: Send + Sync {
    /// Reads the whole file.
    ///
    /// # Cancel safety
    ///
    /// Safe: dropping the future discards what was read.
    async fn read(&self, path: &Path) -> Result<Vec<u8>, FsError>;

    /// Creates the file, or empties it if it exists, and writes `contents` to it.
    ///
    /// # Cancel safety
    ///
    /// Not safe: dropping the future may leave the file empty or partly written. Use
    /// [`FileSystemExt::write_atomic`] when that matters.
    async fn write(&self, path: &Path, contents: &[u8]) -> Result<(), FsError>;

    /// Creates the file if needed and writes `contents` after what it holds.
    ///
    /// # Cancel safety
    ///
    /// Not safe: dropping the future may leave part of `contents` appended.
    async fn append(&self, path: &Path, contents: &[u8]) -> Result<(), FsError>;

    /// Creates one directory; its parent must exist, and the path must not.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the directory created or not.
    async fn create_dir(&self, path: &Path) -> Result<(), FsError>;

    /// Creates a directory and every missing parent; a directory that exists is fine.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future may leave some of the parents created.
    async fn create_dir_all(&self, path: &Path) -> Result<(), FsError>;

    /// Lists a directory: one [`DirEntry`] per entry (not `.` and `..`), in no particular
    /// order. Entries removed while listing may be skipped.
    ///
    /// # Cancel safety
    ///
    /// Safe: dropping the future discards the listing.
    async fn read_dir(&self, path: &Path) -> Result<Vec<DirEntry>, FsError>;

    /// Removes a file (not a directory).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the file removed or not.
    async fn remove_file(&self, path: &Path) -> Result<(), FsError>;

    /// Removes a directory and everything in it.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future may leave part of the tree removed.
    async fn remove_dir_all(&self, path: &Path) -> Result<(), FsError>;

    /// Renames `from` to `to`, replacing `to` if it is a file. On one file system this is
    /// atomic: anyone opening `to` gets the old file or the new one.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the rename done or not.
    async fn rename(&self, from: &Path, to: &Path) -> Result<(), FsError>;

    /// The metadata of `path`, following symbolic links.
    ///
    /// # Cancel safety
    ///
    /// Safe: dropping the future discards the result.
    async fn metadata(&self, path: &Path) -> Result<Metadata, FsError>;

    /// Marks a file or directory read-only, or writable again.
    ///
    /// On Unix, read-only clears every write permission bit and writable sets the owner's
    /// (like [`std::fs::Permissions::set_readonly`]); the superuser ignores both.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the permissions changed or not.
    async fn set_readonly(&self, path: &Path, readonly: bool) -> Result<(), FsError>;

    /// Opens a file for streaming reads.
    ///
    /// # Cancel safety
    ///
    /// Safe: dropping the future closes the file if it was opened.
    async fn open_read(&self, path: &Path) -> Result<FileReader, FsError>;

    /// Opens a file for streaming writes, as `mode` says.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the file if it was opened; in
    /// [`Truncate`](WriteMode::Truncate) or [`CreateNew`](WriteMode::CreateNew) mode it may
    /// have been created or emptied already.
    async fn open_write(&self, path: &Path, mode: WriteMode) -> Result<FileWriter, FsError>;

    /// Puts a directory's entries on storage (`fsync` on the directory), so a file created in
    /// it or renamed into it survives a crash. A no-op where the platform has no such call
    /// (Windows).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the entries synced or not; sync again to be sure.
    async fn sync_dir(&self, path: &Path) -> Result<(), FsError>;

    /// Starts removing a file and returns at once, ignoring any error.
    ///
    /// For cleanup from `Drop`, where nothing can be awaited: a cancelled
    /// [`write_atomic`](FileSystemExt::write_atomic) removes its temporary file with it. It
    /// must not block the calling thread for long and must not panic, even outside an async
    /// context.
    fn remove_file_in_background(&self, path: PathBuf);
}

// Architecture invariant: the trait stays object safe, so a backend can be chosen at run time
// behind `Arc<dyn FileSystem>`. This line stops compiling if that ever breaks.
const _: Option<&dyn FileSystem> = None;

/// The attribute [`__forward_file_system`](crate::__forward_file_system) needs, reachable
/// from any crate that invokes it.
#[doc(hidden)]
pub use async_trait::async_trait as __async_trait;
