//! Producers and consumers over a bounded queue (asyncio's `Queue` lesson).
//!
//! Two producers put 40 jobs into a queue of capacity 5; consumers take them and "process" each
//! with 50 ms of simulated I/O. One consumer takes the jobs one after another; ten consumers
//! overlap their waits. The queue's `join()` returns once every job was marked done.
//!
//! Run with `cargo run --example queue_workers`.

use std::time::{Duration, Instant};

use ferry::queue;
use ferry::tokio::TokioRuntime;
use ferry::{SpawnExt, Timer};

const JOBS_PER_PRODUCER: u32 = 20;
const JOB_TIME: Duration = Duration::from_millis(50);

async fn run_with_consumers(rt: &TokioRuntime, consumers: usize) -> Duration {
    let started = Instant::now();
    let (tx, rx) = queue::bounded::<u32>(5).expect("capacity is not zero");

    let mut producers = Vec::new();
    for producer in 0..2 {
        let tx = tx.clone();
        producers.push(rt.spawn(async move {
            for job in 0..JOBS_PER_PRODUCER {
                // `send` waits while the queue is full: backpressure on the producers.
                tx.send(producer * 1000 + job)
                    .await
                    .expect("queue stays open while producing");
            }
        }));
    }
    // The producers hold their own clones; dropping this one lets the queue close (and the
    // consumers see the end) once both producers are done.
    drop(tx);

    let mut workers = Vec::new();
    for _ in 0..consumers {
        let rx = rx.clone();
        let rt = rt.clone();
        workers.push(rt.clone().spawn(async move {
            let mut handled = 0_u32;
            while let Ok(_job) = rx.recv().await {
                rt.sleep(JOB_TIME).await;
                rx.task_done().expect("one task_done per received job");
                handled += 1;
            }
            handled
        }));
    }

    rx.join()
        .await
        .expect("receivers are alive until every job is done");
    let mut total = 0;
    for worker in workers {
        total += worker.await.expect("worker does not panic");
    }
    for producer in producers {
        producer.await.expect("producer does not panic");
    }
    assert_eq!(
        total,
        2 * JOBS_PER_PRODUCER,
        "every job handled exactly once"
    );
    started.elapsed()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rt = TokioRuntime::current();
    let one = run_with_consumers(&rt, 1).await;
    println!(
        "1 consumer:   40 jobs in {:>6.0} ms",
        one.as_secs_f64() * 1e3
    );
    let ten = run_with_consumers(&rt, 10).await;
    println!(
        "10 consumers: 40 jobs in {:>6.0} ms",
        ten.as_secs_f64() * 1e3
    );
    println!(
        "speed-up: {:.1}x",
        one.as_secs_f64() / ten.as_secs_f64().max(1e-9)
    );
}
