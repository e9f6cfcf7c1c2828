//! What each failure policy does with a failed record, and the invariant that holds whatever
//! fails: for every step, in == out + failed + filtered.

mod pipeline_support;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferry_core::{ConcurrencyLimit, Panicked};
use ferry_pipeline::{
    Batch, BatchLengthMismatch, DeadRecord, Disposition, Enrich, FailurePolicy, Filter, Map,
    Pipeline, PipelineContext, PipelineError, RecordPosition, TryMap,
};
use futures::executor::block_on;
use pipeline_support::ManualClock;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("lookup of {0} failed")]
struct LookupFailed(u32);

/// Fails on multiples of 3 (0, 3, 6, ...) and panics on 7.
async fn flaky_lookup(id: u32) -> Result<String, LookupFailed> {
    if id == 7 {
        panic!("lookup of 7 panicked");
    }
    if id % 3 == 0 {
        Err(LookupFailed(id))
    } else {
        Ok(format!("item-{id}"))
    }
}

fn limit(n: usize) -> ConcurrencyLimit {
    ConcurrencyLimit::new(n).unwrap()
}

#[test]
fn fail_run_stops_with_an_error_naming_the_step_and_the_record() {
    let after_calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&after_calls);
    let pipeline = Pipeline::new(Enrich::new("lookup", limit(1), flaky_lookup)).then(Map::new(
        "after",
        move |item: String| {
            counter.fetch_add(1, Ordering::SeqCst);
            item
        },
    ));
    let ctx = PipelineContext::new(ManualClock::new());

    let error = block_on(pipeline.run(vec![1, 2, 3, 4], &ctx)).unwrap_err();

    assert_eq!(error.step(), "lookup");
    assert_eq!(error.position(), Some(&RecordPosition::Index(2)));
    assert_eq!(
        error.to_string(),
        "step `lookup`, record #2: lookup of 3 failed (the run stopped)"
    );
    let PipelineError::Record { source, .. } = &error else {
        panic!("expected a record error, got {error:?}");
    };
    assert_eq!(
        source.downcast_ref::<LookupFailed>(),
        Some(&LookupFailed(3))
    );
    // The later step never ran, and the failing step says what it finished.
    assert_eq!(after_calls.load(Ordering::SeqCst), 0);
    let steps = ctx.steps();
    assert_eq!(steps.len(), 1);
    assert_eq!((steps[0].records_out, steps[0].failed), (2, 1));
    assert!(steps[0].finished);
    assert!(ctx.skipped().is_empty() && ctx.dead_letters().is_empty());
}

#[test]
fn skip_leaves_failed_records_out_and_reports_their_errors() {
    let pipeline = Pipeline::new(
        Enrich::new("lookup", limit(4), flaky_lookup).on_failure(FailurePolicy::Skip),
    );
    let ctx = PipelineContext::new(ManualClock::new());

    let out = block_on(pipeline.run((1..=8).collect(), &ctx)).unwrap();

    assert_eq!(out, ["item-1", "item-2", "item-4", "item-5", "item-8"]);
    let mut skipped: Vec<_> = ctx
        .skipped()
        .iter()
        .map(|failure| (failure.position().clone(), failure.error().to_string()))
        .collect();
    skipped.sort_by_key(|(position, _)| position.to_string());
    assert_eq!(
        skipped,
        [
            (RecordPosition::Index(2), "lookup of 3 failed".to_owned()),
            (RecordPosition::Index(5), "lookup of 6 failed".to_owned()),
            (RecordPosition::Index(6), "lookup of 7 panicked".to_owned()),
        ]
    );
    assert!(
        ctx.skipped()
            .iter()
            .all(|failure| failure.record().is_none()
                && failure.disposition() == Disposition::Skipped
                && failure.step() == "lookup")
    );
    let stats = &ctx.steps()[0];
    assert_eq!(
        (
            stats.records_in,
            stats.records_out,
            stats.failed,
            stats.skipped
        ),
        (8, 5, 3, 3)
    );
}

#[test]
fn dead_letters_keep_the_record_and_its_error() {
    #[derive(Debug, serde::Serialize)]
    struct Customer {
        id: u32,
        name: &'static str,
    }
    let pipeline = Pipeline::new(
        Enrich::new("lookup", limit(2), |customer: Customer| async move {
            flaky_lookup(customer.id).await
        })
        .on_failure(FailurePolicy::DeadLetter),
    );
    let ctx = PipelineContext::new(ManualClock::new());
    let input = vec![
        Customer { id: 1, name: "ada" },
        Customer { id: 3, name: "bob" },
        Customer { id: 7, name: "cy" },
    ];

    let out = block_on(pipeline.run(input, &ctx)).unwrap();

    assert_eq!(out, ["item-1"]);
    let mut letters = ctx.dead_letters();
    letters.sort_by_key(|letter| letter.position().to_string());
    assert_eq!(letters.len(), 2);
    assert_eq!(
        letters[0].record(),
        Some(&DeadRecord::Json(
            serde_json::json!({"id": 3, "name": "bob"})
        ))
    );
    assert_eq!(
        letters[0].error().downcast_ref::<LookupFailed>(),
        Some(&LookupFailed(3))
    );
    assert_eq!(
        letters[1].record(),
        Some(&DeadRecord::Json(
            serde_json::json!({"id": 7, "name": "cy"})
        ))
    );
    let panic = letters[1].error().downcast_ref::<Panicked>().unwrap();
    assert_eq!(panic.message(), "lookup of 7 panicked");
    let stats = &ctx.steps()[0];
    assert_eq!(
        (stats.failed, stats.dead_lettered, stats.skipped),
        (2, 2, 0)
    );
    assert!(
        ctx.report()
            .to_string()
            .contains("DeadLettered: step `lookup`, record #1")
    );
}

#[test]
fn a_panic_while_making_the_future_is_a_failure_too() {
    fn eager(id: u32) -> std::future::Ready<Result<u32, Infallible>> {
        assert!(id != 2, "refused {id} before any await");
        std::future::ready(Ok(id))
    }
    let pipeline =
        Pipeline::new(Enrich::new("eager", limit(3), eager).on_failure(FailurePolicy::Skip));
    let ctx = PipelineContext::new(ManualClock::new());
    let out = block_on(pipeline.run(vec![1, 2, 3], &ctx)).unwrap();
    assert_eq!(out, [1, 3]);
    assert_eq!(
        ctx.skipped()[0].error().to_string(),
        "refused 2 before any await"
    );
}

#[test]
fn try_map_policies_apply_per_record() {
    let parse = |text: &str| text.parse::<i32>();
    let ctx = PipelineContext::new(ManualClock::new());
    let error = block_on(Pipeline::new(TryMap::new("parse", parse)).run(vec!["1", "x", "y"], &ctx))
        .unwrap_err();
    assert_eq!(error.position(), Some(&RecordPosition::Index(1)));
    // FailRun stopped at the first bad record: the one after it was never looked at.
    assert_eq!(ctx.steps()[0].in_flight(), 1);

    let ctx = PipelineContext::new(ManualClock::new());
    let pipeline = Pipeline::new(TryMap::new("parse", parse).on_failure(FailurePolicy::DeadLetter));
    let out = block_on(pipeline.run(vec!["1", "x", "3"], &ctx)).unwrap();
    assert_eq!(out, [1, 3]);
    assert_eq!(ctx.dead_letters()[0].position(), &RecordPosition::Index(1));
}

#[test]
fn a_failed_batch_fails_each_of_its_records_at_its_own_index() {
    let step = Batch::new("insert", 3, limit(2), |rows: Vec<u32>| async move {
        if rows.contains(&4) {
            Err(LookupFailed(4))
        } else {
            Ok(rows)
        }
    })
    .unwrap()
    .on_failure(FailurePolicy::DeadLetter);
    let ctx = PipelineContext::new(ManualClock::new());

    let out = block_on(Pipeline::new(step).run((0..8).collect(), &ctx)).unwrap();

    assert_eq!(out, [0, 1, 2, 6, 7]);
    let mut positions: Vec<_> = ctx
        .dead_letters()
        .iter()
        .map(|letter| (letter.position().clone(), letter.record().cloned()))
        .collect();
    positions.sort_by_key(|(position, _)| position.to_string());
    assert_eq!(
        positions,
        (3..6)
            .map(|i| (
                RecordPosition::Index(i),
                Some(DeadRecord::Json(serde_json::json!(i)))
            ))
            .collect::<Vec<_>>()
    );
    assert!(ctx.steps()[0].is_balanced());
}

#[test]
fn a_failed_batch_under_fail_run_names_the_batch_and_counts_all_its_records() {
    let step = Batch::new("insert", 4, limit(1), |rows: Vec<u32>| async move {
        // Returns one record too few for the second batch.
        Ok::<_, Infallible>(if rows[0] == 4 {
            rows[1..].to_vec()
        } else {
            rows
        })
    })
    .unwrap();
    let ctx = PipelineContext::new(ManualClock::new());

    let error = block_on(Pipeline::new(step).run((0..10).collect(), &ctx)).unwrap_err();

    assert_eq!(
        error.position(),
        Some(&RecordPosition::Batch {
            batch: 1,
            first: 4,
            len: 4
        })
    );
    assert!(
        error.to_string().contains("batch #1 (records #4..#7)"),
        "{error}"
    );
    let PipelineError::Record { source, .. } = &error else {
        panic!("expected a record error");
    };
    assert_eq!(
        source.downcast_ref::<BatchLengthMismatch>(),
        Some(&BatchLengthMismatch {
            expected: 4,
            returned: 3
        })
    );
    let stats = &ctx.steps()[0];
    // The first batch went out; the second failed as a whole; the third never started.
    assert_eq!(
        (stats.records_in, stats.records_out, stats.failed),
        (8, 4, 4)
    );
    assert!(stats.is_balanced());
}

#[test]
fn batch_size_zero_is_an_error() {
    let made = Batch::new("zero", 0, limit(1), |rows: Vec<u8>| async move {
        Ok::<_, Infallible>(rows)
    });
    assert!(made.is_err());
}

/// Random failures and panics in every kind of step, across many seeds: each step's counts
/// add up, the failure lists match the counts, and the output holds exactly the survivors.
#[test]
fn no_record_disappears_under_random_failures() {
    for seed in 0..40_u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let records: Vec<u32> = (0..rng.random_range(0..200)).collect();
        // Each record's fate in each step, drawn up front so the expected output is known.
        let fates: Vec<[u8; 3]> = records
            .iter()
            .map(|_| {
                [
                    rng.random_range(0..10),
                    rng.random_range(0..10),
                    rng.random_range(0..10),
                ]
            })
            .collect();
        let fates = Arc::new(fates);
        let (enrich_fates, batch_fates, filter_fates) =
            (Arc::clone(&fates), Arc::clone(&fates), Arc::clone(&fates));
        let policies = [FailurePolicy::Skip, FailurePolicy::DeadLetter];
        let pipeline = Pipeline::new(
            Enrich::new("enrich", limit(rng.random_range(1..16)), move |id: u32| {
                let fate = enrich_fates[id as usize][0];
                async move {
                    match fate {
                        0 => Err(LookupFailed(id)),
                        1 => panic!("record {id} panicked"),
                        _ => Ok(id),
                    }
                }
            })
            .on_failure(policies[rng.random_range(0..2)]),
        )
        .then(Filter::new("filter", move |id: &u32| {
            filter_fates[*id as usize][2] != 0
        }))
        .then(
            Batch::new(
                "batch",
                rng.random_range(1..8),
                limit(rng.random_range(1..4)),
                move |ids: Vec<u32>| {
                    let fails = ids.iter().any(|id| batch_fates[*id as usize][1] == 0);
                    async move {
                        if fails {
                            Err(LookupFailed(ids[0]))
                        } else {
                            Ok(ids)
                        }
                    }
                },
            )
            .unwrap()
            .on_failure(policies[rng.random_range(0..2)]),
        );
        let ctx = PipelineContext::new(ManualClock::new());

        let out = block_on(pipeline.run(records.clone(), &ctx)).unwrap();

        let steps = ctx.steps();
        let failures = ctx.report().failures;
        for (index, step) in steps.iter().enumerate() {
            assert!(step.is_balanced(), "seed {seed}: {step:?}");
            assert_eq!(
                step.failed,
                step.skipped + step.dead_lettered,
                "seed {seed}"
            );
            let listed = failures.iter().filter(|f| f.step_index() == index).count() as u64;
            assert_eq!(listed, step.failed, "seed {seed}: step {}", step.name);
        }
        assert_eq!(steps[0].records_in, records.len() as u64);
        for pair in steps.windows(2) {
            assert_eq!(pair[0].records_out, pair[1].records_in, "seed {seed}");
        }
        assert_eq!(steps[2].records_out, out.len() as u64);
        // Survivors come out in input order, and only survivors of the first two steps.
        assert!(out.windows(2).all(|pair| pair[0] < pair[1]), "seed {seed}");
        assert!(
            out.iter()
                .all(|&id| fates[id as usize][0] > 1 && fates[id as usize][2] != 0),
            "seed {seed}"
        );
    }
}
