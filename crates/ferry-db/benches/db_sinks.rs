//! Rows per second written by ferry-db's sink step against a plain hand-written loop over
//! the same driver crate, in the same process, alternating runs:
//!
//! - SQLite (a file, WAL): `WriteRows` upserting in batches against a loop of rusqlite's
//!   `prepare_cached` + `execute` in one transaction per batch on the blocking pool.
//! - PostgreSQL (a throwaway server on 127.0.0.1): `WriteRows` against a loop of
//!   tokio-postgres `execute` awaited one by one in one transaction per batch, and against
//!   the same loop with the batch's statements pipelined (`join_all`), which is what ferry
//!   does.
//!
//! `cargo bench -p ferry-db --bench db_sinks` (set `DB_BENCH_ROWS` to change the 20,000 rows).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferry_db::pipeline::WriteRows;
use ferry_db::postgres::{Postgres, connector};
use ferry_db::sqlite::Sqlite;
use ferry_db::{Database, Write};
use ferry_pipeline::{Pipeline, PipelineContext};
use ferry_testserver::external::postgres::PostgresServer;
use ferry_tokio::TokioRuntime;
use serde::Serialize;

const BATCH: usize = 500;
const RUNS: usize = 5;

#[derive(Debug, Clone, Serialize)]
struct Row {
    id: i64,
    name: String,
    price: f64,
    in_stock: bool,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS bench (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price DOUBLE PRECISION NOT NULL, in_stock BOOLEAN NOT NULL)";

fn rows(n: usize) -> Vec<Row> {
    (0..n as i64)
        .map(|id| Row {
            id,
            name: format!("item number {id}"),
            price: id as f64 * 0.5,
            in_stock: id % 3 == 0,
        })
        .collect()
}

/// The best and the median of `runs`, as rows per second.
fn summary(rows: usize, mut runs: Vec<Duration>) -> (f64, f64) {
    runs.sort();
    let rate = |d: Duration| rows as f64 / d.as_secs_f64();
    (rate(runs[0]), rate(runs[runs.len() / 2]))
}

fn report(what: &str, rows: usize, ferry: Vec<Duration>, baselines: Vec<(&str, Vec<Duration>)>) {
    let (ferry_best, ferry_median) = summary(rows, ferry);
    println!("{what}: {rows} rows, batches of {BATCH}, best / median of {RUNS} runs");
    println!("  ferry WriteRows            {ferry_best:>10.0} / {ferry_median:>10.0} rows/s");
    for (name, runs) in baselines {
        let (best, median) = summary(rows, runs);
        println!(
            "  {name:<26} {best:>10.0} / {median:>10.0} rows/s   ferry at {:.2}x (best) {:.2}x (median)",
            ferry_best / best,
            ferry_median / median
        );
    }
}

async fn sqlite(rt: TokioRuntime, n: usize) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("bench.db");
    let data = rows(n);
    let db = Sqlite::open(rt.clone(), &path).await.expect("open");
    db.execute_script(SCHEMA).await.expect("schema");
    let raw = Arc::new(Mutex::new(
        rusqlite::Connection::open(&path).expect("open raw"),
    ));
    raw.lock()
        .unwrap()
        .execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        .expect("pragmas");
    let upsert = Write::upsert("bench", ["id"]);
    let sql = upsert.sql(
        &["id", "name", "price", "in_stock"],
        ferry_db::Placeholder::Question,
    );
    let (mut ferry, mut hand) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        db.execute_script("DELETE FROM bench").await.expect("empty");
        let sink = WriteRows::new("save", db.clone(), upsert.clone())
            .batch_size(BATCH)
            .expect("batch");
        let ctx = PipelineContext::new(rt.clone());
        let start = Instant::now();
        let written = Pipeline::new(sink)
            .run(data.clone(), &ctx)
            .await
            .expect("ferry run");
        ferry.push(start.elapsed());
        assert_eq!(written.len(), n);

        db.execute_script("DELETE FROM bench").await.expect("empty");
        let start = Instant::now();
        for chunk in data.chunks(BATCH) {
            let chunk = chunk.to_vec();
            let raw = Arc::clone(&raw);
            let sql = sql.clone();
            tokio::task::spawn_blocking(move || {
                let conn = raw.lock().unwrap();
                conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                {
                    let mut statement = conn.prepare_cached(&sql).unwrap();
                    for row in &chunk {
                        statement
                            .execute(rusqlite::params![row.id, row.name, row.price, row.in_stock])
                            .unwrap();
                    }
                }
                conn.execute_batch("COMMIT").unwrap();
            })
            .await
            .expect("hand loop");
        }
        hand.push(start.elapsed());
    }
    report(
        "SQLite sink (file, WAL)",
        n,
        ferry,
        vec![("rusqlite loop", hand)],
    );
}

async fn postgres(rt: TokioRuntime, n: usize, url: &str, port: u16) {
    let data = rows(n);
    let db = Postgres::builder(url).expect("url").build(
        rt.clone(),
        connector(|host: String, port: u16| async move {
            tokio::net::TcpStream::connect((host.as_str(), port)).await
        }),
    );
    db.execute_script(SCHEMA).await.expect("schema");
    let config: tokio_postgres::Config = url.parse().expect("url");
    let socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (client, connection) = config
        .connect_raw(socket, tokio_postgres::NoTls)
        .await
        .expect("raw");
    tokio::spawn(connection);
    let upsert = Write::upsert("bench", ["id"]);
    let sql = upsert.sql(
        &["id", "name", "price", "in_stock"],
        ferry_db::Placeholder::Dollar,
    );
    let (mut ferry, mut hand, mut piped) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        client.batch_execute("TRUNCATE bench").await.expect("empty");
        let sink = WriteRows::new("save", db.clone(), upsert.clone())
            .batch_size(BATCH)
            .expect("batch");
        let ctx = PipelineContext::new(rt.clone());
        let start = Instant::now();
        let written = Pipeline::new(sink)
            .run(data.clone(), &ctx)
            .await
            .expect("ferry run");
        ferry.push(start.elapsed());
        assert_eq!(written.len(), n);

        client.batch_execute("TRUNCATE bench").await.expect("empty");
        let start = Instant::now();
        for chunk in data.chunks(BATCH) {
            client.batch_execute("BEGIN").await.unwrap();
            let statement = client.prepare(&sql).await.unwrap();
            for row in chunk {
                client
                    .execute(&statement, &[&row.id, &row.name, &row.price, &row.in_stock])
                    .await
                    .unwrap();
            }
            client.batch_execute("COMMIT").await.unwrap();
        }
        hand.push(start.elapsed());

        client.batch_execute("TRUNCATE bench").await.expect("empty");
        let start = Instant::now();
        for chunk in data.chunks(BATCH) {
            client.batch_execute("BEGIN").await.unwrap();
            let statement = client.prepare(&sql).await.unwrap();
            let all = chunk.iter().map(|row| {
                let statement = &statement;
                let client = &client;
                async move {
                    client
                        .execute(statement, &[&row.id, &row.name, &row.price, &row.in_stock])
                        .await
                }
            });
            for done in futures::future::join_all(all).await {
                done.unwrap();
            }
            client.batch_execute("COMMIT").await.unwrap();
        }
        piped.push(start.elapsed());
    }
    report(
        "PostgreSQL sink (127.0.0.1)",
        n,
        ferry,
        vec![
            ("tokio-postgres loop", hand),
            ("tokio-postgres pipelined", piped),
        ],
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing and gets a short run.
    let quick = !std::env::args().any(|arg| arg == "--bench");
    let n = std::env::var("DB_BENCH_ROWS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(if quick { 1_000 } else { 20_000 });
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let rt = TokioRuntime::from_handle(tokio.handle().clone());
    tokio.block_on(sqlite(rt.clone(), n));
    let server =
        PostgresServer::start().unwrap_or_else(|error| panic!("cannot start PostgreSQL: {error}"));
    tokio.block_on(postgres(rt, n, &server.url("postgres"), server.port()));
}
