//! What a backend supplies to the pool ([`Connect`]) and how a new connection is made from
//! it: TCP within the connect timeout, TLS, then hyper's handshake for the protocol ALPN
//! chose. Also the adapters that give hyper ferry's spawning ([`Exec`]) and time
//! ([`HyperTimer`]).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ferry_core::rt::{Sleep, Spawn, SpawnExt, Timer};
use ferry_core::timeout::timeout;
use ferry_http::{TransportError, TransportErrorKind};
use hyper::client::conn::{http1, http2};
use hyper::rt::{Read, Write};
use rustls_pki_types::ServerName;

use super::key::HostKey;
use crate::classify::{connect_error_kind, exchange_error_kind};

/// How a backend opens connections: TCP to a host and port, and TLS over such a stream.
///
/// The pool does everything else (the connect timeout, ALPN's choice of protocol, hyper's
/// handshake, pooling), so these two methods are the only place a backend names its
/// sockets. TLS takes any [`Tcp`](Self::Tcp) stream, not only one the pool just opened, so
/// that a tunnel through a proxy can be wrapped the same way.
pub trait Connect: Send + Sync + 'static {
    /// A TCP stream in hyper's I/O traits.
    type Tcp: Read + Write + Send + Unpin + 'static;
    /// A TLS stream over [`Tcp`](Self::Tcp) in hyper's I/O traits.
    type Tls: Read + Write + Send + Unpin + 'static;

    /// A TCP connection to the first address of `host:port` that accepts one (names are
    /// resolved without blocking the executor), with `TCP_NODELAY` set. `host` is a name or
    /// an IP address, IPv6 without brackets.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the attempt and closes whatever was opened.
    fn tcp(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Self::Tcp>> + Send;

    /// TLS over `tcp` to `server`, offering HTTP/2 and HTTP/1.1 by ALPN
    /// ([`ALPN_H2_AND_HTTP1`](crate::ALPN_H2_AND_HTTP1)); the stream, and whether the server
    /// chose HTTP/2.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the connection.
    fn tls(
        &self,
        tcp: Self::Tcp,
        server: ServerName<'static>,
    ) -> impl Future<Output = io::Result<(Self::Tls, bool)>> + Send;
}

/// Runs hyper's connection tasks through a ferry [`Spawn`], detached. Behind an `Arc`
/// because hyper wants an `Unpin` executor, and a spawner need not be one.
pub(super) struct Exec<S>(pub(super) Arc<S>);

impl<S> Clone for Exec<S> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<S, F> hyper::rt::Executor<F> for Exec<S>
where
    S: Spawn,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // Dropping the handle detaches the task. Its outcome, if any, reaches the requests
        // on the connection through hyper.
        drop(<S as SpawnExt>::spawn(&self.0, future));
    }
}

/// hyper's timer (HTTP/2 keep-alive pings and their timeouts) on a ferry [`Timer`], so that
/// hyper never meets its missing-timer panic and never reads a clock of its own.
#[derive(Clone)]
pub(super) struct HyperTimer(pub(super) Arc<dyn Timer>);

/// A ferry [`Sleep`] as hyper's sleep.
struct HyperSleep(Sleep);

impl Future for HyperSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl hyper::rt::Sleep for HyperSleep {}

impl hyper::rt::Timer for HyperTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(self.0.sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(HyperSleep(self.0.sleep_until(deadline)))
    }

    fn now(&self) -> Instant {
        self.0.now()
    }
}

/// A new connection's sending half, as hyper's handshake for the negotiated protocol gave it.
pub(super) enum Fresh<B> {
    H1(http1::SendRequest<B>),
    H2(http2::SendRequest<B>),
}

/// Opens new connections for the pool.
pub(super) struct Connector<C, S, T> {
    pub(super) connect: C,
    pub(super) executor: Exec<S>,
    pub(super) timer: T,
    pub(super) hyper_timer: HyperTimer,
    pub(super) connect_timeout: Duration,
}

impl<C, S, T> Connector<C, S, T>
where
    C: Connect,
    S: Spawn + Clone + 'static,
    T: Timer,
{
    /// A TCP connection to `host:port` within the connect timeout.
    pub(super) async fn tcp(&self, host: &str, port: u16) -> Result<C::Tcp, TransportError> {
        timeout(
            &self.timer,
            self.connect_timeout,
            self.connect.tcp(host, port),
        )
        .await
        .map_err(|_| {
            TransportError::new(
                TransportErrorKind::ConnectTimeout,
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "connecting to {host}:{port} took longer than {:?}",
                        self.connect_timeout
                    ),
                ),
            )
        })?
        .map_err(|error| TransportError::new(connect_error_kind(&error), error))
    }

    /// A new connection to `key`, ready for its first request.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the half-made connection; nothing was spawned yet.
    pub(super) async fn connect<B>(&self, key: &HostKey) -> Result<Fresh<B>, TransportError>
    where
        B: http_body::Body + Send + Unpin + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let tcp = self.tcp(key.host(), key.port()).await?;
        if key.is_https() {
            self.tls_handshake(tcp, key.host()).await
        } else {
            self.handshake(tcp, false).await
        }
    }

    /// TLS to `host` over `tcp` (a direct connection or a proxy's tunnel), then hyper's
    /// handshake for the protocol the server chose.
    pub(super) async fn tls_handshake<B>(
        &self,
        tcp: C::Tcp,
        host: &str,
    ) -> Result<Fresh<B>, TransportError>
    where
        B: http_body::Body + Send + Unpin + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let name = ServerName::try_from(host.to_owned()).map_err(|error| {
            TransportError::new(
                TransportErrorKind::Tls,
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{host:?} is not a valid TLS server name: {error}"),
                ),
            )
        })?;
        let (tls, h2) = self
            .connect
            .tls(tcp, name)
            .await
            .map_err(|error| TransportError::new(connect_error_kind(&error), error))?;
        self.handshake(tls, h2).await
    }

    async fn handshake<I, B>(&self, io: I, h2: bool) -> Result<Fresh<B>, TransportError>
    where
        I: Read + Write + Send + Unpin + 'static,
        B: http_body::Body + Send + Unpin + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let failed = |error: hyper::Error| TransportError::new(exchange_error_kind(&error), error);
        if h2 {
            let (sender, connection) = http2::Builder::new(self.executor.clone())
                .timer(self.hyper_timer.clone())
                .handshake(io)
                .await
                .map_err(failed)?;
            hyper::rt::Executor::execute(&self.executor, connection);
            Ok(Fresh::H2(sender))
        } else {
            let (sender, connection) = http1::handshake::<_, B>(io).await.map_err(failed)?;
            hyper::rt::Executor::execute(&self.executor, connection);
            Ok(Fresh::H1(sender))
        }
    }
}
