//! Pipeline cases on a real runtime and file system: CSV -> enrich -> JSON Lines in a
//! directory of the case's own, with the run spawned onto the runtime (which also checks that
//! a pipeline's future is `Send` and `'static` when its steps are).
//!
//! They take the same [`FsEnv`] as the [file system cases](crate::fs); run them with
//! [`pipeline_suite!`](crate::pipeline_suite).

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use ferry_core::{ConcurrencyLimit, SpawnExt};
use ferry_pipeline::{
    Enrich, FailurePolicy, Pipeline, PipelineContext, ReadCsv, ReadJsonLines, WriteJsonLines,
    WriteStyle,
};
use serde::{Deserialize, Serialize};

use crate::fs::{FsEnv, TestFs};
use crate::runtime::TestRuntime;

/// Runs every case of this module as a `#[test]`; see the [crate docs](crate).
#[macro_export]
macro_rules! pipeline_suite {
    ($with_fs:path) => {
        $crate::__suite!(
            $with_fs,
            pipeline,
            [
                csv_to_enriched_json_lines_on_a_spawned_task,
                streaming_json_lines_round_trip_many_records,
            ]
        );
    };
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u32,
    amount: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Enriched {
    id: u32,
    amount: f64,
    customer: String,
}

/// 40 orders with one malformed row on line 12, enriched by a 10 ms call 8 at a time, written
/// atomically: 39 lines come out in order, the bad row is skipped with its line number, no
/// temporary file is left, and the enrich step took at least 5 waves of 10 ms.
pub async fn csv_to_enriched_json_lines_on_a_spawned_task<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let mut csv = String::from("id,amount\n");
    for id in 0..40 {
        if id == 10 {
            csv.push_str("10,not-a-number\n");
        } else {
            writeln!(csv, "{id},{id}.25").expect("write to a String");
        }
    }
    let input = env.root.join("orders.csv");
    let output = env.root.join("orders.jsonl");
    env.fs
        .write(&input, csv.as_bytes())
        .await
        .expect("write the input");

    let timer = env.rt.clone();
    let lookup = move |order: Order| {
        let timer = timer.clone();
        async move {
            timer.sleep(Duration::from_millis(10)).await;
            Ok::<_, Infallible>(Enriched {
                id: order.id,
                amount: order.amount,
                customer: format!("c{}", order.id % 3),
            })
        }
    };
    let pipeline = Pipeline::new(
        ReadCsv::<Order, _>::new("read", env.fs.clone()).on_failure(FailurePolicy::Skip),
    )
    .then(Enrich::new(
        "enrich",
        ConcurrencyLimit::new(8).expect("non-zero"),
        lookup,
    ))
    .then(WriteJsonLines::new("write", env.fs.clone(), output.clone()));
    let ctx = Arc::new(PipelineContext::new(env.rt.clone()));

    let run_ctx = Arc::clone(&ctx);
    let written = env
        .rt
        .spawn(async move { pipeline.run(vec![input], &run_ctx).await })
        .await
        .expect("the run's task finishes")
        .expect("the run succeeds");

    assert_eq!(written.len(), 39);
    let skipped = ctx.skipped();
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0].to_string().contains("line 12"),
        "the bad row is reported by line: {}",
        skipped[0]
    );
    let steps = ctx.steps();
    assert!(steps.iter().all(|step| step.finished && step.is_balanced()));
    assert!(
        steps[1].elapsed >= Duration::from_millis(50),
        "39 calls of 10 ms, 8 at a time, take at least 5 waves: {:?}",
        steps[1].elapsed
    );

    let back = Pipeline::new(ReadJsonLines::<Enriched, _>::new(
        "read back",
        env.fs.clone(),
    ))
    .run(vec![output], &PipelineContext::new(env.rt.clone()))
    .await
    .expect("read the output back");
    assert_eq!(back, written);
    let ids: Vec<u32> = back.iter().map(|row| row.id).collect();
    let expected: Vec<u32> = (0..40).filter(|&id| id != 10).collect();
    assert_eq!(ids, expected, "records keep their input order");
    let names = crate::fs::names(&env.fs, &env.root).await;
    assert_eq!(
        names,
        ["orders.csv", "orders.jsonl"],
        "no temporary file is left"
    );
}

/// 5,000 records written line by line through a streaming writer read back equal.
pub async fn streaming_json_lines_round_trip_many_records<R: TestRuntime, F: TestFs>(
    env: FsEnv<R, F>,
) {
    let path = env.root.join("many.jsonl");
    let records: Vec<Order> = (0..5_000)
        .map(|id| Order {
            id,
            amount: f64::from(id) / 8.0,
        })
        .collect();
    let ctx = PipelineContext::new(env.rt.clone());
    let write =
        WriteJsonLines::new("write", env.fs.clone(), path.clone()).style(WriteStyle::Streaming);
    Pipeline::new(write)
        .run(records.clone(), &ctx)
        .await
        .expect("streaming write succeeds");
    let back = Pipeline::new(ReadJsonLines::<Order, _>::new("read", env.fs.clone()))
        .run(vec![path], &ctx)
        .await
        .expect("read back succeeds");
    assert_eq!(back, records);
    assert_eq!(ctx.steps()[1].records_in, 5_000);
}
