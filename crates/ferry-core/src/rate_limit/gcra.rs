//! The generic cell rate algorithm, on plain numbers.
//!
//! Time is kept in nanoseconds since the limiter's epoch (an instant read from its clock when
//! it was made). The whole state of a limit is one number, the theoretical arrival time
//! (TAT): when the next request would be due if requests came at exactly the quota's rate.
//! A request for `n` cells is allowed when, after moving the TAT `n` intervals on, it is at
//! most one burst (`interval * burst`) ahead of now.

use std::time::{Duration, Instant};

use super::Quota;

/// Nanoseconds from `epoch` to `now`, saturating (a clock before the epoch reads as 0).
pub(super) fn nanos_since(epoch: Instant, now: Instant) -> u64 {
    u64::try_from(now.saturating_duration_since(epoch).as_nanos()).unwrap_or(u64::MAX)
}

/// The instant `nanos` after `epoch`.
pub(super) fn instant_at(epoch: Instant, nanos: u64) -> Instant {
    crate::rt::instant_after(epoch, Duration::from_nanos(nanos))
}

/// Whether `n` cells (at most the burst, checked by the caller) may go at `now`, given the
/// stored `tat`: `Ok(new_tat)` to store, or `Err(allowed_at)`.
pub(super) fn decide(tat: u64, now: u64, quota: &Quota, n: u32) -> Result<u64, u64> {
    let interval = quota.interval_nanos();
    let tau = interval.saturating_mul(u64::from(quota.burst()));
    let new_tat = tat
        .max(now)
        .saturating_add(interval.saturating_mul(u64::from(n)));
    let allowed_at = new_tat.saturating_sub(tau);
    if allowed_at <= now {
        Ok(new_tat)
    } else {
        Err(allowed_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(per_second: u32, burst: u32) -> Quota {
        Quota::per_second(per_second)
            .unwrap()
            .with_burst(burst)
            .unwrap()
    }

    #[test]
    fn a_full_burst_goes_at_once_then_one_per_interval() {
        let quota = quota(10, 3);
        let mut tat = 0;
        for _ in 0..3 {
            tat = decide(tat, 0, &quota, 1).unwrap();
        }
        assert_eq!(decide(tat, 0, &quota, 1), Err(100_000_000));
        tat = decide(tat, 100_000_000, &quota, 1).unwrap();
        assert_eq!(decide(tat, 100_000_000, &quota, 1), Err(200_000_000));
    }

    #[test]
    fn idle_time_refills_the_burst_but_never_beyond_it() {
        let quota = quota(10, 2);
        let mut tat = decide(0, 0, &quota, 2).unwrap();
        // Ten seconds idle: still only two at once.
        let later = 10_000_000_000;
        tat = decide(tat, later, &quota, 2).unwrap();
        assert!(decide(tat, later, &quota, 1).is_err());
    }

    #[test]
    fn several_cells_wait_until_all_fit() {
        let quota = quota(10, 3);
        let tat = decide(0, 0, &quota, 3).unwrap();
        assert_eq!(decide(tat, 0, &quota, 2), Err(200_000_000));
    }
}
