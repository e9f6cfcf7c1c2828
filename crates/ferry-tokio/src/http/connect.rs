//! [`TokioConnect`]: TCP and TLS on tokio, what ferry-wire's pool asks of a backend.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ferry_wire::pool::Connect;
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Opens TCP connections on the client's runtime and speaks TLS over them with rustls.
pub(super) struct TokioConnect {
    handle: Handle,
    tls: TlsConnector,
}

impl TokioConnect {
    pub(super) fn new(handle: Handle, tls: Arc<rustls::ClientConfig>) -> Self {
        Self {
            handle,
            tls: TlsConnector::from(tls),
        }
    }
}

impl Connect for TokioConnect {
    type Tcp = TokioIo<TcpStream>;
    type Tls = TokioIo<TlsStream<TcpStream>>;

    fn tcp(&self, host: &str, port: u16) -> impl Future<Output = io::Result<Self::Tcp>> + Send {
        let host = host.to_owned();
        // Connected by a task of the client's runtime, so that the socket registers with that
        // runtime's reactor whichever thread (or runtime) sends the request. It runs once per
        // new connection.
        let task = AbortOnDrop(self.handle.spawn(async move {
            // tokio resolves names on its blocking pool and tries each address in turn.
            let stream = TcpStream::connect((host.as_str(), port)).await?;
            // Requests are small and latency matters more than packet count.
            stream.set_nodelay(true)?;
            Ok(TokioIo::new(stream))
        }));
        async move {
            task.await
                .unwrap_or_else(|error| Err(io::Error::other(error)))
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
            Ok((TokioIo::new(tls), h2))
        }
    }
}

/// A tokio task that is aborted when its handle is dropped: a connect given up on closes its
/// socket instead of finishing in the background.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
