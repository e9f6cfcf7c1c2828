//! Retry rules for HTTP: which statuses, failures and methods are worth another attempt, and
//! `Retry-After`.

use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};

use ferry_core::retry::RetryDecision;

/// Reads a `Retry-After` header value: delta-seconds (`"120"`) or an HTTP-date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, and the two obsolete date forms), as RFC 9110 §10.2.3
/// allows, and gives the delay it asks for.
///
/// The parsing is [`RetryAfter::parse_str`](crate::RetryAfter::parse_str)'s (one
/// implementation for the whole crate); this function measures a date from `now`, the
/// wall-clock time. A date in the past means "retry now" (`Some(Duration::ZERO)`); a number of
/// seconds too large for a `u64` is "a very long time" (`u64::MAX` seconds, which the retry
/// policy's maximum delay then caps). Anything else (empty, negative, fractional, a malformed
/// date) is `None`, so that the caller falls back to its backoff and never retries with no
/// delay because of a bad header; see [`RetryDecision::after_hint`].
///
/// # Examples
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use ferry_http::parse_retry_after;
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
/// assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
/// assert_eq!(
///     parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
///     Some(Duration::from_secs(10)),
/// );
/// assert_eq!(parse_retry_after("soon", now), None);
/// assert_eq!(parse_retry_after("-1", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    crate::RetryAfter::parse_str(value).map(|hint| hint.delay_from(now))
}

/// How an HTTP request failed before any response came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportFailure {
    /// The connection could not be made (refused, DNS, TLS handshake): the request was never
    /// sent, so retrying it is safe whatever the method.
    Connect,
    /// No response in time: the server may have acted on the request.
    Timeout,
    /// The connection broke after the request was (maybe partly) sent.
    Other,
}

/// The default rules for retrying HTTP requests.
///
/// - Statuses 429, 502, 503 and 504 are retried, honouring `Retry-After`; every other status,
///   in particular every other 4xx (a 404 does not go away), is not.
/// - Connection failures are always retried: nothing was sent. Timeouts and broken
///   connections are retried like a retryable status.
/// - Only idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) are retried after the
///   request may have reached the server; POST, PATCH and other methods only when
///   [`retry_non_idempotent`](Self::retry_non_idempotent) says so.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use http::{Method, StatusCode};
/// use ferry_core::retry::RetryDecision;
/// use ferry_http::HttpRetryRule;
///
/// let rule = HttpRetryRule::new();
/// let now = SystemTime::now();
/// let busy = rule.for_status(&Method::GET, StatusCode::TOO_MANY_REQUESTS, Some("2"), now);
/// assert_eq!(busy, RetryDecision::RetryAfter(Duration::from_secs(2)));
/// let gone = rule.for_status(&Method::GET, StatusCode::NOT_FOUND, None, now);
/// assert_eq!(gone, RetryDecision::DontRetry);
/// let post = rule.for_status(&Method::POST, StatusCode::SERVICE_UNAVAILABLE, None, now);
/// assert_eq!(post, RetryDecision::DontRetry);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpRetryRule {
    retry_non_idempotent: bool,
}

impl HttpRetryRule {
    /// The default rules: idempotent methods only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also retry POST, PATCH and other non-idempotent methods (for an API known to
    /// deduplicate them, say with an idempotency key).
    pub fn retry_non_idempotent(mut self, allow: bool) -> Self {
        self.retry_non_idempotent = allow;
        self
    }

    /// Whether a request with `method` may be sent again after the server may have seen it.
    pub fn method_is_retryable(&self, method: &Method) -> bool {
        self.retry_non_idempotent || method.is_idempotent()
    }

    /// Whether `status` is one that a later attempt may not get: 429, 502, 503, 504.
    pub fn status_is_retryable(status: StatusCode) -> bool {
        matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT
        )
    }

    /// The decision for a response with `status` to a `method` request, given its
    /// `Retry-After` header value, if any (a date is measured from `now`).
    pub fn for_status(
        &self,
        method: &Method,
        status: StatusCode,
        retry_after: Option<&str>,
        now: SystemTime,
    ) -> RetryDecision {
        if !Self::status_is_retryable(status) || !self.method_is_retryable(method) {
            return RetryDecision::DontRetry;
        }
        RetryDecision::after_hint(retry_after.and_then(|value| parse_retry_after(value, now)))
    }

    /// The decision for a `method` request that got no response.
    pub fn for_transport(&self, method: &Method, failure: TransportFailure) -> RetryDecision {
        match failure {
            TransportFailure::Connect => RetryDecision::Retry,
            TransportFailure::Timeout | TransportFailure::Other
                if self.method_is_retryable(method) =>
            {
                RetryDecision::Retry
            }
            TransportFailure::Timeout | TransportFailure::Other => RetryDecision::DontRetry,
        }
    }
}
