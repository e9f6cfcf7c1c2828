//! [`Enrich`]: call an async function on every record, a bounded number at once.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::{FutureExt, StreamExt};
use serde::Serialize;

use super::error::{FailurePolicy, PipelineError, RecordError};
use super::recorder::StepRecorder;
use super::step::Step;
use ferry_core::ConcurrencyLimit;
use ferry_core::rt::Panicked;

/// A step that calls an async function on every record (an API lookup, a database read) with
/// at most `limit` calls in flight, and hands on what each call returns, in input order.
///
/// A call that returns `Err`, or panics, is a failed record under the step's
/// [`FailurePolicy`] (a panic's error is a [`Panicked`]); its position is the record's index
/// in the step's input. Under [`FailurePolicy::DeadLetter`] each record is copied as JSON
/// before its call (the function takes the record), so that a failed one can be kept.
///
/// Calls run inside the step's future, not in spawned tasks: the step needs no runtime and
/// the calls make progress while the pipeline is awaited.
///
/// ```
/// use std::time::Instant;
/// use ferry_core::{Clock, ConcurrencyLimit};
/// use ferry_pipeline::{Enrich, FailurePolicy, Pipeline, PipelineContext};
///
/// # struct WallClock;
/// # impl Clock for WallClock { fn now(&self) -> Instant { Instant::now() } }
/// #[derive(Debug)]
/// struct NotFound(u32);
/// impl std::fmt::Display for NotFound {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "user {} not found", self.0)
///     }
/// }
/// impl std::error::Error for NotFound {}
///
/// async fn lookup(id: u32) -> Result<String, NotFound> {
///     if id == 2 { Err(NotFound(id)) } else { Ok(format!("user-{id}")) }
/// }
///
/// let limit = ConcurrencyLimit::new(4)?;
/// let pipeline = Pipeline::new(Enrich::new("lookup", limit, lookup).on_failure(FailurePolicy::Skip));
/// let ctx = PipelineContext::new(WallClock);
/// let users = futures::executor::block_on(pipeline.run(vec![1, 2, 3], &ctx))?;
/// assert_eq!(users, ["user-1", "user-3"]);
/// assert_eq!(ctx.skipped()[0].error().to_string(), "user 2 not found");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Enrich<F> {
    pub(super) name: String,
    pub(super) limit: ConcurrencyLimit,
    pub(super) f: F,
    pub(super) policy: FailurePolicy,
}

impl<F> Enrich<F> {
    /// A step named `name` that calls `f` on every record, at most `limit` at once, with
    /// [`FailurePolicy::FailRun`].
    pub fn new(name: impl Into<String>, limit: ConcurrencyLimit, f: F) -> Self {
        Self {
            name: name.into(),
            limit,
            f,
            policy: FailurePolicy::FailRun,
        }
    }

    /// Sets what happens to records whose call fails or panics.
    #[must_use]
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }
}

impl<F> fmt::Debug for Enrich<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enrich")
            .field("name", &self.name)
            .field("limit", &self.limit)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Calls `call` and awaits its future, turning a panic in either into a [`Panicked`] error.
pub(crate) async fn call_catching<T, E, Fut>(call: impl FnOnce() -> Fut) -> Result<T, RecordError>
where
    Fut: Future<Output = Result<T, E>>,
    E: std::error::Error + Send + Sync + 'static,
{
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(future) => AssertUnwindSafe(future).catch_unwind().await,
        Err(payload) => Err(payload),
    };
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(Arc::new(error)),
        Err(payload) => Err(Arc::new(Panicked::from_payload(payload))),
    }
}

impl<In, Out, E, F, Fut> Step<In> for Enrich<F>
where
    In: Serialize + Send,
    Out: Send,
    E: std::error::Error + Send + Sync + 'static,
    F: Fn(In) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Out, E>> + Send,
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
        let f = &self.f;
        async move {
            let total = input.len();
            step.expect_total(total as u64);
            let mut outputs: Vec<Option<Out>> =
                std::iter::repeat_with(|| None).take(total).collect();
            let mut calls = futures_util::stream::iter(input.into_iter().enumerate())
                .map(|(index, record)| {
                    // Counted as it starts, so that a dropped run shows it in flight.
                    step.received(1);
                    let copy = keep_copies
                        .then(|| serde_json::to_value(&record).ok())
                        .flatten();
                    async move { (index, copy, call_catching(|| f(record)).await) }
                })
                .buffer_unordered(self.limit.get());
            while let Some((index, copy, result)) = calls.next().await {
                outputs[index] = step.record_outcome(self.policy, index, result, copy)?;
            }
            Ok(outputs.into_iter().flatten().collect())
        }
    }
}
