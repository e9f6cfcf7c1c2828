//! [`HttpError`]: the one error every HTTP operation returns.

use std::error::Error as StdError;
use std::fmt;

use http::{StatusCode, Uri};

use super::redact::redact_uri;
use super::retry_after::RetryAfter;
use super::transport::{TransportError, TransportErrorKind};

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// An HTTP request failed: what failed, for which URL, and why.
///
/// Opaque, in hyper's and reqwest's style: ask it what happened with the `is_*` predicates,
/// [`status`](Self::status) and [`url`](Self::url), and walk [`source`](StdError::source) for the
/// underlying error. Each error has exactly one kind, so at most one `is_*` predicate is true,
/// except that a connect timeout is both [`is_connect`](Self::is_connect) and
/// [`is_timeout`](Self::is_timeout), and a TLS failure is both [`is_connect`](Self::is_connect)
/// and [`is_tls`](Self::is_tls).
///
/// The URL it carries and prints has secrets stripped: no userinfo password, and the values of
/// query parameters that look like credentials (`token`, `key`, `secret`, `password`, ...) are
/// replaced by `REDACTED`. Header values never appear in it.
///
/// ```
/// use ferry_http::{HttpError, Request};
///
/// let error: HttpError = Request::get("ftp://example.com/file").build().unwrap_err();
/// assert!(error.is_invalid_url());
/// assert!(!error.is_retryable());
/// ```
pub struct HttpError {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    url: Option<String>,
    status: Option<StatusCode>,
    retry_after: Option<RetryAfter>,
    context: Option<String>,
    attempts: Option<u32>,
    source: Option<BoxError>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    InvalidUrl,
    InvalidHeader,
    InvalidBody,
    Connect,
    ConnectTimeout,
    Tls,
    Timeout,
    Io,
    Redirect,
    Status,
    Body,
    BodyTooLarge,
    Decode,
    Unsupported,
}

impl HttpError {
    pub(crate) fn new(kind: Kind) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                url: None,
                status: None,
                retry_after: None,
                context: None,
                attempts: None,
                source: None,
            }),
        }
    }

    pub(crate) fn with_url(mut self, url: &Uri) -> Self {
        self.inner.url = Some(redact_uri(url));
        self
    }

    pub(crate) fn with_url_str(mut self, url: &str) -> Self {
        self.inner.url = Some(super::redact::redact_url_str(url));
        self
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<RetryAfter>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }

    /// Adds a short sentence of context; never put header values or secrets in it.
    pub(crate) fn with_context(mut self, context: impl Into<String>) -> Self {
        self.inner.context = Some(context.into());
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = Some(attempts);
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// Maps a transport failure before a response head arrived.
    pub(crate) fn from_transport(error: TransportError, url: &Uri) -> Self {
        let kind = match error.kind() {
            TransportErrorKind::Connect => Kind::Connect,
            TransportErrorKind::ConnectTimeout => Kind::ConnectTimeout,
            TransportErrorKind::Tls => Kind::Tls,
            TransportErrorKind::Timeout => Kind::Timeout,
            TransportErrorKind::Io => Kind::Io,
            TransportErrorKind::Unsupported => Kind::Unsupported,
        };
        Self::new(kind).with_url(url).with_source(error)
    }

    /// Maps a transport failure while the body was being read.
    pub(crate) fn from_body_transport(error: TransportError, url: &Uri) -> Self {
        let kind = match error.kind() {
            TransportErrorKind::Timeout | TransportErrorKind::ConnectTimeout => Kind::Timeout,
            _ => Kind::Body,
        };
        Self::new(kind).with_url(url).with_source(error)
    }

    /// The URL was malformed or not `http`/`https`; nothing was sent.
    pub fn is_invalid_url(&self) -> bool {
        self.inner.kind == Kind::InvalidUrl
    }

    /// A header name or value given to the request builder was invalid; nothing was sent.
    pub fn is_invalid_header(&self) -> bool {
        self.inner.kind == Kind::InvalidHeader
    }

    /// The request body could not be built (a value failed to serialize as JSON); nothing was sent.
    pub fn is_invalid_body(&self) -> bool {
        self.inner.kind == Kind::InvalidBody
    }

    /// No connection could be made: refused, unreachable, DNS failure, connect timeout, or a
    /// failed TLS handshake.
    pub fn is_connect(&self) -> bool {
        matches!(
            self.inner.kind,
            Kind::Connect | Kind::ConnectTimeout | Kind::Tls
        )
    }

    /// The TLS handshake failed, most often because the server's certificate is not trusted or
    /// not valid for its host name. Also [`is_connect`](Self::is_connect).
    pub fn is_tls(&self) -> bool {
        self.inner.kind == Kind::Tls
    }

    /// A time budget ran out: the connect timeout, the total timeout, or the request's own.
    pub fn is_timeout(&self) -> bool {
        matches!(self.inner.kind, Kind::Timeout | Kind::ConnectTimeout)
    }

    /// The connection failed after it was made and before a response head arrived (reset,
    /// closed early, protocol error).
    pub fn is_request(&self) -> bool {
        self.inner.kind == Kind::Io
    }

    /// A redirect could not be followed: too many hops, or a target that is not `http`/`https`
    /// or not a valid URL.
    pub fn is_redirect(&self) -> bool {
        self.inner.kind == Kind::Redirect
    }

    /// [`Response::error_for_status`](super::Response::error_for_status) turned a 4xx or 5xx
    /// status into this error; [`status`](Self::status) says which.
    pub fn is_status(&self) -> bool {
        self.inner.kind == Kind::Status
    }

    /// Reading the response body failed part way (the connection closed early, a truncated
    /// body, a protocol error).
    pub fn is_body(&self) -> bool {
        self.inner.kind == Kind::Body
    }

    /// The response body is larger than the client's maximum; reading stopped at the limit.
    pub fn is_body_too_large(&self) -> bool {
        self.inner.kind == Kind::BodyTooLarge
    }

    /// The body arrived whole but is not what was asked for: not UTF-8 text, or not valid JSON
    /// for the requested type.
    pub fn is_decode(&self) -> bool {
        self.inner.kind == Kind::Decode
    }

    /// The backend's HTTP stack cannot express the request, so nothing was sent: for
    /// example an extension method or a non-ASCII header value given to a backend that
    /// refuses them (ferry-smol's surf adapter). Sending it again fails the same way.
    pub fn is_unsupported(&self) -> bool {
        self.inner.kind == Kind::Unsupported
    }

    /// The status of the response this error is about, where there is one.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The URL the failing request went to, with secrets stripped.
    pub fn url(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }

    /// The server's `Retry-After` on a status error, when it sent a valid one.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        self.inner.retry_after
    }

    /// How many attempts a retrying client ([`ResilientClient`](super::ResilientClient)) made
    /// before giving up with this error; `None` when no retrying client was involved.
    pub fn attempts(&self) -> Option<u32> {
        self.inner.attempts
    }

    /// Whether trying the same request again may succeed: connection failures (not TLS
    /// failures), timeouts, a connection that broke before the response, and the statuses 408,
    /// 429, 502, 503 and 504. Other 4xx statuses, bad input, decode errors and redirect errors
    /// will fail the same way again.
    ///
    /// Whether it is *safe* to retry is another question: a non-idempotent request (POST) that
    /// timed out may have been processed.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            Kind::Connect | Kind::ConnectTimeout | Kind::Timeout | Kind::Io | Kind::Body => true,
            Kind::Status => self
                .inner
                .status
                .is_some_and(|status| matches!(status.as_u16(), 408 | 429 | 502 | 503 | 504)),
            Kind::InvalidUrl
            | Kind::InvalidHeader
            | Kind::InvalidBody
            | Kind::Tls
            | Kind::Redirect
            | Kind::BodyTooLarge
            | Kind::Decode
            | Kind::Unsupported => false,
        }
    }

    fn description(&self) -> &'static str {
        match self.inner.kind {
            Kind::InvalidUrl => "invalid URL",
            Kind::InvalidHeader => "invalid header",
            Kind::InvalidBody => "invalid request body",
            Kind::Connect => "failed to connect",
            Kind::ConnectTimeout => "timed out connecting",
            Kind::Tls => "TLS handshake failed",
            Kind::Timeout => "request timed out",
            Kind::Io => "connection failed during request",
            Kind::Redirect => "redirect refused",
            Kind::Status => "error status",
            Kind::Body => "failed to read response body",
            Kind::BodyTooLarge => "response body too large",
            Kind::Decode => "failed to decode response body",
            Kind::Unsupported => "request not supported by the HTTP backend",
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())?;
        if let Some(status) = self.inner.status {
            write!(f, " {status}")?;
        }
        if let Some(url) = &self.inner.url {
            write!(f, " for {url}")?;
        }
        if let Some(context) = &self.inner.context {
            write!(f, ": {context}")?;
        }
        if let Some(attempts) = self.inner.attempts {
            write!(f, " (after {attempts} attempt(s))")?;
        }
        Ok(())
    }
}

impl fmt::Debug for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("HttpError");
        debug.field("kind", &self.inner.kind);
        if let Some(url) = &self.inner.url {
            debug.field("url", url);
        }
        if let Some(status) = &self.inner.status {
            debug.field("status", status);
        }
        if let Some(context) = &self.inner.context {
            debug.field("context", context);
        }
        if let Some(attempts) = &self.inner.attempts {
            debug.field("attempts", attempts);
        }
        if let Some(source) = &self.inner.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

/// Lets [`retry`](ferry_core::retry()) with [`classify_retryable`](ferry_core::retry::classify_retryable)
/// retry HTTP errors: [`is_retryable`](HttpError::is_retryable) decides, and a status error's
/// `Retry-After` (a date measured from the wall clock now) is the hint. The method is not
/// looked at here; [`ResilientClient`](super::ResilientClient) also applies
/// [`HttpRetryRule`](crate::HttpRetryRule) (no POST or PATCH unless allowed).
impl ferry_core::retry::Retryable for HttpError {
    fn is_retryable(&self) -> bool {
        HttpError::is_retryable(self)
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
        self.inner
            .retry_after
            .map(|hint| hint.delay_from(std::time::SystemTime::now()))
    }
}

impl StdError for HttpError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|source| &**source as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_error(code: u16) -> HttpError {
        HttpError::new(Kind::Status).with_status(StatusCode::from_u16(code).unwrap())
    }

    #[test]
    fn retryable_statuses_are_408_429_and_gateway_errors() {
        for code in [408, 429, 502, 503, 504] {
            assert!(status_error(code).is_retryable(), "{code}");
        }
        for code in [400, 401, 403, 404, 409, 422, 500, 501] {
            assert!(!status_error(code).is_retryable(), "{code}");
        }
    }

    #[test]
    fn connect_timeout_is_both_connect_and_timeout() {
        let error = HttpError::new(Kind::ConnectTimeout);
        assert!(error.is_connect() && error.is_timeout() && error.is_retryable());
        let tls = HttpError::new(Kind::Tls);
        assert!(tls.is_connect() && tls.is_tls() && !tls.is_retryable());
    }

    #[test]
    fn display_names_the_redacted_url_and_status() {
        let uri: Uri = "https://user:hunter2@example.com/a?token=abc&page=2"
            .parse()
            .unwrap();
        let error = status_error(404).with_url(&uri);
        let shown = error.to_string();
        assert_eq!(
            shown,
            "error status 404 Not Found for https://user:REDACTED@example.com/a?token=REDACTED&page=2"
        );
        assert!(!format!("{error:?}").contains("hunter2"));
        assert!(!format!("{error:?}").contains("abc"));
    }
}
