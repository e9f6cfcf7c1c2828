//! Enrich a CSV file into JSON Lines with a progress bar: the asyncio lessons' `AsyncStep`
//! pipeline with a `PipelineContext`, in ferry.
//!
//! Writes 400 orders (three of them malformed) to a CSV file in a temporary directory, then
//! runs: read the CSV (malformed rows are skipped and reported with their line numbers) ->
//! enrich each order by a simulated 25 ms API call, 20 at a time (a few lookups fail and go
//! to the dead-letter list) -> store in batches of 20, 5 batches at a time (a simulated bulk
//! insert) -> write JSON Lines atomically. Each step draws its own progress bar, and the run
//! ends with the context's report.
//!
//! Run it with `cargo run --example pipeline_enrich`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use ferry::fs::FileSystem;
use ferry::pipeline::{
    Batch, DeadRecord, Enrich, FailurePolicy, Pipeline, PipelineContext, Progress,
    ProgressThrottle, ReadCsv, WriteJsonLines,
};
use ferry::tokio::TokioRuntime;
use ferry::{ConcurrencyLimit, Timer};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

const ORDERS: u32 = 400;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Order {
    id: u32,
    customer_id: u32,
    amount: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct EnrichedOrder {
    id: u32,
    amount: f64,
    customer: String,
    country: String,
    stored_as: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
#[error("customer {0} not found (HTTP 404)")]
struct CustomerNotFound(u32);

/// Stands in for an HTTP lookup: 25 ms, and customers whose id is a multiple of 37 are
/// missing. The tour plugs a real HTTP call in here.
async fn lookup_customer(
    rt: TokioRuntime,
    order: Order,
) -> Result<EnrichedOrder, CustomerNotFound> {
    rt.sleep(Duration::from_millis(25)).await;
    if order.customer_id % 37 == 0 {
        return Err(CustomerNotFound(order.customer_id));
    }
    Ok(EnrichedOrder {
        id: order.id,
        amount: order.amount,
        customer: format!("Customer {}", order.customer_id),
        country: ["NL", "DE", "FR", "PT"][order.customer_id as usize % 4].to_owned(),
        stored_as: None,
    })
}

/// Stands in for a bulk insert: 40 ms per batch, returns each row's new id.
async fn store_batch(
    rt: TokioRuntime,
    mut rows: Vec<EnrichedOrder>,
) -> Result<Vec<EnrichedOrder>, std::io::Error> {
    rt.sleep(Duration::from_millis(40)).await;
    for row in &mut rows {
        row.stored_as = Some(10_000 + u64::from(row.id));
    }
    Ok(rows)
}

fn orders_csv() -> String {
    let mut csv = String::from("id,customer_id,amount\n");
    for id in 0..ORDERS {
        match id {
            57 => csv.push_str("57,12\n"),
            123 => csv.push_str("123,55,twelve\n"),
            301 => csv.push_str("301,7,3.50,extra\n"),
            _ => writeln!(csv, "{id},{},{:.2}", (id * 7) % 150, f64::from(id) * 1.25).unwrap(),
        }
    }
    csv
}

/// One bar per step, made when the step first reports.
fn progress_bars() -> impl Fn(&Progress) + Send + Sync + 'static {
    let multi = MultiProgress::new();
    let style = ProgressStyle::with_template("{prefix:>8} [{bar:30}] {pos:>4}/{len:4} {msg}")
        .expect("valid template")
        .progress_chars("=> ");
    let bars: Mutex<HashMap<usize, ProgressBar>> = Mutex::new(HashMap::new());
    move |progress: &Progress| {
        let mut bars = bars.lock().unwrap();
        let bar = bars.entry(progress.step_index).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new(0));
            bar.set_style(style.clone());
            bar.set_prefix(progress.step.clone());
            bar
        });
        bar.set_length(progress.total.unwrap_or(progress.done));
        bar.set_position(progress.done);
        bar.set_message(format!(
            "{} failed, {:.0}/s",
            progress.failed, progress.rate_per_second
        ));
        if progress.finished {
            bar.finish();
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = TokioRuntime::current();
    let fs = rt.fs();
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("orders.csv");
    let output = dir.path().join("orders.jsonl");
    fs.write(&input, orders_csv().as_bytes()).await?;

    let lookup_rt = rt.clone();
    let store_rt = rt.clone();
    let pipeline =
        Pipeline::new(ReadCsv::<Order, _>::new("read", fs.clone()).on_failure(FailurePolicy::Skip))
            .then(
                Enrich::new("enrich", ConcurrencyLimit::new(20)?, move |order| {
                    lookup_customer(lookup_rt.clone(), order)
                })
                .on_failure(FailurePolicy::DeadLetter),
            )
            .then(Batch::new(
                "store",
                20,
                ConcurrencyLimit::new(5)?,
                move |rows| store_batch(store_rt.clone(), rows),
            )?)
            .then(WriteJsonLines::new("write", fs.clone(), output.clone()));

    let ctx = PipelineContext::builder(rt.clone())
        .progress_throttle(ProgressThrottle {
            every_items: 10,
            every: Duration::from_millis(50),
        })
        .on_progress(progress_bars())
        .build();
    let written = pipeline.run(vec![input], &ctx).await?;

    println!();
    print!("{}", ctx.report());
    println!();
    println!("{} orders written to {}", written.len(), output.display());
    let text = String::from_utf8(fs.read(&output).await?)?;
    for line in text.lines().take(2) {
        println!("  {line}");
    }
    println!("dead letters kept for a retry:");
    for letter in ctx.dead_letters().iter().take(3) {
        if let Some(DeadRecord::Json(record)) = letter.record() {
            println!("  {record}  <- {}", letter.error());
        }
    }
    Ok(())
}
