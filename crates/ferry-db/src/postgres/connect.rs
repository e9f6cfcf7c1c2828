//! [`Connect`]: how ferry-db gets a socket to the server from whatever runtime runs it.

use std::future::Future;
use std::io;
use std::pin::Pin;

use tokio::io::{AsyncRead, AsyncWrite};

/// A byte stream to a PostgreSQL server, in tokio's I/O traits (what tokio-postgres reads and
/// writes through). Implemented for every such stream; nothing to implement by hand.
pub trait PgStream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> PgStream for T {}

/// A boxed [`PgStream`].
pub type Socket = Box<dyn PgStream>;

/// The future of [`Connect::connect`].
pub type Connecting = Pin<Box<dyn Future<Output = io::Result<Socket>> + Send>>;

/// Opens TCP connections to the server on the caller's runtime: once per pooled connection
/// and once per cancel request.
///
/// ferry-db names no runtime; the caller passes a closure through [`connector`]:
///
/// ```no_run
/// // tokio: its own TcpStream has tokio's I/O traits.
/// let connect = ferry_db::postgres::connector(|host: String, port: u16| async move {
///     tokio::net::TcpStream::connect((host.as_str(), port)).await
/// });
///
/// // smol: async-io's socket, adapted to tokio's I/O traits by tokio-util's `compat`
/// // (which runs no tokio runtime).
/// use tokio_util::compat::FuturesAsyncReadCompatExt;
/// let connect = ferry_db::postgres::connector(|host: String, port: u16| async move {
///     let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))?
///         .next()
///         .ok_or_else(|| std::io::Error::other("no address"))?;
///     Ok(async_io::Async::<std::net::TcpStream>::connect(addr).await?.compat())
/// });
/// ```
pub trait Connect: Send + Sync + 'static {
    /// Opens a connection to `host`:`port`.
    fn connect(&self, host: &str, port: u16) -> Connecting;
}

struct FnConnect<F>(F);

impl<F, Fut, S> Connect for FnConnect<F>
where
    F: Fn(String, u16) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = io::Result<S>> + Send + 'static,
    S: PgStream,
{
    fn connect(&self, host: &str, port: u16) -> Connecting {
        let connecting = (self.0)(host.to_owned(), port);
        Box::pin(async move { Ok(Box::new(connecting.await?) as Socket) })
    }
}

/// A [`Connect`] from a closure that opens a stream to a host and port.
pub fn connector<F, Fut, S>(connect: F) -> impl Connect
where
    F: Fn(String, u16) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = io::Result<S>> + Send + 'static,
    S: PgStream,
{
    FnConnect(connect)
}
