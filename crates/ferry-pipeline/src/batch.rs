//! [`Batch`]: group records into batches and process a bounded number of batches at once.

use std::fmt;
use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::Arc;

use futures_util::StreamExt;
use serde::Serialize;

use super::enrich::call_catching;
use super::error::{
    DeadRecord, FailurePolicy, InvalidBatchSize, PipelineError, RecordError, RecordPosition,
};
use super::recorder::StepRecorder;
use super::step::Step;
use ferry_core::ConcurrencyLimit;

/// A batch function gave back a different number of records than it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("batch function returned {returned} records for a batch of {expected}")]
pub struct BatchLengthMismatch {
    /// The batch's length.
    pub expected: usize,
    /// How many records the function returned.
    pub returned: usize,
}

/// A step that groups records into batches of `size` (the last may be shorter) and calls an
/// async function on each batch (a bulk API call, a multi-row insert) with at most `limit`
/// batches in flight: 100 records in batches of 5 with a limit of 5 make 20 batches, 5 at a
/// time.
///
/// The function returns one output per record of its batch, in the batch's order; the step
/// hands them on in input order. A batch whose function fails, panics, or returns a different
/// number of records ([`BatchLengthMismatch`]) fails all its records: under
/// [`FailurePolicy::FailRun`] the run stops with a [`RecordPosition::Batch`]; otherwise each
/// record is counted and reported at its own index with the batch's error (under
/// [`FailurePolicy::DeadLetter`] with a JSON copy taken before the call).
///
/// ```
/// use std::time::Instant;
/// use ferry_core::{Clock, ConcurrencyLimit};
/// use ferry_pipeline::{Batch, Pipeline, PipelineContext};
///
/// # struct WallClock;
/// # impl Clock for WallClock { fn now(&self) -> Instant { Instant::now() } }
/// async fn insert(rows: Vec<u32>) -> Result<Vec<u64>, std::io::Error> {
///     Ok(rows.into_iter().map(|row| u64::from(row) * 10).collect())
/// }
///
/// let step = Batch::new("insert", 5, ConcurrencyLimit::new(5)?, insert)?;
/// let ctx = PipelineContext::new(WallClock);
/// let ids = futures::executor::block_on(Pipeline::new(step).run((0..100).collect(), &ctx))?;
/// assert_eq!(ids.len(), 100);
/// assert_eq!(ids[99], 990);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Batch<F> {
    name: String,
    size: NonZeroUsize,
    limit: ConcurrencyLimit,
    f: F,
    policy: FailurePolicy,
}

impl<F> Batch<F> {
    /// A step named `name` that calls `f` on batches of `size` records, at most `limit`
    /// batches at once, with [`FailurePolicy::FailRun`].
    ///
    /// # Errors
    ///
    /// [`InvalidBatchSize`] if `size` is zero.
    pub fn new(
        name: impl Into<String>,
        size: usize,
        limit: ConcurrencyLimit,
        f: F,
    ) -> Result<Self, InvalidBatchSize> {
        Ok(Self {
            name: name.into(),
            size: NonZeroUsize::new(size).ok_or(InvalidBatchSize)?,
            limit,
            f,
            policy: FailurePolicy::FailRun,
        })
    }

    /// Sets what happens to the records of a batch that fails.
    #[must_use]
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }
}

impl<F> fmt::Debug for Batch<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batch")
            .field("name", &self.name)
            .field("size", &self.size)
            .field("limit", &self.limit)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

fn split_into_batches<T>(input: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let mut batches = Vec::with_capacity(input.len().div_ceil(size));
    let mut records = input.into_iter().peekable();
    while records.peek().is_some() {
        batches.push(records.by_ref().take(size).collect());
    }
    batches
}

impl<In, Out, E, F, Fut> Step<In> for Batch<F>
where
    In: Serialize + Send,
    Out: Send,
    E: std::error::Error + Send + Sync + 'static,
    F: Fn(Vec<In>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Vec<Out>, E>> + Send,
{
    type Out = Out;

    fn name(&self) -> &str {
        &self.name
    }

    fn run(
        &self,
        input: Vec<In>,
        step: &StepRecorder<'_>,
    ) -> impl Future<Output = Result<Vec<Out>, PipelineError>> + Send {
        let keep_copies = self.policy == FailurePolicy::DeadLetter;
        let size = self.size.get();
        let f = &self.f;
        async move {
            step.expect_total(input.len() as u64);
            let batches = split_into_batches(input, size);
            let mut outputs: Vec<Option<Vec<Out>>> = std::iter::repeat_with(|| None)
                .take(batches.len())
                .collect();
            let mut calls = futures_util::stream::iter(batches.into_iter().enumerate())
                .map(|(batch, records)| {
                    let len = records.len();
                    step.received(len as u64);
                    let copies: Vec<Option<serde_json::Value>> = if keep_copies {
                        records
                            .iter()
                            .map(|record| serde_json::to_value(record).ok())
                            .collect()
                    } else {
                        Vec::new()
                    };
                    async move {
                        let result = call_catching(|| f(records)).await.and_then(|out| {
                            if out.len() == len {
                                Ok(out)
                            } else {
                                Err(Arc::new(BatchLengthMismatch {
                                    expected: len,
                                    returned: out.len(),
                                }) as RecordError)
                            }
                        });
                        (batch, len, copies, result)
                    }
                })
                .buffer_unordered(self.limit.get());
            while let Some((batch, len, copies, result)) = calls.next().await {
                let first = batch * size;
                match result {
                    Ok(out) => {
                        step.succeeded(len as u64);
                        outputs[batch] = Some(out);
                    }
                    Err(error) if self.policy == FailurePolicy::FailRun => {
                        // The whole batch failed: its other records are failed too, not
                        // in flight.
                        step.failed_with_run(len.saturating_sub(1) as u64);
                        step.failed(
                            self.policy,
                            RecordPosition::Batch { batch, first, len },
                            error,
                            || None,
                        )?;
                    }
                    Err(error) => {
                        let mut copies = copies.into_iter();
                        for offset in 0..len {
                            let copy = copies.next().flatten();
                            step.failed(
                                self.policy,
                                RecordPosition::Index(first + offset),
                                Arc::clone(&error),
                                || copy.map(DeadRecord::Json),
                            )?;
                        }
                    }
                }
            }
            Ok(outputs.into_iter().flatten().flatten().collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_into_batches;

    #[test]
    fn batches_are_full_except_the_last() {
        let batches = split_into_batches((0..7).collect(), 3);
        assert_eq!(batches, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]);
        assert!(split_into_batches(Vec::<u8>::new(), 3).is_empty());
    }
}
