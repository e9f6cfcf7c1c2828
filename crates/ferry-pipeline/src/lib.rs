//! Pipelines of typed steps with a run context (the asyncio lessons' `AsyncStep` and
//! `PipelineContext`), and concurrent downloads ([`download`], [`Downloader`]).
//!
//! A [`Step`] takes a batch of records and gives one back; [`Pipeline::new`] and
//! [`Pipeline::then`] chain steps whose types line up, and [`Pipeline::run`] runs them in
//! order with a [`PipelineContext`] that holds:
//!
//! - the run's id ([`RunId`]: generated, or set by the caller for deterministic tests);
//! - each step's counts and timing ([`StepStats`]: in, out, failed, skipped, dead-lettered,
//!   filtered, time on ferry's [`Clock`](ferry_core::Clock), so exact on the mock backend);
//! - the records that failed and were skipped or dead-lettered ([`FailedRecord`]);
//! - where progress goes ([`Progress`] to a callback, throttled by [`ProgressThrottle`]).
//!
//! Each step has a [`FailurePolicy`] for records that fail: stop the run with a
//! [`PipelineError`] naming the step and the record's position, skip and report, or keep in a
//! dead-letter list. No record disappears without being counted: for every finished step,
//! `in == out + failed + filtered`.
//!
//! | step | does |
//! |---|---|
//! | [`ReadCsv`] | reads CSV files into serde records; malformed rows are [`CsvRowError`]s with line numbers |
//! | [`ReadJsonLines`] | reads JSON Lines files; invalid lines are [`JsonLineError`]s with line numbers |
//! | [`Enrich`] | calls an async function per record, a bounded number at once; panics are failures |
//! | [`Batch`] | calls an async function per batch of N records, a bounded number of batches at once |
//! | [`WriteJsonLines`] | writes records to a JSON Lines file through the [`FileSystem`](ferry_fs::FileSystem), atomically or streaming |
//! | [`Map`], [`TryMap`], [`Filter`] | plain functions per record |
//!
//! ```
//! use std::time::Instant;
//! use ferry_core::{Clock, ConcurrencyLimit};
//! use ferry_pipeline::{Enrich, FailurePolicy, Pipeline, PipelineContext, TryMap};
//!
//! # struct WallClock;
//! # impl Clock for WallClock { fn now(&self) -> Instant { Instant::now() } }
//! async fn price_of(sku: u32) -> Result<(u32, f64), std::io::Error> {
//!     Ok((sku, f64::from(sku) * 1.5))
//! }
//!
//! let pipeline = Pipeline::new(
//!     TryMap::new("parse", |text: &str| text.parse::<u32>()).on_failure(FailurePolicy::DeadLetter),
//! )
//! .then(Enrich::new("price", ConcurrencyLimit::new(8)?, price_of));
//!
//! let ctx = PipelineContext::new(WallClock);
//! let priced = futures::executor::block_on(pipeline.run(vec!["1", "x", "4"], &ctx))?;
//! assert_eq!(priced, [(1, 1.5), (4, 6.0)]);
//!
//! let report = ctx.report();
//! assert_eq!(report.steps[0].failed, 1);
//! assert!(report.steps.iter().all(|step| step.is_balanced()));
//! assert_eq!(ctx.dead_letters()[0].position().to_string(), "record #1");
//! println!("{report}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Batches or streams
//!
//! A [`Pipeline`] hands each step the whole batch the step before gave back: simple, and the
//! right shape for the lessons' files of thousands of records. For files that do not fit in
//! memory, the steps that read, call and write have streaming forms that pass records on one
//! by one, counting into the same context: [`ReadJsonLines::stream`], [`Enrich::stream`] and
//! [`WriteJsonLines::write_stream`].
//!
//! ```
//! # use std::time::Instant;
//! # use ferry_core::Clock;
//! # struct WallClock;
//! # impl Clock for WallClock { fn now(&self) -> Instant { Instant::now() } }
//! use ferry_core::ConcurrencyLimit;
//! use ferry_fs::FileSystem;
//! use ferry_pipeline::{
//!     Enrich, FailurePolicy, PipelineContext, PipelineError, ReadJsonLines, WriteJsonLines,
//! };
//!
//! #[derive(serde::Deserialize, serde::Serialize)]
//! struct Event {
//!     id: u64,
//! }
//!
//! async fn score(event: Event) -> Result<(u64, f64), std::io::Error> {
//!     Ok((event.id, event.id as f64 / 2.0))
//! }
//!
//! /// Scores a file of any size, 32 calls at a time, with one chunk of it in memory.
//! async fn score_file(fs: impl FileSystem) -> Result<u64, PipelineError> {
//!     let ctx = PipelineContext::new(WallClock);
//!     let read = ReadJsonLines::<Event, _>::new("read", &fs).on_failure(FailurePolicy::Skip);
//!     let score = Enrich::new("score", ConcurrencyLimit::new(32).unwrap(), score);
//!     let write = WriteJsonLines::new("write", &fs, "scores.jsonl");
//!     // An upstream error (a file that cannot be read) flows down and stops the write.
//!     let events = read.stream("events.jsonl", &ctx);
//!     write.write_stream(score.stream(events, &ctx), &ctx).await
//! }
//! ```
//!
//! # Cancel safety
//!
//! Dropping [`Pipeline::run`]'s future stops the run at once: records in flight are dropped,
//! later steps never run, and the context's counts say what each step had finished (the
//! records it held are [`StepStats::in_flight`]). See [`Pipeline::run`].

pub mod download;

mod batch;
mod context;
mod enrich;
mod error;
mod jsonl;
mod progress;
mod read_csv;
mod read_files;
mod recorder;
mod step;
mod stream;

pub use batch::{Batch, BatchLengthMismatch};
pub use context::{PipelineContext, PipelineContextBuilder, PipelineReport, RunId, StepStats};
pub use download::Downloader;
pub use enrich::Enrich;
pub use error::{
    DeadRecord, Disposition, FailedRecord, FailurePolicy, InvalidBatchSize, PipelineError,
    RecordError, RecordPosition,
};
pub use jsonl::{JsonLineError, ReadJsonLines, WriteJsonLines, WriteStyle};
pub use progress::{Progress, ProgressCallback, ProgressThrottle};
pub use read_csv::{CsvHeaderError, CsvRowError, CsvRowErrorKind, ReadCsv};
pub use recorder::StepRecorder;
pub use step::{Filter, Map, One, Pipeline, Stages, Step, Then, TryMap};
