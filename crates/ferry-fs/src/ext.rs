//! [`FileSystemExt`]: text, JSON, `exists` and atomic writes on any [`FileSystem`].

use std::future::Future;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{FileSystem, FsError, FsOp, atomic};

/// Conveniences on every [`FileSystem`], built from its primitives.
///
/// Paths are anything that is `AsRef<Path>` (`&str`, `String`, `PathBuf`, `&Path`).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use ferry_fs::{FileSystem, FileSystemExt, FsError};
///
/// #[derive(Serialize, Deserialize)]
/// struct Checkpoint {
///     last_page: u32,
/// }
///
/// /// Moves a pipeline's checkpoint on by one page; a crash mid-way leaves the old one.
/// async fn advance<F: FileSystem>(fs: &F) -> Result<u32, FsError> {
///     let mut checkpoint = match fs.read_json::<Checkpoint>("checkpoint.json").await {
///         Ok(checkpoint) => checkpoint,
///         Err(error) if error.is_not_found() => Checkpoint { last_page: 0 },
///         Err(error) => return Err(error),
///     };
///     checkpoint.last_page += 1;
///     fs.write_json_atomic("checkpoint.json", &checkpoint).await?;
///     Ok(checkpoint.last_page)
/// }
/// ```
pub trait FileSystemExt: FileSystem {
    /// Reads the whole file as UTF-8 text; other bytes give an error for which
    /// [`is_invalid_utf8`](FsError::is_invalid_utf8) holds.
    ///
    /// # Cancel safety
    ///
    /// Safe: dropping the future discards what was read.
    fn read_to_string(
        &self,
        path: impl AsRef<Path> + Send + Sync,
    ) -> impl Future<Output = Result<String, FsError>> + Send {
        async move {
            let path = path.as_ref();
            let bytes = self.read(path).await?;
            String::from_utf8(bytes).map_err(|error| FsError::utf8(path, error.utf8_error()))
        }
    }

    /// Reads the whole file and parses it as JSON into a `T`; JSON that does not parse, or
    /// does not fit `T`, gives an error for which [`is_json`](FsError::is_json) holds, with
    /// the path, line and column.
    ///
    /// # Cancel safety
    ///
    /// Safe: dropping the future discards what was read.
    fn read_json<T>(
        &self,
        path: impl AsRef<Path> + Send + Sync,
    ) -> impl Future<Output = Result<T, FsError>> + Send
    where
        T: DeserializeOwned,
    {
        async move {
            let path = path.as_ref();
            let bytes = self.read(path).await?;
            serde_json::from_slice(&bytes).map_err(|error| FsError::json(FsOp::Read, path, error))
        }
    }

    /// Writes `value` as compact JSON with [`write`](FileSystem::write). A value that cannot be
    /// serialized (a map with non-string keys, a failing `Serialize` impl) gives an error for
    /// which [`is_json`](FsError::is_json) holds, before the file is touched.
    ///
    /// # Cancel safety
    ///
    /// Not safe, like [`write`](FileSystem::write): dropping the future may leave the file
    /// partly written. [`write_json_atomic`](Self::write_json_atomic) never does.
    fn write_json<T>(
        &self,
        path: impl AsRef<Path> + Send + Sync,
        value: &T,
    ) -> impl Future<Output = Result<(), FsError>> + Send
    where
        T: Serialize + ?Sized,
    {
        // Serializing here, before the future, keeps `T` out of it: the future stays `Send`
        // for any `T`.
        let json = serde_json::to_vec(value);
        async move {
            let path = path.as_ref();
            let json = json.map_err(|error| FsError::json(FsOp::Write, path, error))?;
            self.write(path, &json).await
        }
    }

    /// Writes `value` as compact JSON with [`write_atomic`](Self::write_atomic).
    ///
    /// # Cancel safety
    ///
    /// Safe, like [`write_atomic`](Self::write_atomic).
    fn write_json_atomic<T>(
        &self,
        path: impl AsRef<Path> + Send + Sync,
        value: &T,
    ) -> impl Future<Output = Result<(), FsError>> + Send
    where
        T: Serialize + ?Sized,
    {
        let json = serde_json::to_vec(value);
        async move {
            let path = path.as_ref();
            let json = json.map_err(|error| FsError::json(FsOp::Write, path, error))?;
            atomic::write_atomic(self, path, &json).await
        }
    }

    /// Replaces the file at `path` with `contents` so that anyone reading it sees the old
    /// content or the new, never a mix or a torn file, even if the process or the machine
    /// dies mid-way.
    ///
    /// How: writes a new temporary file in the same directory (named
    /// `.{name}.{random}.ferry-tmp`, see [`is_atomic_temp_name`](super::is_atomic_temp_name)),
    /// syncs it to storage, renames it over `path`, then syncs the directory so the rename
    /// itself survives a crash. The file gets default permissions, not those of the file it
    /// replaces, and a symbolic link at `path` is replaced by the file, not followed.
    ///
    /// On failure before the rename, the temporary file is removed and `path` is untouched. If
    /// only the final directory sync fails, the new content is in place (and the error says
    /// so with [`FsOp::SyncDir`]) but might not survive a crash.
    ///
    /// # Cancel safety
    ///
    /// Safe: `path` holds the old content or the new one. A temporary file left by a dropped
    /// future is removed in the background
    /// ([`remove_file_in_background`](FileSystem::remove_file_in_background)), best effort.
    fn write_atomic(
        &self,
        path: impl AsRef<Path> + Send + Sync,
        contents: impl AsRef<[u8]> + Send + Sync,
    ) -> impl Future<Output = Result<(), FsError>> + Send {
        async move { atomic::write_atomic(self, path.as_ref(), contents.as_ref()).await }
    }

    /// Whether `path` exists (following symbolic links). "Not found" is `Ok(false)`; any other
    /// failure (a permission error on a parent) is an error, not a guess.
    ///
    /// # Cancel safety
    ///
    /// Safe: dropping the future discards the answer.
    fn exists(
        &self,
        path: impl AsRef<Path> + Send + Sync,
    ) -> impl Future<Output = Result<bool, FsError>> + Send {
        async move {
            match self.metadata(path.as_ref()).await {
                Ok(_) => Ok(true),
                Err(error) if error.is_not_found() => Ok(false),
                Err(error) => Err(error),
            }
        }
    }
}

impl<F: FileSystem + ?Sized> FileSystemExt for F {}
