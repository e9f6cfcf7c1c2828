//! Streaming a body into a temporary file, then renaming it into place.

use std::io;
use std::path::Path;
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

/// Writes `body` to a temporary file in `dir`, syncs it, renames it to `target` and syncs
/// `dir`; gives the number of bytes. On failure the temporary file is removed; if the future
/// is dropped, it is removed in the background.
pub(super) async fn stream_to_file<F, S>(
    fs: &F,
    dir: &Path,
    target: &Path,
    body: S,
) -> Result<u64, SaveError>
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
    let mut result = fill(writer, body).await;
    if result.is_ok() {
        if let Err(error) = fs.rename(&temp_path, target).await {
            result = Err(SaveError::Fs(error));
        }
    }
    if result.is_err() {
        // Best effort, while the guard still covers a cancellation here.
        let _ = fs.remove_file(&temp_path).await;
    }
    guard.path = None;
    let bytes = result?;
    fs.sync_dir(dir).await.map_err(SaveError::Fs)?;
    Ok(bytes)
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
