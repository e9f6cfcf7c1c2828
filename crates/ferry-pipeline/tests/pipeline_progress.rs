//! Progress reports: what they count, how the throttle spaces them, and the rate they give.

mod pipeline_support;

use std::convert::Infallible;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::ConcurrencyLimit;
use ferry_pipeline::{
    Enrich, FailurePolicy, Filter, Pipeline, PipelineContext, PipelineError, Progress,
    ProgressThrottle, Step, StepRecorder,
};
use futures::executor::block_on;
use pipeline_support::ManualClock;

fn collecting(
    clock: ManualClock,
    throttle: ProgressThrottle,
) -> (PipelineContext, Arc<Mutex<Vec<Progress>>>) {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&reports);
    let ctx = PipelineContext::builder(clock)
        .progress_throttle(throttle)
        .on_progress(move |progress| sink.lock().unwrap().push(progress.clone()))
        .build();
    (ctx, reports)
}

/// Handles each record in `per_record` of manual-clock time; fails every `fail_every`th.
struct Ticking {
    clock: ManualClock,
    per_record: Duration,
    fail_every: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("record {0} failed")]
struct Failed(u32);

impl Step<u32> for Ticking {
    type Out = u32;

    fn name(&self) -> &str {
        "ticking"
    }

    async fn run(
        &self,
        input: Vec<u32>,
        step: &StepRecorder<'_>,
    ) -> Result<Vec<u32>, PipelineError> {
        step.expect_total(input.len() as u64);
        let mut out = Vec::new();
        for (index, record) in input.into_iter().enumerate() {
            step.received(1);
            self.clock.advance(self.per_record);
            if record % self.fail_every == self.fail_every - 1 {
                let position = ferry_pipeline::RecordPosition::Index(index);
                step.failed(
                    FailurePolicy::Skip,
                    position,
                    Arc::new(Failed(record)),
                    || None,
                )?;
            } else {
                out.push(record);
                step.succeeded(1);
            }
        }
        Ok(out)
    }
}

#[test]
fn every_record_is_reported_then_a_final_report_per_step() {
    let (ctx, reports) = collecting(ManualClock::new(), ProgressThrottle::EVERY_ITEM);
    let pipeline = Pipeline::new(Enrich::new(
        "double",
        ConcurrencyLimit::new(3).unwrap(),
        |n: u32| async move { Ok::<_, Infallible>(n * 2) },
    ))
    .then(Filter::new("even-tens", |n: &u32| n % 4 == 0));

    block_on(pipeline.run((0..10).collect(), &ctx)).unwrap();

    let reports = reports.lock().unwrap();
    // 10 records + final for the first step, then the same for the second.
    assert_eq!(reports.len(), 22);
    let (first, second) = reports.split_at(11);
    assert_eq!(
        first.iter().map(|p| p.done).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10]
    );
    assert!(
        first
            .iter()
            .all(|p| p.step == "double" && p.total == Some(10))
    );
    assert!(first[10].finished && !first[9].finished);
    assert_eq!(second[10].step_index, 1);
    // The filter's report counts filtered records as done, but not as succeeded or failed.
    assert_eq!(
        (second[10].done, second[10].succeeded, second[10].failed),
        (10, 5, 0)
    );
}

#[test]
fn reports_are_throttled_by_count_and_carry_failures() {
    let clock = ManualClock::new();
    let throttle = ProgressThrottle {
        every_items: 10,
        every: Duration::MAX,
    };
    let (ctx, reports) = collecting(clock.clone(), throttle);
    let step = Ticking {
        clock,
        per_record: Duration::from_millis(1),
        fail_every: 5,
    };

    block_on(Pipeline::new(step).run((0..95).collect(), &ctx)).unwrap();

    let reports = reports.lock().unwrap();
    let done: Vec<_> = reports.iter().map(|p| p.done).collect();
    assert_eq!(done, [10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
    let last = reports.last().unwrap();
    assert_eq!((last.succeeded, last.failed), (76, 19));
    assert!(last.finished);
}

#[test]
fn reports_are_throttled_by_time_on_the_context_clock_with_the_rate() {
    let clock = ManualClock::new();
    let throttle = ProgressThrottle {
        every_items: u64::MAX,
        every: Duration::from_secs(1),
    };
    let (ctx, reports) = collecting(clock.clone(), throttle);
    // 250 ms a record: a report every 4 records, 4 records per second.
    let step = Ticking {
        clock,
        per_record: Duration::from_millis(250),
        fail_every: u32::MAX,
    };

    block_on(Pipeline::new(step).run((0..10).collect(), &ctx)).unwrap();

    let reports = reports.lock().unwrap();
    let seen: Vec<_> = reports.iter().map(|p| (p.done, p.elapsed)).collect();
    assert_eq!(
        seen,
        [
            (4, Duration::from_secs(1)),
            (8, Duration::from_secs(2)),
            (10, Duration::from_millis(2500)),
        ]
    );
    assert!(
        reports
            .iter()
            .all(|p| (p.rate_per_second - 4.0).abs() < 1e-9)
    );
}

#[test]
fn progress_can_feed_a_channel_that_a_ui_reads() {
    let (sender, receiver) = mpsc::sync_channel::<Progress>(64);
    let ctx = PipelineContext::builder(ManualClock::new())
        .progress_throttle(ProgressThrottle::EVERY_ITEM)
        .on_progress(move |progress| {
            // A UI that lags loses reports, never slows the pipeline.
            let _ = sender.try_send(progress.clone());
        })
        .build();
    let pipeline = Pipeline::new(Filter::new("all", |_: &u8| true));
    block_on(pipeline.run(vec![1, 2, 3], &ctx)).unwrap();
    drop(ctx);
    let done: Vec<_> = receiver.iter().map(|p| p.done).collect();
    assert_eq!(done, [1, 2, 3, 3]);
}
