//! Steps chained into typed pipelines: types change between steps, steps run in order, and
//! each step's counts and timing land in the context.

mod pipeline_support;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::ConcurrencyLimit;
use ferry_pipeline::{
    Enrich, Filter, Map, Pipeline, PipelineContext, PipelineError, RunId, Step, StepRecorder,
    TryMap,
};
use futures::executor::block_on;
use pipeline_support::ManualClock;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
struct Order {
    id: u32,
    cents: u64,
}

#[test]
fn records_change_type_from_step_to_step() {
    let pipeline = Pipeline::new(TryMap::new("parse", |line: &str| {
        let (id, cents) = line.split_once(':').expect("test lines have a colon");
        Ok::<_, std::num::ParseIntError>(Order {
            id: id.parse()?,
            cents: cents.parse()?,
        })
    }))
    .then(Filter::new("paid", |order: &Order| order.cents > 0))
    .then(Enrich::new(
        "format",
        ConcurrencyLimit::new(2).unwrap(),
        |order: Order| async move {
            Ok::<_, Infallible>(format!("#{} {:.2}", order.id, order.cents as f64 / 100.0))
        },
    ));
    let ctx = PipelineContext::new(ManualClock::new());

    let out: Vec<String> = block_on(pipeline.run(vec!["1:250", "2:0", "3:1999"], &ctx)).unwrap();

    assert_eq!(out, ["#1 2.50", "#3 19.99"]);
    let names: Vec<_> = ctx.steps().into_iter().map(|step| step.name).collect();
    assert_eq!(names, ["parse", "paid", "format"]);
    let steps = ctx.steps();
    assert_eq!(
        (steps[1].records_in, steps[1].records_out, steps[1].filtered),
        (3, 2, 1)
    );
    assert_eq!((steps[2].records_in, steps[2].records_out), (2, 2));
    assert!(steps.iter().all(|step| step.finished && step.is_balanced()));
}

#[test]
fn enrich_keeps_input_order_whatever_order_calls_finish_in() {
    // Later records finish first: each call yields to the executor (10 - n) times.
    let pipeline = Pipeline::new(Enrich::new(
        "slow-first",
        ConcurrencyLimit::new(10).unwrap(),
        |n: u32| async move {
            for _ in 0..(10 - n) {
                yield_now().await;
            }
            Ok::<_, Infallible>(n * 10)
        },
    ));
    let ctx = PipelineContext::new(ManualClock::new());
    let out = block_on(pipeline.run((0..10).collect(), &ctx));
    assert_eq!(out.unwrap(), (0..10).map(|n| n * 10).collect::<Vec<_>>());
}

/// Returns `Pending` once, waking itself first so that the executor polls it again.
async fn yield_now() {
    let mut yielded = false;
    futures::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

/// A step written by hand against the `Step` trait: it emits each word of each line.
struct Words;

impl Step<String> for Words {
    type Out = String;

    fn name(&self) -> &str {
        "words"
    }

    async fn run(
        &self,
        input: Vec<String>,
        step: &StepRecorder<'_>,
    ) -> Result<Vec<String>, PipelineError> {
        let mut words = Vec::new();
        for line in input {
            step.received(1);
            if line.trim().is_empty() {
                step.filtered(1);
                continue;
            }
            words.extend(line.split_whitespace().map(str::to_owned));
            step.succeeded(1);
        }
        Ok(words)
    }
}

#[test]
fn custom_steps_plug_in_next_to_built_in_ones() {
    let pipeline = Pipeline::new(Map::new("trim", |line: &str| line.trim().to_owned()))
        .then(Words)
        .then(Map::new("len", |word: String| word.len()));
    let ctx = PipelineContext::new(ManualClock::new());
    let lengths = block_on(pipeline.run(vec![" a bb ", "", "ccc"], &ctx)).unwrap();
    assert_eq!(lengths, [1, 2, 3]);
    let words = &ctx.steps()[1];
    assert_eq!(
        (words.records_in, words.records_out, words.filtered),
        (3, 2, 1)
    );
}

/// A step that moves the manual clock on, standing for work that takes time.
struct Takes(&'static str, ManualClock, Duration);

impl Step<u32> for Takes {
    type Out = u32;

    fn name(&self) -> &str {
        self.0
    }

    async fn run(
        &self,
        input: Vec<u32>,
        step: &StepRecorder<'_>,
    ) -> Result<Vec<u32>, PipelineError> {
        step.received(input.len() as u64);
        self.1.advance(self.2);
        step.succeeded(input.len() as u64);
        Ok(input)
    }
}

#[test]
fn each_step_is_timed_on_the_context_clock_and_the_report_says_so() {
    let clock = ManualClock::new();
    let pipeline = Pipeline::new(Takes("fetch", clock.clone(), Duration::from_millis(300)))
        .then(Takes("store", clock.clone(), Duration::from_millis(50)));
    let ctx = PipelineContext::builder(clock.clone())
        .run_id(RunId::new("run-7"))
        .build();

    block_on(pipeline.run(vec![1, 2], &ctx)).unwrap();

    let report = ctx.report();
    assert_eq!(report.run_id.as_str(), "run-7");
    assert_eq!(report.steps[0].elapsed, Duration::from_millis(300));
    assert_eq!(report.steps[1].elapsed, Duration::from_millis(50));
    assert_eq!(report.elapsed, Duration::from_millis(350));
    let text = report.to_string();
    assert!(text.starts_with("run run-7 in 350"), "{text}");
    assert!(text.contains("fetch") && text.contains("store"), "{text}");
}

#[test]
fn generated_run_ids_differ_and_a_context_uses_one() {
    let a = RunId::generate();
    let b = RunId::generate();
    assert_ne!(a, b);
    assert!(a.as_str().starts_with("run-"));
    assert_eq!(RunId::from_u64(255).as_str(), "run-00000000000000ff");
    let first = PipelineContext::new(ManualClock::new());
    let second = PipelineContext::new(ManualClock::new());
    assert_ne!(first.run_id(), second.run_id());
}

#[test]
fn a_pipeline_can_be_run_again_with_a_fresh_context() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let pipeline = Pipeline::new(Map::new("log", move |n: u8| {
        log.lock().unwrap().push(n);
        n
    }));
    for round in 0..2_u8 {
        let ctx = PipelineContext::new(ManualClock::new());
        block_on(pipeline.run(vec![round], &ctx)).unwrap();
        assert_eq!(ctx.steps().len(), 1);
    }
    assert_eq!(*seen.lock().unwrap(), [0, 1]);
}
