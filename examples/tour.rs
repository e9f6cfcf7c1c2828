//! The ferry tour: asyncio's lessons, in Rust, on a runtime of your choice.
//!
//! Run with `cargo run --release --example tour`.
//!
//! Every lesson is written once against ferry's traits (`R: Runtime`), so the same functions
//! run on any backend. Simulated I/O is a timer wait; the HTTP lessons arrive with the HTTP
//! client.

use std::time::{Duration, Instant};

use ferry::tokio::TokioRuntime;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferry::{
    Deadline, Runtime, Semaphore, SpawnExt, TaskGroup, Timer, WorkerPool, gather, gather_settled,
    queue,
};

/// One simulated request: 50 ms of waiting, and every seventh one fails.
async fn fake_request<R: Timer>(rt: &R, id: u32) -> Result<u32, String> {
    rt.sleep(Duration::from_millis(50)).await;
    if id % 7 == 6 {
        Err(format!("request {id} failed"))
    } else {
        Ok(id * 2)
    }
}

fn millis(start: Instant) -> String {
    format!("{:>5.0} ms", start.elapsed().as_secs_f64() * 1e3)
}

async fn lesson_sequential_vs_concurrent<R: Runtime>(rt: &R) {
    println!("1. sequential vs concurrent (20 requests of 50 ms)");
    let start = Instant::now();
    for id in 0..20 {
        let _ = fake_request(rt, id).await;
    }
    println!("   sequential          {}", millis(start));
    let start = Instant::now();
    let results = gather((0..20).map(|id| fake_request(rt, id))).await;
    println!(
        "   gather              {}  ({} results)",
        millis(start),
        results.len()
    );
    let start = Instant::now();
    let limited = gather((0..20).map(|id| fake_request(rt, id)))
        .limit(5)
        .expect("5 is a valid limit")
        .await;
    println!(
        "   gather, limit 5     {}  ({} results)",
        millis(start),
        limited.len()
    );
}

async fn lesson_errors_kept<R: Runtime>(rt: &R) {
    println!("2. gather with errors kept (return_exceptions=True)");
    let settled = gather_settled((0..20).map(|id| fake_request(rt, id))).await;
    for (index, error) in settled.failures() {
        println!("   slot {index:>2}: {error}");
    }
    println!(
        "   {} of {} succeeded",
        settled.successes().count(),
        settled.len()
    );
}

async fn lesson_semaphore<R: Runtime>(rt: &R) {
    println!("3. a semaphore of 4 around 20 requests");
    let semaphore = Semaphore::new(4);
    let in_flight = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let start = Instant::now();
    let (semaphore, in_flight, peak) = (&semaphore, &in_flight, &peak);
    let results = gather((0..20).map(|id| async move {
        let _permit = semaphore.acquire().await.expect("never closed");
        let now = in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        peak.fetch_max(now, Ordering::Relaxed);
        let result = fake_request(rt, id).await;
        in_flight.fetch_sub(1, Ordering::Relaxed);
        result
    }))
    .await;
    println!(
        "   {} requests in {}, at most {} at once",
        results.len(),
        millis(start),
        peak.load(Ordering::Relaxed)
    );
}

async fn lesson_queue<R: Runtime + Clone + 'static>(rt: &R) {
    println!("4. producer/consumer queue with 4 workers");
    let start = Instant::now();
    let (tx, rx) = queue::bounded::<u32>(8).expect("8 is a valid capacity");
    let producer = rt.spawn(async move {
        for id in 0..40 {
            if tx.send(id).await.is_err() {
                break;
            }
        }
    });
    let pool = WorkerPool::new(4).expect("4 is a valid limit");
    let report = pool.run_queue(&rx, |id| fake_request(rt, id)).await;
    producer.await.expect("the producer does not panic");
    println!(
        "   {} handled ({} ok, {} failed) in {}",
        report.total(),
        report.succeeded_count(),
        report.failed_count(),
        millis(start)
    );
}

async fn lesson_task_group_and_deadline<R: Runtime + Clone + 'static>(rt: &R) {
    println!("5. task group under a deadline");
    let deadline = Deadline::after(rt.clone(), Duration::from_millis(120));
    let mut group = TaskGroup::new(rt.clone());
    for id in 0..5_u32 {
        let rt = rt.clone();
        group.spawn(async move {
            rt.sleep(Duration::from_millis(40 * u64::from(id))).await;
            Ok::<_, String>(id)
        });
    }
    match deadline.run(group.join()).await {
        Ok(done) => println!("   all children done: {done:?}"),
        Err(elapsed) => println!("   cut off, every child cancelled: {elapsed}"),
    }
}

async fn tour<R: Runtime + Clone + 'static>(rt: R) {
    lesson_sequential_vs_concurrent(&rt).await;
    lesson_errors_kept(&rt).await;
    lesson_semaphore(&rt).await;
    lesson_queue(&rt).await;
    lesson_task_group_and_deadline(&rt).await;
}

fn main() {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime builds");
    println!("ferry tour on tokio (current-thread)\n");
    tokio.block_on(tour(TokioRuntime::from_handle(tokio.handle().clone())));
    println!("\ntour finished");
}
