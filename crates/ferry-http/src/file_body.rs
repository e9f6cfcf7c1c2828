//! Files as request bodies: opened on a [`FileSystem`] when the body is sent, read chunk by
//! chunk, never whole.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::stream;

use super::request_body::{BoxBodyError, BoxByteStream, RequestBody};
use ferry_fs::{FileReader, FileSystem, FsError, FsOp};

/// How much of a file is read per chunk: large enough that the per-chunk costs (a blocking
/// job on the pool, a frame on the wire) stay small, small enough to keep memory flat.
pub(crate) const FILE_CHUNK: usize = 64 * 1024;

/// A file to send, with the length its metadata gave when the body was made.
#[derive(Clone)]
pub(crate) struct FileSource {
    fs: Arc<dyn FileSystem>,
    path: PathBuf,
    len: u64,
}

/// The file had another length when it was sent than when the body was made: sending it
/// would contradict the `Content-Length` already promised.
#[derive(Debug, thiserror::Error)]
#[error("{path} changed size while it was sent: expected {expected} bytes, {what}")]
pub struct FileChanged {
    path: PathBuf,
    expected: u64,
    what: String,
}

impl FileSource {
    /// Looks `path` up on `fs` for its length.
    pub(crate) async fn open<F: FileSystem + 'static>(fs: F, path: &Path) -> Result<Self, FsError> {
        let metadata = fs.metadata(path).await?;
        Ok(Self {
            fs: Arc::new(fs),
            path: path.to_owned(),
            len: metadata.len(),
        })
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The file's bytes as a stream: opened when first polled, read [`FILE_CHUNK`] at a time,
    /// failing if it turns out longer or shorter than [`len`](Self::len).
    pub(crate) fn stream(&self) -> BoxByteStream {
        enum State {
            Closed(FileSource),
            Open(FileSource, FileReader, u64),
            Done,
        }
        Box::pin(stream::unfold(
            State::Closed(self.clone()),
            |state| async move {
                let (source, mut reader, read) = match state {
                    State::Done => return None,
                    State::Closed(source) => match source.fs.open_read(&source.path).await {
                        Ok(reader) => (source, reader, 0),
                        Err(error) => return Some((Err(BoxBodyError::from(error)), State::Done)),
                    },
                    State::Open(source, reader, read) => (source, reader, read),
                };
                // At least one byte, even when the file should have none left, so that a file
                // that grew since its length was taken is noticed.
                let want = usize::try_from(source.len.saturating_sub(read))
                    .unwrap_or(usize::MAX)
                    .clamp(1, FILE_CHUNK);
                let mut buffer = BytesMut::zeroed(want);
                let got = match std::future::poll_fn(|cx| {
                    futures_io::AsyncRead::poll_read(Pin::new(&mut reader), cx, &mut buffer)
                })
                .await
                {
                    Ok(got) => got,
                    Err(error) => {
                        let error = FsError::new(FsOp::Read, &source.path, error);
                        return Some((Err(error.into()), State::Done));
                    }
                };
                let read_now = read + got as u64;
                if got == 0 {
                    if read == source.len {
                        return None;
                    }
                    let error = source.changed(format!("it ended after {read}"));
                    return Some((Err(error.into()), State::Done));
                }
                if read_now > source.len {
                    let error = source.changed("it has more".into());
                    return Some((Err(error.into()), State::Done));
                }
                buffer.truncate(got);
                let chunk: Bytes = buffer.freeze();
                Some((Ok(chunk), State::Open(source, reader, read_now)))
            },
        ))
    }

    fn changed(&self, what: String) -> FileChanged {
        FileChanged {
            path: self.path.clone(),
            expected: self.len,
            what,
        }
    }
}

impl RequestBody {
    /// The file at `path` on `fs` as the body, streamed a chunk at a time (never held in
    /// memory) and sent with `Content-Length` from its metadata. Replayable: every attempt
    /// opens the file again. A file that has another length when it is sent fails the request
    /// with [`is_request_body`](super::HttpError::is_request_body).
    ///
    /// # Errors
    ///
    /// The file's metadata cannot be read (it does not exist, permission denied).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future only drops a metadata lookup; nothing is opened yet.
    ///
    /// ```
    /// use std::path::Path;
    /// use ferry_fs::FileSystem;
    /// use ferry_http::{HttpClient, HttpClientExt, HttpError, RequestBody};
    ///
    /// async fn upload<F: FileSystem + 'static>(
    ///     client: &impl HttpClient,
    ///     fs: F,
    /// ) -> Result<(), Box<dyn std::error::Error>> {
    ///     let body = RequestBody::file(fs, Path::new("backup.tar")).await?;
    ///     client
    ///         .put("https://storage.example.com/backups/backup.tar")
    ///         .body(body)
    ///         .send()
    ///         .await?
    ///         .error_for_status()?;
    ///     Ok(())
    /// }
    /// ```
    pub async fn file<F: FileSystem + 'static>(fs: F, path: &Path) -> Result<Self, FsError> {
        let source = FileSource::open(fs, path).await?;
        let len = source.len();
        Ok(RequestBody::from_factory(move || source.stream()).with_length(len))
    }
}
