//! [`SmolTransport`]: one exchange on ferry-wire's connection pool, over async-io sockets.

use std::future::Future;

use ferry_http::{HttpSettings, OutgoingBody, Transport, TransportError};
use ferry_wire::pool::{Pool, PoolBody};

use super::client::HttpClientBuildError;
use super::connect::SmolConnect;
use crate::SmolRuntime;

/// The body of a response from [`SmolTransport`]: hyper's incoming body with its errors
/// classified, which gives its HTTP/1 connection back to the pool when it ends.
pub type SmolResponseBody = PoolBody<OutgoingBody>;

/// ferry's [`Transport`] on hyper over async-io sockets: ferry-wire's connection pool (the
/// same one the tokio backend uses), HTTP/1.1, and HTTP/2 when a TLS server offers it by
/// ALPN. No tokio is involved.
///
/// - Connections are `async_io::Async<TcpStream>`s (names resolved on the `blocking` pool),
///   driven by tasks on the [`SmolRuntime`]'s executor. If that executor is dropped, new
///   requests fail with a connect error rather than hang.
/// - Per (scheme, host, port) up to
///   [`pool_max_idle_per_host`](HttpSettings::pool_max_idle_per_host) idle HTTP/1
///   connections, reused newest first, closed after
///   [`pool_idle_timeout`](HttpSettings::pool_idle_timeout); one HTTP/2 connection shared by
///   every request to the host. An HTTP/1 connection goes back to the pool when its response
///   body has been read to the end; a response dropped part way closes it.
/// - [`max_connections_per_host`](HttpSettings::max_connections_per_host) caps the
///   connections to a host; requests beyond it wait for one.
/// - The [`connect_timeout`](HttpSettings::connect_timeout) covers name resolution and TCP.
/// - TLS is rustls with the ring provider, configured by `ferry-wire` exactly as on tokio:
///   the Mozilla roots from `webpki-roots` plus the settings'
///   [`root_certificates`](HttpSettings::root_certificates); checks are always on.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone, Debug)]
pub struct SmolTransport {
    pool: Pool<SmolConnect, SmolRuntime, SmolRuntime, OutgoingBody>,
}

impl SmolTransport {
    /// A transport whose connections run on `runtime`'s executor, with the wire settings of
    /// `settings` (connect timeout, pool, root certificates).
    ///
    /// # Errors
    ///
    /// A root certificate in `settings` is invalid, or rustls refuses the configuration.
    pub fn new(
        runtime: SmolRuntime,
        settings: &HttpSettings,
    ) -> Result<Self, HttpClientBuildError> {
        let tls = ferry_wire::pool_tls_config(settings)?;
        let connect = SmolConnect::new(runtime.clone(), tls);
        Ok(Self {
            pool: Pool::new(connect, runtime.clone(), runtime, settings),
        })
    }
}

impl Transport for SmolTransport {
    type Body = SmolResponseBody;

    fn send(
        &self,
        request: http::Request<OutgoingBody>,
    ) -> impl Future<Output = Result<http::Response<Self::Body>, TransportError>> + Send {
        self.pool.send(request)
    }
}
