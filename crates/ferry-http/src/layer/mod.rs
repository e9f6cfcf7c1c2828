//! [`ResilientClient`]: concurrency limit, rate limit, retries and a per-attempt timeout, per
//! host, in one layer over any [`HttpClient`].

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use http::Method;
use tracing::Instrument;

use super::error::{HttpError, Kind};
use super::{HttpClient, Request, Response};
use crate::TransportFailure;
use ferry_core::rate_limit::{KeyedRateLimiter, Quota};
use ferry_core::retry::{Retried, RetryDecision, RetryError};
use ferry_core::rt::Timer;

mod policy;

pub use policy::HostPolicy;

/// How many attempts a [`ResilientClient`] made for a response, stored in the response's
/// [`extensions`](Response::extensions). (An error carries the count in
/// [`HttpError::attempts`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempts(pub u32);

impl Attempts {
    /// The attempts recorded on `response`, if a [`ResilientClient`] sent it.
    pub fn of(response: &Response) -> Option<u32> {
        response
            .extensions()
            .get::<Attempts>()
            .map(|attempts| attempts.0)
    }
}

/// An [`HttpClient`] that sends through another one and applies, per host, in this order for
/// every attempt: a concurrency limit, a rate limit, the attempt (under a per-attempt
/// timeout); and around the attempts, retries with backoff.
///
/// Each host gets the default [`HostPolicy`] unless given its own with
/// [`with_host`](Self::with_host); hosts are matched by name, case-insensitively, without the
/// port. All waiting (rate, backoff, `Retry-After`, timeouts) is on the [`Timer`] given, so the
/// mock backend's virtual clock makes every delay exact in tests.
///
/// # Retries
///
/// A connection failure is always retried (nothing was sent); a timeout or a connection broken
/// mid-request, and the statuses 429, 502, 503 and 504, are retried for idempotent methods
/// only unless [`HostPolicy::retry_non_idempotent`]. Every other status (any other 4xx, a 500)
/// and every other error is final. A `Retry-After` header on a retried status is honoured,
/// capped by the retry policy's maximum delay; a malformed one falls back to the backoff.
/// When the retries run out on a retryable status, the last response is returned as it is
/// (call [`error_for_status`](Response::error_for_status) as usual).
///
/// The number of attempts is on every response ([`Attempts::of`]) and on every error
/// ([`HttpError::attempts`]). Each attempt runs in a `http.attempt` tracing span with the
/// host and the attempt number, and the request carries the number
/// ([`Request::attempt`]), so the inner client's span shows it too.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::ConcurrencyLimit;
/// use ferry_http::{HostPolicy, HttpClient, HttpClientExt, ResilientClient};
/// use ferry_core::rate_limit::Quota;
/// use ferry_core::Timer;
///
/// fn resilient<C: HttpClient, R: Timer + Clone>(client: C, rt: R) -> ResilientClient<C, R> {
///     ResilientClient::new(client, rt, HostPolicy::new().attempt_timeout(Duration::from_secs(5)))
///         .with_host(
///             "api.example.com",
///             HostPolicy::new()
///                 .concurrency(ConcurrencyLimit::new(4).unwrap())
///                 .rate(Quota::per_second(10).unwrap()),
///         )
/// }
/// ```
pub struct ResilientClient<C, Tm> {
    inner: C,
    timer: Tm,
    default: HostPolicy,
    hosts: HashMap<String, HostPolicy>,
    limiter: KeyedRateLimiter<String, Tm>,
}

/// The quota of a host without a rate limit: a request per nanosecond with a burst of
/// `u32::MAX`, which never makes anyone wait in practice.
fn unlimited_rate() -> Quota {
    Quota::new(1, Duration::from_nanos(1))
        .and_then(|quota| quota.with_burst(u32::MAX))
        .unwrap_or_else(|_| unreachable!("one per nanosecond with a burst of u32::MAX is valid"))
}

fn host_key(request: &Request) -> String {
    request.uri().host().unwrap_or("").to_ascii_lowercase()
}

impl<C: HttpClient, Tm: Timer + Clone> ResilientClient<C, Tm> {
    /// Wraps `inner`, waiting on `timer`, with `default` for every host.
    pub fn new(inner: C, timer: Tm, default: HostPolicy) -> Self {
        let limiter =
            KeyedRateLimiter::new(timer.clone(), default.rate.unwrap_or_else(unlimited_rate))
                .with_default_concurrency(default.concurrency);
        Self {
            inner,
            timer,
            default,
            hosts: HashMap::new(),
            limiter,
        }
    }

    /// Gives `host` (a host name like `api.example.com`, no port) its own policy.
    pub fn with_host(mut self, host: impl Into<String>, policy: HostPolicy) -> Self {
        let host = host.into().to_ascii_lowercase();
        self.limiter
            .set_quota(host.clone(), policy.rate.unwrap_or_else(unlimited_rate));
        self.limiter
            .set_concurrency(host.clone(), policy.concurrency);
        self.hosts.insert(host, policy);
        self
    }

    /// The policy requests to `host` get.
    pub fn policy_for(&self, host: &str) -> &HostPolicy {
        self.hosts
            .get(&host.to_ascii_lowercase())
            .unwrap_or(&self.default)
    }

    /// The client requests are sent through.
    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// Sends `request` under its host's policy; see the type's docs.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the attempt in flight (as dropping the inner client's
    /// future does) or the wait before the next one; no further attempt is made. A place
    /// under the concurrency limit being waited for is not taken; one held is given back. A
    /// rate slot already taken stays used, as the attempt it paid for did start.
    pub async fn execute(&self, request: Request) -> Result<Response, HttpError> {
        let host = host_key(&request);
        let policy = self.policy_for(&host);
        let Some(retry_policy) = &policy.retry else {
            return match self.attempt(&host, policy, request, 1).await {
                Ok(response) => Ok(with_attempts(response, 1)),
                Err(Failure::Status(response)) => Ok(with_attempts(*response, 1)),
                Err(Failure::Error(error)) => Err(error.with_attempts(1)),
            };
        };
        let method = request.method().clone();
        let mut attempt = 0;
        let outcome = retry_policy
            .retry(
                &self.timer,
                |failure: &Failure| classify(policy, &method, failure, self.timer.system_now()),
                || {
                    attempt += 1;
                    self.attempt(&host, policy, request.clone(), attempt)
                },
            )
            .await;
        finish(outcome)
    }

    /// One attempt: a place under the host's concurrency limit, a rate slot, then the
    /// request under the per-attempt timeout. A retryable status comes back as a failure so
    /// that the retry loop sees it.
    async fn attempt(
        &self,
        host: &str,
        policy: &HostPolicy,
        mut request: Request,
        attempt: u32,
    ) -> Result<Response, Failure> {
        let span = tracing::debug_span!("http.attempt", host, attempt);
        async move {
            let permit = self.limiter.acquire(&host.to_owned()).await;
            request.set_attempt(attempt);
            let method = request.method().clone();
            let result =
                match policy.attempt_timeout {
                    Some(limit) => {
                        let url = request.uri().clone();
                        // The request's own timeout lets the inner client bound the body as well.
                        request.timeout = Some(request.timeout.map_or(limit, |own| own.min(limit)));
                        ferry_core::timeout::timeout(&self.timer, limit, self.inner.send(request))
                            .await
                            .unwrap_or_else(|_| {
                                Err(HttpError::new(Kind::Timeout).with_url(&url).with_context(
                                    format!("attempt {attempt} had no response within {limit:?}"),
                                ))
                            })
                    }
                    None => self.inner.send(request).await,
                };
            match result {
                Ok(mut response) => {
                    response.hold_until_body_done(permit);
                    let retryable = crate::HttpRetryRule::status_is_retryable(response.status())
                        && policy.rule.method_is_retryable(&method);
                    if retryable {
                        tracing::debug!(status = response.status().as_u16(), "retryable status");
                        Err(Failure::Status(Box::new(response)))
                    } else {
                        Ok(response)
                    }
                }
                Err(error) => Err(Failure::Error(error)),
            }
        }
        .instrument(span)
        .await
    }
}

/// What a failed attempt gave: a retryable status (kept, in case it is the last) or an error.
enum Failure {
    Status(Box<Response>),
    Error(HttpError),
}

fn classify(
    policy: &HostPolicy,
    method: &Method,
    failure: &Failure,
    now: SystemTime,
) -> RetryDecision {
    match failure {
        // Only statuses that are retryable for this method become failures.
        Failure::Status(response) => {
            RetryDecision::after_hint(response.retry_after().map(|hint| hint.delay_from(now)))
        }
        Failure::Error(error) => {
            if !error.is_retryable() {
                RetryDecision::DontRetry
            } else if let Some(status) = error.status() {
                let hint = error.retry_after().map(|hint| hint.delay_from(now));
                match policy.rule.for_status(method, status, None, now) {
                    RetryDecision::DontRetry => RetryDecision::DontRetry,
                    _ => RetryDecision::after_hint(hint),
                }
            } else {
                let failure = if error.is_connect() {
                    TransportFailure::Connect
                } else if error.is_timeout() {
                    TransportFailure::Timeout
                } else {
                    TransportFailure::Other
                };
                policy.rule.for_transport(method, failure)
            }
        }
    }
}

fn with_attempts(mut response: Response, attempts: u32) -> Response {
    response.extensions_mut().insert(Attempts(attempts));
    response
}

fn finish(outcome: Result<Retried<Response>, RetryError<Failure>>) -> Result<Response, HttpError> {
    match outcome {
        Ok(done) => Ok(with_attempts(done.value, done.attempts)),
        Err(error) => {
            let attempts = error.attempts();
            match error.into_last_error() {
                Failure::Status(response) => Ok(with_attempts(*response, attempts)),
                Failure::Error(error) => Err(error.with_attempts(attempts)),
            }
        }
    }
}

#[async_trait::async_trait]
impl<C, Tm> HttpClient for ResilientClient<C, Tm>
where
    C: HttpClient,
    Tm: Timer + Clone + 'static,
{
    async fn send(&self, request: Request) -> Result<Response, HttpError> {
        self.execute(request).await
    }
}

impl<C, Tm> fmt::Debug for ResilientClient<C, Tm> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResilientClient")
            .field("default", &self.default)
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}
