//! The retry budget on a hand-moved clock.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferry_core::Clock;
use ferry_core::retry::{InvalidBudget, RetryBudget};

/// A clock that moves only when told to.
#[derive(Clone)]
struct ManualClock(Arc<Mutex<Instant>>);

impl ManualClock {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn deposits_earn_retries_at_the_set_ratio() {
    let budget = RetryBudget::new(ManualClock::new(), secs(10), 0, 0.25).unwrap();
    assert!(!budget.withdraw(), "no deposits, no floor: no retry");
    for _ in 0..8 {
        budget.deposit();
    }
    assert_eq!(budget.remaining(), 2);
    assert!(budget.withdraw());
    assert!(budget.withdraw());
    assert!(!budget.withdraw());
}

#[test]
fn the_floor_allows_min_retries_per_second_over_the_window_without_traffic() {
    let budget = RetryBudget::new(ManualClock::new(), secs(10), 2, 0.0).unwrap();
    assert_eq!(budget.remaining(), 20);
    for _ in 0..20 {
        assert!(budget.withdraw());
    }
    assert!(!budget.withdraw());
}

#[test]
fn withdrawals_expire_with_the_window_so_the_floor_comes_back() {
    let clock = ManualClock::new();
    let budget = RetryBudget::new(clock.clone(), secs(10), 1, 0.0).unwrap();
    while budget.withdraw() {}
    assert_eq!(budget.remaining(), 0);
    clock.advance(secs(5));
    // Half the window has passed, but the withdrawals were all made in its first slot.
    assert_eq!(budget.remaining(), 0);
    clock.advance(secs(6));
    assert_eq!(budget.remaining(), 10);
}

#[test]
fn deposits_older_than_the_window_no_longer_count() {
    let clock = ManualClock::new();
    let budget = RetryBudget::new(clock.clone(), secs(10), 0, 1.0).unwrap();
    for _ in 0..3 {
        budget.deposit();
    }
    clock.advance(secs(6));
    budget.deposit();
    assert_eq!(budget.remaining(), 4);
    clock.advance(secs(5));
    assert_eq!(
        budget.remaining(),
        1,
        "only the deposit from 6 s ago is left"
    );
}

#[test]
fn settings_that_cannot_work_are_errors() {
    let clock = ManualClock::new();
    assert_eq!(
        RetryBudget::new(clock.clone(), Duration::ZERO, 1, 0.2).unwrap_err(),
        InvalidBudget::ZeroWindow
    );
    for ratio in [-0.1, 1000.5, f64::INFINITY] {
        assert!(matches!(
            RetryBudget::new(clock.clone(), secs(10), 1, ratio),
            Err(InvalidBudget::Ratio(_))
        ));
    }
    assert!(RetryBudget::new(clock.clone(), secs(10), 1, f64::NAN).is_err());
    // The largest floor and ratio are accepted without overflowing.
    let huge = RetryBudget::new(clock, Duration::MAX, u32::MAX, 1000.0).unwrap();
    huge.deposit();
    assert!(huge.withdraw());
}
