//! The streaming forms: JSON Lines read a chunk at a time, enrich as records come, write as
//! they come; the same counts, line numbers and policies as the batch forms.

mod pipeline_support;

use std::convert::Infallible;
use std::fmt::Write as _;

use ferry_core::ConcurrencyLimit;
use ferry_fs::FsError;
use ferry_pipeline::{
    Enrich, FailurePolicy, JsonLineError, PipelineContext, PipelineError, ReadJsonLines,
    RecordPosition, WriteJsonLines, WriteStyle,
};
use futures::executor::block_on;
use futures::{StreamExt, TryStreamExt};
use pipeline_support::{ManualClock, MemFs};

#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
struct Row {
    id: u32,
    text: String,
}

/// 5,000 rows of about 60 bytes (several 64 KiB chunks, so lines straddle chunk ends), with
/// invalid lines at 1,000, 2,345 and the very last line, which has no `\n`.
fn big_file() -> (String, Vec<u64>) {
    let mut text = String::new();
    let bad = vec![1_000, 2_345, 5_000];
    for line in 1..=5_000_u64 {
        if bad.contains(&line) {
            text.push_str("{\"id\": oops");
        } else {
            write!(text, "{{\"id\":{line},\"text\":\"{}\"}}", "x".repeat(40)).unwrap();
        }
        if line < 5_000 {
            text.push('\n');
        }
    }
    (text, bad)
}

#[test]
fn a_streamed_file_yields_every_valid_line_in_order_and_reports_the_rest_by_line() {
    let (text, bad) = big_file();
    let fs = MemFs::default().with_file("big.jsonl", &text);
    let read = ReadJsonLines::<Row, _>::new("read", fs).on_failure(FailurePolicy::Skip);
    let ctx = PipelineContext::new(ManualClock::new());

    let rows: Vec<Row> = block_on(read.stream("big.jsonl", &ctx).try_collect()).unwrap();

    assert_eq!(rows.len(), 4_997);
    let ids: Vec<u64> = rows.iter().map(|row| u64::from(row.id)).collect();
    let expected: Vec<u64> = (1..=5_000).filter(|line| !bad.contains(line)).collect();
    assert_eq!(ids, expected);
    let lines: Vec<u64> = ctx
        .skipped()
        .iter()
        .map(|f| f.error().downcast_ref::<JsonLineError>().unwrap().line)
        .collect();
    assert_eq!(lines, bad);
    let stats = &ctx.steps()[0];
    assert!(stats.finished && stats.is_balanced());
    assert_eq!(stats.records_in, 5_000);
}

#[test]
fn a_streamed_read_under_fail_run_yields_the_error_and_ends() {
    let (text, _) = big_file();
    let fs = MemFs::default().with_file("big.jsonl", &text);
    let read = ReadJsonLines::<Row, _>::new("read", fs);
    let ctx = PipelineContext::new(ManualClock::new());
    let items: Vec<_> = block_on(read.stream("big.jsonl", &ctx).collect());
    assert_eq!(items.len(), 1_000, "999 rows, then the error");
    let error = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!(
        error.position(),
        Some(&RecordPosition::Line {
            path: "big.jsonl".into(),
            line: 1_000
        })
    );
}

#[test]
fn a_missing_file_is_a_step_error_from_the_stream() {
    let read = ReadJsonLines::<Row, _>::new("read", MemFs::default());
    let ctx = PipelineContext::new(ManualClock::new());
    let items: Vec<_> = block_on(read.stream("none.jsonl", &ctx).collect());
    let [Err(PipelineError::Step { source, .. })] = items.as_slice() else {
        panic!("expected one step error, got {items:?}");
    };
    assert!(source.downcast_ref::<FsError>().unwrap().is_not_found());
}

#[test]
fn streamed_enrichment_keeps_order_and_applies_the_policy() {
    let enrich = Enrich::new(
        "check",
        ConcurrencyLimit::new(4).unwrap(),
        |n: u32| async move {
            if n % 5 == 0 {
                Err(std::io::Error::other(format!("{n} is a multiple of 5")))
            } else {
                Ok(n * 10)
            }
        },
    );
    let ctx = PipelineContext::new(ManualClock::new());
    let skip = enrich.on_failure(FailurePolicy::DeadLetter);
    let out: Vec<u32> = block_on(
        skip.stream(futures::stream::iter(1..=12).map(Ok), &ctx)
            .try_collect(),
    )
    .unwrap();
    assert_eq!(out, [10, 20, 30, 40, 60, 70, 80, 90, 110, 120]);
    assert_eq!(ctx.dead_letters().len(), 2);
    assert!(ctx.steps()[0].is_balanced() && ctx.steps()[0].finished);

    let fail = Enrich::new(
        "check",
        ConcurrencyLimit::new(4).unwrap(),
        |n: u32| async move {
            if n == 3 {
                Err(std::io::Error::other("three"))
            } else {
                Ok(n)
            }
        },
    );
    let ctx = PipelineContext::new(ManualClock::new());
    let items: Vec<_> = block_on(
        fail.stream(futures::stream::iter(1..=12).map(Ok), &ctx)
            .collect(),
    );
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[2].as_ref().unwrap_err().position(),
        Some(&RecordPosition::Index(2))
    );
}

#[test]
fn write_stream_writes_each_record_in_both_styles() {
    for style in [WriteStyle::Atomic, WriteStyle::Streaming] {
        let fs = MemFs::default();
        let write = WriteJsonLines::new("write", fs.clone(), "out.jsonl").style(style);
        let ctx = PipelineContext::new(ManualClock::new());
        let rows = (0..3).map(|id| {
            Ok(Row {
                id,
                text: "t".into(),
            })
        });
        let written = block_on(write.write_stream(futures::stream::iter(rows), &ctx)).unwrap();
        assert_eq!(written, 3);
        assert_eq!(
            fs.contents("out.jsonl").unwrap().lines().count(),
            3,
            "{style:?}"
        );
        assert_eq!(ctx.steps()[0].records_out, 3);
    }
}

#[test]
fn an_upstream_error_stops_an_atomic_write_stream_and_leaves_the_old_file() {
    let fs = MemFs::default().with_file("out.jsonl", "old\n");
    let write = WriteJsonLines::new("write", fs.clone(), "out.jsonl");
    let ctx = PipelineContext::new(ManualClock::new());
    let upstream = ctx.begin_step("upstream");
    let failure = upstream.step_error(std::io::Error::other("source went away"));
    let items = vec![
        Ok(Row {
            id: 1,
            text: "a".into(),
        }),
        Err(failure),
    ];
    let error = block_on(write.write_stream(futures::stream::iter(items), &ctx)).unwrap_err();
    assert_eq!(error.step(), "upstream");
    assert_eq!(fs.contents("out.jsonl").unwrap(), "old\n");
}

#[test]
fn an_upstream_error_passes_through_enrich_and_stops_the_write() {
    let read = ReadJsonLines::<Row, _>::new("read", MemFs::default());
    let enrich = Enrich::new(
        "same",
        ConcurrencyLimit::new(2).unwrap(),
        |row: Row| async move { Ok::<_, Infallible>(row) },
    );
    let fs = MemFs::default();
    let write = WriteJsonLines::new("write", fs.clone(), "out.jsonl");
    let ctx = PipelineContext::new(ManualClock::new());
    let rows = read.stream("missing.jsonl", &ctx);
    let error = block_on(write.write_stream(enrich.stream(rows, &ctx), &ctx)).unwrap_err();
    assert_eq!(error.step(), "read");
    assert!(fs.contents("out.jsonl").is_none());
    assert!(ctx.steps().iter().all(|s| s.finished && s.records_in == 0));
}

#[test]
fn a_whole_streaming_chain_counts_each_step() {
    let (text, _) = big_file();
    let fs = MemFs::default().with_file("big.jsonl", &text);
    let read = ReadJsonLines::<Row, _>::new("read", fs.clone()).on_failure(FailurePolicy::Skip);
    let enrich = Enrich::new(
        "upper",
        ConcurrencyLimit::new(16).unwrap(),
        |row: Row| async move {
            Ok::<_, Infallible>(Row {
                id: row.id,
                text: row.text.to_uppercase(),
            })
        },
    );
    let write = WriteJsonLines::new("write", fs.clone(), "out.jsonl").style(WriteStyle::Streaming);
    let ctx = PipelineContext::new(ManualClock::new());

    let rows = read.stream("big.jsonl", &ctx);
    let written = block_on(write.write_stream(enrich.stream(rows, &ctx), &ctx)).unwrap();

    assert_eq!(written, 4_997);
    let names: Vec<_> = ctx
        .steps()
        .into_iter()
        .map(|s| (s.name, s.records_out))
        .collect();
    assert_eq!(
        names,
        [
            ("read".to_owned(), 4_997),
            ("upper".to_owned(), 4_997),
            ("write".to_owned(), 4_997)
        ]
    );
    assert!(ctx.steps().iter().all(|s| s.finished && s.is_balanced()));
    let out = fs.contents("out.jsonl").unwrap();
    assert!(out.lines().next().unwrap().contains("XXXX"));
}
