//! Streaming a body into a temporary file, then renaming it into place, with or without
//! replacing what has the name.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use bytes::Bytes;
use futures_core::Stream;
use futures_io::AsyncWrite;
use futures_util::StreamExt;
use futures_util::future::poll_fn;

use ferry_fs::{FileSystem, FileWriter, FsError, FsOp, TempFileGuard, create_temp};
use ferry_http::HttpError;

/// Why saving stopped: the body broke off, or the file system failed.
pub(super) enum SaveError {
    Body(HttpError),
    Fs(FsError),
}

/// How the finished temporary file gets its name.
pub(super) enum Place<'a> {
    /// `rename`: a file or link at the name is replaced.
    Replace,
    /// `rename_noreplace`: a taken name is reported as [`Placed::Taken`].
    NoReplace,
    /// `rename_noreplace`, asking `next` for another name while the one tried is taken.
    NextFree(&'a (dyn Fn() -> PathBuf + Send + Sync)),
}

/// Where the file went.
pub(super) enum Placed {
    /// Saved under this path.
    At(PathBuf),
    /// Not saved: something already has this name (the temporary file is removed).
    Taken(PathBuf),
}

/// The most names [`Place::NextFree`] tries before it gives up: each taken one was taken
/// between the listing and the rename, which a directory busy with other writers may do a
/// few times, never a thousand.
const MAX_NAME_TRIES: usize = 1000;

/// Writes `body` to a temporary file in `dir`, syncs it, moves it to `target` as `place`
/// says and syncs `dir`; gives where it went and the number of bytes. On failure, or when
/// the name is taken, the temporary file is removed; if the future is dropped, it is removed
/// in the background.
pub(super) async fn stream_to_file<F, S>(
    fs: &F,
    dir: &Path,
    target: &Path,
    body: S,
    place: Place<'_>,
) -> Result<(Placed, u64), SaveError>
where
    F: FileSystem + ?Sized,
    S: Stream<Item = Result<Bytes, HttpError>>,
{
    let file_name = target.file_name().unwrap_or(target.as_os_str());
    let (temp_path, writer) = create_temp(fs, dir, file_name)
        .await
        .map_err(SaveError::Fs)?;
    let mut guard = TempFileGuard {
        fs,
        path: Some(temp_path.clone()),
    };
    let mut result = match fill(writer, body).await {
        Ok(bytes) => move_into_place(fs, &temp_path, target, place)
            .await
            .map(|placed| (placed, bytes)),
        Err(error) => Err(error),
    };
    if !matches!(result, Ok((Placed::At(_), _))) {
        // Best effort, while the guard still covers a cancellation here.
        if let Err(error) = fs.remove_file(&temp_path).await {
            if result.is_ok() {
                result = Err(SaveError::Fs(error));
            }
        }
    }
    guard.path = None;
    let (placed, bytes) = result?;
    if matches!(placed, Placed::At(_)) {
        fs.sync_dir(dir).await.map_err(SaveError::Fs)?;
    }
    Ok((placed, bytes))
}

/// Renames the finished temporary file to `target` (or the next free name) as `place` says.
async fn move_into_place<F: FileSystem + ?Sized>(
    fs: &F,
    temp_path: &Path,
    target: &Path,
    place: Place<'_>,
) -> Result<Placed, SaveError> {
    let next = match place {
        Place::Replace => {
            return fs
                .rename(temp_path, target)
                .await
                .map(|()| Placed::At(target.to_path_buf()))
                .map_err(SaveError::Fs);
        }
        Place::NoReplace => None,
        Place::NextFree(next) => Some(next),
    };
    let mut candidate = target.to_path_buf();
    for _ in 0..MAX_NAME_TRIES {
        match fs.rename_noreplace(temp_path, &candidate).await {
            Ok(()) => return Ok(Placed::At(candidate)),
            Err(error) if error.is_already_exists() => match next {
                None => return Ok(Placed::Taken(candidate)),
                Some(next) => candidate = next(),
            },
            Err(error) => return Err(SaveError::Fs(error)),
        }
    }
    Err(SaveError::Fs(FsError::rename(
        temp_path,
        candidate,
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{MAX_NAME_TRIES} free names in a row were taken before the rename"),
        ),
    )))
}

/// Copies `body` into `writer` chunk by chunk, then syncs and closes it.
async fn fill<S>(mut writer: FileWriter, body: S) -> Result<u64, SaveError>
where
    S: Stream<Item = Result<Bytes, HttpError>>,
{
    let path = writer.path().to_path_buf();
    let write_error = |error: io::Error| SaveError::Fs(FsError::new(FsOp::Write, &path, error));
    let mut body = std::pin::pin!(body);
    let mut total = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(SaveError::Body)?;
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            let written = poll_fn(|cx| Pin::new(&mut writer).poll_write(cx, rest))
                .await
                .map_err(write_error)?;
            if written == 0 {
                return Err(write_error(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the file accepted no more bytes",
                )));
            }
            rest = &rest[written..];
        }
        total += chunk.len() as u64;
    }
    writer.sync_all().await.map_err(SaveError::Fs)?;
    poll_fn(|cx| Pin::new(&mut writer).poll_close(cx))
        .await
        .map_err(write_error)?;
    Ok(total)
}
