//! Bounded concurrent map as a stream: in input order, or in completion order.
//!
//! Run with `cargo run --example map_concurrent`.

use std::time::Duration;

use ferry::tokio::TokioRuntime;
use ferry::{Timer, map_concurrent, map_concurrent_unordered};
use futures::StreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rt = TokioRuntime::current();
    // Later ids finish sooner, so completion order differs from input order.
    let lookup = |id: u64| {
        let rt = rt.clone();
        async move {
            rt.sleep(Duration::from_millis(10 * (10 - id))).await;
            id * 100
        }
    };

    let ordered: Vec<u64> = map_concurrent(0..10, 4, lookup)
        .expect("4 is a valid limit")
        .collect()
        .await;
    println!("input order:      {ordered:?}");

    let unordered: Vec<u64> = map_concurrent_unordered(0..10, 4, lookup)
        .expect("4 is a valid limit")
        .collect()
        .await;
    println!("completion order: {unordered:?}");
}
