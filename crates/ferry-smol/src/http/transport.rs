//! [`SmolTransport`]: one exchange on a pooled hyper connection over async-io.

use std::future::Future;
use std::io;
use std::sync::Arc;

use bytes::Bytes;
use ferry_core::http::{HttpSettings, Transport, TransportError, TransportErrorKind};
use ferry_wire::classify::{body_error, exchange_error_kind};
use http::header::HOST;
use http::uri::PathAndQuery;
use http::{HeaderValue, Uri, Version};
use http_body_util::{BodyExt, Full, combinators::MapErr};
use hyper::body::Incoming;
use hyper::client::conn::http1;

use super::client::HttpClientBuildError;
use super::connect::{Connector, tls_connector};
use super::pool::{Conn, HostKey, Pool};
use crate::SmolRuntime;

/// The body of a response from [`SmolTransport`]: hyper's incoming body with its errors
/// classified.
pub type SmolResponseBody = MapErr<Incoming, fn(hyper::Error) -> TransportError>;

/// ferry's [`Transport`] on hyper over async-io sockets: a keep-alive pool per host,
/// HTTP/1.1, and HTTP/2 when a TLS server offers it by ALPN. No tokio is involved.
///
/// - Connections are `async_io::Async<TcpStream>`s (names resolved on the `blocking` pool),
///   driven by tasks on the [`SmolRuntime`]'s executor. If that executor is dropped, new
///   requests fail with a connect error rather than hang.
/// - The pool keeps per (scheme, host, port) up to
///   [`pool_max_idle_per_host`](HttpSettings::pool_max_idle_per_host) idle HTTP/1
///   connections, reused newest first, and one HTTP/2 connection shared by all requests. An
///   HTTP/1 connection goes back to the pool once its response body has been read to the end;
///   a response dropped unread closes it. Idle connections older than
///   [`pool_idle_timeout`](HttpSettings::pool_idle_timeout) are closed when the pool next
///   looks at their host (there is no background sweeper).
/// - The [`connect_timeout`](HttpSettings::connect_timeout) covers name resolution and TCP.
/// - TLS is rustls with the ring provider, configured by `ferry-wire` exactly as on tokio:
///   the Mozilla roots from `webpki-roots` plus the settings'
///   [`root_certificates`](HttpSettings::root_certificates); checks are always on.
///
/// A request that finds its pooled HTTP/1 connection closed before anything was written is
/// sent again on another connection; once written, a failure is reported.
///
/// Cloning is cheap and shares the pool.
#[derive(Clone)]
pub struct SmolTransport {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    connector: Connector,
}

impl std::fmt::Debug for SmolTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmolTransport")
            .field("runtime", &self.inner.connector.runtime)
            .field("connect_timeout", &self.inner.connector.connect_timeout)
            .finish_non_exhaustive()
    }
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
        let tls = tls_connector(ferry_wire::tls_config(settings)?);
        Ok(Self {
            inner: Arc::new(Inner {
                pool: Pool::new(
                    settings.pool_idle_timeout(),
                    settings.pool_max_idle_per_host(),
                ),
                connector: Connector {
                    runtime,
                    tls,
                    connect_timeout: settings.connect_timeout(),
                },
            }),
        })
    }
}

impl Transport for SmolTransport {
    type Body = SmolResponseBody;

    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Self::Body>, TransportError>> + Send {
        let inner = Arc::clone(&self.inner);
        async move {
            let response = inner.send(request).await?;
            Ok(response.map(|body| body.map_err(body_error as fn(_) -> _)))
        }
    }
}

impl Inner {
    async fn send(
        self: &Arc<Self>,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Incoming>, TransportError> {
        let key = HostKey::from_uri(request.uri()).ok_or_else(|| {
            TransportError::new(
                TransportErrorKind::Connect,
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("not an absolute http(s) URI: {}", request.uri()),
                ),
            )
        })?;
        // HTTP/2 wants the absolute URI (for `:scheme` and `:authority`), HTTP/1 the origin
        // form; keep the original for whichever a retry lands on.
        let absolute = request.uri().clone();
        let mut request = request.map(Full::new);
        loop {
            let (conn, reused) = match self.pool.checkout(&key) {
                Some(conn) => (conn, true),
                // Boxed: connecting (TCP, TLS, the HTTP/2 handshake) is a future of several
                // kilobytes, and stored inline it would make every request's future that
                // large, to be copied into `HttpClient::send`'s box on every request even
                // when a pooled connection is reused (callgrind: ~10,000 instructions of
                // memcpy per request before).
                None => (Box::pin(self.connector.connect(&key)).await?, false),
            };
            let failed = match conn {
                Conn::H2(mut sender) => {
                    if !reused {
                        self.pool.share_h2(&key, &sender);
                    }
                    *request.uri_mut() = absolute.clone();
                    *request.version_mut() = Version::HTTP_2;
                    match sender.try_send_request(request).await {
                        Ok(response) => return Ok(response),
                        Err(failed) => {
                            // Unshare it, so that a retry connects anew instead of meeting
                            // the same failing connection again.
                            self.pool.forget_h2(&key);
                            failed
                        }
                    }
                }
                Conn::H1(mut sender) => {
                    to_origin_form(&mut request);
                    match sender.try_send_request(request).await {
                        Ok(response) => {
                            self.recycle_when_ready(key, sender);
                            return Ok(response);
                        }
                        Err(failed) => failed,
                    }
                }
            };
            let mut failed = failed;
            match failed.take_message() {
                // Nothing was written: a pooled connection closed while it sat in the pool.
                // Try the next one (or a new connection); a new one is never retried.
                Some(unsent) if reused => request = unsent,
                _ => return Err(exchange_error(failed.into_error())),
            }
        }
    }

    /// Returns `sender` to the pool once its connection can take the next request, which is
    /// when the current response body has been read to its end. If the body is dropped early
    /// or the connection fails, `ready` fails and the connection is closed instead.
    fn recycle_when_ready(
        self: &Arc<Self>,
        key: HostKey,
        mut sender: http1::SendRequest<Full<Bytes>>,
    ) {
        let Some(executor) = self.connector.runtime.executor() else {
            return;
        };
        let inner = Arc::clone(self);
        executor
            .spawn(async move {
                if sender.ready().await.is_ok() {
                    inner.pool.checkin(&key, sender);
                }
            })
            .detach();
    }
}

/// Turns an absolute-form request into what an HTTP/1.1 origin server expects: the path and
/// query on the request line, the authority in `Host`.
fn to_origin_form(request: &mut http::Request<Full<Bytes>>) {
    if !request.headers().contains_key(HOST) {
        if let Some(authority) = request.uri().authority() {
            // `Host` is the authority without the user info: `host[:port]`, brackets kept.
            let authority = authority.as_str();
            let host = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            if let Ok(value) = HeaderValue::from_str(host) {
                request.headers_mut().insert(HOST, value);
            }
        }
    }
    let path = request
        .uri()
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *request.uri_mut() = Uri::from(path);
    if request.version() != Version::HTTP_10 {
        *request.version_mut() = Version::HTTP_11;
    }
}

fn exchange_error(error: hyper::Error) -> TransportError {
    TransportError::new(exchange_error_kind(&error), error)
}
