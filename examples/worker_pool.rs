//! A worker pool over a list of jobs, where some jobs fail and one panics.
//!
//! The pool runs the handler with at most 4 jobs at once, keeps going past failures and
//! panics, and returns a report in which every job appears exactly once.
//!
//! Run with `cargo run --example worker_pool`.

use std::time::Duration;

use ferry::tokio::TokioRuntime;
use ferry::{HandlerError, Timer, WorkerPool};

#[derive(Debug, thiserror::Error)]
#[error("job {0} is not divisible by 7")]
struct NotDivisible(u32);

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // The pool catches the panic below; keep the default hook from printing a backtrace for it.
    std::panic::set_hook(Box::new(|info| eprintln!("(a handler panicked: {info})")));
    let rt = TokioRuntime::current();
    let pool = WorkerPool::new(4).expect("4 workers is a valid limit");

    let report = pool
        .run_iter(0..20_u32, |job| {
            let rt = rt.clone();
            async move {
                rt.sleep(Duration::from_millis(10)).await;
                if job == 13 {
                    panic!("job 13 is unlucky");
                }
                if job % 7 != 0 && job % 2 == 1 {
                    return Err(NotDivisible(job));
                }
                Ok(job * 10)
            }
        })
        .await;

    println!(
        "{} succeeded, {} failed ({} panicked), {} total",
        report.succeeded_count(),
        report.failed_count(),
        report.panicked_count(),
        report.total()
    );
    for failure in &report.failed {
        match &failure.error {
            HandlerError::Failed(error) => println!("  item {}: {error}", failure.seq),
            HandlerError::Panicked(panic) => println!("  item {}: panicked: {panic}", failure.seq),
        }
    }
}
