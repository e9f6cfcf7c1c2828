//! PostgreSQL under faults: a statement past its timeout is cancelled in the server, and a
//! connection the server kills (`pg_terminate_backend`) is retried on a new one, with nothing
//! lost or doubled.

mod support;

use std::time::Duration;

use ferry_core::ConcurrencyLimit;
use ferry_db::postgres::Postgres;
use ferry_db::{Database, DatabaseExt, DbErrorKind, Query, Write};
use ferry_tokio::TokioRuntime;

fn on_tokio<F: std::future::Future<Output = ()>>(body: impl FnOnce(TokioRuntime) -> F) {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let rt = TokioRuntime::from_handle(tokio.handle().clone());
    tokio.block_on(body(rt));
}

fn database(rt: TokioRuntime) -> Postgres<TokioRuntime> {
    named(rt, &support::fresh_database())
}

fn named(rt: TokioRuntime, name: &str) -> Postgres<TokioRuntime> {
    Postgres::builder(&support::url(name))
        .expect("url")
        .max_connections(ConcurrencyLimit::new(2).expect("not zero"))
        .build(rt, support::tokio_connector())
}

async fn active_sleeps(admin: &Postgres<TokioRuntime>) -> i64 {
    let rows: Vec<(i64,)> = admin
        .fetch_all(Query::new(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep%'",
        ))
        .await
        .expect("pg_stat_activity");
    rows[0].0
}

#[test]
fn a_statement_past_its_timeout_is_cancelled_in_the_server() {
    on_tokio(|rt| async move {
        let db = database(rt.clone());
        let admin = database(rt.clone());
        let started = std::time::Instant::now();
        let error = db
            .execute(Query::new("SELECT pg_sleep(30)").timeout(Duration::from_millis(300)))
            .await
            .expect_err("the sleep outlasts its timeout");
        assert_eq!(error.kind(), DbErrorKind::Timeout, "{error}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        // The server stops the statement on the cancel request: no sleep is left running.
        let mut left = active_sleeps(&admin).await;
        for _ in 0..50 {
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            left = active_sleeps(&admin).await;
        }
        assert_eq!(left, 0, "the cancelled statement still runs in the server");
        // The pool goes on with a fresh connection.
        let one: Vec<(i64,)> = db
            .fetch_all(Query::new("SELECT 1::int8"))
            .await
            .expect("after");
        assert_eq!(one, [(1,)]);
    });
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Event {
    id: i64,
    body: String,
}

#[test]
fn a_connection_killed_by_the_server_is_retried_and_nothing_is_lost_or_doubled() {
    on_tokio(|rt| async move {
        let name = support::fresh_database();
        let db = named(rt.clone(), &name);
        db.execute_script("CREATE TABLE events (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
            .await
            .expect("create");
        let write = Write::upsert("events", ["id"]);
        let first: Vec<Event> = (1..=100)
            .map(|id| Event {
                id,
                body: format!("e{id}"),
            })
            .collect();
        db.write(&write, &first).await.expect("first batch");

        // Kill every connection of the pool from another session.
        let admin = named(rt.clone(), &name);
        let killed: Vec<(bool,)> = admin
            .fetch_all(Query::new(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ))
            .await
            .expect("terminate");
        assert!(
            !killed.is_empty() && killed.iter().all(|(done,)| *done),
            "{killed:?}"
        );

        // The next batch meets the dead connection, retries on a new one, and commits.
        let second: Vec<Event> = (51..=150)
            .map(|id| Event {
                id,
                body: format!("again {id}"),
            })
            .collect();
        let report = db.write(&write, &second).await.expect("the retried batch");
        assert_eq!((report.written, report.failed.len()), (100, 0));
        let counts: Vec<(i64, i64, i64)> = db
            .fetch_all(Query::new(
                "SELECT COUNT(*), COUNT(DISTINCT id), COUNT(*) FILTER (WHERE body LIKE 'again%') FROM events",
            ))
            .await
            .expect("count");
        assert_eq!(counts, [(150, 150, 100)]);
    });
}

#[test]
fn a_server_that_is_not_there_fails_as_a_connection_error_after_the_retries() {
    on_tokio(|rt| async move {
        let port = ferry_testserver::external::free_port().expect("a free port");
        let db = Postgres::builder(&format!("postgresql://postgres@127.0.0.1:{port}/none"))
            .expect("url")
            .build(rt, support::tokio_connector());
        let error = db
            .execute(Query::new("SELECT 1"))
            .await
            .expect_err("nobody listens");
        assert_eq!(error.kind(), DbErrorKind::Connection, "{error}");
        assert!(error.to_string().contains(&port.to_string()), "{error}");
    });
}

#[test]
fn a_url_with_a_password_never_shows_it() {
    let error = Postgres::builder("postgresql://app:s3cret-pw@/nohost?port=notaport")
        .expect_err("a bad port");
    assert!(!error.to_string().contains("s3cret-pw"), "{error}");
    let builder = Postgres::builder("postgresql://app:s3cret-pw@127.0.0.1:5/db").expect("valid");
    assert!(!format!("{builder:?}").contains("s3cret-pw"));
}
