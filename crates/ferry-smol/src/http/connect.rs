//! [`SmolConnect`]: TCP and TLS on async-io and futures-rustls, what ferry-wire's pool asks
//! of a backend.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;

use async_io::Async;
use ferry_wire::pool::Connect;
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use rustls_pki_types::ServerName;

use super::io::HyperIo;
use crate::SmolRuntime;

/// Opens `async_io::Async<TcpStream>`s (names resolved on the `blocking` pool) and speaks TLS
/// over them with futures-rustls.
pub(super) struct SmolConnect {
    pub(super) runtime: SmolRuntime,
    tls: TlsConnector,
}

impl SmolConnect {
    pub(super) fn new(runtime: SmolRuntime, tls: Arc<rustls::ClientConfig>) -> Self {
        Self {
            runtime,
            tls: TlsConnector::from(tls),
        }
    }
}

impl Connect for SmolConnect {
    type Tcp = HyperIo<Async<TcpStream>>;
    type Tls = HyperIo<TlsStream<Async<TcpStream>>>;

    fn tcp(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Self::Tcp>> + Send {
        // A connection needs a task on the executor to run it; without one the request would
        // wait for a driver that never runs.
        let gone = self.runtime.executor().is_none();
        async move {
            if gone {
                return Err(io::Error::other(
                    "the smol executor behind the HTTP client has been dropped",
                ));
            }
            let tcp = tcp_connect(host, port).await?;
            // Requests are small and latency matters more than packet count.
            tcp.get_ref().set_nodelay(true)?;
            Ok(HyperIo::new(tcp))
        }
    }

    fn tls(
        &self,
        tcp: Self::Tcp,
        server: ServerName<'static>,
    ) -> impl Future<Output = io::Result<(Self::Tls, bool)>> + Send {
        let connecting = self.tls.connect(server, tcp.into_inner());
        async move {
            let tls = connecting.await?;
            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
            Ok((HyperIo::new(tls), h2))
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
