//! [`RetryAfter`]: the `Retry-After` header, as a delay or a point in time.

use std::time::{Duration, SystemTime};

use http::HeaderValue;

/// How long a server asked the client to wait, from a `Retry-After` header (RFC 9110 §10.2.3).
///
/// The header is either a number of seconds or an HTTP date. A malformed header gives no
/// `RetryAfter` at all (not a zero delay), so that a retry policy falls back to its own backoff
/// instead of hammering the server.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use ferry_http::RetryAfter;
/// use http::HeaderValue;
///
/// let wait = RetryAfter::parse(&HeaderValue::from_static("120")).unwrap();
/// assert_eq!(wait.delay_from(SystemTime::now()), Duration::from_secs(120));
///
/// let date = RetryAfter::parse(&HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
/// assert!(matches!(date, Some(RetryAfter::At(_))));
/// assert_eq!(RetryAfter::parse(&HeaderValue::from_static("soon")), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Wait this long (the header was a number of seconds).
    Delay(Duration),
    /// Wait until this wall-clock time (the header was an HTTP date).
    At(SystemTime),
}

impl RetryAfter {
    /// Parses a `Retry-After` value; `None` when it is neither seconds nor an HTTP date.
    pub fn parse(value: &HeaderValue) -> Option<Self> {
        Self::parse_str(value.to_str().ok()?)
    }

    /// Parses a `Retry-After` value given as text; `None` when it is neither seconds nor an
    /// HTTP date (the three date forms RFC 9110 allows). Surrounding whitespace is ignored.
    pub fn parse_str(text: &str) -> Option<Self> {
        let text = text.trim();
        if !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()) {
            // A number too large for u64 is still "a very long time", not an error.
            let seconds = text.parse::<u64>().unwrap_or(u64::MAX);
            return Some(Self::Delay(Duration::from_secs(seconds)));
        }
        httpdate::parse_http_date(text).ok().map(Self::At)
    }

    /// The delay to wait counted from `now`; a date in the past gives zero.
    pub fn delay_from(&self, now: SystemTime) -> Duration {
        match *self {
            Self::Delay(delay) => delay,
            Self::At(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_dates_parse_and_garbage_does_not() {
        let parse = |text: &'static str| RetryAfter::parse(&HeaderValue::from_static(text));
        assert_eq!(parse("0"), Some(RetryAfter::Delay(Duration::ZERO)));
        assert_eq!(
            parse(" 7 "),
            Some(RetryAfter::Delay(Duration::from_secs(7)))
        );
        assert_eq!(
            parse("99999999999999999999999"),
            Some(RetryAfter::Delay(Duration::from_secs(u64::MAX)))
        );
        for bad in ["", "-1", "1.5", "tomorrow", "Wed, 99 Oct 2015 07:28:00 GMT"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        let at = parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let epoch_secs = 784_111_777;
        assert_eq!(
            at,
            RetryAfter::At(SystemTime::UNIX_EPOCH + Duration::from_secs(epoch_secs))
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(epoch_secs - 30);
        assert_eq!(at.delay_from(now), Duration::from_secs(30));
        assert_eq!(at.delay_from(SystemTime::now()), Duration::ZERO);
    }
}
