//! asyncio's `wait_for`: a timeout around one call, and a deadline shared by several.
//!
//! Run with `cargo run --example timeout`.

use std::time::Duration;

use ferry::tokio::TokioRuntime;
use ferry::{Deadline, Timer, TimerExt, gather};

async fn slow_call(rt: &TokioRuntime, millis: u64) -> u64 {
    rt.sleep(Duration::from_millis(millis)).await;
    millis
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rt = TokioRuntime::current();

    // A timeout per call: the 50 ms call makes it, the 500 ms one does not.
    let fast = rt
        .timeout(Duration::from_millis(200), slow_call(&rt, 50))
        .await;
    let slow = rt
        .timeout(Duration::from_millis(200), slow_call(&rt, 500))
        .await;
    println!("fast call: {fast:?}");
    println!(
        "slow call: {}",
        slow.expect_err("500 ms is over the 200 ms allowed")
    );

    // One budget for several steps: each step gets whatever is left.
    let deadline = Deadline::after(rt.clone(), Duration::from_millis(300));
    for step in [100, 100, 100, 100] {
        match deadline.run(slow_call(&rt, step)).await {
            Ok(_) => println!("step done, {:?} left", deadline.remaining()),
            Err(elapsed) => {
                println!("step cut off: {elapsed}");
                break;
            }
        }
    }

    // A deadline around a whole gather, like `wait_for(gather(...))`.
    let deadline = Deadline::after(rt.clone(), Duration::from_millis(150));
    let calls = gather([50, 100, 400].map(|ms| slow_call(&rt, ms)));
    match deadline.run(calls).await {
        Ok(all) => println!("gather finished: {all:?}"),
        Err(elapsed) => println!("gather cancelled as a whole: {elapsed}"),
    }
}
