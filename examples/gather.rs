//! asyncio's `gather`, three ways: all outputs, every result kept, fail-fast.
//!
//! Each "request" is 100 ms of simulated I/O. Ten of them one after another take a second;
//! gathered they overlap and take about 100 ms; with a limit of 5 they take about 200 ms.
//!
//! Run with `cargo run --example gather`.

use std::time::{Duration, Instant};

use ferry::tokio::TokioRuntime;
use ferry::{Timer, gather, gather_settled, try_gather};

#[derive(Debug, thiserror::Error)]
#[error("item {0} not found")]
struct NotFound(u32);

async fn fetch(rt: &TokioRuntime, id: u32) -> Result<String, NotFound> {
    rt.sleep(Duration::from_millis(100)).await;
    if id % 4 == 3 {
        Err(NotFound(id))
    } else {
        Ok(format!("item-{id}"))
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rt = TokioRuntime::current();

    let start = Instant::now();
    let mut sequential = Vec::new();
    for id in 0..10 {
        sequential.push(fetch(&rt, id).await);
    }
    println!("sequential:        {:>4.0} ms", ms(start));

    let start = Instant::now();
    let all = gather((0..10).map(|id| fetch(&rt, id))).await;
    println!(
        "gather:            {:>4.0} ms, {} results in input order",
        ms(start),
        all.len()
    );

    let start = Instant::now();
    let limited = gather((0..10).map(|id| fetch(&rt, id)))
        .limit(5)
        .expect("5 is a valid limit")
        .await;
    println!(
        "gather, limit 5:   {:>4.0} ms, {} results",
        ms(start),
        limited.len()
    );

    // return_exceptions=True: every result is kept in its slot, errors included.
    let settled = gather_settled((0..10).map(|id| fetch(&rt, id))).await;
    let failed: Vec<usize> = settled.failures().map(|(index, _)| index).collect();
    println!(
        "gather_settled:    {} succeeded, failures at {:?}",
        settled.successes().count(),
        failed
    );

    // Fail-fast: the first error cancels the requests still in flight.
    let start = Instant::now();
    match try_gather((0..10).map(|id| fetch(&rt, id))).await {
        Ok(items) => println!("try_gather:        {} items", items.len()),
        Err(error) => println!(
            "try_gather:        failed after {:.0} ms: {error}",
            ms(start)
        ),
    }

    // A limit of 0 is an error, never a hang.
    let zero = gather((0..3).map(|id| fetch(&rt, id))).limit(0);
    println!("limit 0:           {}", zero.expect_err("0 is refused"));
}
