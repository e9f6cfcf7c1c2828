//! The HTTP retry rules and `Retry-After` parsing.

use std::time::{Duration, SystemTime};

use ferry_core::retry::RetryDecision;
use ferry_http::{HttpRetryRule, TransportFailure, parse_retry_after};
use http::{Method, StatusCode};

/// 2015-10-21 07:27:50 UTC.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470)
}

#[test]
fn retry_after_reads_delta_seconds() {
    assert_eq!(parse_retry_after("0", now()), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("2", now()), Some(Duration::from_secs(2)));
    assert_eq!(
        parse_retry_after(" 120 ", now()),
        Some(Duration::from_secs(120))
    );
}

#[test]
fn retry_after_reads_all_three_http_date_forms() {
    let ten_seconds = Some(Duration::from_secs(10));
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now()),
        ten_seconds
    );
    assert_eq!(
        parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now()),
        ten_seconds
    );
    assert_eq!(
        parse_retry_after("Wed Oct 21 07:28:00 2015", now()),
        ten_seconds
    );
}

#[test]
fn retry_after_with_a_past_date_means_retry_now() {
    let past = "Wed, 21 Oct 2015 07:00:00 GMT";
    assert_eq!(parse_retry_after(past, now()), Some(Duration::ZERO));
}

#[test]
fn retry_after_too_large_for_u64_is_a_very_long_wait_not_an_error() {
    assert_eq!(
        parse_retry_after("99999999999999999999999", now()),
        Some(Duration::from_secs(u64::MAX))
    );
}

#[test]
fn malformed_retry_after_values_are_none_never_zero() {
    for value in [
        "",
        " ",
        "soon",
        "-1",
        "1.5",
        "+3",
        "0x10",
        "Wed, 32 Oct 2015 07:28:00 GMT",
        "2015-10-21T07:28:00Z",
    ] {
        assert_eq!(parse_retry_after(value, now()), None, "{value:?}");
    }
}

#[test]
fn only_429_502_503_and_504_are_retried() {
    let rule = HttpRetryRule::new();
    for code in 100..600u16 {
        let status = StatusCode::from_u16(code).unwrap();
        let decision = rule.for_status(&Method::GET, status, None, now());
        let expected = matches!(code, 429 | 502 | 503 | 504);
        assert_eq!(decision == RetryDecision::Retry, expected, "{code}");
        assert_eq!(
            HttpRetryRule::status_is_retryable(status),
            expected,
            "{code}"
        );
    }
}

#[test]
fn a_retryable_status_honours_its_retry_after_and_ignores_a_malformed_one() {
    let rule = HttpRetryRule::new();
    let busy = StatusCode::TOO_MANY_REQUESTS;
    assert_eq!(
        rule.for_status(&Method::GET, busy, Some("2"), now()),
        RetryDecision::RetryAfter(Duration::from_secs(2))
    );
    assert_eq!(
        rule.for_status(&Method::GET, busy, Some("in a bit"), now()),
        RetryDecision::Retry
    );
    // A hint on a status that is not retried changes nothing.
    assert_eq!(
        rule.for_status(&Method::GET, StatusCode::NOT_FOUND, Some("2"), now()),
        RetryDecision::DontRetry
    );
}

#[test]
fn post_and_patch_are_retried_only_when_allowed() {
    let unavailable = StatusCode::SERVICE_UNAVAILABLE;
    let strict = HttpRetryRule::new();
    let lenient = HttpRetryRule::new().retry_non_idempotent(true);
    for method in [Method::POST, Method::PATCH] {
        assert_eq!(
            strict.for_status(&method, unavailable, None, now()),
            RetryDecision::DontRetry
        );
        assert_eq!(
            lenient.for_status(&method, unavailable, None, now()),
            RetryDecision::Retry
        );
    }
    for method in [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
    ] {
        assert!(strict.method_is_retryable(&method), "{method}");
    }
}

#[test]
fn connect_failures_are_retried_for_any_method_but_timeouts_only_when_idempotent() {
    let rule = HttpRetryRule::new();
    assert_eq!(
        rule.for_transport(&Method::POST, TransportFailure::Connect),
        RetryDecision::Retry
    );
    assert_eq!(
        rule.for_transport(&Method::POST, TransportFailure::Timeout),
        RetryDecision::DontRetry
    );
    assert_eq!(
        rule.for_transport(&Method::GET, TransportFailure::Timeout),
        RetryDecision::Retry
    );
    assert_eq!(
        rule.for_transport(&Method::PATCH, TransportFailure::Other),
        RetryDecision::DontRetry
    );
}
