//! Streaming forms of the steps that have one: records flow one by one from a JSON Lines
//! file, through [`Enrich`], into a JSON Lines file, so that a file of any size runs in
//! bounded memory.
//!
//! Each streaming form counts into the context like its batch form, as a step of its own
//! (started when the stream is made, finished when it ends). Steps of a streaming chain run
//! at the same time, so each one's time is the chain's time so far.

use std::io;
use std::path::PathBuf;
use std::pin::Pin;

use futures_core::Stream;
use futures_io::{AsyncRead, AsyncWrite};
use futures_util::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::context::PipelineContext;
use super::enrich::{Enrich, call_catching};
use super::error::PipelineError;
use super::jsonl::{ReadJsonLines, WriteJsonLines, WriteStyle, write_all};
use super::recorder::StepRecorder;
use ferry_fs::{FileReader, FileSystem, FileSystemExt, WriteMode};

/// How much of a file a streaming reader asks for at a time.
const CHUNK: usize = 64 * 1024;

impl<F> Enrich<F> {
    /// The streaming form: calls the function on each record of `input` as it comes, at most
    /// `limit` at once, and yields the outputs in input order.
    ///
    /// `input` yields `Result`s so that streaming steps chain: an `Err` from upstream (a file
    /// that cannot be read) is passed on in its place and ends the stream. Wrap a plain
    /// stream with `.map(Ok)`.
    ///
    /// Records that fail are left out under [`Skip`](super::FailurePolicy::Skip) and
    /// [`DeadLetter`](super::FailurePolicy::DeadLetter); under
    /// [`FailRun`](super::FailurePolicy::FailRun) the stream yields the error and ends.
    /// Counts go to a new step of `ctx` named like this one, finished when the stream ends.
    ///
    /// Calls make progress only while the stream is polled (see the
    /// [`map`](ferry_core::map) module): keep the work between two `next()` calls short.
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream drops the calls in flight; the step's counts say how many
    /// ([`StepStats::in_flight`](super::StepStats::in_flight)) and it shows as not finished.
    pub fn stream<'a, In, Out, E, Fut, S>(
        &'a self,
        input: S,
        ctx: &'a PipelineContext,
    ) -> impl Stream<Item = Result<Out, PipelineError>> + Send + 'a
    where
        S: Stream<Item = Result<In, PipelineError>> + Send + 'a,
        In: Serialize + Send + 'a,
        Out: Send + 'a,
        E: std::error::Error + Send + Sync + 'static,
        F: Fn(In) -> Fut + Send + Sync,
        Fut: std::future::Future<Output = Result<Out, E>> + Send + 'a,
    {
        let step = ctx.begin_step(&self.name);
        let counter = step.duplicate();
        let keep_copies = self.policy == super::FailurePolicy::DeadLetter;
        let policy = self.policy;
        let f = &self.f;
        let calls = input
            .enumerate()
            .map(move |(index, item)| {
                let prepared = item.map(|record| {
                    counter.received(1);
                    let copy = keep_copies
                        .then(|| serde_json::to_value(&record).ok())
                        .flatten();
                    (record, copy)
                });
                async move {
                    let (record, copy) = prepared?;
                    Ok((index, copy, call_catching(|| f(record)).await))
                }
            })
            .buffered(self.limit.get());
        let calls = Box::pin(calls);
        futures_util::stream::unfold(Some((calls, step)), move |state| async move {
            let (mut calls, step) = state?;
            loop {
                match calls.next().await {
                    None => {
                        step.finish();
                        return None;
                    }
                    Some(Err(upstream)) => {
                        step.finish();
                        return Some((Err(upstream), None));
                    }
                    Some(Ok((index, copy, result))) => {
                        match step.record_outcome(policy, index, result, copy) {
                            Ok(Some(out)) => return Some((Ok(out), Some((calls, step)))),
                            Ok(None) => {}
                            Err(stop) => {
                                step.finish();
                                return Some((Err(stop), None));
                            }
                        }
                    }
                }
            }
        })
    }
}

struct LineReader {
    file: FileReader,
    buffer: Vec<u8>,
    start: usize,
    line: u64,
    eof: bool,
}

impl LineReader {
    /// The next line without its `\n`, with its number; `None` at the end of the file.
    async fn next_line(&mut self) -> io::Result<Option<(Vec<u8>, u64)>> {
        loop {
            if let Some(end) = self.buffer[self.start..].iter().position(|&b| b == b'\n') {
                let line = self.buffer[self.start..self.start + end].to_vec();
                self.start += end + 1;
                self.line += 1;
                return Ok(Some((line, self.line)));
            }
            if self.eof {
                if self.start < self.buffer.len() {
                    let line = self.buffer[self.start..].to_vec();
                    self.start = self.buffer.len();
                    self.line += 1;
                    return Ok(Some((line, self.line)));
                }
                return Ok(None);
            }
            // Drop the lines already handed out before reading more.
            self.buffer.drain(..self.start);
            self.start = 0;
            let filled = self.buffer.len();
            self.buffer.resize(filled + CHUNK, 0);
            let file = &mut self.file;
            let chunk = &mut self.buffer[filled..];
            let read =
                futures_util::future::poll_fn(|cx| Pin::new(&mut *file).poll_read(cx, chunk)).await;
            let read = match read {
                Ok(read) => read,
                Err(error) => {
                    self.buffer.truncate(filled);
                    return Err(error);
                }
            };
            self.buffer.truncate(filled + read);
            self.eof = read == 0;
        }
    }
}

impl<T, F> ReadJsonLines<T, F>
where
    T: DeserializeOwned + Send,
    F: FileSystem,
{
    /// The streaming form: reads the file at `path` a chunk at a time and yields a record per
    /// line as it goes, so memory holds one chunk and the longest line, not the file.
    ///
    /// Invalid lines are handled as in the batch form (line numbers, policy). A file that
    /// cannot be opened or read yields a [`PipelineError::Step`] and ends the stream. Counts
    /// go to a new step of `ctx` named like this one, finished when the stream ends.
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream closes the file; the step's counts say how many lines were read.
    pub fn stream<'a>(
        &'a self,
        path: impl Into<PathBuf>,
        ctx: &'a PipelineContext,
    ) -> impl Stream<Item = Result<T, PipelineError>> + Send + 'a {
        let path = path.into();
        let step = ctx.begin_step(&self.name);
        futures_util::stream::unfold(
            Some((None::<LineReader>, path, step)),
            move |state| async move {
                let (reader, path, step) = state?;
                let mut reader = match reader {
                    Some(reader) => reader,
                    None => match self.fs.open_read(&path).await {
                        Ok(file) => LineReader {
                            file,
                            buffer: Vec::new(),
                            start: 0,
                            line: 0,
                            eof: false,
                        },
                        Err(error) => return Some((Err(stop(&step, error)), None)),
                    },
                };
                loop {
                    let (line, number) = match reader.next_line().await {
                        Ok(Some(line)) => line,
                        Ok(None) => {
                            step.finish();
                            return None;
                        }
                        Err(error) => return Some((Err(stop(&step, error)), None)),
                    };
                    match self.parse_line(&line, number, &path, &step) {
                        Ok(Some(record)) => {
                            return Some((Ok(record), Some((Some(reader), path, step))));
                        }
                        Ok(None) => {}
                        Err(error) => {
                            step.finish();
                            return Some((Err(error), None));
                        }
                    }
                }
            },
        )
    }
}

fn stop(
    step: &StepRecorder<'_>,
    error: impl std::error::Error + Send + Sync + 'static,
) -> PipelineError {
    step.finish();
    step.step_error(error)
}

impl<F: FileSystem> WriteJsonLines<F> {
    /// The streaming form: writes each record of `input` as it comes and returns how many
    /// were written.
    ///
    /// In [`Streaming`](WriteStyle::Streaming) style each line goes to the file at once; in
    /// [`Atomic`](WriteStyle::Atomic) style (the default) lines are gathered in memory and
    /// the file is replaced at the end. An `Err` from `input` (an upstream step's
    /// failure) stops the write and is returned: the target is then untouched (atomic) or
    /// partly written (streaming). Counts go to a new step of `ctx` named like this one.
    ///
    /// # Errors
    ///
    /// The first error of `input`, a record that cannot be serialized under
    /// [`FailRun`](super::FailurePolicy::FailRun), or a [`PipelineError::Step`] if the file
    /// cannot be written.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops the write: atomic style leaves the old file; streaming style
    /// a partly written one. The step's counts say how many records were written.
    pub async fn write_stream<T, S>(
        &self,
        input: S,
        ctx: &PipelineContext,
    ) -> Result<u64, PipelineError>
    where
        T: Serialize + Send,
        S: Stream<Item = Result<T, PipelineError>> + Send,
    {
        let step = ctx.begin_step(&self.name);
        let result = self.write_all_of(input, &step).await;
        step.finish();
        result
    }

    async fn write_all_of<T, S>(
        &self,
        input: S,
        step: &StepRecorder<'_>,
    ) -> Result<u64, PipelineError>
    where
        T: Serialize + Send,
        S: Stream<Item = Result<T, PipelineError>> + Send,
    {
        let mut input = std::pin::pin!(input);
        let mut file = match self.style {
            WriteStyle::Streaming => Some(
                self.fs
                    .open_write(&self.path, WriteMode::Truncate)
                    .await
                    .map_err(|error| step.step_error(error))?,
            ),
            WriteStyle::Atomic => None,
        };
        let mut buffer = Vec::new();
        let mut written = 0_u64;
        let mut index = 0;
        while let Some(record) = input.next().await {
            let record = record?;
            step.received(1);
            if file.is_some() {
                buffer.clear();
            }
            if self.serialize_line(index, &record, &mut buffer, step)? {
                if let Some(file) = &mut file {
                    write_all(file, &buffer)
                        .await
                        .map_err(|error| step.step_error(error))?;
                    step.succeeded(1);
                }
                written += 1;
            }
            index += 1;
        }
        match &mut file {
            Some(file) => {
                futures_util::future::poll_fn(|cx| Pin::new(&mut *file).poll_close(cx))
                    .await
                    .map_err(|error| step.step_error(error))?;
            }
            None => {
                self.fs
                    .write_atomic(&self.path, &buffer)
                    .await
                    .map_err(|error| step.step_error(error))?;
                step.succeeded(written);
            }
        }
        Ok(written)
    }
}
