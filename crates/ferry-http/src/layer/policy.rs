//! [`HostPolicy`]: what the resilient client applies to one host.

use std::time::Duration;

use ferry_core::ConcurrencyLimit;
use ferry_core::rate_limit::Quota;
use ferry_core::retry::{Backoff, Jitter, RetryPolicy};

use crate::HttpRetryRule;

/// How [`ResilientClient`](super::ResilientClient) treats the requests to one host: how many
/// may be in flight, how fast they may start, how failures are retried, and how long one
/// attempt may take.
///
/// The defaults: no concurrency limit, no rate limit, up to 3 attempts with exponential
/// backoff from 100 ms (full jitter, at most 10 s, which also caps `Retry-After`), the HTTP
/// retry rules of [`HttpRetryRule::new`] (connection failures, timeouts, 429, 502, 503, 504;
/// never another 4xx; no POST or PATCH), and no per-attempt timeout (the inner client's own
/// total timeout still applies).
///
/// ```
/// use std::time::Duration;
/// use ferry_core::ConcurrencyLimit;
/// use ferry_http::HostPolicy;
/// use ferry_core::rate_limit::Quota;
/// use ferry_core::retry::{Backoff, RetryPolicy};
///
/// let policy = HostPolicy::new()
///     .concurrency(ConcurrencyLimit::new(4).unwrap())
///     .rate(Quota::per_second(10).unwrap())
///     .retry(RetryPolicy::new(Backoff::exponential(Duration::from_millis(200))).max_attempts(5))
///     .attempt_timeout(Duration::from_secs(2));
/// assert_eq!(policy.retry_policy().unwrap().attempts_allowed(), 5);
/// ```
#[derive(Debug, Clone)]
pub struct HostPolicy {
    pub(super) concurrency: ConcurrencyLimit,
    pub(super) rate: Option<Quota>,
    pub(super) retry: Option<RetryPolicy>,
    pub(super) rule: HttpRetryRule,
    pub(super) attempt_timeout: Option<Duration>,
}

impl Default for HostPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl HostPolicy {
    /// The default backoff: exponential from 100 ms, doubling, full jitter, at most 10 s.
    pub fn default_backoff() -> Backoff {
        Backoff::exponential(Duration::from_millis(100))
            .max_delay(Duration::from_secs(10))
            .jitter(Jitter::Full)
    }

    /// The defaults listed on the type.
    pub fn new() -> Self {
        Self {
            concurrency: ConcurrencyLimit::UNLIMITED,
            rate: None,
            retry: Some(RetryPolicy::new(Self::default_backoff())),
            rule: HttpRetryRule::new(),
            attempt_timeout: None,
        }
    }

    /// At most `limit` requests to the host in flight; a request holds its place until its
    /// response body has been read or dropped. Waiting requests go first come, first served.
    pub fn concurrency(mut self, limit: ConcurrencyLimit) -> Self {
        self.concurrency = limit;
        self
    }

    /// Starts attempts (retries included) no faster than `quota` allows.
    pub fn rate(mut self, quota: Quota) -> Self {
        self.rate = Some(quota);
        self
    }

    /// Retries under `policy`. Its maximum delay caps `Retry-After` hints too.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Makes every request a single attempt.
    pub fn no_retry(mut self) -> Self {
        self.retry = None;
        self
    }

    /// Also retries POST, PATCH and other non-idempotent requests after a timeout, a broken
    /// connection or a retryable status (for an API that deduplicates them).
    pub fn retry_non_idempotent(mut self, allow: bool) -> Self {
        self.rule = self.rule.retry_non_idempotent(allow);
        self
    }

    /// Gives each attempt at most `timeout` to bring back a response head (and, through the
    /// request's own timeout, to finish its body when the inner client honours it, as
    /// [`Client`](crate::Client) does). A timed-out attempt is retried like any timeout.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The concurrency limit.
    pub fn concurrency_limit(&self) -> ConcurrencyLimit {
        self.concurrency
    }

    /// The rate limit, if any.
    pub fn rate_limit(&self) -> Option<Quota> {
        self.rate
    }

    /// The retry policy, or `None` for single attempts.
    pub fn retry_policy(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }

    /// The per-attempt timeout, if any.
    pub fn attempt_timeout_limit(&self) -> Option<Duration> {
        self.attempt_timeout
    }
}
