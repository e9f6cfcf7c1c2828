//! Resilience cases on a real runtime, file system and HTTP client against ferry's local test
//! server: the resilient client's retries (`/flaky`, `/ratelimited`), the three paginators,
//! CSV enrichment into JSON Lines, and concurrent downloads into a directory.
//!
//! Run them with [`resilience_suite!`](crate::resilience_suite) and a [`ResilienceEnv`].

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ferry_core::rate_limit::Quota;
use ferry_core::retry::{Backoff, RetryPolicy};
use ferry_core::{ConcurrencyLimit, SpawnExt};
use ferry_fs::FileSystemExt;
use ferry_http::paginate::{CursorPages, LinkPages, PageNumbers};
use ferry_http::{
    Attempts, HostPolicy, HttpClient, HttpClientExt, HttpError, Request, ResilientClient,
};
use ferry_pipeline::download::{DownloadError, Downloader};
use ferry_pipeline::{
    Enrich, FailurePolicy, Pipeline, PipelineContext, ReadCsv, ReadJsonLines, WriteJsonLines,
};
use ferry_testserver::TestServer;
use ferry_testserver::routes::{file_content, item_price, pattern_bytes};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use crate::fs::TestFs;
use crate::runtime::TestRuntime;

/// What a case runs on: a runtime, a file system with an empty directory of the case's own,
/// an HTTP client of the backend, and where the test server's routes are served.
#[derive(Debug, Clone)]
pub struct ResilienceEnv<R, F, C> {
    /// The origin serving ferry-testserver's routes (`http://127.0.0.1:PORT` for a real
    /// [`TestServer`], any name a mock client answers for).
    pub origin: String,
    /// The runtime, for timers and spawning.
    pub rt: R,
    /// The file system under test.
    pub fs: F,
    /// A directory that exists, is empty, and belongs to this case alone.
    pub root: PathBuf,
    /// The backend's HTTP client.
    pub client: C,
}

/// Runs every case of this module as a `#[test]`; see the [crate docs](crate).
#[macro_export]
macro_rules! resilience_suite {
    ($with_env:path) => {
        $crate::__suite!(
            $with_env,
            resilience,
            [
                resilient_client_retries_flaky_and_rate_limited_routes,
                resilient_client_spaces_requests_by_the_host_rate,
                paginators_cover_every_item_of_the_test_server,
                csv_enriched_from_the_server_into_json_lines,
                downloads_save_every_file_and_report_failures,
            ]
        );
    };
}

impl<R, F, C> ResilienceEnv<R, F, C> {
    /// The URL of `path_and_query` on the test server.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.origin)
    }
}

/// The test server shared by every real-network run of these cases in one process; its
/// origin is what [`ResilienceEnv::origin`] should be for backends with real sockets.
pub fn shared_server_origin() -> String {
    server().url("").trim_end_matches('/').to_owned()
}

/// The bound every case's client meets.
pub trait TestClient: HttpClient + Clone + 'static {}
impl<C: HttpClient + Clone + 'static> TestClient for C {}

fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(TestServer::start)
}

/// A key no other case (or run of this case on another runtime) uses.
fn unique_key(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Retries from 50 ms, doubling, no jitter, 4 attempts.
fn quick_retries() -> HostPolicy {
    HostPolicy::new()
        .retry(RetryPolicy::new(Backoff::exponential(ms(50))).max_attempts(4))
        .attempt_timeout(Duration::from_secs(10))
}

/// `/flaky` fails twice then answers on the third attempt; `/ratelimited` answers 429 with
/// `Retry-After: 1` once and is waited out for at least a second; a 404 is tried once.
pub async fn resilient_client_retries_flaky_and_rate_limited_routes<
    R: TestRuntime,
    F: TestFs,
    C: TestClient,
>(
    env: ResilienceEnv<R, F, C>,
) {
    let client = ResilientClient::new(env.client.clone(), env.rt.clone(), quick_retries());
    let flaky = env.url(&format!("/flaky/{}?fail=2", unique_key("flaky")));
    let response = client.get(flaky).send().await.expect("flaky succeeds");
    assert_eq!(response.status(), 200);
    assert_eq!(Attempts::of(&response), Some(3));

    let limited = env.url(&format!(
        "/ratelimited/{}?fail=1&retry_after=1",
        unique_key("limited")
    ));
    let start = env.rt.now();
    let response = client
        .get(limited)
        .send()
        .await
        .expect("ratelimited succeeds");
    assert_eq!(response.status(), 200);
    assert_eq!(Attempts::of(&response), Some(2));
    assert!(
        env.rt.now() - start >= Duration::from_secs(1),
        "Retry-After: 1 is waited out"
    );

    let missing = client
        .get(env.url("/status/404"))
        .send()
        .await
        .expect("a 404 is a response");
    assert_eq!(missing.status(), 404);
    assert_eq!(Attempts::of(&missing), Some(1));
}

/// Five requests under 10 per second with a burst of 1 take at least 400 ms.
pub async fn resilient_client_spaces_requests_by_the_host_rate<
    R: TestRuntime,
    F: TestFs,
    C: TestClient,
>(
    env: ResilienceEnv<R, F, C>,
) {
    let policy = quick_retries().rate(
        Quota::per_second(10)
            .expect("valid")
            .with_burst(1)
            .expect("valid"),
    );
    let client = Arc::new(ResilientClient::new(
        env.client.clone(),
        env.rt.clone(),
        policy,
    ));
    let start = env.rt.now();
    let tasks: Vec<_> = (1..=5)
        .map(|id| {
            let client = Arc::clone(&client);
            let url = env.url(&format!("/items/{id}"));
            env.rt.spawn(async move {
                client
                    .get(url)
                    .send()
                    .await
                    .map(|response| response.status())
            })
        })
        .collect();
    for task in tasks {
        let status = task
            .await
            .expect("task finishes")
            .expect("request succeeds");
        assert_eq!(status, 200);
    }
    assert!(env.rt.now() - start >= ms(400), "5 requests 100 ms apart");
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Item {
    id: u64,
    name: String,
    price: f64,
}

/// 95 items by page number, 60 by cursor, 45 by `Link` header, each id once and in order.
pub async fn paginators_cover_every_item_of_the_test_server<
    R: TestRuntime,
    F: TestFs,
    C: TestClient,
>(
    env: ResilienceEnv<R, F, C>,
) {
    let client = ResilientClient::new(env.client.clone(), env.rt.clone(), quick_retries());
    let ids = |items: Vec<Item>| items.into_iter().map(|item| item.id).collect::<Vec<_>>();

    let numbered: Vec<Item> = PageNumbers::new(&client, |page| {
        Request::get(env.url("/pages"))
            .query([("page", page.to_string()), ("per_page", "20".into())])
            .build()
    })
    .prefetch(1)
    .items()
    .try_collect()
    .await
    .expect("numbered pages");
    assert_eq!(ids(numbered), (1..=95).collect::<Vec<_>>());

    let by_cursor: Vec<Item> = CursorPages::new(&client, |cursor| {
        let mut request =
            Request::get(env.url("/cursor")).query([("limit", "25"), ("total", "60")]);
        if let Some(cursor) = cursor {
            request = request.query([("cursor", cursor)]);
        }
        request.build()
    })
    .items()
    .try_collect()
    .await
    .expect("cursor pages");
    assert_eq!(ids(by_cursor), (1..=60).collect::<Vec<_>>());

    let linked: Vec<Item> = LinkPages::new(
        &client,
        Request::get(env.url("/link?per_page=10&total=45")).build(),
    )
    .items()
    .try_collect()
    .await
    .expect("link pages");
    assert_eq!(ids(linked), (1..=45).collect::<Vec<_>>());
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Order {
    id: String,
    quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Priced {
    id: u64,
    name: String,
    quantity: u32,
    total: f64,
}

/// Looks an order's item up on the test server and prices the order.
async fn price<C: HttpClient>(client: &C, origin: &str, order: Order) -> Result<Priced, HttpError> {
    let item: Item = client
        .get(format!("{origin}/items/{}", order.id))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(Priced {
        id: item.id,
        name: item.name,
        quantity: order.quantity,
        total: item.price * f64::from(order.quantity),
    })
}

/// 30 orders, one with a malformed quantity and one whose id the server rejects (400): 28
/// lines come out, in order, with the server's prices; both bad records are reported.
pub async fn csv_enriched_from_the_server_into_json_lines<
    R: TestRuntime,
    F: TestFs,
    C: TestClient,
>(
    env: ResilienceEnv<R, F, C>,
) {
    let mut csv = String::from("id,quantity\n");
    for id in 1..=30 {
        match id {
            7 => csv.push_str("7,lots\n"),
            13 => csv.push_str("thirteen,1\n"),
            _ => writeln!(csv, "{id},{}", id % 4 + 1).expect("write to a String"),
        }
    }
    let input = env.root.join("orders.csv");
    let output = env.root.join("priced.jsonl");
    env.fs
        .write_atomic(&input, csv.as_bytes())
        .await
        .expect("write the CSV");

    let client = Arc::new(ResilientClient::new(
        env.client.clone(),
        env.rt.clone(),
        quick_retries(),
    ));
    let origin: Arc<str> = env.origin.clone().into();
    let lookup = move |order: Order| {
        let client = Arc::clone(&client);
        let origin = Arc::clone(&origin);
        async move { price(&*client, &origin, order).await }
    };
    let pipeline = Pipeline::new(
        ReadCsv::<Order, _>::new("read", env.fs.clone()).on_failure(FailurePolicy::Skip),
    )
    .then(
        Enrich::new("price", ConcurrencyLimit::new(5).expect("non-zero"), lookup)
            .on_failure(FailurePolicy::Skip),
    )
    .then(WriteJsonLines::new("write", env.fs.clone(), output.clone()));
    let ctx = Arc::new(PipelineContext::new(env.rt.clone()));
    let run_ctx = Arc::clone(&ctx);
    let written = env
        .rt
        .spawn(async move { pipeline.run(vec![input], &run_ctx).await })
        .await
        .expect("the run's task finishes")
        .expect("the run succeeds");
    assert_eq!(written.len(), 28);

    let skipped = ctx.skipped();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped[0].to_string().contains("line 8"), "{}", skipped[0]);
    assert!(skipped[1].to_string().contains("400"), "{}", skipped[1]);
    assert!(
        ctx.steps()
            .iter()
            .all(|step| step.finished && step.is_balanced())
    );

    let back = Pipeline::new(ReadJsonLines::<Priced, _>::new("read back", env.fs.clone()))
        .run(vec![output], &PipelineContext::new(env.rt.clone()))
        .await
        .expect("read the output back");
    let ids: Vec<u64> = back.iter().map(|row| row.id).collect();
    let expected: Vec<u64> = (1..=30).filter(|id| *id != 7 && *id != 13).collect();
    assert_eq!(ids, expected);
    let third = &back[2];
    assert_eq!(third.total, item_price(3) * f64::from(third.quantity));
}

/// The four test files, one twice (saved as `notes-1.txt`), 64 KiB of `/bytes`, a 404 and
/// a URL without a file name: six files with the server's exact bytes, two typed failures,
/// no temporary file.
pub async fn downloads_save_every_file_and_report_failures<
    R: TestRuntime,
    F: TestFs,
    C: TestClient,
>(
    env: ResilienceEnv<R, F, C>,
) {
    let client = ResilientClient::new(env.client.clone(), env.rt.clone(), quick_retries());
    let dir = env.root.join("downloads");
    let urls = [
        env.url("/files/notes.txt"),
        env.url("/files/report.csv"),
        env.url("/files/items.json"),
        env.url("/files/archive.bin"),
        env.url("/files/notes.txt?copy=2"),
        env.url("/bytes/65536"),
        env.url("/nowhere/missing.txt"),
        env.url("/files/"),
    ];
    let report = Downloader::new(&client, env.fs.clone(), &dir)
        .concurrency(ConcurrencyLimit::new(3).expect("non-zero"))
        .download(&urls)
        .await;
    assert_eq!(report.saved.len(), 6, "{report}");
    for (saved, name) in report.saved.iter().zip([
        "notes.txt",
        "report.csv",
        "items.json",
        "archive.bin",
        "notes-1.txt",
        "65536",
    ]) {
        assert_eq!(saved.path, dir.join(name));
        let content = env.fs.read(&saved.path).await.expect("saved file reads");
        assert_eq!(saved.bytes, content.len() as u64);
        let expected = match name {
            "65536" => pattern_bytes(0, 65536),
            "notes-1.txt" => file_content("notes.txt").expect("a test file").1.to_vec(),
            _ => file_content(name).expect("a test file").1.to_vec(),
        };
        assert!(content == expected, "{name} holds the server's bytes");
    }
    assert_eq!(report.saved[5].bytes, 65536);
    assert_eq!(report.failed.len(), 2);
    assert!(matches!(
        &report.failed[0].error,
        DownloadError::Http { source, .. } if source.status().map(|s| s.as_u16()) == Some(404)
    ));
    assert!(matches!(
        &report.failed[1].error,
        DownloadError::NoFileName { .. }
    ));
    assert_eq!(
        crate::fs::names(&env.fs, &dir).await.len(),
        6,
        "no temporary file is left"
    );
}
