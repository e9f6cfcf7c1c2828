//! asyncio's `Semaphore`: at most N operations at once, first come first served.
//!
//! Twelve "downloads" of 100 ms each share a semaphore of 3 permits, so they run in four waves
//! of three (about 400 ms). The permits are owned (`Arc<Semaphore>`), so they move into
//! spawned tasks. A larger job asks for 2 permits at once and waits its turn like anyone else.
//!
//! Run with `cargo run --example semaphore`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ferry::tokio::TokioRuntime;
use ferry::{Semaphore, SpawnExt, Timer};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rt = TokioRuntime::current();
    let semaphore = Arc::new(Semaphore::new(3));
    let start = Instant::now();

    let mut tasks = Vec::new();
    for id in 0..12 {
        let (rt, semaphore) = (rt.clone(), Arc::clone(&semaphore));
        tasks.push(rt.clone().spawn(async move {
            let permit = semaphore.acquire_owned().await.expect("never closed");
            let began = start.elapsed();
            rt.sleep(Duration::from_millis(100)).await;
            drop(permit);
            (id, began)
        }));
    }
    for task in tasks {
        let (id, began) = task.await.expect("the task does not panic");
        println!(
            "download {id:>2} started at {:>4.0} ms",
            began.as_secs_f64() * 1e3
        );
    }
    println!(
        "12 downloads, 3 at a time: {:.0} ms",
        start.elapsed().as_secs_f64() * 1e3
    );

    // A job that needs two slots takes two permits in one request.
    let big = semaphore.acquire_many(2).await.expect("never closed");
    println!(
        "a big job holds {} permits; {} left for others",
        big.num_permits(),
        semaphore.available_permits()
    );
    // Without waiting: fails at once when no permit is free.
    let _third = semaphore.try_acquire().expect("one permit is still free");
    println!("try_acquire now: {}", semaphore.try_acquire().unwrap_err());
}
