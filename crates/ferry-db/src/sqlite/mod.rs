//! SQLite: the embedded default. A file (or memory), nothing to install: rusqlite with SQLite
//! compiled in, every statement run on the runtime's blocking pool.
//!
//! - **One writer**: one connection, used by one blocking job at a time (callers queue on a
//!   fair [`Semaphore`] of one permit, so no blocking thread waits on a lock). SQLite allows one
//!   writer per database anyway; WAL mode (set on open) lets other processes read while it
//!   writes.
//! - **Durability**: `journal_mode=WAL`, `synchronous=NORMAL` (a commit survives a crash of the
//!   process; a power loss may lose the last commits, never corrupt the file),
//!   `foreign_keys=ON`, a busy timeout of 5 s for other processes' locks.
//! - **Timeouts**: a statement past its timeout is interrupted (`sqlite3_interrupt`) and fails
//!   with [`DbErrorKind::Timeout`].
//! - **Streams**: SQLite runs in this process, so [`Database::stream_rows`] reads the result
//!   in one blocking job and yields its rows one by one; for results larger than memory, page
//!   with a key (`WHERE id > $1 ORDER BY id LIMIT 1000`).
//! - **The mock backend**: [`Sqlite::open_in_memory`] (`:memory:`) on `ferry_mock`, whose
//!   blocking jobs run on its executor thread at seeded turns, so tests with a database stay
//!   deterministic.

mod exec;

use std::path::Path;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::semaphore::Semaphore;
use ferry_core::{Runtime, SpawnBlockingExt};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use futures_util::stream::BoxStream;
use rusqlite::Connection;

use crate::database::{Database, RowBatch, WriteReport};
use crate::error::{DbError, DbErrorKind};
use crate::query::{Query, Write};
use crate::row::Row;

/// A SQLite database on a ferry runtime's blocking pool; see the [module docs](self).
///
/// Cheap to clone: clones share the connection.
///
/// ```
/// use ferry_db::{Database, Query, sqlite::Sqlite};
///
/// let count = ferry_mock::run(3, |rt| async move {
///     let db = Sqlite::open_in_memory(rt).await?;
///     db.execute_script("CREATE TABLE t (n INTEGER)").await?;
///     db.execute(Query::new("INSERT INTO t VALUES ($1), ($2)").bind(1).bind(2)).await
/// })?;
/// assert_eq!(count, 2);
/// # Ok::<(), ferry_db::DbError>(())
/// ```
pub struct Sqlite<R> {
    inner: Arc<Inner>,
    rt: R,
    timeout: Option<Duration>,
}

impl<R: Clone> Clone for Sqlite<R> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            rt: self.rt.clone(),
            timeout: self.timeout,
        }
    }
}

impl<R> std::fmt::Debug for Sqlite<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite")
            .field("path", &self.inner.path)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

struct Inner {
    conn: Mutex<Connection>,
    interrupt: rusqlite::InterruptHandle,
    gate: Semaphore,
    path: String,
}

impl<R: Runtime + Clone + 'static> Sqlite<R> {
    /// Opens (or creates) the database file at `path` in WAL mode.
    ///
    /// # Errors
    ///
    /// [`DbErrorKind::Connection`] if the file cannot be opened or is not a database.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the connection once the blocking job that opens it ends.
    pub async fn open(rt: R, path: impl AsRef<Path>) -> Result<Self, DbError> {
        let path = path.as_ref().to_owned();
        let label = format!("open {}", path.display());
        let shown = path.display().to_string();
        let job_label = label.clone();
        let conn = rt
            .spawn_blocking(move || {
                let conn = Connection::open(&path).map_err(|e| connection_error(&job_label, &e))?;
                configure(&conn, true).map_err(|e| connection_error(&job_label, &e))?;
                Ok(conn)
            })
            .await
            .map_err(|error| DbError::new(&label, DbErrorKind::Query, error.to_string()))??;
        Ok(Self::from_connection(rt, conn, shown))
    }

    /// Opens a private in-memory database (`:memory:`): gone when the last clone drops.
    ///
    /// # Errors
    ///
    /// [`DbErrorKind::Connection`] if SQLite cannot allocate it.
    pub async fn open_in_memory(rt: R) -> Result<Self, DbError> {
        let label = "open :memory:";
        let conn = rt
            .spawn_blocking(move || {
                let conn = Connection::open_in_memory().map_err(|e| connection_error(label, &e))?;
                configure(&conn, false).map_err(|e| connection_error(label, &e))?;
                Ok(conn)
            })
            .await
            .map_err(|error| DbError::new(label, DbErrorKind::Query, error.to_string()))??;
        Ok(Self::from_connection(rt, conn, ":memory:".to_owned()))
    }

    fn from_connection(rt: R, conn: Connection, path: String) -> Self {
        let interrupt = conn.get_interrupt_handle();
        Self {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                interrupt,
                gate: Semaphore::new(1),
                path,
            }),
            rt,
            timeout: None,
        }
    }

    /// Sets the default statement timeout of this handle (queries may set their own).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Runs `job` with the connection on the blocking pool, one job at a time, interrupting
    /// it at `timeout`.
    async fn run<T, F>(
        &self,
        label: String,
        timeout: Option<Duration>,
        job: F,
    ) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        let _turn =
            self.inner.gate.acquire().await.map_err(|error| {
                DbError::new(&label, DbErrorKind::Connection, error.to_string())
            })?;
        let inner = Arc::clone(&self.inner);
        let handle = self.rt.spawn_blocking(move || {
            // A job that panicked may have left the lock poisoned and a transaction open: the
            // connection itself is fine once that transaction is rolled back.
            let conn = inner
                .conn
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            job(&conn)
        });
        let joined = match timeout.or(self.timeout) {
            None => handle.await,
            Some(limit) => {
                let mut handle = pin!(handle);
                let sleep = pin!(self.rt.sleep(limit));
                match select(handle.as_mut(), sleep).await {
                    Either::Left((joined, _)) => joined,
                    Either::Right(((), _)) => {
                        self.inner.interrupt.interrupt();
                        handle.await
                    }
                }
            }
        };
        joined.map_err(|error| {
            DbError::new(
                &label,
                DbErrorKind::Query,
                format!("the database job failed: {error}"),
            )
        })?
    }
}

fn connection_error(label: &str, error: &rusqlite::Error) -> DbError {
    let error = exec::db_error(label, error);
    DbError::new(label, DbErrorKind::Connection, error.message())
}

fn configure(conn: &Connection, file: bool) -> rusqlite::Result<()> {
    if file {
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
        debug_assert!(mode.eq_ignore_ascii_case("wal") || mode.eq_ignore_ascii_case("memory"));
    }
    conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

impl<R: Runtime + Clone + 'static> Database for Sqlite<R> {
    async fn execute(&self, query: Query) -> Result<u64, DbError> {
        let label = query.label().into_owned();
        let timeout = query.own_timeout();
        self.run(label, timeout, move |conn| exec::execute(conn, &query))
            .await
    }

    async fn execute_script(&self, sql: &str) -> Result<(), DbError> {
        let sql = sql.to_owned();
        self.run(crate::query::sql_label(&sql), None, move |conn| {
            exec::execute_script(conn, &sql)
        })
        .await
    }

    async fn fetch_rows(&self, query: Query) -> Result<Vec<Row>, DbError> {
        let label = query.label().into_owned();
        let timeout = query.own_timeout();
        self.run(label, timeout, move |conn| exec::fetch(conn, &query))
            .await
    }

    fn stream_rows(&self, query: Query) -> BoxStream<'static, Result<Row, DbError>> {
        let db = self.clone();
        futures_util::stream::once(async move { db.fetch_rows(query).await })
            .flat_map(|fetched| {
                let rows: Vec<Result<Row, DbError>> = match fetched {
                    Ok(rows) => rows.into_iter().map(Ok).collect(),
                    Err(error) => vec![Err(error)],
                };
                futures_util::stream::iter(rows)
            })
            .boxed()
    }

    async fn write_rows(&self, write: &Write, batch: RowBatch) -> Result<WriteReport, DbError> {
        let label = write.label();
        let write = write.clone();
        self.run(label, None, move |conn| exec::write(conn, &write, &batch))
            .await
    }
}
