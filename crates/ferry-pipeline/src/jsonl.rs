//! JSON Lines: [`ReadJsonLines`] reads records one per line, [`WriteJsonLines`] writes them.

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use futures_io::AsyncWrite;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{FailurePolicy, PipelineError, RecordPosition};
use super::read_files::{fail_line, read_files};
use super::recorder::StepRecorder;
use super::step::Step;
use ferry_fs::{FileSystem, FileSystemExt, FileWriter, WriteMode};

/// A JSON Lines line that could not become a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}, line {line}, column {column}: {message}", path.display())]
pub struct JsonLineError {
    /// The file.
    pub path: PathBuf,
    /// The line, counted from 1.
    pub line: u64,
    /// The column in that line where parsing failed, counted from 1.
    pub column: usize,
    /// What was wrong, as serde_json said it.
    pub message: String,
}

/// A source step that reads every file path it is given as JSON Lines (one JSON value per
/// line) and gives back one `T` per line, in file order.
///
/// Counts are in lines: `in` is every line that is not blank, `out` the lines that became
/// records. A line that is not valid JSON or does not fit `T` is a [`JsonLineError`] with
/// the file, line and column, handled by the step's [`FailurePolicy`] at
/// [`RecordPosition::Line`] (dead letters keep the line's text); the lines after it are still
/// read. Blank lines are skipped and a `\r` before the `\n` is ignored. A file that cannot be
/// read fails the step ([`PipelineError::Step`]). Each file is read whole before parsing.
pub struct ReadJsonLines<T, F> {
    pub(super) name: String,
    pub(super) fs: F,
    policy: FailurePolicy,
    record: PhantomData<fn() -> T>,
}

impl<T, F> ReadJsonLines<T, F> {
    /// A step named `name` reading through `fs`, with [`FailurePolicy::FailRun`].
    pub fn new(name: impl Into<String>, fs: F) -> Self {
        Self {
            name: name.into(),
            fs,
            policy: FailurePolicy::FailRun,
            record: PhantomData,
        }
    }

    /// Sets what happens to invalid lines.
    #[must_use]
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }
}

impl<T, F> fmt::Debug for ReadJsonLines<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadJsonLines")
            .field("name", &self.name)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<P, T, F> Step<P> for ReadJsonLines<T, F>
where
    P: AsRef<Path> + Send + Sync,
    T: DeserializeOwned + Send,
    F: FileSystem,
{
    type Out = T;

    fn name(&self) -> &str {
        &self.name
    }

    async fn run(&self, input: Vec<P>, step: &StepRecorder<'_>) -> Result<Vec<T>, PipelineError> {
        read_files(&self.fs, &input, step, |bytes, path, records| {
            self.parse(bytes, path, step, records)
        })
        .await
    }
}

impl<T: DeserializeOwned, F> ReadJsonLines<T, F> {
    fn parse(
        &self,
        bytes: &[u8],
        path: &Path,
        step: &StepRecorder<'_>,
        records: &mut Vec<T>,
    ) -> Result<(), PipelineError> {
        for (index, line) in bytes.split(|&byte| byte == b'\n').enumerate() {
            if let Some(record) = self.parse_line(line, index as u64 + 1, path, step)? {
                records.push(record);
            }
        }
        Ok(())
    }

    /// Parses one line (without its `\n`), counting it: `Ok(None)` for a blank line or a
    /// failed one that the policy leaves out.
    pub(super) fn parse_line(
        &self,
        line: &[u8],
        number: u64,
        path: &Path,
        step: &StepRecorder<'_>,
    ) -> Result<Option<T>, PipelineError> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        step.received(1);
        match serde_json::from_slice::<T>(line) {
            Ok(record) => {
                step.succeeded(1);
                Ok(Some(record))
            }
            Err(error) => {
                let failure = JsonLineError {
                    path: path.to_owned(),
                    line: number,
                    column: error.column(),
                    message: error.to_string(),
                };
                fail_line(step, self.policy, path, number, Arc::new(failure), || {
                    Some(String::from_utf8_lossy(line).into_owned())
                })?;
                Ok(None)
            }
        }
    }
}

/// How [`WriteJsonLines`] writes its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum WriteStyle {
    /// Build the whole file in memory and replace the target with
    /// [`write_atomic`](FileSystemExt::write_atomic): readers see the old file or the new
    /// one, never a part. The default.
    #[default]
    Atomic,
    /// Open the target (emptying it) and write each record's line as it is serialized:
    /// memory stays small, but a failure or cancellation mid-way leaves a partial file.
    Streaming,
}

/// A step that writes each record as one line of JSON to a file and hands the records on
/// (so that steps can follow it).
///
/// A record that cannot be serialized (a map with non-string keys, a failing `Serialize`
/// impl) is a failed record under the step's [`FailurePolicy`], left out of the file. A file
/// that cannot be written fails the step ([`PipelineError::Step`] with the file system's
/// error). Records count as out once their line is handed to the file (streaming) or once
/// the file is in place (atomic).
pub struct WriteJsonLines<F> {
    pub(super) name: String,
    pub(super) fs: F,
    pub(super) path: PathBuf,
    pub(super) style: WriteStyle,
    policy: FailurePolicy,
}

impl<F> WriteJsonLines<F> {
    /// A step named `name` writing to `path` through `fs`, atomically, with
    /// [`FailurePolicy::FailRun`].
    pub fn new(name: impl Into<String>, fs: F, path: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            fs,
            path: path.into(),
            style: WriteStyle::Atomic,
            policy: FailurePolicy::FailRun,
        }
    }

    /// Sets how the file is written.
    #[must_use]
    pub fn style(mut self, style: WriteStyle) -> Self {
        self.style = style;
        self
    }

    /// Sets what happens to records that cannot be serialized.
    #[must_use]
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }
}

impl<F> fmt::Debug for WriteJsonLines<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteJsonLines")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("style", &self.style)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<T, F> Step<T> for WriteJsonLines<F>
where
    T: Serialize + Send + Sync,
    F: FileSystem,
{
    type Out = T;

    fn name(&self) -> &str {
        &self.name
    }

    async fn run(&self, input: Vec<T>, step: &StepRecorder<'_>) -> Result<Vec<T>, PipelineError> {
        step.received_all(input.len());
        match self.style {
            WriteStyle::Atomic => self.write_atomic(input, step).await,
            WriteStyle::Streaming => self.write_streaming(input, step).await,
        }
    }
}

impl<F: FileSystem> WriteJsonLines<F> {
    /// Appends `record`'s line to `buffer`, or counts it failed and leaves `buffer` as it was.
    pub(super) fn serialize_line<T: Serialize>(
        &self,
        index: usize,
        record: &T,
        buffer: &mut Vec<u8>,
        step: &StepRecorder<'_>,
    ) -> Result<bool, PipelineError> {
        let start = buffer.len();
        match serde_json::to_writer(&mut *buffer, record) {
            Ok(()) => {
                buffer.push(b'\n');
                Ok(true)
            }
            Err(error) => {
                buffer.truncate(start);
                step.failed(
                    self.policy,
                    RecordPosition::Index(index),
                    Arc::new(error),
                    || None,
                )?;
                Ok(false)
            }
        }
    }

    async fn write_atomic<T: Serialize + Send + Sync>(
        &self,
        input: Vec<T>,
        step: &StepRecorder<'_>,
    ) -> Result<Vec<T>, PipelineError> {
        let mut buffer = Vec::new();
        let mut written = Vec::with_capacity(input.len());
        for (index, record) in input.into_iter().enumerate() {
            if self.serialize_line(index, &record, &mut buffer, step)? {
                written.push(record);
            }
        }
        self.fs
            .write_atomic(&self.path, &buffer)
            .await
            .map_err(|error| step.step_error(error))?;
        step.succeeded(written.len() as u64);
        Ok(written)
    }

    async fn write_streaming<T: Serialize + Send + Sync>(
        &self,
        input: Vec<T>,
        step: &StepRecorder<'_>,
    ) -> Result<Vec<T>, PipelineError> {
        let mut file = self
            .fs
            .open_write(&self.path, WriteMode::Truncate)
            .await
            .map_err(|error| step.step_error(error))?;
        let mut line = Vec::new();
        let mut written = Vec::with_capacity(input.len());
        for (index, record) in input.into_iter().enumerate() {
            line.clear();
            if self.serialize_line(index, &record, &mut line, step)? {
                write_all(&mut file, &line)
                    .await
                    .map_err(|error| step.step_error(error))?;
                written.push(record);
                step.succeeded(1);
            }
        }
        futures_util::future::poll_fn(|cx| Pin::new(&mut file).poll_close(cx))
            .await
            .map_err(|error| step.step_error(error))?;
        Ok(written)
    }
}

pub(super) async fn write_all(file: &mut FileWriter, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        let n =
            futures_util::future::poll_fn(|cx| Pin::new(&mut *file).poll_write(cx, bytes)).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        bytes = &bytes[n..];
    }
    Ok(())
}
