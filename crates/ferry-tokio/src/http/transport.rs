//! [`TokioTransport`]: one exchange over hyper-util's pooled client.

use std::future::Future;

use bytes::Bytes;
use ferry_http::{HttpSettings, Transport, TransportError, TransportErrorKind};
use ferry_wire::classify::{
    any_source, body_error, connect_error_kind, exchange_error_kind, is_tls,
};
use http_body_util::{BodyExt, Full, combinators::MapErr};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioTimer;
use tokio::runtime::Handle;

use super::client::HttpClientBuildError;

/// The body of a response from [`TokioTransport`]: hyper's incoming body with its errors
/// classified.
pub type TokioResponseBody = MapErr<Incoming, fn(hyper::Error) -> TransportError>;

/// ferry's [`Transport`] on hyper: a keep-alive pool per host, HTTP/1.1, and HTTP/2 when a
/// TLS server offers it by ALPN.
///
/// TLS is rustls with the ring provider. The trusted roots are the Mozilla set compiled in
/// from `webpki-roots` (the same on every machine, no OS store needed, works offline) plus
/// the settings' [`root_certificates`](HttpSettings::root_certificates). Certificate and host
/// name checks are always on.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone, Debug)]
pub struct TokioTransport {
    pool: PooledClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// Spawns hyper's connection tasks on the runtime the client was built for, whichever thread
/// sends the request.
#[derive(Clone)]
struct HandleExecutor(Handle);

impl<F> hyper::rt::Executor<F> for HandleExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        drop(self.0.spawn(future));
    }
}

impl TokioTransport {
    /// A transport on the runtime behind `handle`, with the wire settings of `settings`
    /// (connect timeout, pool, root certificates).
    pub fn new(handle: Handle, settings: &HttpSettings) -> Result<Self, HttpClientBuildError> {
        // No ALPN protocols yet: hyper-rustls sets them from the HTTP versions enabled below.
        let tls = ferry_wire::tls_config(settings)?;
        let mut http = HttpConnector::new();
        // The https connector below decides which schemes are allowed.
        http.enforce_http(false);
        http.set_nodelay(true);
        if settings.connect_timeout() < std::time::Duration::from_secs(86_400 * 365) {
            http.set_connect_timeout(Some(settings.connect_timeout()));
        }
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let mut builder = PooledClient::builder(HandleExecutor(handle));
        builder
            .pool_idle_timeout(settings.pool_idle_timeout())
            .pool_max_idle_per_host(settings.pool_max_idle_per_host());
        if std::env::var_os("NO_POOL_TIMER").is_none() {
            builder
                .pool_timer(TokioTimer::new())
                .timer(TokioTimer::new());
        }
        let pool = builder.build(https);
        Ok(Self { pool })
    }
}

impl Transport for TokioTransport {
    type Body = TokioResponseBody;

    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Self::Body>, TransportError>> + Send {
        let pending = self.pool.request(request.map(Full::new));
        async move {
            let response = pending.await.map_err(classify_request_error)?;
            Ok(response.map(|body| body.map_err(body_error as fn(_) -> _)))
        }
    }
}

fn classify_request_error(error: hyper_util::client::legacy::Error) -> TransportError {
    // A rustls error counts as TLS even where hyper-util does not call it a connect error.
    let kind = if any_source(&error, &is_tls) {
        TransportErrorKind::Tls
    } else if error.is_connect() {
        connect_error_kind(&error)
    } else {
        exchange_error_kind(&error)
    };
    TransportError::new(kind, error)
}
