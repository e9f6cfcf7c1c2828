//! [`SmolTransport`]: one exchange on a pooled hyper connection over async-io.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use ferry_http::{HttpSettings, Transport, TransportError, TransportErrorKind};
use ferry_wire::classify::{body_error, exchange_error_kind};
use http::header::HOST;
use http::uri::PathAndQuery;
use http::{HeaderValue, Uri, Version};
use http_body_util::Full;
use hyper::body::{Body as _, Frame, Incoming, SizeHint};
use hyper::client::conn::http1;

use super::client::HttpClientBuildError;
use super::connect::{Connector, tls_connector};
use super::pool::{Conn, HostKey, Pool};
use crate::SmolRuntime;

/// The body of a response from [`SmolTransport`]: hyper's incoming body with its errors
/// classified.
///
/// For an HTTP/1 response it also carries its connection's sending half, which goes back to
/// the pool as soon as the body has been read to its end (or, for a body that was already
/// complete, such as an empty one, when it is dropped). A body dropped part way, or one that
/// fails, closes its connection instead.
pub struct SmolResponseBody {
    incoming: Incoming,
    check_in: Option<CheckIn>,
}

/// Where an HTTP/1 connection goes back once its response body has ended.
struct CheckIn {
    inner: Arc<Inner>,
    key: HostKey,
    sender: http1::SendRequest<Full<Bytes>>,
}

impl SmolResponseBody {
    fn check_in(&mut self) {
        if let Some(CheckIn { inner, key, sender }) = self.check_in.take() {
            inner.pool.checkin(&key, sender);
        }
    }
}

impl hyper::body::Body for SmolResponseBody {
    type Data = Bytes;
    type Error = TransportError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, TransportError>>> {
        let frame = ready!(Pin::new(&mut self.incoming).poll_frame(cx));
        match &frame {
            // Checked in here, in the reader's task, rather than by a task spawned per
            // request that waits for the connection to become ready: the next request may
            // then find it at once instead of opening another connection.
            None => self.check_in(),
            Some(Err(_)) => self.check_in = None,
            Some(Ok(_)) => {}
        }
        Poll::Ready(frame.map(|frame| frame.map_err(body_error)))
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

impl Drop for SmolResponseBody {
    fn drop(&mut self) {
        // A body that had arrived whole leaves its connection reusable; one dropped part way
        // does not (hyper closes it), so its sending half is simply dropped.
        if self.incoming.is_end_stream() {
            self.check_in();
        }
    }
}

impl std::fmt::Debug for SmolResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmolResponseBody")
            .field("incoming", &self.incoming)
            .finish_non_exhaustive()
    }
}

/// ferry's [`Transport`] on hyper over async-io sockets: a keep-alive pool per host,
/// HTTP/1.1, and HTTP/2 when a TLS server offers it by ALPN. No tokio is involved.
///
/// - Connections are `async_io::Async<TcpStream>`s (names resolved on the `blocking` pool),
///   driven by tasks on the [`SmolRuntime`]'s executor. If that executor is dropped, new
///   requests fail with a connect error rather than hang.
/// - The pool keeps per (scheme, host, port) up to
///   [`pool_max_idle_per_host`](HttpSettings::pool_max_idle_per_host) idle HTTP/1
///   connections, reused newest first, and one HTTP/2 connection shared by all requests. An
///   HTTP/1 connection goes back to the pool as soon as its response body has been read to the
///   end (the next request waits, if need be, for hyper to finish the exchange); a response
///   dropped unread closes it, unless its body had already arrived whole (an empty body).
///   Idle connections older than
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
        async move { inner.send(request).await }
    }
}

impl Inner {
    async fn send(
        self: &Arc<Self>,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<SmolResponseBody>, TransportError> {
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
                        Ok(response) => {
                            return Ok(response.map(|incoming| SmolResponseBody {
                                incoming,
                                check_in: None,
                            }));
                        }
                        Err(failed) => {
                            // Unshare it, so that a retry connects anew instead of meeting
                            // the same failing connection again.
                            self.pool.forget_h2(&key);
                            failed
                        }
                    }
                }
                Conn::H1(mut sender) => {
                    // A pooled connection was checked in when its last response body ended;
                    // hyper may still be finishing that exchange. A connection that closed
                    // meanwhile fails here, before anything was written: try the next one.
                    if let Err(error) = sender.ready().await {
                        if reused {
                            continue;
                        }
                        return Err(exchange_error(error));
                    }
                    to_origin_form(&mut request);
                    match sender.try_send_request(request).await {
                        Ok(response) => {
                            let check_in = CheckIn {
                                inner: Arc::clone(self),
                                key,
                                sender,
                            };
                            return Ok(response.map(|incoming| SmolResponseBody {
                                incoming,
                                check_in: Some(check_in),
                            }));
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
