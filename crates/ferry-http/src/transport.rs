//! [`Transport`]: one HTTP exchange on the wire, what a backend implements.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;

use bytes::Bytes;

/// Sends one request over the wire and returns the response head with a streaming body.
///
/// This is the only part of HTTP a backend writes (hyper on tokio, hyper on smol, a fake in
/// tests): connection pooling, TLS, and the connect timeout live here. Everything above one
/// hop (redirects, the total timeout, the body limit, the user agent, tracing, error mapping)
/// is in [`Client`](super::Client), shared by every backend, so they all behave alike.
///
/// The request's URI is absolute (`https://host/path?query`). The transport must not follow
/// redirects, must not add headers beyond what its protocol needs (`Host`, `Content-Length`),
/// and must not enforce a total timeout: the client does those.
///
/// Not object safe on purpose: [`Client`](super::Client) is generic over it, so the hot path has
/// no extra boxing; [`HttpClient`](super::HttpClient) is the object-safe trait.
pub trait Transport: Send + Sync + 'static {
    /// The response body: a stream of byte frames that may fail with a [`TransportError`].
    type Body: http_body::Body<Data = Bytes, Error = TransportError> + Send + Sync + 'static;

    /// Sends `request` and resolves once the response head has arrived.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the exchange; the backend closes or recycles the
    /// connection as its protocol allows, and nothing else is affected.
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Self::Body>, TransportError>> + Send;
}

/// What kind of failure a [`TransportError`] is; the client turns it into an
/// [`HttpError`](super::HttpError) predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (refused, unreachable, name resolution failed).
    Connect,
    /// Making the connection took longer than the connect timeout.
    ConnectTimeout,
    /// The TLS handshake failed (untrusted certificate, wrong host name, protocol mismatch).
    Tls,
    /// The transport gave up waiting on its own (for example an HTTP/2 keep-alive timeout).
    Timeout,
    /// The connection broke or the peer spoke invalid HTTP after the connection was made.
    Io,
    /// The transport's HTTP stack cannot express this request (for example an extension
    /// method or a header value outside ASCII, which some stacks refuse); nothing was sent.
    Unsupported,
}

/// A failure of one exchange on the wire, classified for the client.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Box<dyn StdError + Send + Sync + 'static>,
}

impl TransportError {
    /// A failure of `kind` caused by `source`.
    pub fn new(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            kind,
            source: source.into(),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportErrorKind::Connect => "connect error",
            TransportErrorKind::ConnectTimeout => "connect timeout",
            TransportErrorKind::Tls => "TLS error",
            TransportErrorKind::Timeout => "transport timeout",
            TransportErrorKind::Io => "connection error",
            TransportErrorKind::Unsupported => "request not supported by the transport",
        };
        write!(f, "{what}: {}", self.source)
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}
