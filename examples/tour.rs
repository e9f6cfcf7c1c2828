//! The ferry tour: asyncio's lessons, in Rust, against a local HTTP server, on a runtime of
//! your choice.
//!
//! ```text
//! cargo run --release --example tour                    # tokio (the default)
//! cargo run --release --example tour -- --runtime smol  # smol
//! cargo run --release --example tour -- --postgres postgresql://user@127.0.0.1:5432/db
//! ```
//!
//! The tour starts ferry's test server in this process (127.0.0.1, a free port; nothing
//! leaves the machine) and walks through the lessons: sequential vs concurrent requests,
//! gather with errors kept, a semaphore, a queue with workers, a task group under a deadline,
//! retries through injected failures and a 429, a rate limit, pagination, enriching a CSV
//! into JSON Lines, concurrent downloads, and the enrich pipeline into a database (SQLite in
//! the tour's directory, or PostgreSQL with `--postgres URL`) stopped by a fault and run
//! again. Every lesson is written once, generic over ferry's traits (`R: Runtime`,
//! `C: HttpClient`, `F: FileSystem`), so the same functions run on any backend.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ferry::download::Downloader;
use ferry::fs::{FileSystem, FileSystemExt};
use ferry::http::{
    Attempts, HostPolicy, HttpClient, HttpClientExt, HttpError, HttpSettings, Request,
    ResilientClient,
};
use ferry::paginate::{CursorPages, LinkPages, PageNumbers};
use ferry::pipeline::{Enrich, FailurePolicy, Pipeline, PipelineContext, ReadCsv, WriteJsonLines};
use ferry::rate_limit::Quota;
use ferry::retry::{Backoff, RetryPolicy};
use ferry::tokio::TokioRuntime;
use ferry::{
    ConcurrencyLimit, Deadline, Runtime, Semaphore, SpawnExt, TaskGroup, WorkerPool, gather,
    gather_settled, queue,
};
use ferry_testserver::TestServer;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

#[path = "tour/database.rs"]
mod database;

/// An item as the test server serves it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Item {
    id: u64,
    name: String,
    price: f64,
}

/// What every lesson gets: the runtime, an HTTP client, a file system, the server, and a
/// temporary directory.
struct Tour<'a, R, C, F> {
    rt: R,
    client: C,
    fs: F,
    server: &'a TestServer,
    dir: &'a Path,
    db: database::TourDb<R>,
}

fn millis(start: Instant) -> String {
    format!("{:>5.0} ms", start.elapsed().as_secs_f64() * 1e3)
}

/// One request that takes about 50 ms on the server: `/delay/50?id=N`.
async fn slow_item<C: HttpClient>(
    client: &C,
    server: &TestServer,
    id: u64,
) -> Result<Item, HttpError> {
    client
        .get(server.url(&format!("/delay/50?id={id}")))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

/// `/items/{id}`, where a non-numeric id is a 400.
async fn item<C: HttpClient>(client: &C, server: &TestServer, id: &str) -> Result<Item, HttpError> {
    client
        .get(server.url(&format!("/items/{id}")))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

impl<R, C, F> Tour<'_, R, C, F>
where
    R: Runtime + Clone + 'static,
    C: HttpClient + Clone + 'static,
    F: FileSystem + Clone + 'static,
{
    async fn sequential_vs_concurrent(&self) {
        println!("1. sequential vs concurrent (20 requests of 50 ms)");
        let (client, server) = (&self.client, self.server);
        let start = Instant::now();
        for id in 1..=20 {
            let _ = slow_item(client, server, id).await;
        }
        println!("   sequential          {}", millis(start));
        let start = Instant::now();
        let results = gather((1..=20).map(|id| slow_item(client, server, id))).await;
        let ok = results.iter().filter(|result| result.is_ok()).count();
        println!("   gather              {}  ({ok} ok)", millis(start));
        let start = Instant::now();
        let limited = gather((1..=20).map(|id| slow_item(client, server, id)))
            .limit(5)
            .expect("5 is a valid limit")
            .await;
        let ok = limited.iter().filter(|result| result.is_ok()).count();
        println!("   gather, limit 5     {}  ({ok} ok)", millis(start));
    }

    async fn errors_kept(&self) {
        println!("2. gather with errors kept (return_exceptions=True)");
        let ids = ["1", "2", "three", "4", "-5", "6"];
        let settled = gather_settled(ids.map(|id| item(&self.client, self.server, id))).await;
        for (index, error) in settled.failures() {
            println!("   slot {index}: {error}");
        }
        println!(
            "   {} of {} succeeded",
            settled.successes().count(),
            settled.len()
        );
    }

    async fn semaphore(&self) {
        println!("3. a semaphore of 4 around 20 requests");
        let semaphore = Semaphore::new(4);
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let start = Instant::now();
        let (semaphore, in_flight, peak) = (&semaphore, &in_flight, &peak);
        let (client, server) = (&self.client, self.server);
        let results = gather((1..=20).map(|id| async move {
            let _permit = semaphore.acquire().await.expect("never closed");
            let now = in_flight.fetch_add(1, Ordering::Relaxed) + 1;
            peak.fetch_max(now, Ordering::Relaxed);
            let result = slow_item(client, server, id).await;
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

    async fn queue_with_workers(&self) {
        println!("4. producer/consumer queue with 4 workers");
        let start = Instant::now();
        let (tx, rx) = queue::bounded::<u64>(8).expect("8 is a valid capacity");
        let producer = self.rt.spawn(async move {
            for id in 1..=40 {
                if tx.send(id).await.is_err() {
                    break;
                }
            }
        });
        let pool = WorkerPool::new(4).expect("4 is a valid limit");
        let (client, server) = (&self.client, self.server);
        let report = pool
            .run_queue(&rx, |id| slow_item(client, server, id))
            .await;
        producer.await.expect("the producer does not panic");
        println!(
            "   {} handled ({} ok, {} failed) in {}",
            report.total(),
            report.succeeded_count(),
            report.failed_count(),
            millis(start)
        );
    }

    async fn task_group_and_deadline(&self) {
        println!("5. task group under a deadline");
        let deadline = Deadline::after(self.rt.clone(), Duration::from_millis(120));
        let mut group = TaskGroup::new(self.rt.clone());
        for id in 0..5_u32 {
            let rt = self.rt.clone();
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

    /// A client that retries from 100 ms, doubling, up to 4 attempts.
    fn resilient(&self, policy: HostPolicy) -> ResilientClient<C, R> {
        ResilientClient::new(self.client.clone(), self.rt.clone(), policy)
    }

    async fn retries(&self) {
        println!("6. retries: injected failures and a 429 with Retry-After");
        let policy = HostPolicy::new().retry(
            RetryPolicy::new(Backoff::exponential(Duration::from_millis(100))).max_attempts(4),
        );
        let client = self.resilient(policy);
        let key = std::process::id();
        let start = Instant::now();
        match client
            .get(self.server.url(&format!("/flaky/tour-{key}?fail=2")))
            .send()
            .await
        {
            Ok(response) => println!(
                "   /flaky (fails twice)       {} after {} attempts in {}",
                response.status(),
                Attempts::of(&response).unwrap_or(1),
                millis(start)
            ),
            Err(error) => println!("   /flaky failed: {error}"),
        }
        let start = Instant::now();
        match client
            .get(
                self.server
                    .url(&format!("/ratelimited/tour-{key}?fail=1&retry_after=1")),
            )
            .send()
            .await
        {
            Ok(response) => println!(
                "   /ratelimited (429, wait 1 s) {} after {} attempts in {}",
                response.status(),
                Attempts::of(&response).unwrap_or(1),
                millis(start)
            ),
            Err(error) => println!("   /ratelimited failed: {error}"),
        }
        let response = client.get(self.server.url("/status/404")).send().await;
        if let Ok(response) = response {
            println!(
                "   /status/404                {} after {} attempt (a 404 is not retried)",
                response.status(),
                Attempts::of(&response).unwrap_or(1)
            );
        }
    }

    async fn rate_limit(&self) {
        println!("7. a rate limit of 20 requests per second (burst 1)");
        let quota = Quota::per_second(20)
            .and_then(|quota| quota.with_burst(1))
            .expect("a valid quota");
        let client = self.resilient(HostPolicy::new().rate(quota));
        let client = &client;
        let start = Instant::now();
        let results = gather((1..=10).map(|id| async move {
            client
                .get(self.server.url(&format!("/items/{id}")))
                .send()
                .await
        }))
        .await;
        println!(
            "   {} requests in {} (at least 450 ms: one every 50 ms)",
            results.len(),
            millis(start)
        );
    }

    async fn pagination(&self) -> Result<(), Box<dyn std::error::Error>> {
        println!("8. pagination: page numbers, cursors, Link headers");
        let client = self.resilient(HostPolicy::new());
        let server = self.server;
        let start = Instant::now();
        let numbered: Vec<Item> = PageNumbers::new(&client, |page| {
            Request::get(server.url("/pages"))
                .query([("page", page.to_string()), ("per_page", "20".into())])
                .build()
        })
        .items()
        .try_collect()
        .await?;
        println!(
            "   page numbers  {} items in {}",
            numbered.len(),
            millis(start)
        );
        let start = Instant::now();
        let by_cursor: Vec<Item> = CursorPages::new(&client, |cursor| {
            let mut request = Request::get(server.url("/cursor")).query([("limit", "25")]);
            if let Some(cursor) = cursor {
                request = request.query([("cursor", cursor)]);
            }
            request.build()
        })
        .items()
        .try_collect()
        .await?;
        println!(
            "   cursors       {} items in {}",
            by_cursor.len(),
            millis(start)
        );
        let start = Instant::now();
        let linked: Vec<Item> = LinkPages::new(&client, Request::get(server.url("/link")).build())
            .prefetch(1)
            .items()
            .try_collect()
            .await?;
        println!(
            "   Link headers  {} items in {}",
            linked.len(),
            millis(start)
        );
        Ok(())
    }

    async fn enrichment(&self) -> Result<(), Box<dyn std::error::Error>> {
        println!(
            "9. enrich a CSV into JSON Lines (ReadCsv -> Enrich /items/{{id}} -> WriteJsonLines)"
        );
        #[derive(Debug, Serialize, Deserialize)]
        struct Order {
            item_id: String,
            quantity: u32,
        }
        #[derive(Debug, Serialize)]
        struct Priced {
            item: String,
            quantity: u32,
            total: f64,
        }
        let mut csv = String::from("item_id,quantity\n");
        for id in 1..=50 {
            match id {
                17 => csv.push_str("17,a dozen\n"),
                31 => csv.push_str("thirty-one,2\n"),
                _ => writeln!(csv, "{id},{}", id % 5 + 1)?,
            }
        }
        let input = self.dir.join("orders.csv");
        let output = self.dir.join("priced.jsonl");
        self.fs.write_atomic(&input, csv.as_bytes()).await?;

        let client = Arc::new(self.resilient(HostPolicy::new()));
        let server = self.server;
        let price = move |order: Order| {
            let client = Arc::clone(&client);
            async move {
                let item = item(&*client, server, &order.item_id).await?;
                Ok::<_, HttpError>(Priced {
                    item: item.name,
                    quantity: order.quantity,
                    total: item.price * f64::from(order.quantity),
                })
            }
        };
        let limit = ConcurrencyLimit::new(10)?;
        let pipeline = Pipeline::new(
            ReadCsv::<Order, _>::new("read", self.fs.clone()).on_failure(FailurePolicy::Skip),
        )
        .then(Enrich::new("price", limit, price).on_failure(FailurePolicy::Skip))
        .then(WriteJsonLines::new(
            "write",
            self.fs.clone(),
            output.clone(),
        ));
        let ctx = PipelineContext::new(self.rt.clone());
        let start = Instant::now();
        let written = pipeline.run(vec![input], &ctx).await?;
        println!(
            "   {} records written to {} in {}",
            written.len(),
            output.file_name().unwrap_or_default().to_string_lossy(),
            millis(start)
        );
        for skipped in ctx.skipped() {
            println!("   skipped: {skipped}");
        }
        Ok(())
    }

    async fn downloads(&self) {
        println!("10. concurrent downloads (5 at a time) into a temporary directory");
        let client = self.resilient(HostPolicy::new());
        let names = ["notes.txt", "report.csv", "items.json", "archive.bin"];
        let mut urls: Vec<String> = names
            .iter()
            .map(|name| self.server.url(&format!("/files/{name}")))
            .collect();
        urls.push(self.server.url("/files/notes.txt?mirror=2"));
        urls.push(self.server.url("/files/missing%20file.txt"));
        urls.push(self.server.url("/files/"));
        let dir = self.dir.join("downloads");
        let start = Instant::now();
        let report = Downloader::new(&client, self.fs.clone(), &dir)
            .download(&urls)
            .await;
        for saved in &report.saved {
            println!(
                "   saved  {:<14} {:>6} bytes",
                saved.path.file_name().unwrap_or_default().to_string_lossy(),
                saved.bytes
            );
        }
        for failed in &report.failed {
            println!("   failed {}", failed.error);
        }
        println!(
            "   {} saved, {} failed in {}",
            report.saved.len(),
            report.failed.len(),
            millis(start)
        );
    }

    async fn database(&self) -> Result<(), Box<dyn std::error::Error>> {
        let read = ReadCsv::<database::Order, _>::new("read", self.fs.clone())
            .on_failure(FailurePolicy::Skip);
        let ctx = PipelineContext::new(self.rt.clone());
        let orders = Pipeline::new(read)
            .run(vec![self.dir.join("orders.csv")], &ctx)
            .await?;
        let client = Arc::new(self.resilient(HostPolicy::new()));
        let server = self.server;
        let price = move |id: String| {
            let client = Arc::clone(&client);
            async move {
                let item = item(&*client, server, &id).await?;
                Ok::<_, HttpError>((item.name, item.price))
            }
        };
        let rt = self.rt.clone();
        match &self.db {
            database::TourDb::Sqlite(db) => database::lesson(rt, db, "SQLite", orders, price).await,
            database::TourDb::Postgres(db) => {
                database::lesson(rt, db, "PostgreSQL", orders, price).await
            }
        }
    }

    async fn run(&self) -> Result<(), Box<dyn std::error::Error>> {
        self.sequential_vs_concurrent().await;
        self.errors_kept().await;
        self.semaphore().await;
        self.queue_with_workers().await;
        self.task_group_and_deadline().await;
        self.retries().await;
        self.rate_limit().await;
        self.pagination().await?;
        self.enrichment().await?;
        self.downloads().await;
        self.database().await?;
        Ok(())
    }
}

/// Which backend to run on, from `--runtime tokio|smol`, and the PostgreSQL URL of
/// `--postgres URL`, if given.
fn runtime_choice() -> Result<(String, Option<String>), String> {
    let mut args = std::env::args().skip(1);
    let mut choice = "tokio".to_owned();
    let mut postgres = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--postgres" => {
                postgres = Some(args.next().ok_or("--postgres needs a URL")?);
            }
            "--runtime" => {
                choice = args
                    .next()
                    .ok_or("--runtime needs a value: tokio or smol")?;
            }
            other => match other.strip_prefix("--runtime=") {
                Some(value) => choice = value.to_owned(),
                None => {
                    return Err(format!(
                        "unknown argument {other:?}; try --runtime tokio|smol, --postgres URL"
                    ));
                }
            },
        }
    }
    Ok((choice, postgres))
}

fn on_tokio(
    server: &TestServer,
    dir: &Path,
    postgres: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    println!(
        "ferry tour on tokio (current-thread), server at {}\n",
        server.url("")
    );
    tokio.block_on(async {
        let rt = TokioRuntime::from_handle(tokio.handle().clone());
        let client = rt.http_client(HttpSettings::default())?;
        let connect = ferry_db::postgres::connector(|host: String, port: u16| async move {
            tokio::net::TcpStream::connect((host.as_str(), port)).await
        });
        let db =
            database::TourDb::open(rt.clone(), dir, postgres.map(|url| (url, connect))).await?;
        let tour = Tour {
            fs: rt.fs(),
            rt,
            client,
            server,
            dir,
            db,
        };
        tour.run().await
    })
}

fn on_smol(
    server: &TestServer,
    dir: &Path,
    postgres: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "ferry tour on smol (async-executor driven by this thread), server at {}\n",
        server.url("")
    );
    ferry_smol::block_on(|rt| async move {
        let client = rt.http_client(HttpSettings::default())?;
        // async-io's socket behind tokio-util's `compat`: tokio's I/O traits, no tokio runtime.
        let connect = ferry_db::postgres::connector(|host: String, port: u16| async move {
            use tokio_util::compat::FuturesAsyncReadCompatExt;
            let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))?
                .next()
                .ok_or_else(|| std::io::Error::other("the host has no address"))?;
            Ok(async_io::Async::<std::net::TcpStream>::connect(addr)
                .await?
                .compat())
        });
        let db =
            database::TourDb::open(rt.clone(), dir, postgres.map(|url| (url, connect))).await?;
        let tour = Tour {
            fs: rt.fs(),
            rt,
            client,
            server,
            dir,
            db,
        };
        tour.run().await
    })
}

fn main() -> ExitCode {
    let (choice, postgres) = match runtime_choice() {
        Ok(choice) => choice,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let server = TestServer::start();
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("cannot make a temporary directory: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match choice.as_str() {
        "tokio" => on_tokio(&server, dir.path(), postgres),
        "smol" => on_smol(&server, dir.path(), postgres),
        other => {
            eprintln!("unknown runtime {other:?}; choose tokio or smol");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => {
            println!("\ntour finished");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("\nthe tour failed: {error}");
            ExitCode::FAILURE
        }
    }
}
