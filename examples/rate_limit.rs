//! Rate limits: a burst, then requests spaced at the quota's rate; per-host limits with
//! different quotas, running side by side; and a per-host limit on requests in flight.
//!
//! Run with `cargo run --example rate_limit`.

use std::sync::Arc;
use std::time::Instant;

use ferry::rate_limit::{KeyedRateLimiter, Quota, RateLimiter};
use ferry::tokio::TokioRuntime;
use ferry::{ConcurrencyLimit, SpawnExt, Timer, gather};

fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rt = TokioRuntime::current();

    println!("10 requests per second with a burst of 3:");
    let quota = Quota::per_second(10)
        .and_then(|quota| quota.with_burst(3))
        .expect("a valid quota");
    let limiter = RateLimiter::new(rt.clone(), quota);
    let start = Instant::now();
    for request in 1..=7 {
        limiter.until_ready().await;
        println!("  request {request} at {:>4.0} ms", ms_since(start));
    }

    println!("per host, no bursts: api.example 20/s, any other host 4/s; 6 requests each:");
    let no_burst = |per_second| Quota::per_second(per_second).and_then(|quota| quota.with_burst(1));
    let limiter = Arc::new(
        KeyedRateLimiter::new(rt.clone(), no_burst(4).expect("a valid quota"))
            .with_quota("api.example", no_burst(20).expect("a valid quota")),
    );
    let start = Instant::now();
    let hosts = ["api.example", "slow.example"].map(|host| {
        let limiter = limiter.clone();
        rt.spawn(async move {
            let mut times = Vec::new();
            for _ in 0..6 {
                limiter.until_key_ready(&host).await;
                times.push(format!("{:.0}", ms_since(start)));
            }
            (host, times)
        })
    });
    for finished in gather(hosts).await {
        let (host, times) = finished.expect("the task ran to the end");
        println!("  {host:<13} at {} ms", times.join(", "));
    }

    println!("per host, at most 2 requests in flight, each taking 200 ms; 6 requests:");
    let limiter = Arc::new(
        KeyedRateLimiter::new(rt.clone(), Quota::per_second(100).expect("a valid quota"))
            .with_default_concurrency(ConcurrencyLimit::new(2).expect("not zero")),
    );
    let start = Instant::now();
    let requests = (0..6).map(|_| {
        let (rt2, limiter) = (rt.clone(), limiter.clone());
        rt.spawn(async move {
            let _permit = limiter.acquire(&"api.example").await;
            let started = ms_since(start);
            rt2.sleep(std::time::Duration::from_millis(200)).await;
            started
        })
    });
    let started: Vec<_> = gather(requests)
        .await
        .into_iter()
        .map(|started| format!("{:.0}", started.expect("the task ran to the end")))
        .collect();
    println!("  started at {} ms", started.join(", "));
}
