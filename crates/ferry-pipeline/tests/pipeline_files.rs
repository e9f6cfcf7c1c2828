//! Reading CSV and JSON Lines with malformed rows and lines, and writing JSON Lines, through
//! the FileSystem trait (an in-memory one here).

mod pipeline_support;

use std::path::PathBuf;

use ferry_fs::FsError;
use ferry_pipeline::{
    CsvRowError, CsvRowErrorKind, DeadRecord, FailurePolicy, JsonLineError, Map, Pipeline,
    PipelineContext, PipelineError, ReadCsv, ReadJsonLines, RecordPosition, TryMap, WriteJsonLines,
    WriteStyle,
};
use futures::executor::block_on;
use pipeline_support::{ManualClock, MemFs};

#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
struct Product {
    sku: String,
    price: f64,
    stock: u32,
}

const PRODUCTS: &str = "sku,price,stock\n\
                        a1,2.5,10\n\
                        a2,3.0\n\
                        a3,cheap,4\n\
                        \n\
                        a4,1.25,7,extra\n\
                        a5,9.99,0\n";

fn product(sku: &str, price: f64, stock: u32) -> Product {
    Product {
        sku: sku.into(),
        price,
        stock,
    }
}

fn line(path: &str, line: u64) -> RecordPosition {
    RecordPosition::Line {
        path: path.into(),
        line,
    }
}

fn csv_errors(ctx: &PipelineContext) -> Vec<CsvRowError> {
    ctx.report()
        .failures
        .iter()
        .map(|failure| {
            failure
                .error()
                .downcast_ref::<CsvRowError>()
                .unwrap()
                .clone()
        })
        .collect()
}

#[test]
fn malformed_csv_rows_are_reported_with_line_numbers_and_the_rest_is_read() {
    let fs = MemFs::default().with_file("products.csv", PRODUCTS);
    let read = ReadCsv::<Product, _>::new("read", fs).on_failure(FailurePolicy::Skip);
    let ctx = PipelineContext::new(ManualClock::new());

    let products = block_on(Pipeline::new(read).run(vec!["products.csv"], &ctx)).unwrap();

    assert_eq!(products, [product("a1", 2.5, 10), product("a5", 9.99, 0)]);
    let errors = csv_errors(&ctx);
    let summary: Vec<_> = errors.iter().map(|e| (e.line, e.kind.clone())).collect();
    assert_eq!(
        summary[0],
        (
            3,
            CsvRowErrorKind::FieldCount {
                expected: 3,
                found: 2
            }
        )
    );
    assert!(
        matches!(&summary[1], (4, CsvRowErrorKind::Field { field, .. }) if field == "price"),
        "{summary:?}"
    );
    assert_eq!(
        summary[2],
        (
            6,
            CsvRowErrorKind::FieldCount {
                expected: 3,
                found: 4
            }
        )
    );
    assert_eq!(summary.len(), 3);
    assert_eq!(
        errors[0].to_string(),
        "products.csv, line 3: expected 3 fields, found 2"
    );
    assert_eq!(ctx.skipped()[1].position(), &line("products.csv", 4));
    // Rows are counted (not the header, not the blank line), and they add up.
    let stats = &ctx.steps()[0];
    assert_eq!(
        (stats.records_in, stats.records_out, stats.failed),
        (5, 2, 3)
    );
}

#[test]
fn dead_lettered_csv_rows_keep_their_text() {
    let fs = MemFs::default().with_file("products.csv", PRODUCTS);
    let read = ReadCsv::<Product, _>::new("read", fs).on_failure(FailurePolicy::DeadLetter);
    let ctx = PipelineContext::new(ManualClock::new());
    block_on(Pipeline::new(read).run(vec!["products.csv"], &ctx)).unwrap();
    let texts: Vec<_> = ctx
        .dead_letters()
        .iter()
        .map(|letter| letter.record().cloned())
        .collect();
    assert_eq!(
        texts,
        [
            Some(DeadRecord::Text("a2,3.0".into())),
            Some(DeadRecord::Text("a3,cheap,4".into())),
            Some(DeadRecord::Text("a4,1.25,7,extra".into())),
        ]
    );
}

#[test]
fn the_first_malformed_csv_row_fails_the_run_under_fail_run() {
    let fs = MemFs::default().with_file("products.csv", PRODUCTS);
    let ctx = PipelineContext::new(ManualClock::new());
    let error = block_on(
        Pipeline::new(ReadCsv::<Product, _>::new("read", fs)).run(vec!["products.csv"], &ctx),
    )
    .unwrap_err();
    assert_eq!(error.step(), "read");
    assert_eq!(error.position(), Some(&line("products.csv", 3)));
    assert_eq!(
        error.to_string(),
        "step `read`: products.csv, line 3: expected 3 fields, found 2 (the run stopped)"
    );
}

#[test]
fn line_numbers_stay_right_after_quoted_fields_that_span_lines() {
    let text = "sku,price,stock\n\"a1\nsecond line\",2.5,1\n\na2,oops,2\n";
    let fs = MemFs::default().with_file("q.csv", text);
    let read = ReadCsv::<Product, _>::new("read", fs).on_failure(FailurePolicy::Skip);
    let ctx = PipelineContext::new(ManualClock::new());
    let rows = block_on(Pipeline::new(read).run(vec!["q.csv"], &ctx)).unwrap();
    assert_eq!(rows, [product("a1\nsecond line", 2.5, 1)]);
    // Header on 1, the quoted row on 2-3, a blank line on 4, the bad row on 5.
    assert_eq!(csv_errors(&ctx)[0].line, 5);
}

#[test]
fn an_empty_csv_file_or_one_with_only_a_header_gives_no_records() {
    let fs = MemFs::default()
        .with_file("empty.csv", "")
        .with_file("header.csv", "sku,price,stock\n");
    let ctx = PipelineContext::new(ManualClock::new());
    let read = Pipeline::new(ReadCsv::<Product, _>::new("read", fs));
    let rows = block_on(read.run(vec!["empty.csv", "header.csv"], &ctx)).unwrap();
    assert!(rows.is_empty());
    assert_eq!(ctx.steps()[0].records_in, 0);
}

#[test]
fn csv_without_headers_maps_fields_by_position_and_names_columns_by_number() {
    let fs = MemFs::default().with_file("rows.tsv", "a1\t2.5\t10\na2\t1.0\tmany\n");
    let read = ReadCsv::<(String, f64, u32), _>::new("read", fs)
        .has_headers(false)
        .delimiter(b'\t')
        .on_failure(FailurePolicy::Skip);
    let ctx = PipelineContext::new(ManualClock::new());
    let rows = block_on(Pipeline::new(read).run(vec!["rows.tsv"], &ctx)).unwrap();
    assert_eq!(rows, [("a1".to_owned(), 2.5, 10)]);
    let errors = csv_errors(&ctx);
    assert_eq!(errors[0].line, 2);
    assert!(
        matches!(&errors[0].kind, CsvRowErrorKind::Field { field, .. } if field == "3"),
        "{errors:?}"
    );
}

#[test]
fn a_csv_column_missing_from_the_header_fails_every_row_by_name() {
    let fs = MemFs::default().with_file("p.csv", "sku,price\na1,2.5\n");
    let read = ReadCsv::<Product, _>::new("read", fs).on_failure(FailurePolicy::Skip);
    let ctx = PipelineContext::new(ManualClock::new());
    let rows = block_on(Pipeline::new(read).run(vec!["p.csv"], &ctx)).unwrap();
    assert!(rows.is_empty());
    let errors = csv_errors(&ctx);
    assert!(errors[0].to_string().contains("stock"), "{}", errors[0]);
}

#[test]
fn several_files_are_read_in_order_and_a_missing_one_fails_the_step() {
    let fs = MemFs::default()
        .with_file("one.csv", "sku,price,stock\nx,1,1\n")
        .with_file("two.csv", "sku,price,stock\ny,2,2\n");
    let ctx = PipelineContext::new(ManualClock::new());
    let read = Pipeline::new(ReadCsv::<Product, _>::new("read", fs.clone()));
    let rows = block_on(read.run(vec!["one.csv", "two.csv"], &ctx)).unwrap();
    assert_eq!(rows, [product("x", 1.0, 1), product("y", 2.0, 2)]);

    let ctx = PipelineContext::new(ManualClock::new());
    let error = block_on(read.run(vec!["one.csv", "none.csv"], &ctx)).unwrap_err();
    let PipelineError::Step { step, source } = &error else {
        panic!("expected a step error, got {error:?}");
    };
    assert_eq!(step, "read");
    assert!(source.downcast_ref::<FsError>().unwrap().is_not_found());
}

#[test]
fn invalid_json_lines_are_reported_with_line_numbers_and_the_rest_is_read() {
    let text = "{\"sku\":\"a1\",\"price\":2.5,\"stock\":1}\n\
                {\"sku\":\"a2\",\"price\":\n\
                \r\n\
                {\"sku\":\"a3\",\"price\":\"free\",\"stock\":1}\n\
                {\"sku\":\"a4\",\"price\":4.0,\"stock\":4}\r\n";
    let fs = MemFs::default().with_file("in.jsonl", text);
    let read = ReadJsonLines::<Product, _>::new("read", fs).on_failure(FailurePolicy::DeadLetter);
    let ctx = PipelineContext::new(ManualClock::new());

    let rows = block_on(Pipeline::new(read).run(vec![PathBuf::from("in.jsonl")], &ctx)).unwrap();

    assert_eq!(rows, [product("a1", 2.5, 1), product("a4", 4.0, 4)]);
    let letters = ctx.dead_letters();
    let errors: Vec<_> = letters
        .iter()
        .map(|letter| letter.error().downcast_ref::<JsonLineError>().unwrap())
        .collect();
    assert_eq!((errors[0].line, errors[1].line), (2, 4));
    assert!(errors[0].message.contains("EOF"), "{}", errors[0]);
    assert!(errors[1].message.contains("invalid type"), "{}", errors[1]);
    assert!(errors[1].column > 1);
    assert_eq!(letters[0].position(), &line("in.jsonl", 2));
    assert_eq!(
        letters[0].record(),
        Some(&DeadRecord::Text("{\"sku\":\"a2\",\"price\":".into()))
    );
    let stats = &ctx.steps()[0];
    assert_eq!(
        (stats.records_in, stats.records_out, stats.failed),
        (4, 2, 2)
    );
}

fn products() -> Vec<Product> {
    vec![product("a1", 2.5, 1), product("a2", 3.0, 2)]
}

#[test]
fn json_lines_are_written_atomically_or_streaming_with_the_same_content() {
    for style in [WriteStyle::Atomic, WriteStyle::Streaming] {
        let fs = MemFs::default().with_file("out.jsonl", "old content\n");
        let write = WriteJsonLines::new("write", fs.clone(), "out.jsonl").style(style);
        let ctx = PipelineContext::new(ManualClock::new());

        let passed_on = block_on(Pipeline::new(write).run(products(), &ctx)).unwrap();

        assert_eq!(passed_on, products());
        assert_eq!(
            fs.contents("out.jsonl").unwrap(),
            "{\"sku\":\"a1\",\"price\":2.5,\"stock\":1}\n{\"sku\":\"a2\",\"price\":3.0,\"stock\":2}\n",
            "{style:?}"
        );
        // No temporary file is left beside the target.
        assert_eq!(fs.paths(), [PathBuf::from("out.jsonl")], "{style:?}");
        assert_eq!(ctx.steps()[0].records_out, 2);
    }
}

#[test]
fn records_that_cannot_be_serialized_are_failed_records_left_out_of_the_file() {
    use std::collections::BTreeMap;
    // Maps with non-string keys cannot be JSON objects.
    let good: BTreeMap<String, u8> = [("a".to_owned(), 1)].into();
    let input = vec![
        Ok(good.clone()),
        Err([((1, 2), 3)]
            .into_iter()
            .collect::<BTreeMap<(u8, u8), u8>>()),
        Ok(good),
    ];
    let fs = MemFs::default();
    let write = WriteJsonLines::new("write", fs.clone(), "out.jsonl")
        .style(WriteStyle::Streaming)
        .on_failure(FailurePolicy::Skip);
    let ctx = PipelineContext::new(ManualClock::new());
    let out = block_on(Pipeline::new(write).run(input, &ctx)).unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(
        fs.contents("out.jsonl").unwrap(),
        "{\"Ok\":{\"a\":1}}\n{\"Ok\":{\"a\":1}}\n"
    );
    assert_eq!(ctx.skipped()[0].position(), &RecordPosition::Index(1));
}

#[test]
fn a_file_that_cannot_be_written_fails_the_step_and_an_atomic_write_leaves_the_old_file() {
    for style in [WriteStyle::Atomic, WriteStyle::Streaming] {
        let fs = MemFs::default()
            .with_file("out.jsonl", "old\n")
            .refusing_writes_to("out.jsonl");
        let write = WriteJsonLines::new("write", fs.clone(), "out.jsonl").style(style);
        let ctx = PipelineContext::new(ManualClock::new());
        let error = block_on(Pipeline::new(write).run(products(), &ctx)).unwrap_err();
        assert!(matches!(error, PipelineError::Step { .. }), "{error:?}");
        assert_eq!(fs.contents("out.jsonl").unwrap(), "old\n", "{style:?}");
    }
}

#[test]
fn read_transform_write_round_trip() {
    let fs = MemFs::default().with_file("products.csv", PRODUCTS);
    let pipeline = Pipeline::new(
        ReadCsv::<Product, _>::new("read", fs.clone()).on_failure(FailurePolicy::Skip),
    )
    .then(Map::new("discount", |mut p: Product| {
        p.price = (p.price * 0.5 * 100.0).round() / 100.0;
        p
    }))
    .then(WriteJsonLines::new("write", fs.clone(), "out.jsonl"))
    .then(TryMap::new("check", |p: Product| {
        serde_json::to_string(&p).map(|_| p.sku)
    }));
    let ctx = PipelineContext::new(ManualClock::new());
    let skus = block_on(pipeline.run(vec!["products.csv"], &ctx)).unwrap();
    assert_eq!(skus, ["a1", "a5"]);

    let back = ReadJsonLines::<Product, _>::new("read back", fs);
    let ctx = PipelineContext::new(ManualClock::new());
    let rows = block_on(Pipeline::new(back).run(vec!["out.jsonl"], &ctx)).unwrap();
    assert_eq!(rows, [product("a1", 1.25, 10), product("a5", 5.0, 0)]);
}
