//! asyncio's `to_thread`: blocking work runs on the blocking pool while async work goes on.
//!
//! A CPU-heavy checksum runs on a thread; meanwhile the async side keeps ticking. A second,
//! cancellable job is dropped after 50 ms and stops early because it checks its flag.
//!
//! Run with `cargo run --example to_thread`.

use std::time::{Duration, Instant};

use ferry::tokio::TokioRuntime;
use ferry::{CancelFlag, Timer, TimerExt, to_thread, to_thread_cancellable};

fn checksum(rounds: u64) -> u64 {
    (0..rounds).fold(17_u64, |acc, x| {
        acc.rotate_left(5) ^ x.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rt = TokioRuntime::current();
    let start = Instant::now();

    let work = to_thread(&rt, || checksum(50_000_000));
    let ticker = async {
        let mut ticks = 0;
        for _ in 0..5 {
            rt.sleep(Duration::from_millis(10)).await;
            ticks += 1;
        }
        ticks
    };
    let (sum, ticks) = futures::join!(work, ticker);
    println!(
        "checksum {:#x} after {:.0} ms; the event loop ticked {ticks} times meanwhile",
        sum.expect("the closure does not panic"),
        start.elapsed().as_secs_f64() * 1e3
    );

    let (stopped_tx, stopped_rx) = std::sync::mpsc::channel();
    let job = to_thread_cancellable(&rt, move |cancel: &CancelFlag| {
        let mut rounds = 0_u64;
        while !cancel.is_cancelled() && rounds < 10_000 {
            std::thread::sleep(Duration::from_millis(1));
            rounds += 1;
        }
        let _ = stopped_tx.send(rounds);
        rounds
    });
    let cut = rt.timeout(Duration::from_millis(50), job).await;
    let rounds = stopped_rx
        .recv()
        .expect("the closure reports when it stops");
    println!(
        "cancellable job: timed out ({}) and stopped after {rounds} of 10000 rounds",
        cut.expect_err("the job is cut off")
    );
}
