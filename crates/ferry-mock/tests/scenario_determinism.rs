//! One busy scenario (hundreds of tasks, sleeps, timeouts, scripted HTTP with failures and
//! random latency, jittered retries, in-memory file writes with an injected fault) run on the
//! mock backend: twice with one seed it gives identical traces; across many seeds it always
//! gives the right results.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ferry_core::retry::{Backoff, Jitter, RetryDecision, RetryPolicy};
use ferry_core::{SpawnExt, Timer, timeout};
use ferry_fs::FileSystem;
use ferry_http::{HttpClientExt, HttpError};
use ferry_mock::http::{Latency, MockHttp, Respond};
use ferry_mock::{Builder, MemFs, MockRuntime, TraceEvent};
use http::Method;

const TASKS: u64 = 300;
const FAILED_FIRST: u64 = 20;

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// What one task ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// The item was fetched (after `attempts`) and written to its file.
    Saved { attempts: u32 },
    /// The slow endpoint timed out after exactly this long.
    TimedOut { after: Duration },
}

struct Run {
    outcomes: Vec<Outcome>,
    trace: Vec<TraceEvent>,
}

fn item_body(id: &str) -> String {
    format!(r#"{{"id":{id}}}"#)
}

fn script(rt: &MockRuntime) -> MockHttp {
    MockHttp::new(rt)
        .route_fn(Method::GET, "/items/{id}", |req| {
            Respond::json(item_body(req.param("id").unwrap_or("0")))
                .latency(Latency::uniform(ms(10), ms(100)))
        })
        .fail_first(
            FAILED_FIRST,
            Respond::status(503).latency(Latency::exponential(ms(20))),
        )
        .route_fn(Method::GET, "/flaky/{id}", |req| {
            // Every third call breaks the connection.
            if req.call % 3 == 0 {
                Respond::reset().latency(ms(5))
            } else {
                Respond::json(item_body(req.param("id").unwrap_or("0"))).latency(ms(30))
            }
        })
        .route(
            Method::GET,
            "/slow/{id}",
            Respond::json("{}").latency(Duration::from_secs(2)),
        )
}

async fn fetch(
    rt: &MockRuntime,
    http: &MockHttp,
    policy: &RetryPolicy,
    path: String,
) -> Result<(serde_json::Value, u32), HttpError> {
    let url = format!("http://api.test{path}");
    let classify = |error: &HttpError| {
        if error.is_retryable() {
            RetryDecision::Retry
        } else {
            RetryDecision::DontRetry
        }
    };
    let done = policy
        .retry(rt, classify, || {
            let request = http.get(url.clone());
            async move {
                request
                    .send()
                    .await?
                    .error_for_status()?
                    .json::<serde_json::Value>()
                    .await
            }
        })
        .await
        .map_err(|error| error.into_last_error())?;
    Ok((done.value, done.attempts))
}

async fn task(
    rt: MockRuntime,
    http: MockHttp,
    fs: MemFs,
    policy: Arc<RetryPolicy>,
    id: u64,
) -> Outcome {
    rt.sleep(ms(id % 17)).await;
    if id % 10 == 0 {
        let started = rt.elapsed();
        let call = fetch(&rt, &http, &policy, format!("/slow/{id}"));
        let result = timeout(&rt, ms(500), call).await;
        assert!(result.is_err(), "the slow endpoint answers after 2 s");
        return Outcome::TimedOut {
            after: rt.elapsed() - started,
        };
    }
    let path = if id % 3 == 0 {
        format!("/flaky/{id}")
    } else {
        format!("/items/{id}")
    };
    let (item, attempts) = fetch(&rt, &http, &policy, path).await.unwrap();
    assert_eq!(item["id"], id);
    let file = PathBuf::from(format!("/out/{id}.json"));
    let contents = item.to_string();
    // One write in the run fails (injected); writing again succeeds.
    if fs.write(&file, contents.as_bytes()).await.is_err() {
        fs.write(&file, contents.as_bytes()).await.unwrap();
    }
    Outcome::Saved { attempts }
}

fn scenario(seed: u64, trace: bool) -> Run {
    Builder::new().seed(seed).trace(trace).run(|rt| async move {
        let http = script(&rt);
        let fs = MemFs::new(&rt).with_latency(ms(1));
        fs.create_dir(std::path::Path::new("/out")).await.unwrap();
        fs.fail_write_after(50);
        let policy = Arc::new(
            RetryPolicy::new(
                Backoff::exponential(ms(10))
                    .max_delay(ms(200))
                    .jitter(Jitter::Full)
                    .rng(rt.fork_rng()),
            )
            .max_attempts(50),
        );
        let tasks: Vec<_> = (0..TASKS)
            .map(|id| {
                rt.spawn(task(
                    rt.clone(),
                    http.clone(),
                    fs.clone(),
                    Arc::clone(&policy),
                    id,
                ))
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.expect("no task panics"));
        }
        check_results(&http, &fs, &outcomes).await;
        Run {
            outcomes,
            trace: rt.trace(),
        }
    })
}

/// What must hold whatever the interleaving.
async fn check_results(http: &MockHttp, fs: &MemFs, outcomes: &[Outcome]) {
    let mut retries = 0;
    for (id, outcome) in outcomes.iter().enumerate() {
        match outcome {
            Outcome::TimedOut { after } => {
                assert_eq!(id % 10, 0);
                assert_eq!(*after, ms(500), "task {id}");
            }
            Outcome::Saved { attempts } => {
                assert_ne!(id % 10, 0);
                retries += u64::from(attempts - 1);
                let saved = fs
                    .read(std::path::Path::new(&format!("/out/{id}.json")))
                    .await
                    .unwrap();
                assert_eq!(saved, item_body(&id.to_string()).as_bytes(), "task {id}");
            }
        }
    }
    // Every failure scripted was met by exactly one retry, and nothing else was retried.
    let items = http.requests_to("/items/{id}").len() as u64;
    let flaky = http.requests_to("/flaky/{id}").len() as u64;
    let flaky_tasks = (0..TASKS).filter(|id| id % 10 != 0 && id % 3 == 0).count() as u64;
    let item_tasks = (0..TASKS).filter(|id| id % 10 != 0 && id % 3 != 0).count() as u64;
    assert_eq!(items, item_tasks + FAILED_FIRST);
    assert_eq!(
        flaky - flaky_tasks,
        flaky / 3,
        "every third flaky call failed"
    );
    assert_eq!(retries, FAILED_FIRST + flaky / 3);
    assert_eq!(http.requests_to("/slow/{id}").len(), 30);
}

#[test]
fn the_same_seed_gives_an_identical_trace() {
    let first = scenario(2026, true);
    let second = scenario(2026, true);
    assert!(
        first.trace.len() > 3 * TASKS as usize,
        "{} events",
        first.trace.len()
    );
    assert_eq!(first.outcomes, second.outcomes);
    // Compared event by event, so that a difference points at where the runs diverged.
    for (index, (a, b)) in first.trace.iter().zip(&second.trace).enumerate() {
        assert_eq!(a, b, "the traces diverge at event {index}");
    }
    assert_eq!(first.trace.len(), second.trace.len());
    let other = scenario(2027, true);
    assert_ne!(
        first.trace, other.trace,
        "another seed explores another run"
    );
}

#[test]
fn results_are_right_under_every_seed() {
    for seed in 0..10 {
        let run = scenario(seed, false);
        assert_eq!(run.outcomes.len(), TASKS as usize, "seed {seed}");
    }
}
