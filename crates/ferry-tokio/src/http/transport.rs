//! [`TokioTransport`]: one exchange on ferry-wire's connection pool, over tokio sockets.

use std::future::Future;

use ferry_http::{HttpSettings, OutgoingBody, Transport, TransportError};
use ferry_wire::pool::{Pool, PoolBody};
use tokio::runtime::Handle;

use super::client::HttpClientBuildError;
use super::connect::TokioConnect;
use crate::TokioRuntime;

/// The body of a response from [`TokioTransport`]: hyper's incoming body with its errors
/// classified, which gives its HTTP/1 connection back to the pool when it ends.
pub type TokioResponseBody = PoolBody<OutgoingBody>;

/// ferry's [`Transport`] on hyper over tokio sockets: ferry-wire's connection pool (the same
/// one the smol backend uses), HTTP/1.1, and HTTP/2 when a TLS server offers it by ALPN.
///
/// - Per (scheme, host, port) up to
///   [`pool_max_idle_per_host`](HttpSettings::pool_max_idle_per_host) idle HTTP/1
///   connections, reused newest first, closed after
///   [`pool_idle_timeout`](HttpSettings::pool_idle_timeout); one HTTP/2 connection shared by
///   every request to the host. An HTTP/1 connection goes back to the pool when its response
///   body has been read to the end; a response dropped part way closes it.
/// - [`max_connections_per_host`](HttpSettings::max_connections_per_host) caps the
///   connections to a host; requests beyond it wait for one.
/// - The [`connect_timeout`](HttpSettings::connect_timeout) covers name resolution and TCP.
/// - TLS is rustls with the ring provider, configured by `ferry-wire` exactly as on smol: the
///   Mozilla roots compiled in from `webpki-roots` (the same on every machine, no OS store
///   needed, works offline) plus the settings'
///   [`root_certificates`](HttpSettings::root_certificates). Certificate and host name checks
///   are always on.
///
/// Connections are opened and driven by tasks of the runtime the transport was made for,
/// whichever thread sends the request.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone, Debug)]
pub struct TokioTransport {
    pool: Pool<TokioConnect, TokioRuntime, TokioRuntime, OutgoingBody>,
}

impl TokioTransport {
    /// A transport on the runtime behind `handle`, with the wire settings of `settings`
    /// (connect timeout, pool, root certificates).
    ///
    /// # Errors
    ///
    /// A root certificate in `settings` is invalid, or rustls refuses the configuration.
    pub fn new(handle: Handle, settings: &HttpSettings) -> Result<Self, HttpClientBuildError> {
        let tls = ferry_wire::pool_tls_config(settings)?;
        let runtime = TokioRuntime::from_handle(handle.clone());
        let connect = TokioConnect::new(handle, tls);
        Ok(Self {
            pool: Pool::new(connect, runtime.clone(), runtime, settings),
        })
    }
}

impl Transport for TokioTransport {
    type Body = TokioResponseBody;

    fn send(
        &self,
        request: http::Request<OutgoingBody>,
    ) -> impl Future<Output = Result<http::Response<Self::Body>, TransportError>> + Send {
        // hyper pulls a streamed body frame by frame as the socket takes it.
        self.pool.send(request)
    }
}
