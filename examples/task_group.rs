//! A task group (Python's `TaskGroup`): children run as real tasks; the first failure cancels
//! the rest; the group waits for all of them before it returns.
//!
//! Run with `cargo run --example task_group`.

use std::time::{Duration, Instant};

use ferry::task_group::ChildError;
use ferry::tokio::TokioRuntime;
use ferry::{TaskGroup, Timer};

#[tokio::main]
async fn main() {
    let rt = TokioRuntime::current();

    // Every child succeeds: the outputs come back in spawn order.
    let mut group = TaskGroup::new(rt.clone());
    for id in 0..5_u64 {
        let rt = rt.clone();
        group.spawn(async move {
            rt.sleep(Duration::from_millis(50 * (5 - id))).await;
            Ok::<_, String>(id * id)
        });
    }
    println!("squares: {:?}", group.join().await.expect("no child fails"));

    // One child fails after 100 ms; the siblings that would sleep for a minute are cancelled.
    let start = Instant::now();
    let mut group = TaskGroup::new(rt.clone());
    for id in 0..5_u64 {
        let rt = rt.clone();
        group.spawn(async move {
            if id == 2 {
                rt.sleep(Duration::from_millis(100)).await;
                return Err(format!("child {id} could not reach its API"));
            }
            rt.sleep(Duration::from_secs(60)).await;
            Ok(id)
        });
    }
    let error = group.join().await.expect_err("child 2 fails");
    let reason = match error.error() {
        ChildError::Failed(message) => message.clone(),
        other => other.to_string(),
    };
    println!(
        "child {} failed ({reason}); the group returned after {:.0} ms, siblings cancelled",
        error.index(),
        start.elapsed().as_secs_f64() * 1e3
    );
}
