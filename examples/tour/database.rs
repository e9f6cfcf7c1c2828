//! The tour's database lesson: the CSV-enrich pipeline into SQLite (a file in the tour's
//! directory) or, given `--postgres URL`, PostgreSQL; stopped by a fault mid-run, run again,
//! and every order is in the table exactly once.

use std::error::Error;
use std::future::Future;
use std::sync::Arc;

use ferry::pipeline::{Enrich, FailurePolicy, Pipeline, PipelineContext, PipelineError};
use ferry::{ConcurrencyLimit, Runtime};
use ferry_db::pipeline::{ReadRows, WriteRows};
use ferry_db::postgres::{Connect, Postgres};
use ferry_db::sqlite::Sqlite;
use ferry_db::{Database, DatabaseExt, Query, Write};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

/// The database the lesson writes to.
pub(crate) enum TourDb<R> {
    /// The embedded default.
    Sqlite(Sqlite<R>),
    /// A server given with `--postgres URL`.
    Postgres(Postgres<R>),
}

impl<R: Runtime + Clone + 'static> TourDb<R> {
    /// SQLite in `dir`, or PostgreSQL at `url` through `connect`.
    pub(crate) async fn open(
        rt: R,
        dir: &std::path::Path,
        postgres: Option<(String, impl Connect)>,
    ) -> Result<Self, Box<dyn Error>> {
        Ok(match postgres {
            None => Self::Sqlite(Sqlite::open(rt, dir.join("orders.db")).await?),
            Some((url, connect)) => Self::Postgres(Postgres::builder(&url)?.build(rt, connect)),
        })
    }
}

/// A row of the orders CSV.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Order {
    item_id: String,
    quantity: u32,
}

#[derive(Debug, Clone, Serialize)]
struct Numbered {
    line: i64,
    item_id: String,
    quantity: u32,
}

/// What the table holds: one row per CSV line, keyed by it, so a re-run upserts.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Priced {
    line: i64,
    item: String,
    quantity: u32,
    total: f64,
}

/// Runs the lesson on `db` (`backend` names it); `price` looks an item id up on the server.
pub(crate) async fn lesson<R, D, P, Fut, E>(
    rt: R,
    db: &D,
    backend: &str,
    orders: Vec<Order>,
    price: P,
) -> Result<(), Box<dyn Error>>
where
    R: Runtime + Clone + 'static,
    D: Database + Clone,
    P: Fn(String) -> Fut + Send + Sync,
    Fut: Future<Output = Result<(String, f64), E>> + Send,
    E: Error + Send + Sync + 'static,
{
    println!(
        "11. the enrich pipeline into {backend} (Enrich -> WriteRows, upsert by CSV line), stopped by a fault, run again"
    );
    db.execute_script(
        "DROP TABLE IF EXISTS priced_orders;
         CREATE TABLE priced_orders (
             line BIGINT PRIMARY KEY,
             item TEXT NOT NULL,
             quantity BIGINT NOT NULL CHECK (quantity <= 4),
             total DOUBLE PRECISION NOT NULL
         )",
    )
    .await?;
    let numbered: Vec<Numbered> = orders
        .into_iter()
        .enumerate()
        .map(|(line, order)| Numbered {
            line: line as i64 + 1,
            item_id: order.item_id,
            quantity: order.quantity,
        })
        .collect();
    let price = &price;
    let enrich = Enrich::new(
        "price",
        ConcurrencyLimit::new(10)?,
        move |order: Numbered| async move {
            let (item, unit) = price(order.item_id).await?;
            Ok::<_, E>(Priced {
                line: order.line,
                item,
                quantity: order.quantity,
                total: unit * f64::from(order.quantity),
            })
        },
    )
    .on_failure(FailurePolicy::Skip);
    let sink = WriteRows::new("save", db.clone(), Write::upsert("priced_orders", ["line"]))
        .batch_size(10)?
        .on_failure(FailurePolicy::DeadLetter);

    // First run: a fault after 25 records stops it (its batch so far is flushed first).
    let ctx = PipelineContext::new(rt.clone());
    let input = futures::stream::iter(numbered.clone()).map(Ok);
    let crashing = enrich.stream(input, &ctx).enumerate().map(|(n, record)| {
        if n == 25 {
            Err(PipelineError::Step {
                step: "crash".into(),
                source: Arc::new(std::io::Error::other("simulated crash after 25 records")),
            })
        } else {
            record
        }
    });
    let stopped = sink.write_stream(crashing, &ctx).await;
    let after_crash = count(db).await?;
    println!(
        "   run 1: {} ({after_crash} rows in the table, {} rejected by the CHECK so far)",
        stopped
            .err()
            .map_or_else(|| "finished?".to_owned(), |e| e.to_string()),
        ctx.dead_letters().len()
    );

    // Second run, from the start: the upsert leaves each line once.
    let ctx = PipelineContext::new(rt.clone());
    let input = futures::stream::iter(numbered).map(Ok);
    let written = sink.write_stream(enrich.stream(input, &ctx), &ctx).await?;
    let rows: Vec<(i64, i64)> = db
        .fetch_all(Query::new(
            "SELECT COUNT(*), COUNT(DISTINCT line) FROM priced_orders",
        ))
        .await?;
    println!(
        "   run 2: {written} written, {} rows / {} distinct lines in the table; {} orders over 4 dead-lettered one by one",
        rows[0].0,
        rows[0].1,
        ctx.dead_letters().len()
    );
    if let Some(dead) = ctx.dead_letters().first() {
        println!("   e.g. {dead}");
    }

    let read = ReadRows::<Priced, _>::new("top", db.clone());
    let ctx = PipelineContext::new(rt);
    let top = Pipeline::new(read)
        .run(
            vec![
                Query::new("SELECT * FROM priced_orders ORDER BY total DESC, line LIMIT $1")
                    .bind(3),
            ],
            &ctx,
        )
        .await?;
    for order in top {
        println!(
            "   top: line {:>2} {:<10} x{} = {:.2}",
            order.line, order.item, order.quantity, order.total
        );
    }
    Ok(())
}

async fn count<D: Database>(db: &D) -> Result<i64, ferry_db::DbError> {
    let rows: Vec<(i64,)> = db
        .fetch_all(Query::new("SELECT COUNT(*) FROM priced_orders"))
        .await?;
    Ok(rows[0].0)
}
