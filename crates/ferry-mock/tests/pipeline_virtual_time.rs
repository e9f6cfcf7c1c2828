//! Pipelines on the mock backend: with a known latency per record and a concurrency limit,
//! virtual time is exact, and so are each step's timing and the progress rate.

#[path = "../../ferry-pipeline/tests/pipeline_support/mod.rs"]
mod pipeline_support;

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::{ConcurrencyLimit, Timer, timeout};
use ferry_mock::MockRuntime;
use ferry_pipeline::{
    Batch, Enrich, FailurePolicy, Pipeline, PipelineContext, Progress, ProgressThrottle, ReadCsv,
    ReadJsonLines, RunId, WriteJsonLines,
};
use pipeline_support::MemFs;

#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
struct Order {
    id: u32,
    amount: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
struct Enriched {
    id: u32,
    amount: f64,
    customer: String,
}

/// How many calls are running now, and the most there ever were.
#[derive(Clone, Default)]
struct Gauge(Arc<(AtomicUsize, AtomicUsize)>);

impl Gauge {
    fn enter(&self) -> GaugeGuard {
        let now = self.0.0.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.1.fetch_max(now, Ordering::SeqCst);
        GaugeGuard(self.clone())
    }

    fn peak(&self) -> usize {
        self.0.1.load(Ordering::SeqCst)
    }
}

struct GaugeGuard(Gauge);

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.0.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn orders_csv(n: u32) -> String {
    let mut text = String::from("id,amount\n");
    for id in 0..n {
        writeln!(text, "{id},{}.5", id * 2).unwrap();
    }
    text
}

/// Looks the customer up in 100 ms of virtual time.
fn lookup(
    rt: MockRuntime,
    gauge: Gauge,
) -> impl Fn(Order) -> futures::future::BoxFuture<'static, Result<Enriched, Infallible>> + Send + Sync
{
    move |order: Order| {
        let rt = rt.clone();
        let gauge = gauge.clone();
        Box::pin(async move {
            let _running = gauge.enter();
            rt.sleep(Duration::from_millis(100)).await;
            Ok(Enriched {
                id: order.id,
                amount: order.amount,
                customer: format!("customer-{}", order.id % 7),
            })
        })
    }
}

#[test]
fn csv_enrich_jsonl_round_trip_takes_exactly_the_latency_times_the_waves() {
    ferry_mock::run(1, |rt| async move {
        let fs = MemFs::default().with_file("orders.csv", orders_csv(100));
        let gauge = Gauge::default();
        let pipeline = Pipeline::new(ReadCsv::<Order, _>::new("read", fs.clone()))
            .then(Enrich::new(
                "enrich",
                ConcurrencyLimit::new(10).unwrap(),
                lookup(rt.clone(), gauge.clone()),
            ))
            .then(WriteJsonLines::new("write", fs.clone(), "orders.jsonl"));
        let ctx = PipelineContext::new(rt.clone());

        let written = pipeline.run(vec!["orders.csv"], &ctx).await.unwrap();

        // 100 records of 100 ms, 10 at a time: 10 waves, exactly 1 s.
        assert_eq!(rt.elapsed(), Duration::from_secs(1));
        assert_eq!(gauge.peak(), 10);
        let steps = ctx.steps();
        let times: Vec<_> = steps.iter().map(|step| step.elapsed).collect();
        assert_eq!(
            times,
            [Duration::ZERO, Duration::from_secs(1), Duration::ZERO]
        );
        assert!(
            steps
                .iter()
                .all(|s| s.records_in == 100 && s.records_out == 100)
        );
        assert_eq!(ctx.report().elapsed, Duration::from_secs(1));

        assert_eq!(written.len(), 100);
        let back = Pipeline::new(ReadJsonLines::<Enriched, _>::new("read back", fs));
        let rows = back
            .run(vec!["orders.jsonl"], &PipelineContext::new(rt.clone()))
            .await
            .unwrap();
        assert_eq!(rows, written);
        assert_eq!(
            rows[42],
            Enriched {
                id: 42,
                amount: 84.5,
                customer: "customer-0".into()
            }
        );
    });
}

#[test]
fn batches_run_at_most_the_limit_at_once_in_exact_virtual_time() {
    ferry_mock::run(2, |rt| async move {
        let gauge = Gauge::default();
        let batches_seen = Arc::new(AtomicUsize::new(0));
        let (timer, running, seen) = (rt.clone(), gauge.clone(), Arc::clone(&batches_seen));
        let step = Batch::new(
            "insert",
            5,
            ConcurrencyLimit::new(5).unwrap(),
            move |rows: Vec<u32>| {
                let (timer, running, seen) = (timer.clone(), running.clone(), Arc::clone(&seen));
                async move {
                    let _running = running.enter();
                    seen.fetch_add(1, Ordering::SeqCst);
                    timer.sleep(Duration::from_millis(100)).await;
                    Ok::<_, Infallible>(rows.into_iter().map(u64::from).collect::<Vec<_>>())
                }
            },
        )
        .unwrap();
        let ctx = PipelineContext::new(rt.clone());

        let ids = Pipeline::new(step)
            .run((0..100).collect(), &ctx)
            .await
            .unwrap();

        // 20 batches, 5 at a time, 100 ms each: 4 waves.
        assert_eq!(batches_seen.load(Ordering::SeqCst), 20);
        assert_eq!(gauge.peak(), 5);
        assert_eq!(rt.elapsed(), Duration::from_millis(400));
        assert_eq!(ids, (0..100).collect::<Vec<u64>>());
    });
}

#[test]
fn dropping_a_run_mid_way_leaves_counts_that_say_what_was_done() {
    ferry_mock::run(3, |rt| async move {
        let fs = MemFs::default()
            .with_file("orders.csv", orders_csv(100))
            .with_file("orders.jsonl", "previous run\n");
        let gauge = Gauge::default();
        let pipeline = Pipeline::new(ReadCsv::<Order, _>::new("read", fs.clone()))
            .then(Enrich::new(
                "enrich",
                ConcurrencyLimit::new(10).unwrap(),
                lookup(rt.clone(), gauge.clone()),
            ))
            .then(WriteJsonLines::new("write", fs.clone(), "orders.jsonl"));
        let ctx = PipelineContext::new(rt.clone());

        let stopped = timeout(
            &rt,
            Duration::from_millis(550),
            pipeline.run(vec!["orders.csv"], &ctx),
        )
        .await;

        assert!(stopped.is_err(), "the run should have been cut short");
        let steps = ctx.steps();
        assert_eq!(steps.len(), 2, "the write step never started");
        let enrich = &steps[1];
        // Five waves of ten finished; the sixth was in flight and was dropped.
        assert_eq!(
            (enrich.records_in, enrich.records_out, enrich.in_flight()),
            (60, 50, 10)
        );
        assert!(!enrich.finished);
        assert_eq!(enrich.elapsed, Duration::from_millis(550));
        // Dropping the calls in flight ended them.
        assert_eq!(gauge.0.0.load(Ordering::SeqCst), 0);
        assert_eq!(fs.contents("orders.jsonl").unwrap(), "previous run\n");
        assert!(ctx.report().to_string().contains("(not finished)"));
    });
}

#[test]
fn progress_rate_is_exact_on_virtual_time() {
    ferry_mock::run(4, |rt| async move {
        let reports = Arc::new(Mutex::new(Vec::<Progress>::new()));
        let sink = Arc::clone(&reports);
        let ctx = PipelineContext::builder(rt.clone())
            .progress_throttle(ProgressThrottle {
                every_items: 25,
                every: Duration::MAX,
            })
            .on_progress(move |progress| sink.lock().unwrap().push(progress.clone()))
            .build();
        let pipeline = Pipeline::new(Enrich::new(
            "enrich",
            ConcurrencyLimit::new(10).unwrap(),
            lookup(rt.clone(), Gauge::default()),
        ));
        let input: Vec<Order> = (0..100).map(|id| Order { id, amount: 1.0 }).collect();

        pipeline.run(input, &ctx).await.unwrap();

        let reports = reports.lock().unwrap();
        let seen: Vec<_> = reports
            .iter()
            .map(|p| (p.done, p.elapsed, p.finished))
            .collect();
        assert_eq!(
            seen,
            [
                (25, Duration::from_millis(300), false),
                (50, Duration::from_millis(500), false),
                (75, Duration::from_millis(800), false),
                (100, Duration::from_secs(1), false),
                (100, Duration::from_secs(1), true),
            ]
        );
        let last = reports.last().unwrap();
        assert!((last.rate_per_second - 100.0).abs() < 1e-9, "{last:?}");
    });
}

#[test]
fn failed_enrichments_are_dead_lettered_and_the_timing_stays_exact() {
    ferry_mock::run(5, |rt| async move {
        let timer = rt.clone();
        let enrich = Enrich::new(
            "enrich",
            ConcurrencyLimit::new(4).unwrap(),
            move |id: u32| {
                let timer = timer.clone();
                async move {
                    timer.sleep(Duration::from_millis(50)).await;
                    if id % 4 == 0 {
                        Err(std::io::Error::other(format!("no customer for {id}")))
                    } else {
                        Ok(id)
                    }
                }
            },
        )
        .on_failure(FailurePolicy::DeadLetter);
        let ctx = PipelineContext::new(rt.clone());

        let out = Pipeline::new(enrich)
            .run((0..16).collect(), &ctx)
            .await
            .unwrap();

        assert_eq!(rt.elapsed(), Duration::from_millis(200));
        assert_eq!(out.len(), 12);
        assert_eq!(ctx.dead_letters().len(), 4);
        assert!(ctx.steps()[0].is_balanced());
    });
}

#[test]
fn a_streaming_chain_takes_exactly_the_latency_times_the_waves() {
    ferry_mock::run(6, |rt| async move {
        let mut text = String::new();
        for id in 0..100 {
            writeln!(text, "{{\"id\":{id},\"amount\":1.5}}").unwrap();
        }
        let fs = MemFs::default().with_file("orders.jsonl", text);
        let gauge = Gauge::default();
        let read = ReadJsonLines::<Order, _>::new("read", fs.clone());
        let enrich = Enrich::new(
            "enrich",
            ConcurrencyLimit::new(10).unwrap(),
            lookup(rt.clone(), gauge.clone()),
        );
        let write = WriteJsonLines::new("write", fs.clone(), "out.jsonl")
            .style(ferry_pipeline::WriteStyle::Streaming);
        let ctx = PipelineContext::new(rt.clone());

        let orders = read.stream("orders.jsonl", &ctx);
        let written = write
            .write_stream(enrich.stream(orders, &ctx), &ctx)
            .await
            .unwrap();

        assert_eq!(written, 100);
        // Streaming keeps ten calls in flight all along: 100 calls of 100 ms take 1 s.
        assert_eq!(rt.elapsed(), Duration::from_secs(1));
        assert_eq!(gauge.peak(), 10);
        let out = fs.contents("out.jsonl").unwrap();
        let ids: Vec<u32> = out
            .lines()
            .map(|line| serde_json::from_str::<Enriched>(line).unwrap().id)
            .collect();
        assert_eq!(ids, (0..100).collect::<Vec<_>>());
        assert!(ctx.steps().iter().all(|s| s.finished && s.is_balanced()));
    });
}

#[test]
fn a_run_id_drawn_from_the_mock_seed_is_the_same_on_every_replay() {
    let id = |seed| {
        ferry_mock::run(seed, |rt| async move {
            let ctx = PipelineContext::builder(rt.clone())
                .run_id(RunId::from_u64(rt.fork_rng().next_u64()))
                .build();
            ctx.run_id().clone()
        })
    };
    assert_eq!(id(9), id(9));
    assert_ne!(id(9), id(10));
}
