//! Deciding, per error, whether another attempt is worth it.

use std::time::Duration;

/// What to do after a failed attempt; a classifier returns one per error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// The error will not go away by trying again (a 404, a bad request): stop now.
    DontRetry,
    /// Try again after the backoff's next delay.
    Retry,
    /// Try again after this delay, given by the server (`Retry-After`); capped by the
    /// policy's maximum delay.
    RetryAfter(Duration),
}

impl RetryDecision {
    /// [`RetryAfter`](Self::RetryAfter) when a hint was understood, [`Retry`](Self::Retry)
    /// (the backoff) when it is missing or malformed: a bad hint never means "no delay".
    pub fn after_hint(hint: Option<Duration>) -> Self {
        hint.map_or(Self::Retry, Self::RetryAfter)
    }
}

/// An error that knows whether it is worth retrying: implement it on an error type once, and
/// pass [`classify_retryable`] to [`retry`](super::retry()).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::retry::{Retryable, RetryDecision, classify_retryable};
///
/// enum ApiError {
///     Unavailable { retry_after: Option<Duration> },
///     NotFound,
/// }
///
/// impl Retryable for ApiError {
///     fn is_retryable(&self) -> bool {
///         matches!(self, ApiError::Unavailable { .. })
///     }
///     fn retry_after(&self) -> Option<Duration> {
///         match self {
///             ApiError::Unavailable { retry_after } => *retry_after,
///             ApiError::NotFound => None,
///         }
///     }
/// }
///
/// let hint = ApiError::Unavailable { retry_after: Some(Duration::from_secs(2)) };
/// assert_eq!(classify_retryable(&hint), RetryDecision::RetryAfter(Duration::from_secs(2)));
/// assert_eq!(classify_retryable(&ApiError::NotFound), RetryDecision::DontRetry);
/// ```
pub trait Retryable {
    /// Whether another attempt could succeed.
    fn is_retryable(&self) -> bool;

    /// How long the other side asked to wait, if it did and the request was understood.
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

/// The classifier for errors implementing [`Retryable`].
pub fn classify_retryable<E: Retryable + ?Sized>(error: &E) -> RetryDecision {
    if error.is_retryable() {
        RetryDecision::after_hint(error.retry_after())
    } else {
        RetryDecision::DontRetry
    }
}

/// A timed-out attempt is worth another try: the next one may be faster. (For HTTP, where a
/// timed-out request may have reached the server, `ferry_http::HttpRetryRule::for_transport`
/// also looks at the method.)
impl Retryable for crate::timeout::Elapsed {
    fn is_retryable(&self) -> bool {
        true
    }
}
