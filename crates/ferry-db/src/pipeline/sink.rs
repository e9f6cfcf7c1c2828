//! [`WriteRows`]: the sink step, records in batched transactions.

use std::fmt;
use std::num::NonZeroUsize;
use std::pin::pin;
use std::sync::Arc;

use ferry_pipeline::{
    DeadRecord, FailurePolicy, InvalidBatchSize, PipelineContext, PipelineError, RecordPosition,
    Step, StepRecorder,
};
use futures_core::Stream;
use futures_util::StreamExt;
use serde::Serialize;

use crate::database::{Database, DatabaseExt};
use crate::query::Write;

/// The batch size when none is set: 500 records per transaction.
pub const DEFAULT_BATCH_SIZE: usize = 500;

/// A sink step that writes records to a table in transactions of
/// [`batch_size`](Self::batch_size) records, and hands them on.
///
/// Each batch is one [`DatabaseExt::write`]: a record that a constraint rejects (or that does
/// not serialize) fails alone, under the step's [`FailurePolicy`] at its index in the step's
/// input (dead letters keep a JSON copy), and the rest of its batch commits. A failure of a
/// whole batch (the connection, after its retries; a missing table) fails the step
/// ([`PipelineError::Step`]); the batches before it stay committed. With
/// [`Write::upsert`], running the same records again leaves each once, so a run stopped
/// mid-way is finished by running it again.
///
/// ```
/// use ferry_db::{Database, Write, pipeline::WriteRows, sqlite::Sqlite};
/// use ferry_pipeline::{FailurePolicy, Pipeline, PipelineContext};
///
/// #[derive(serde::Serialize)]
/// struct Score { id: i64, points: i64 }
///
/// ferry_mock::run(5, |rt| async move {
///     let db = Sqlite::open_in_memory(rt.clone()).await?;
///     db.execute_script("CREATE TABLE scores (id INTEGER PRIMARY KEY, points INTEGER CHECK (points >= 0))").await?;
///     let sink = WriteRows::new("save", db.clone(), Write::upsert("scores", ["id"]))
///         .batch_size(2)?
///         .on_failure(FailurePolicy::DeadLetter);
///     let ctx = PipelineContext::new(rt);
///     let scores = vec![Score { id: 1, points: 5 }, Score { id: 2, points: -1 }, Score { id: 3, points: 9 }];
///     let saved = Pipeline::new(sink).run(scores, &ctx).await?;
///     assert_eq!(saved.len(), 2);
///     assert_eq!(ctx.dead_letters()[0].position().to_string(), "record #1");
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct WriteRows<D> {
    name: String,
    db: D,
    write: Write,
    batch_size: NonZeroUsize,
    policy: FailurePolicy,
}

impl<D> fmt::Debug for WriteRows<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteRows")
            .field("name", &self.name)
            .field("write", &self.write)
            .field("batch_size", &self.batch_size)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<D: Database> WriteRows<D> {
    /// A step named `name` writing to `db` as `write` says, in batches of
    /// [`DEFAULT_BATCH_SIZE`], with [`FailurePolicy::FailRun`].
    pub fn new(name: impl Into<String>, db: D, write: Write) -> Self {
        Self {
            name: name.into(),
            db,
            write,
            batch_size: NonZeroUsize::new(DEFAULT_BATCH_SIZE).expect("not zero"),
            policy: FailurePolicy::FailRun,
        }
    }

    /// Sets how many records go in one transaction.
    ///
    /// # Errors
    ///
    /// [`InvalidBatchSize`] for 0.
    pub fn batch_size(mut self, size: usize) -> Result<Self, InvalidBatchSize> {
        self.batch_size = NonZeroUsize::new(size).ok_or(InvalidBatchSize)?;
        Ok(self)
    }

    /// Sets what happens to records the database rejects.
    #[must_use]
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Writes one batch whose first record is at `first` of the step's input, counting each
    /// record, and returns the ones that were written.
    async fn write_batch<T: Serialize + Send + Sync>(
        &self,
        batch: Vec<T>,
        first: usize,
        step: &StepRecorder<'_>,
    ) -> Result<Vec<T>, PipelineError> {
        let report = self
            .db
            .write(&self.write, &batch)
            .await
            .map_err(|error| step.step_error(error))?;
        let mut failures = report.failed.into_iter().peekable();
        let mut written = Vec::with_capacity(batch.len());
        for (offset, record) in batch.into_iter().enumerate() {
            match failures.next_if(|(index, _)| *index == offset) {
                Some((_, error)) => {
                    let index = first + offset;
                    step.failed(
                        self.policy,
                        RecordPosition::Index(index),
                        Arc::new(error.for_record(index)),
                        || serde_json::to_value(&record).ok().map(DeadRecord::Json),
                    )?;
                }
                None => {
                    step.succeeded(1);
                    written.push(record);
                }
            }
        }
        Ok(written)
    }

    /// The streaming form: writes records as they come from `input`, a batch at a time (a
    /// batch is written when it is full or the input ends), and returns how many were
    /// written. Counts go to a new step of `ctx` with this step's name.
    ///
    /// An `Err` from upstream ends the input: the records already taken are written, then the
    /// error is returned.
    ///
    /// # Errors
    ///
    /// The upstream error, a record's failure under [`FailurePolicy::FailRun`], or a batch's.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses no committed record and half-commits no batch: the batch in
    /// flight is rolled back (see [`Database`]'s cancel safety), and the records it held are
    /// counted in flight. Running the same input again with an upsert completes the run.
    pub async fn write_stream<T, S>(
        &self,
        input: S,
        ctx: &PipelineContext,
    ) -> Result<u64, PipelineError>
    where
        T: Serialize + Send + Sync,
        S: Stream<Item = Result<T, PipelineError>> + Send,
    {
        let step = ctx.begin_step(&self.name);
        let outcome = self.write_all(input, &step).await;
        step.finish();
        outcome
    }

    async fn write_all<T, S>(&self, input: S, step: &StepRecorder<'_>) -> Result<u64, PipelineError>
    where
        T: Serialize + Send + Sync,
        S: Stream<Item = Result<T, PipelineError>> + Send,
    {
        let size = self.batch_size.get();
        let mut input = pin!(input);
        let mut batch = Vec::with_capacity(size);
        let mut first = 0;
        let mut written = 0u64;
        loop {
            match input.next().await {
                Some(Ok(record)) => {
                    step.received(1);
                    batch.push(record);
                    if batch.len() == size {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(size));
                        written += self.write_batch(full, first, step).await?.len() as u64;
                        first += size;
                    }
                }
                Some(Err(upstream)) => {
                    if !batch.is_empty() {
                        self.write_batch(batch, first, step).await?;
                    }
                    return Err(upstream);
                }
                None => {
                    if !batch.is_empty() {
                        written += self.write_batch(batch, first, step).await?.len() as u64;
                    }
                    return Ok(written);
                }
            }
        }
    }
}

impl<T, D> Step<T> for WriteRows<D>
where
    T: Serialize + Send + Sync,
    D: Database,
{
    type Out = T;

    fn name(&self) -> &str {
        &self.name
    }

    async fn run(&self, input: Vec<T>, step: &StepRecorder<'_>) -> Result<Vec<T>, PipelineError> {
        step.expect_total(input.len() as u64);
        let size = self.batch_size.get();
        let mut output = Vec::with_capacity(input.len());
        let mut records = input.into_iter();
        let mut first = 0;
        loop {
            let batch: Vec<T> = records.by_ref().take(size).collect();
            if batch.is_empty() {
                return Ok(output);
            }
            let len = batch.len();
            step.received(len as u64);
            output.extend(self.write_batch(batch, first, step).await?);
            first += len;
        }
    }
}
