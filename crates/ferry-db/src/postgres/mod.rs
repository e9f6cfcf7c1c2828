//! PostgreSQL: tokio-postgres driven on any ferry runtime.
//!
//! tokio-postgres is taken without its `runtime` feature, so it needs no tokio reactor or
//! timer: ferry-db hands it a socket the caller's runtime opened ([`Connect`]: tokio's
//! `TcpStream` on tokio, async-io's `Async<TcpStream>` behind tokio-util's `compat` adapter on
//! smol) through `Config::connect_raw`, and spawns the connection's driver future with the
//! runtime's [`Spawn`](ferry_core::Spawn). Only tokio's I/O traits are compiled in.
//!
//! - **Pool and concurrency limit**: at most
//!   [`max_connections`](PostgresBuilder::max_connections) connections, handed out through a
//!   fair semaphore; idle ones are reused, closed ones dropped. A connection abandoned
//!   mid-transaction (a dropped future, a timeout) is closed, never reused, so the server rolls
//!   its transaction back.
//! - **Statement timeouts** on ferry's [`Timer`](ferry_core::Timer) (shared with a
//!   [`Deadline`](ferry_core::Deadline) through [`Query::within`]): on expiry the query is
//!   cancelled in the server (`CancelToken::cancel_query_raw` over a fresh socket) and the
//!   call fails with [`DbErrorKind::Timeout`].
//! - **Dropped connections** (a restarted server, `pg_terminate_backend`, a cut socket) are
//!   retried with backoff under a [`RetryPolicy`] (by default 4 attempts, 50 ms doubling to
//!   2 s), each attempt on a fresh connection. A batch write is one transaction, so a retried
//!   batch is never half-applied; with an upsert, even a batch whose commit was cut off after
//!   the server applied it is safe to repeat.
//! - **Batch writes** send every record's statement at once (tokio-postgres pipelines
//!   requests on one connection) inside one transaction. If a record is rejected, the batch is
//!   rolled back and written again one record at a time, each under a savepoint, so that the
//!   rejected records are reported one by one and the rest commit.
//! - **Errors** keep the server's severity, message and SQLSTATE, never its `DETAIL`, which can
//!   quote values.

mod connect;
mod errors;
mod pool;
mod types;

use std::sync::Arc;
use std::time::Duration;

use ferry_core::retry::{Backoff, RetryDecision, RetryPolicy, classify_retryable};
use ferry_core::{ConcurrencyLimit, Runtime};
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use tokio_postgres::Config;
use tokio_postgres::config::Host;
use tokio_postgres::tls::NoTls;

pub use connect::{Connect, Connecting, PgStream, Socket, connector};

use crate::database::{Database, RowBatch, WriteReport};
use crate::error::{DbError, DbErrorKind};
use crate::query::{Placeholder, Query, Write};
use crate::row::Row;
use errors::pg_error;
use pool::{Checkout, Pool};

/// The statement timeout when none is set: 30 s.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// A PostgreSQL database on a ferry runtime; see the [module docs](self). Cheap to clone:
/// clones share the pool.
///
/// ```no_run
/// use std::time::Duration;
/// use ferry_core::ConcurrencyLimit;
/// use ferry_db::{Database, Query, postgres::{Postgres, connector}};
///
/// # async fn demo(rt: ferry_tokio::TokioRuntime) -> Result<(), Box<dyn std::error::Error>> {
/// let db = Postgres::builder("postgresql://app@127.0.0.1:5432/shop")?
///     .max_connections(ConcurrencyLimit::new(8)?)
///     .statement_timeout(Duration::from_secs(5))
///     .build(rt, connector(|host: String, port| async move {
///         tokio::net::TcpStream::connect((host.as_str(), port)).await
///     }));
/// db.execute(Query::new("DELETE FROM items WHERE id = $1").bind(7)).await?;
/// # Ok(())
/// # }
/// ```
pub struct Postgres<R> {
    shared: Arc<Shared<R>>,
}

impl<R> Clone for Postgres<R> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<R> std::fmt::Debug for Postgres<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the password: only where it goes is shown.
        f.debug_struct("Postgres")
            .field("host", &self.shared.host)
            .field("port", &self.shared.port)
            .field("dbname", &self.shared.config.get_dbname())
            .finish_non_exhaustive()
    }
}

struct Shared<R> {
    rt: R,
    config: Config,
    host: String,
    port: u16,
    connector: Box<dyn Connect>,
    pool: Arc<Pool>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
}

/// Settings for a [`Postgres`]; see [`Postgres::builder`].
#[derive(Clone)]
pub struct PostgresBuilder {
    config: Config,
    host: String,
    port: u16,
    max_connections: ConcurrencyLimit,
    timeout: Option<Duration>,
    retry: RetryPolicy,
}

impl std::fmt::Debug for PostgresBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBuilder")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("max_connections", &self.max_connections)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl PostgresBuilder {
    /// At most `limit` connections at once (by default 10): the pool's size and the
    /// database's concurrency limit.
    #[must_use]
    pub fn max_connections(mut self, limit: ConcurrencyLimit) -> Self {
        self.max_connections = limit;
        self
    }

    /// The default statement timeout ([`DEFAULT_STATEMENT_TIMEOUT`] unless set); `None` for
    /// none. A [`Query::timeout`] overrides it.
    #[must_use]
    pub fn statement_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// How dropped connections are retried.
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The database on `rt`, opening sockets with `connector`. No connection is made until
    /// the first query.
    pub fn build<R: Runtime + Clone + 'static>(
        self,
        rt: R,
        connector: impl Connect,
    ) -> Postgres<R> {
        Postgres {
            shared: Arc::new(Shared {
                rt,
                config: self.config,
                host: self.host,
                port: self.port,
                connector: Box::new(connector),
                pool: Arc::new(Pool::new(self.max_connections.get())),
                timeout: self.timeout,
                retry: self.retry,
            }),
        }
    }
}

impl Postgres<()> {
    /// Settings for the server of `url` (`postgresql://user:password@host:port/dbname`, or
    /// libpq's `key=value` form). TLS is not supported: use it on a trusted network.
    ///
    /// # Errors
    ///
    /// [`DbErrorKind::Connection`] if the URL does not parse or names no TCP host. The URL
    /// itself is not in the message (it may hold a password).
    pub fn builder(url: &str) -> Result<PostgresBuilder, DbError> {
        let invalid = |message: String| DbError::new("connect", DbErrorKind::Connection, message);
        let config: Config = url
            .parse()
            .map_err(|error| invalid(format!("invalid PostgreSQL URL: {error}")))?;
        let host = config
            .get_hosts()
            .iter()
            .find_map(|host| match host {
                Host::Tcp(name) => Some(name.clone()),
                #[cfg(unix)]
                Host::Unix(_) => None,
            })
            .ok_or_else(|| invalid("the PostgreSQL URL names no TCP host".to_owned()))?;
        let port = config.get_ports().first().copied().unwrap_or(5432);
        Ok(PostgresBuilder {
            config,
            host,
            port,
            max_connections: ConcurrencyLimit::new(10).expect("10 is not zero"),
            timeout: Some(DEFAULT_STATEMENT_TIMEOUT),
            retry: RetryPolicy::new(
                Backoff::exponential(Duration::from_millis(50)).max_delay(Duration::from_secs(2)),
            )
            .max_attempts(4),
        })
    }
}

impl<R: Runtime + Clone + 'static> Postgres<R> {
    async fn checkout(&self, label: &str) -> Result<Checkout, DbError> {
        let shared = &*self.shared;
        pool::checkout(
            &shared.pool,
            &shared.rt,
            &shared.config,
            &*shared.connector,
            &shared.host,
            shared.port,
            label,
        )
        .await
    }

    /// Runs `attempt` on a fresh checkout each time, retrying connection failures under the
    /// policy.
    async fn with_retries<T, F, Fut>(&self, label: &str, attempt: F) -> Result<T, DbError>
    where
        F: Fn(Checkout) -> Fut,
        Fut: Future<Output = Result<T, DbError>>,
    {
        let shared = &*self.shared;
        let attempt = &attempt;
        let outcome = shared
            .retry
            .retry(
                &shared.rt,
                |error: &DbError| {
                    if error.is_connection() {
                        // The server may have dropped every connection (a restart): do not
                        // hand the retry another dead one.
                        shared.pool.clear_idle();
                        classify_retryable(error)
                    } else {
                        RetryDecision::DontRetry
                    }
                },
                || async move { attempt(self.checkout(label).await?).await },
            )
            .await;
        outcome
            .map(|done| done.value)
            .map_err(|failed| failed.into_last_error())
    }

    /// Runs `operation` under `timeout` (or the default); on expiry cancels the statement in
    /// the server and fails with a timeout. The connection is not reused after a timeout.
    async fn timed<T>(
        &self,
        checkout: &Checkout,
        label: &str,
        timeout: Option<Duration>,
        operation: impl Future<Output = Result<T, DbError>>,
    ) -> Result<T, DbError> {
        let Some(limit) = timeout.or(self.shared.timeout) else {
            return operation.await;
        };
        match ferry_core::timeout(&self.shared.rt, limit, operation).await {
            Ok(result) => result,
            Err(elapsed) => {
                checkout.discard();
                let mut message = format!("cancelled after {:?}", elapsed.allowed());
                if let Err(error) = self.cancel(checkout).await {
                    message.push_str(&format!(
                        " (the cancel request failed: {})",
                        error.message()
                    ));
                }
                Err(DbError::new(label, DbErrorKind::Timeout, message))
            }
        }
    }

    /// Asks the server to cancel what `checkout`'s connection runs, over a new socket.
    async fn cancel(&self, checkout: &Checkout) -> Result<(), DbError> {
        let shared = &*self.shared;
        let token = checkout.client().cancel_token();
        let cancel = async {
            let socket = shared
                .connector
                .connect(&shared.host, shared.port)
                .await
                .map_err(|error| {
                    DbError::new("cancel", DbErrorKind::Connection, error.to_string())
                })?;
            token
                .cancel_query_raw(socket, NoTls)
                .await
                .map_err(|error| pg_error("cancel", &error))
        };
        ferry_core::timeout(&shared.rt, Duration::from_secs(5), cancel)
            .await
            .unwrap_or_else(|_| {
                Err(DbError::new(
                    "cancel",
                    DbErrorKind::Timeout,
                    "no answer in 5 s",
                ))
            })
    }
}

fn row_of(columns: &Arc<[String]>, row: &tokio_postgres::Row, label: &str) -> Result<Row, DbError> {
    let values = (0..row.len())
        .map(|index| {
            row.try_get(index).map_err(|error| {
                let column = columns.get(index).map_or("?", String::as_str);
                let reason = std::error::Error::source(&error)
                    .map_or_else(|| error.to_string(), ToString::to_string);
                DbError::new(
                    label,
                    DbErrorKind::Mapping,
                    format!("column `{column}`: {reason}"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Row::new(Arc::clone(columns), values))
}

fn columns_of(row: &tokio_postgres::Row) -> Arc<[String]> {
    row.columns()
        .iter()
        .map(|column| column.name().to_owned())
        .collect()
}

impl<R: Runtime + Clone + 'static> Database for Postgres<R> {
    async fn execute(&self, query: Query) -> Result<u64, DbError> {
        let label = query.label().into_owned();
        let (label, query) = (label.as_str(), &query);
        self.with_retries(label, |checkout| async move {
            let run = async {
                checkout
                    .client()
                    .execute_raw(query.sql(), query.params().iter())
                    .await
                    .map_err(|error| pg_error(label, &error))
            };
            self.timed(&checkout, label, query.own_timeout(), run).await
        })
        .await
    }

    async fn execute_script(&self, sql: &str) -> Result<(), DbError> {
        let label = crate::query::sql_label(sql);
        let label = label.as_str();
        self.with_retries(label, |checkout| async move {
            let run = async {
                checkout
                    .client()
                    .batch_execute(sql)
                    .await
                    .map_err(|error| pg_error(label, &error))
            };
            self.timed(&checkout, label, None, run).await
        })
        .await
    }

    async fn fetch_rows(&self, query: Query) -> Result<Vec<Row>, DbError> {
        let label = query.label().into_owned();
        let (label, query) = (label.as_str(), &query);
        self.with_retries(label, |checkout| async move {
            let run = async {
                let rows = checkout
                    .client()
                    .query_raw(query.sql(), query.params().iter())
                    .await
                    .map_err(|error| pg_error(label, &error))?;
                let rows: Vec<tokio_postgres::Row> = rows
                    .try_collect()
                    .await
                    .map_err(|error| pg_error(label, &error))?;
                let Some(first) = rows.first() else {
                    return Ok(Vec::new());
                };
                let columns = columns_of(first);
                rows.iter()
                    .map(|row| row_of(&columns, row, label))
                    .collect()
            };
            self.timed(&checkout, label, query.own_timeout(), run).await
        })
        .await
    }

    fn stream_rows(&self, query: Query) -> BoxStream<'static, Result<Row, DbError>> {
        let db = self.clone();
        let label = query.label().into_owned();
        let start = async move {
            let opened = db
                .with_retries(&label, |checkout| {
                    let (db, query, label) = (&db, &query, &label);
                    async move {
                        let run = async {
                            checkout
                                .client()
                                .query_raw(query.sql(), query.params().iter())
                                .await
                                .map_err(|error| pg_error(label, &error))
                        };
                        // The timeout covers the query until its first rows are ready; the
                        // rows then come as fast as the stream is read.
                        let rows = db.timed(&checkout, label, query.own_timeout(), run).await?;
                        Ok((checkout, rows))
                    }
                })
                .await;
            (opened, label)
        };
        futures_util::stream::once(start)
            .flat_map(|(opened, label)| match opened {
                Err(error) => futures_util::stream::iter([Err(error)]).boxed(),
                Ok((checkout, rows)) => {
                    // The checkout rides along until the stream is dropped; a stream dropped
                    // half-read closes its connection rather than reuse it.
                    checkout.discard();
                    let mut columns: Option<Arc<[String]>> = None;
                    rows.map(move |row| {
                        let _held = &checkout;
                        let row = row.map_err(|error| pg_error(&label, &error))?;
                        let columns = columns.get_or_insert_with(|| columns_of(&row));
                        row_of(columns, &row, &label)
                    })
                    .boxed()
                }
            })
            .boxed()
    }

    async fn write_rows(&self, write: &Write, batch: RowBatch) -> Result<WriteReport, DbError> {
        let label = write.label();
        let label = label.as_str();
        let sql = write.sql(&batch.columns, Placeholder::Dollar);
        let (sql, batch) = (sql.as_str(), &batch);
        self.with_retries(label, |checkout| async move {
            // Until the transaction ends, a dropped future must close the connection.
            checkout.discard();
            let run = write_batch(checkout.client(), sql, batch, label);
            let report = self.timed(&checkout, label, None, run).await?;
            checkout.reuse();
            Ok(report)
        })
        .await
    }
}

/// The batch in one transaction, all statements pipelined; on a rejected record, again one
/// record at a time under savepoints.
async fn write_batch(
    client: &tokio_postgres::Client,
    sql: &str,
    batch: &RowBatch,
    label: &str,
) -> Result<WriteReport, DbError> {
    let fail = |error: tokio_postgres::Error| pg_error(label, &error);
    client.batch_execute("BEGIN").await.map_err(fail)?;
    let statement = match client.prepare(sql).await {
        Ok(statement) => statement,
        Err(error) => {
            let _ = client.batch_execute("ROLLBACK").await;
            return Err(fail(error));
        }
    };
    let results = futures_util::future::join_all(
        batch
            .rows
            .iter()
            .map(|(_, values)| client.execute_raw(&statement, values.iter())),
    )
    .await;
    let first_error = results.iter().find_map(|result| result.as_ref().err());
    match first_error {
        None => {
            client.batch_execute("COMMIT").await.map_err(fail)?;
            Ok(WriteReport {
                written: batch.rows.len() as u64,
                failed: Vec::new(),
            })
        }
        Some(error) => {
            let error = pg_error(label, error);
            client.batch_execute("ROLLBACK").await.map_err(fail)?;
            if !error.kind().is_per_record() {
                return Err(error);
            }
            write_one_by_one(client, &statement, batch, label).await
        }
    }
}

async fn write_one_by_one(
    client: &tokio_postgres::Client,
    statement: &tokio_postgres::Statement,
    batch: &RowBatch,
    label: &str,
) -> Result<WriteReport, DbError> {
    let fail = |error: tokio_postgres::Error| pg_error(label, &error);
    client.batch_execute("BEGIN").await.map_err(fail)?;
    let mut report = WriteReport::default();
    let outcome: Result<(), DbError> = async {
        for (index, values) in &batch.rows {
            client
                .batch_execute("SAVEPOINT ferry_record")
                .await
                .map_err(fail)?;
            match client.execute_raw(statement, values.iter()).await {
                Ok(_) => {
                    client
                        .batch_execute("RELEASE SAVEPOINT ferry_record")
                        .await
                        .map_err(fail)?;
                    report.written += 1;
                }
                Err(error) => {
                    let error = fail(error);
                    if !error.kind().is_per_record() {
                        return Err(error);
                    }
                    client
                        .batch_execute("ROLLBACK TO SAVEPOINT ferry_record")
                        .await
                        .map_err(fail)?;
                    report.failed.push((*index, error.for_record(*index)));
                }
            }
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => {
            client.batch_execute("COMMIT").await.map_err(fail)?;
            Ok(report)
        }
        Err(error) => {
            let _ = client.batch_execute("ROLLBACK").await;
            Err(error)
        }
    }
}
