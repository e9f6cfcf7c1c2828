//! The step abstraction, the typed pipeline that chains steps, and the simplest steps.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use super::context::PipelineContext;
use super::error::{FailurePolicy, PipelineError, RecordError};
use super::recorder::StepRecorder;

/// One stage of a pipeline: takes a batch of records of type `In` and gives back a batch of
/// `Self::Out`.
///
/// A step counts what it does through the [`StepRecorder`] it is handed (records in, out,
/// failed, filtered) and applies its [`FailurePolicy`] to records that fail, so that a
/// finished step always has `in == out + failed + filtered`. The built-in steps
/// ([`Enrich`](super::Enrich), [`Batch`](super::Batch), [`ReadCsv`](super::ReadCsv),
/// [`ReadJsonLines`](super::ReadJsonLines), [`WriteJsonLines`](super::WriteJsonLines),
/// [`Map`], [`TryMap`], [`Filter`]) do.
///
/// # Cancel safety
///
/// Dropping the future of [`run`](Self::run) drops the records the step holds, including
/// those in flight; the recorder's counts say what it had finished (see
/// [`StepStats::in_flight`](super::StepStats::in_flight)).
pub trait Step<In>: Send + Sync {
    /// The type of the records the step gives back.
    type Out;

    /// The step's name, used in counts, reports and errors.
    fn name(&self) -> &str;

    /// Runs the step over `input`.
    fn run(
        &self,
        input: Vec<In>,
        step: &StepRecorder<'_>,
    ) -> impl Future<Output = Result<Vec<Self::Out>, PipelineError>> + Send;
}

/// The steps of a [`Pipeline`], chained so that each one's output type is the next one's
/// input type. Implemented by [`One`] and [`Then`]; there is no need to implement it.
pub trait Stages<In>: Send + Sync {
    /// The type of the records the last step gives back.
    type Out;

    /// Runs every step in order, each on the previous one's output.
    ///
    /// # Cancel safety
    ///
    /// As [`Pipeline::run`]: dropping the future drops the records in flight; the context's
    /// counts say what was done.
    fn run_stages(
        &self,
        input: Vec<In>,
        ctx: &PipelineContext,
    ) -> impl Future<Output = Result<Vec<Self::Out>, PipelineError>> + Send;
}

/// A pipeline's first step; see [`Pipeline::new`].
#[derive(Debug, Clone)]
pub struct One<S>(S);

/// Steps `A` followed by step `B`; see [`Pipeline::then`].
#[derive(Debug, Clone)]
pub struct Then<A, B>(A, B);

impl<In, S> Stages<In> for One<S>
where
    In: Send,
    S: Step<In>,
{
    type Out = S::Out;

    fn run_stages(
        &self,
        input: Vec<In>,
        ctx: &PipelineContext,
    ) -> impl Future<Output = Result<Vec<S::Out>, PipelineError>> + Send {
        run_one(&self.0, input, ctx)
    }
}

impl<In, A, B> Stages<In> for Then<A, B>
where
    In: Send,
    A: Stages<In>,
    A::Out: Send,
    B: Step<A::Out>,
{
    type Out = B::Out;

    async fn run_stages(
        &self,
        input: Vec<In>,
        ctx: &PipelineContext,
    ) -> Result<Vec<B::Out>, PipelineError> {
        let middle = self.0.run_stages(input, ctx).await?;
        run_one(&self.1, middle, ctx).await
    }
}

async fn run_one<In, S: Step<In>>(
    step: &S,
    input: Vec<In>,
    ctx: &PipelineContext,
) -> Result<Vec<S::Out>, PipelineError> {
    let recorder = ctx.begin_step(step.name());
    let output = step.run(input, &recorder).await;
    recorder.finish();
    output
}

/// Steps chained into one typed run: `Pipeline::new(a).then(b).then(c)`, where `b` takes what
/// `a` gives, and so on. The compiler checks that the types line up.
///
/// Steps run one after the other, each over the whole batch the previous one gave back
/// (concurrency happens inside a step: [`Enrich`](super::Enrich), [`Batch`](super::Batch)).
///
/// ```
/// use std::time::Instant;
/// use ferry_core::Clock;
/// use ferry_pipeline::{Filter, Map, Pipeline, PipelineContext};
///
/// # struct WallClock;
/// # impl Clock for WallClock { fn now(&self) -> Instant { Instant::now() } }
/// let pipeline = Pipeline::new(Map::new("parse", |line: &str| line.len()))
///     .then(Filter::new("non-empty", |len: &usize| *len > 0))
///     .then(Map::new("label", |len: usize| format!("{len} bytes")));
///
/// let ctx = PipelineContext::new(WallClock);
/// let out = futures::executor::block_on(pipeline.run(vec!["ab", "", "abcd"], &ctx))?;
/// assert_eq!(out, ["2 bytes", "4 bytes"]);
/// assert_eq!(ctx.steps()[1].filtered, 1);
/// # Ok::<(), ferry_pipeline::PipelineError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Pipeline<S> {
    stages: S,
}

impl<S> Pipeline<One<S>> {
    /// A pipeline of one step.
    pub fn new(step: S) -> Self {
        Self { stages: One(step) }
    }
}

impl<S> Pipeline<S> {
    /// Adds `step` after the steps so far; it takes their output.
    pub fn then<B>(self, step: B) -> Pipeline<Then<S, B>> {
        Pipeline {
            stages: Then(self.stages, step),
        }
    }

    /// Runs every step in order over `input`, counting into `ctx`, and returns the last
    /// step's output.
    ///
    /// # Errors
    ///
    /// The first [`PipelineError`]: a record failed in a step whose policy is
    /// [`FailurePolicy::FailRun`], or a step failed as a whole. Steps after it do not run.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops the run where it is: the records the current step holds,
    /// including those in flight in an [`Enrich`](super::Enrich) or
    /// [`Batch`](super::Batch), are dropped, and later steps never run. Nothing is lost
    /// from the counts: `ctx` says what each step had finished, and how many records were in
    /// flight ([`StepStats::in_flight`](super::StepStats::in_flight)); the step that was
    /// running shows `finished == false`. A [`WriteJsonLines`](super::WriteJsonLines) in
    /// atomic mode leaves the old file; in streaming mode, a partly written one.
    pub async fn run<In>(
        &self,
        input: Vec<In>,
        ctx: &PipelineContext,
    ) -> Result<Vec<S::Out>, PipelineError>
    where
        S: Stages<In>,
    {
        self.stages.run_stages(input, ctx).await
    }
}

/// A step that turns each record into another with a plain function that cannot fail.
///
/// A panic in the function is not caught: it unwinds out of [`Pipeline::run`]. Use
/// [`Enrich`](super::Enrich) for work that may panic and should count as a failure instead.
pub struct Map<F> {
    name: String,
    f: F,
}

impl<F> Map<F> {
    /// A step named `name` that calls `f` on every record.
    pub fn new(name: impl Into<String>, f: F) -> Self {
        Self {
            name: name.into(),
            f,
        }
    }
}

impl<F> fmt::Debug for Map<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<In, Out, F> Step<In> for Map<F>
where
    In: Send,
    Out: Send,
    F: Fn(In) -> Out + Send + Sync,
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
        step.received_all(input.len());
        let output: Vec<Out> = input
            .into_iter()
            .map(|record| {
                let out = (self.f)(record);
                step.succeeded(1);
                out
            })
            .collect();
        std::future::ready(Ok(output))
    }
}

/// A step that turns each record into another with a plain function that can fail; failures
/// follow the step's [`FailurePolicy`] (dead letters keep no copy: the function took the
/// record). A panic in the function is not caught, as in [`Map`].
pub struct TryMap<F> {
    name: String,
    f: F,
    policy: FailurePolicy,
}

impl<F> TryMap<F> {
    /// A step named `name` that calls `f` on every record, with [`FailurePolicy::FailRun`].
    pub fn new(name: impl Into<String>, f: F) -> Self {
        Self {
            name: name.into(),
            f,
            policy: FailurePolicy::FailRun,
        }
    }

    /// Sets what happens to records for which `f` fails.
    #[must_use]
    pub fn on_failure(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }
}

impl<F> fmt::Debug for TryMap<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryMap")
            .field("name", &self.name)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<In, Out, E, F> Step<In> for TryMap<F>
where
    In: Send,
    Out: Send,
    E: std::error::Error + Send + Sync + 'static,
    F: Fn(In) -> Result<Out, E> + Send + Sync,
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
        step.received_all(input.len());
        let run = || {
            let mut output = Vec::with_capacity(input.len());
            for (index, record) in input.into_iter().enumerate() {
                let outcome = (self.f)(record).map_err(|error| Arc::new(error) as RecordError);
                if let Some(out) = step.record_outcome(self.policy, index, outcome, None)? {
                    output.push(out);
                }
            }
            Ok(output)
        };
        std::future::ready(run())
    }
}

/// A step that keeps the records for which a predicate holds and counts the others as
/// filtered (not failed).
pub struct Filter<F> {
    name: String,
    keep: F,
}

impl<F> Filter<F> {
    /// A step named `name` that keeps the records for which `keep` returns true.
    pub fn new(name: impl Into<String>, keep: F) -> Self {
        Self {
            name: name.into(),
            keep,
        }
    }
}

impl<F> fmt::Debug for Filter<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filter")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<T, F> Step<T> for Filter<F>
where
    T: Send,
    F: Fn(&T) -> bool + Send + Sync,
{
    type Out = T;

    fn name(&self) -> &str {
        &self.name
    }

    fn run(
        &self,
        input: Vec<T>,
        step: &StepRecorder<'_>,
    ) -> impl Future<Output = Result<Vec<T>, PipelineError>> + Send {
        step.received_all(input.len());
        let output: Vec<T> = input
            .into_iter()
            .filter(|record| {
                let keep = (self.keep)(record);
                if keep {
                    step.succeeded(1);
                } else {
                    step.filtered(1);
                }
                keep
            })
            .collect();
        std::future::ready(Ok(output))
    }
}
