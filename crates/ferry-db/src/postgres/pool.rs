//! The connection pool: a fair [`Semaphore`] of `max` permits (the concurrency limit) and a
//! list of idle connections, each driven by a task on the caller's runtime.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ferry_core::semaphore::{OwnedSemaphorePermit, Semaphore};
use ferry_core::{JoinHandle, Spawn, SpawnExt};
use tokio_postgres::tls::NoTls;
use tokio_postgres::{Client, Config};

use super::connect::Connect;
use super::errors::pg_error;
use crate::error::{DbError, DbErrorKind};

/// One server connection: the client, and the task that drives its socket.
pub(super) struct PgConn {
    pub(super) client: Client,
    _driver: JoinHandle<()>,
}

pub(super) struct Pool {
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<PgConn>>,
}

impl Pool {
    pub(super) fn new(max: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max)),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<PgConn>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Drops every idle connection (after the server dropped one, the others may be gone too).
    pub(super) fn clear_idle(&self) {
        self.idle().clear();
    }
}

/// A connection taken from the pool, with its permit. It goes back to the pool when dropped
/// unless it was [`discard`](Self::discard)ed or its socket closed; otherwise it is closed.
pub(super) struct Checkout {
    pool: Arc<Pool>,
    conn: Option<PgConn>,
    _permit: OwnedSemaphorePermit,
    /// Whether the connection is in a clean state (no transaction, no request abandoned).
    keep: AtomicBool,
}

impl Checkout {
    /// Marks the connection for closing when the checkout drops (from now until
    /// [`reuse`](Self::reuse)).
    pub(super) fn discard(&self) {
        self.keep.store(false, Ordering::Relaxed);
    }

    /// Marks the connection clean again: it goes back to the pool.
    pub(super) fn reuse(&self) {
        self.keep.store(true, Ordering::Relaxed);
    }

    pub(super) fn client(&self) -> &Client {
        &self
            .conn
            .as_ref()
            .expect("a checkout holds its connection until dropped")
            .client
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if self.keep.load(Ordering::Relaxed) && !conn.client.is_closed() {
                self.pool.idle().push(conn);
            }
        }
    }
}

/// Takes a connection: an idle one that is still open, or a new one.
///
/// # Cancel safety
///
/// Dropping the future while it waits for a permit leaves the queue; while it connects, drops
/// the half-made connection. No permit leaks either way.
pub(super) async fn checkout<R: Spawn>(
    pool: &Arc<Pool>,
    rt: &R,
    config: &Config,
    connector: &dyn Connect,
    host: &str,
    port: u16,
    label: &str,
) -> Result<Checkout, DbError> {
    let permit = Arc::clone(&pool.permits)
        .acquire_owned()
        .await
        .map_err(|error| DbError::new(label, DbErrorKind::Connection, error.to_string()))?;
    let reused = {
        let mut idle = pool.idle();
        let mut found = None;
        while let Some(conn) = idle.pop() {
            if !conn.client.is_closed() {
                found = Some(conn);
                break;
            }
        }
        found
    };
    let conn = match reused {
        Some(conn) => conn,
        None => connect(rt, config, connector, host, port, label).await?,
    };
    Ok(Checkout {
        pool: Arc::clone(pool),
        conn: Some(conn),
        _permit: permit,
        keep: AtomicBool::new(true),
    })
}

async fn connect<R: Spawn>(
    rt: &R,
    config: &Config,
    connector: &dyn Connect,
    host: &str,
    port: u16,
    label: &str,
) -> Result<PgConn, DbError> {
    let socket = connector.connect(host, port).await.map_err(|error| {
        DbError::new(
            label,
            DbErrorKind::Connection,
            format!("cannot connect to {host}:{port}: {error}"),
        )
    })?;
    let (client, connection) = config
        .connect_raw(socket, NoTls)
        .await
        .map_err(|error| pg_error(label, &error))?;
    // The connection future does the socket I/O for the client; it ends when the client is
    // dropped or the server closes the socket.
    let driver = rt.spawn(async move {
        let _ = connection.await;
    });
    Ok(PgConn {
        client,
        _driver: driver,
    })
}
