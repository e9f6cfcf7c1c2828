//! [`TokioTransport`]: one exchange over hyper-util's pooled client.

use std::error::Error as StdError;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use ferry_core::http::{
    HttpSettings, InvalidCertificate, Transport, TransportError, TransportErrorKind,
};
use http_body_util::{BodyExt, Full, combinators::MapErr};
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as PooledClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioTimer;
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
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
        let tls = tls_config(settings)?;
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

fn tls_config(settings: &HttpSettings) -> Result<rustls::ClientConfig, HttpClientBuildError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for (index, certificate) in settings.root_certificates().iter().enumerate() {
        let invalid =
            |reason: &dyn std::fmt::Display| InvalidCertificate::new(index, certificate, reason);
        let ders: Vec<CertificateDer<'static>> = match certificate.encoding() {
            ferry_core::http::CertificateEncoding::Pem => {
                CertificateDer::pem_slice_iter(certificate.bytes())
                    .collect::<Result<_, _>>()
                    .map_err(|error| invalid(&error))?
            }
            ferry_core::http::CertificateEncoding::Der => {
                vec![CertificateDer::from(certificate.bytes().to_vec())]
            }
        };
        if ders.is_empty() {
            return Err(invalid(&"no certificate found in the PEM data").into());
        }
        for der in ders {
            roots.add(der).map_err(|error| invalid(&error))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(HttpClientBuildError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
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
            Ok(response.map(|body| body.map_err(classify_body_error as fn(_) -> _)))
        }
    }
}

/// Whether some error in `error`'s source chain satisfies `check`.
///
/// `io::Error` reports its inner error's source rather than the inner error itself, so the walk
/// also steps into [`std::io::Error::get_ref`]: that is where rustls errors sit.
fn any_source(
    error: &(dyn StdError + 'static),
    check: &dyn Fn(&(dyn StdError + 'static)) -> bool,
) -> bool {
    if check(error) {
        return true;
    }
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        if any_source(inner, check) {
            return true;
        }
    }
    error
        .source()
        .is_some_and(|source| any_source(source, check))
}

fn is_tls(error: &(dyn StdError + 'static)) -> bool {
    error.is::<rustls::Error>()
}

fn is_timed_out(error: &(dyn StdError + 'static)) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
}

fn is_hyper_timeout(error: &(dyn StdError + 'static)) -> bool {
    error
        .downcast_ref::<hyper::Error>()
        .is_some_and(hyper::Error::is_timeout)
}

fn classify_request_error(error: hyper_util::client::legacy::Error) -> TransportError {
    let kind = if any_source(&error, &is_tls) {
        TransportErrorKind::Tls
    } else if error.is_connect() {
        if any_source(&error, &is_timed_out) {
            TransportErrorKind::ConnectTimeout
        } else {
            TransportErrorKind::Connect
        }
    } else if any_source(&error, &is_hyper_timeout) {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, error)
}

fn classify_body_error(error: hyper::Error) -> TransportError {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, error)
}
