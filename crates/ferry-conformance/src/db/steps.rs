//! The pipeline steps over a database: the sink's per-record failures, the source, and runs
//! stopped mid-way then run again.

use std::sync::Arc;
use std::time::Duration;

use ferry_db::pipeline::{ReadRows, WriteRows};
use ferry_db::{Database, DatabaseExt, Query, Write};
use ferry_pipeline::{DeadRecord, FailurePolicy, Pipeline, PipelineContext, PipelineError};
use futures::StreamExt;

use super::{DbEnv, Item, item, items_table};
use crate::runtime::TestRuntime;

async fn ids_in<D: Database>(db: &D, table: &str) -> Vec<i64> {
    let rows: Vec<(i64,)> = db
        .fetch_all(Query::new(format!("SELECT id FROM {table} ORDER BY id")))
        .await
        .expect("select ids");
    rows.into_iter().map(|(id,)| id).collect()
}

/// 25 items in batches of 10 through the sink, three with a negative price: those three are
/// dead-lettered at their index with a JSON copy, the other 22 are handed on and committed,
/// and the step balances.
pub async fn sink_step_dead_letters_rejected_records_and_commits_the_rest<
    R: TestRuntime,
    D: Database + Clone,
>(
    env: DbEnv<R, D>,
) {
    items_table(&env.db, "sunk").await;
    let mut items: Vec<Item> = (1..=25).map(item).collect();
    for bad in [4, 10, 21] {
        items[bad].price = -5.0;
    }
    let sink = WriteRows::new("save", env.db.clone(), Write::upsert("sunk", ["id"]))
        .batch_size(10)
        .expect("not zero")
        .on_failure(FailurePolicy::DeadLetter);
    let ctx = PipelineContext::new(env.rt.clone());
    let saved = Pipeline::new(sink).run(items, &ctx).await.expect("run");
    assert_eq!(saved.len(), 22);
    let dead = ctx.dead_letters();
    let positions: Vec<String> = dead.iter().map(|d| d.position().to_string()).collect();
    assert_eq!(positions, ["record #4", "record #10", "record #21"]);
    match dead[0].record() {
        Some(DeadRecord::Json(json)) => assert_eq!(json["id"], 5),
        other => panic!("expected a JSON copy, got {other:?}"),
    }
    let step = &ctx.steps()[0];
    assert_eq!(
        (step.records_in, step.records_out, step.dead_lettered),
        (25, 22, 3)
    );
    assert!(step.is_balanced());
    let ids = ids_in(&env.db, "sunk").await;
    let expected: Vec<i64> = (1..=25).filter(|id| ![5, 11, 22].contains(id)).collect();
    assert_eq!(ids, expected);
}

/// The source step reads the rows of two queries in order; a row whose `note` is NULL does
/// not fit a record that requires it and is skipped at its index.
pub async fn source_step_reads_rows_and_skips_misfits<R: TestRuntime, D: Database + Clone>(
    env: DbEnv<R, D>,
) {
    items_table(&env.db, "sourced").await;
    let items: Vec<Item> = (1..=8).map(item).collect();
    env.db
        .write(&Write::upsert("sourced", ["id"]), &items)
        .await
        .expect("write");
    #[derive(Debug, serde::Deserialize)]
    struct Noted {
        id: i64,
        note: String,
    }
    let read = ReadRows::<Noted, _>::new("notes", env.db.clone()).on_failure(FailurePolicy::Skip);
    let ctx = PipelineContext::new(env.rt.clone());
    let queries = vec![
        Query::new("SELECT id, note FROM sourced WHERE id <= $1 ORDER BY id").bind(4),
        Query::new("SELECT id, note FROM sourced WHERE id > $1 ORDER BY id").bind(4),
    ];
    let noted = Pipeline::new(read).run(queries, &ctx).await.expect("run");
    let ids: Vec<i64> = noted.iter().map(|n| n.id).collect();
    assert_eq!(ids, [4, 8]);
    assert_eq!(noted[0].note, "note 4");
    let step = &ctx.steps()[0];
    assert_eq!((step.records_in, step.records_out, step.skipped), (8, 2, 6));

    let streamed = ReadRows::<Item, _>::new("items", env.db.clone());
    let ctx = PipelineContext::new(env.rt.clone());
    let all: Vec<Item> = streamed
        .stream(Query::new("SELECT * FROM sourced ORDER BY id"), &ctx)
        .map(|item| item.expect("an item"))
        .collect()
        .await;
    assert_eq!(all, items);
    assert!(ctx.steps()[0].finished);
}

fn priced(id: i64, run: u32) -> Item {
    Item {
        note: Some(format!("run {run}")),
        ..item(id)
    }
}

/// A hard crash: a streaming sink in batches of 10 is dropped after 25 records came in (its
/// input then stalls, and a timeout drops the run). The 20 records of its two full batches
/// are committed, the 5 it held are not; running all 50 again with an upsert leaves each
/// record exactly once, all from the second run.
pub async fn rerun_after_a_crash_mid_run_leaves_each_record_once<
    R: TestRuntime,
    D: Database + Clone,
>(
    env: DbEnv<R, D>,
) {
    items_table(&env.db, "crashed").await;
    let sink = WriteRows::new("save", env.db.clone(), Write::upsert("crashed", ["id"]))
        .batch_size(10)
        .expect("not zero");
    let ctx = PipelineContext::new(env.rt.clone());
    let stalls = futures::stream::iter((1..=25).map(|id| Ok(priced(id, 1))))
        .chain(futures::stream::pending());
    let crashed = ferry_core::timeout(
        &env.rt,
        Duration::from_secs(2),
        sink.write_stream(stalls, &ctx),
    )
    .await;
    assert!(crashed.is_err(), "the run should have been cut off");
    let step = &ctx.steps()[0];
    assert!(!step.finished);
    assert_eq!(
        (step.records_in, step.records_out, step.in_flight()),
        (25, 20, 5)
    );
    assert_eq!(
        ids_in(&env.db, "crashed").await,
        (1..=20).collect::<Vec<_>>()
    );

    let ctx = PipelineContext::new(env.rt.clone());
    let all = futures::stream::iter((1..=50).map(|id| Ok(priced(id, 2))));
    let written = sink.write_stream(all, &ctx).await.expect("the re-run");
    assert_eq!(written, 50);
    assert_eq!(
        ids_in(&env.db, "crashed").await,
        (1..=50).collect::<Vec<_>>()
    );
    let second: Vec<(i64,)> = env
        .db
        .fetch_all(Query::new("SELECT COUNT(*) FROM crashed WHERE note = $1").bind("run 2"))
        .await
        .expect("count");
    assert_eq!(second, [(50,)]);
}

#[derive(Debug, thiserror::Error)]
#[error("injected fault at record {0}")]
struct Fault(i64);

/// A fault injected upstream at record 36 stops the streaming sink: the 35 records before it
/// are committed (its batch is flushed before the error is returned) and the error names the
/// fault. Running again from the start leaves each of the 50 records once.
pub async fn rerun_after_a_fault_mid_stream_leaves_each_record_once<
    R: TestRuntime,
    D: Database + Clone,
>(
    env: DbEnv<R, D>,
) {
    items_table(&env.db, "faulted").await;
    let sink = WriteRows::new("save", env.db.clone(), Write::upsert("faulted", ["id"]))
        .batch_size(10)
        .expect("not zero");
    let ctx = PipelineContext::new(env.rt.clone());
    let faulty = futures::stream::iter((1..=50).map(|id| {
        if id == 36 {
            Err(PipelineError::Step {
                step: "enrich".into(),
                source: Arc::new(Fault(id)),
            })
        } else {
            Ok(priced(id, 1))
        }
    }));
    let error = sink
        .write_stream(faulty, &ctx)
        .await
        .expect_err("the fault stops it");
    assert!(
        error.to_string().contains("injected fault at record 36"),
        "{error}"
    );
    assert_eq!(
        ids_in(&env.db, "faulted").await,
        (1..=35).collect::<Vec<_>>()
    );

    let ctx = PipelineContext::new(env.rt.clone());
    let all = futures::stream::iter((1..=50).map(|id| Ok(priced(id, 2))));
    assert_eq!(sink.write_stream(all, &ctx).await.expect("re-run"), 50);
    assert_eq!(
        ids_in(&env.db, "faulted").await,
        (1..=50).collect::<Vec<_>>()
    );
    let step = &ctx.steps()[0];
    assert!(step.finished && step.is_balanced());
}
