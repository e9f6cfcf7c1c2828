//! Opening one connection: name resolution, TCP with the connect timeout, TLS, and hyper's
//! handshake for the protocol ALPN chose.

use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use async_io::Async;
use bytes::Bytes;
use ferry_core::rt::TimerExt;
use ferry_http::{TransportError, TransportErrorKind};
use ferry_wire::classify::{connect_error_kind, exchange_error_kind};
use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsConnector;
use http_body_util::Full;
use hyper::client::conn::{http1, http2};
use rustls_pki_types::ServerName;

use super::io::{HyperIo, ReadReadiness};
use super::pool::{Conn, HostKey};
use crate::SmolRuntime;

/// Spawns hyper's connection tasks on the runtime's executor.
///
/// If the executor has been dropped, the task is dropped with it: the connection closes and
/// the request fails instead of waiting for a driver that never runs.
#[derive(Clone)]
pub(super) struct SpawnOnRuntime(pub(super) SmolRuntime);

impl<F> hyper::rt::Executor<F> for SpawnOnRuntime
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        if let Some(executor) = self.0.executor() {
            executor.spawn(future).detach();
        }
    }
}

/// What every new connection is made with.
pub(super) struct Connector {
    pub(super) runtime: SmolRuntime,
    pub(super) tls: TlsConnector,
    pub(super) connect_timeout: Duration,
}

impl Connector {
    /// A new connection to `key`, ready for its first request.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future closes the half-made connection; nothing was spawned yet.
    pub(super) async fn connect(&self, key: &HostKey) -> Result<Conn, TransportError> {
        if self.runtime.executor().is_none() {
            return Err(TransportError::new(
                TransportErrorKind::Connect,
                io::Error::other("the smol executor behind the HTTP client has been dropped"),
            ));
        }
        let tcp = self
            .runtime
            .timeout(self.connect_timeout, tcp_connect(key.host(), key.port()))
            .await
            .map_err(|_| {
                TransportError::new(
                    TransportErrorKind::ConnectTimeout,
                    io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "connecting to {}:{} took longer than {:?}",
                            key.host(),
                            key.port(),
                            self.connect_timeout
                        ),
                    ),
                )
            })?
            .map_err(|error| TransportError::new(connect_error_kind(&error), error))?;
        // Requests are small and latency matters more than packet count.
        let _ = tcp.get_ref().set_nodelay(true);
        if !key.is_https() {
            return self.handshake(tcp, false).await;
        }
        let name = ServerName::try_from(key.host().to_owned()).map_err(|error| {
            TransportError::new(TransportErrorKind::Tls, io::Error::other(error))
        })?;
        let tls = self
            .tls
            .connect(name, tcp)
            .await
            .map_err(|error| TransportError::new(connect_error_kind(&error), error))?;
        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
        self.handshake(tls, h2).await
    }

    async fn handshake<T>(&self, io: T, h2: bool) -> Result<Conn, TransportError>
    where
        T: AsyncRead + AsyncWrite + ReadReadiness + Send + Unpin + 'static,
    {
        let io = HyperIo::new(io);
        let executor = SpawnOnRuntime(self.runtime.clone());
        let failed = |error: hyper::Error| TransportError::new(exchange_error_kind(&error), error);
        if h2 {
            let (sender, connection) = http2::handshake(executor.clone(), io)
                .await
                .map_err(failed)?;
            hyper::rt::Executor::execute(&executor, async move {
                // The error, if any, reaches the requests on this connection.
                let _ = connection.await;
            });
            Ok(Conn::H2(sender))
        } else {
            let (sender, connection) = http1::handshake::<_, Full<Bytes>>(io)
                .await
                .map_err(failed)?;
            hyper::rt::Executor::execute(&executor, async move {
                let _ = connection.await;
            });
            Ok(Conn::H1(sender))
        }
    }
}

/// A TCP connection to the first address of `host:port` that accepts one.
async fn tcp_connect(host: &str, port: u16) -> io::Result<Async<TcpStream>> {
    let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            // The system resolver blocks; run it on the blocking pool, as smol's async-net does.
            let host = host.to_owned();
            blocking::unblock(move || (host.as_str(), port).to_socket_addrs())
                .await?
                .collect()
        }
    };
    let mut last_error = None;
    for address in addresses {
        match Async::<TcpStream>::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host}:{port} resolved to no address"),
        )
    }))
}

/// The rustls connector for `config`, offering HTTP/2 and HTTP/1.1 by ALPN.
pub(super) fn tls_connector(mut config: rustls::ClientConfig) -> TlsConnector {
    config.alpn_protocols = ferry_wire::ALPN_H2_AND_HTTP1
        .iter()
        .map(|protocol| protocol.to_vec())
        .collect();
    TlsConnector::from(Arc::new(config))
}
