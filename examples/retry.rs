//! Retrying a flaky operation with exponential backoff, a server's `Retry-After`, and a
//! budget (the asyncio lessons' retry step, without an HTTP client).
//!
//! A local closure plays a flaky service: it answers 503 twice, then 429 with
//! `Retry-After: 1`, then succeeds. A second call hits a 404, which is not worth retrying.
//! Finally twenty calls to a service that is down share a retry budget of 10 %.
//!
//! Run with `cargo run --example retry`.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use ferry::retry::{
    Backoff, Jitter, RetryBudget, RetryPolicy, Retryable, classify_retryable, parse_retry_after,
    retry,
};
use ferry::tokio::TokioRuntime;

/// What a failed request looks like to the caller.
#[derive(Debug)]
struct HttpFailure {
    status: u16,
    retry_after: Option<&'static str>,
}

impl Retryable for HttpFailure {
    fn is_retryable(&self) -> bool {
        matches!(self.status, 429 | 502 | 503 | 504)
    }

    fn retry_after(&self) -> Option<Duration> {
        self.retry_after
            .and_then(|value| parse_retry_after(value, SystemTime::now()))
    }
}

/// A service that answers with each of `script` in turn, then 200.
fn flaky_service(
    script: Vec<HttpFailure>,
    started: Instant,
) -> impl FnMut() -> std::future::Ready<Result<&'static str, HttpFailure>> {
    let mut script = script.into_iter();
    let mut attempt = 0;
    move || {
        attempt += 1;
        let answer = script.next();
        let shown = answer.as_ref().map_or(200, |failure| failure.status);
        println!(
            "  attempt {attempt} at {:>5.0} ms -> {shown}",
            started.elapsed().as_secs_f64() * 1e3
        );
        std::future::ready(match answer {
            Some(failure) => Err(failure),
            None => Ok("the data"),
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let rt = TokioRuntime::current();
    let policy = RetryPolicy::new(
        Backoff::exponential(Duration::from_millis(100))
            .max_delay(Duration::from_secs(2))
            .jitter(Jitter::Equal),
    )
    .max_attempts(5)
    .max_total_time(Duration::from_secs(10));

    println!("503, 503, 429 with Retry-After: 1, then 200:");
    let script = vec![
        HttpFailure {
            status: 503,
            retry_after: None,
        },
        HttpFailure {
            status: 503,
            retry_after: None,
        },
        HttpFailure {
            status: 429,
            retry_after: Some("1"),
        },
    ];
    let service = flaky_service(script, Instant::now());
    match retry(&rt, &policy, classify_retryable, service).await {
        Ok(done) => println!("  got {:?} after {} attempts", done.value, done.attempts),
        Err(error) => println!("  failed: {error}"),
    }

    println!("404 is not retried:");
    let script = vec![HttpFailure {
        status: 404,
        retry_after: None,
    }];
    let service = flaky_service(script, Instant::now());
    if let Err(error) = retry(&rt, &policy, classify_retryable, service).await {
        println!("  {error} (last status {})", error.last_error().status);
    }

    println!("20 calls to a service that is down, retries limited to 10 % extra load:");
    let budget =
        RetryBudget::new(rt.clone(), Duration::from_secs(10), 0, 0.1).expect("a valid budget");
    let policy = RetryPolicy::new(Backoff::constant(Duration::from_millis(5)))
        .max_attempts(5)
        .budget(Arc::new(budget));
    let mut attempts = 0;
    for _ in 0..20 {
        let down = || {
            std::future::ready(Err::<(), _>(HttpFailure {
                status: 503,
                retry_after: None,
            }))
        };
        let error = retry(&rt, &policy, classify_retryable, down)
            .await
            .expect_err("the service is down");
        attempts += error.attempts();
    }
    println!("  {attempts} attempts for 20 calls (without the budget: 100)");
}
