//! Compare runtimes on your own workload: the tour's CSV-enrich pipeline (read a CSV of
//! orders, price each by `GET /items/{id}`, write JSON Lines), written once against ferry's
//! traits and run by ferry-compare on tokio current-thread, tokio multi-thread, smol and the
//! mock, against ferry's local test server (127.0.0.1, started in this process).
//!
//! ```text
//! cargo run --release --example compare_runtimes               # 5 runs per backend
//! cargo run --release --example compare_runtimes -- --quick    # 200 orders, 3 runs
//! cargo run --release --example compare_runtimes -- --save before
//! cargo run --release --example compare_runtimes -- --baseline before --reference smol
//! ```
//!
//! It prints a table (median, min and max over the runs, the ratio to tokio-ct run by run,
//! CPU time, peak memory, orders per second, and the mock's virtual time) and writes
//! `target/ferry-compare/` with results.json, enrich-csv.svg and index.html. The mock cannot
//! reach a real server: its HTTP script answers `/items/{id}` with the test server's own JSON
//! after 1 ms of virtual time, and its file system is in memory.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use ferry::ConcurrencyLimit;
use ferry::fs::{FileSystem, FileSystemExt};
use ferry::http::{HttpClient, HttpClientExt, HttpError, HttpSettings};
use ferry::pipeline::{
    Enrich, FailurePolicy, Pipeline, PipelineContext, PipelineError, ReadCsv, WriteJsonLines,
};
use ferry_compare::backends::{Mock, Smol, TokioCt, TokioMt};
use ferry_compare::{Comparison, Env, EnvError, Figure, Harness, Report, Sizes, Workload};
use ferry_mock::http::Respond;
use ferry_testserver::TestServer;
use serde::{Deserialize, Serialize};

/// Orders per run unless `--items` says otherwise.
const ORDERS: usize = 2_000;
/// Orders per run with `--quick`.
const QUICK_ORDERS: usize = 200;
/// Lookups in flight, as in the tour.
const LIMIT: usize = 10;

#[derive(Debug, Serialize, Deserialize)]
struct Order {
    item_id: String,
    quantity: u32,
}

#[derive(Debug, Deserialize)]
struct Item {
    name: String,
    price: f64,
}

#[derive(Debug, Serialize)]
struct Priced {
    item: String,
    quantity: u32,
    total: f64,
}

#[derive(Debug, thiserror::Error)]
enum EnrichError {
    #[error(transparent)]
    Env(#[from] EnvError),
    #[error("writing the input CSV failed: {0}")]
    Fs(#[from] ferry::fs::FsError),
    #[error("the pipeline failed: {0}")]
    Pipeline(#[from] PipelineError),
    #[error("the invalid concurrency limit {0}")]
    Limit(usize),
}

/// The tour's enrichment step as a workload: `base` is the server's URL, `dir` where each
/// backend keeps its files.
struct EnrichCsv {
    base: String,
    dir: PathBuf,
}

impl EnrichCsv {
    /// `orders` orders of which two are malformed, the way the tour writes them.
    fn csv(orders: usize) -> String {
        let mut csv = String::from("item_id,quantity\n");
        for id in 1..=orders {
            match id {
                17 => csv.push_str("17,a dozen\n"),
                31 => csv.push_str("thirty-one,2\n"),
                _ => {
                    let _ = writeln!(csv, "{id},{}", id % 5 + 1);
                }
            }
        }
        csv
    }
}

async fn price<C: HttpClient>(client: &C, base: &str, order: Order) -> Result<Priced, HttpError> {
    let item: Item = client
        .get(format!("{base}/items/{}", order.item_id))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(Priced {
        item: item.name,
        quantity: order.quantity,
        total: item.price * f64::from(order.quantity),
    })
}

impl Workload for EnrichCsv {
    type Error = EnrichError;

    async fn run<E: Env>(self: Arc<Self>, env: E, sizes: Sizes) -> Result<Report, EnrichError> {
        let orders = sizes.items(ORDERS, QUICK_ORDERS);
        let limit = sizes.concurrency(LIMIT);
        let fs = env.fs();
        let client = Arc::new(env.http(HttpSettings::default())?);
        let dir = self.dir.join(env.backend());
        fs.create_dir_all(&dir).await?;
        let input = dir.join("orders.csv");
        let output = dir.join("priced.jsonl");
        fs.write_atomic(&input, Self::csv(orders).as_bytes())
            .await?;

        let base = Arc::new(self.base.clone());
        let enrich = move |order: Order| {
            let (client, base) = (Arc::clone(&client), Arc::clone(&base));
            async move { price(&*client, &base, order).await }
        };
        let limit = ConcurrencyLimit::new(limit).map_err(|_| EnrichError::Limit(limit))?;
        let pipeline = Pipeline::new(
            ReadCsv::<Order, _>::new("read", fs.clone()).on_failure(FailurePolicy::Skip),
        )
        .then(Enrich::new("price", limit, enrich).on_failure(FailurePolicy::Skip))
        .then(WriteJsonLines::new("write", fs.clone(), output));
        let ctx = PipelineContext::new(env.rt().clone());
        let written = pipeline.run(vec![input], &ctx).await?;
        Ok(Report::new().items(written.len() as u64).note(format!(
            "enrich-csv: {} of {orders} orders written per run, {} skipped (malformed rows)",
            written.len(),
            ctx.skipped().len()
        )))
    }
}

/// The mock's stand-in for the test server: `/items/{id}` with the server's own JSON (a 400
/// for an id that is not a number), 1 ms after the request in virtual time.
fn scripted_server() -> Mock {
    Mock::new().http(|http| {
        http.route_fn(http::Method::GET, "/items/{id}", |request| {
            let reply = match request.param("id").and_then(|id| id.parse::<u64>().ok()) {
                Some(id) => Respond::json(ferry_testserver::routes::item_json(id)),
                None => Respond::status(400),
            };
            reply.latency(Duration::from_millis(1))
        })
    })
}

fn main() -> ExitCode {
    let server = TestServer::start();
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("cannot make a temporary directory: {error}");
            return ExitCode::FAILURE;
        }
    };
    let workload = EnrichCsv {
        base: server.url("").trim_end_matches('/').to_owned(),
        dir: dir.path().to_owned(),
    };
    Harness::new("compare_runtimes: the tour's CSV-enrich pipeline on every backend")
        .compare(
            Comparison::new("enrich-csv", Figure::wall_ms())
                .summary(
                    "read a CSV of orders, GET /items/{id} for each (10 at a time), write JSON \
                     Lines; the local test server, on 127.0.0.1",
                )
                .workload(workload)
                .on(TokioCt::new())
                .on(TokioMt::new())
                .on(Smol::new())
                .on(scripted_server()),
        )
        .main()
}
