//! Quotas: what they allow, and the ones refused.

use std::time::Duration;

use ferry_core::rate_limit::{InvalidQuota, Quota};

#[test]
fn a_quota_spaces_requests_by_period_over_count_with_a_burst_of_count() {
    let quota = Quota::new(4, Duration::from_secs(2)).unwrap();
    assert_eq!(quota.interval(), Duration::from_millis(500));
    assert_eq!(quota.burst(), 4);
    assert_eq!(
        Quota::per_minute(60).unwrap().interval(),
        Duration::from_secs(1)
    );
    assert_eq!(Quota::every(Duration::from_millis(7)).unwrap().burst(), 1);
}

#[test]
fn quotas_that_would_never_let_anything_through_are_refused() {
    assert_eq!(
        Quota::new(0, Duration::from_secs(1)),
        Err(InvalidQuota::ZeroCount)
    );
    assert_eq!(
        Quota::per_second(1).unwrap().with_burst(0),
        Err(InvalidQuota::ZeroBurst)
    );
    assert!(matches!(
        Quota::every(Duration::ZERO),
        Err(InvalidQuota::TooFast { .. })
    ));
    assert!(matches!(
        Quota::new(10, Duration::from_nanos(5)),
        Err(InvalidQuota::TooFast { .. })
    ));
}

#[test]
fn quotas_spanning_more_than_a_century_are_refused() {
    assert!(matches!(
        Quota::every(Duration::MAX),
        Err(InvalidQuota::TooSlow { .. })
    ));
    let daily = Quota::every(Duration::from_secs(86_400)).unwrap();
    assert!(daily.with_burst(365 * 50).is_ok());
    assert!(matches!(
        daily.with_burst(u32::MAX),
        Err(InvalidQuota::TooSlow { .. })
    ));
}
