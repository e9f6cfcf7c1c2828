//! A retry budget: retries may add at most a set fraction of extra load.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::rt::Clock;

/// Units per retry. Deposits are `ratio * UNIT`, so ratios down to one in a million count.
const UNIT: i64 = 1_000_000;
/// The window is kept as this many slots; a slot's deposits and withdrawals expire together.
const SLOTS: usize = 10;
/// The largest ratio accepted: a thousand retries per request is already no budget at all.
const MAX_RATIO: f64 = 1000.0;

/// A shared allowance of retries, earned by requests, that expires over a time window: tower's
/// `TpsBudget`, after Finagle's `RetryBudget`.
///
/// Each operation deposits once when it starts; each retry withdraws. With a ratio of `0.2`,
/// five operations earn one retry, so that when a service is down, retries add at most 20 %
/// to the load instead of multiplying it by the number of attempts. A floor of
/// `min_retries_per_sec` lets a client with little traffic still retry. What was deposited or
/// withdrawn more than `window` ago (read from the [`Clock`]) no longer counts.
///
/// Share one budget (in an `Arc`) between all the operations against one service, through
/// [`RetryPolicy::budget`](super::RetryPolicy::budget).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use ferry_core::Clock;
/// use ferry_core::retry::RetryBudget;
///
/// struct Frozen(Instant);
/// impl Clock for Frozen {
///     fn now(&self) -> Instant { self.0 }
/// }
///
/// // Retries may add 20 % to the load, with no floor.
/// let budget = RetryBudget::new(Frozen(Instant::now()), Duration::from_secs(10), 0, 0.2).unwrap();
/// for _ in 0..10 {
///     budget.deposit();
/// }
/// assert!(budget.withdraw());
/// assert!(budget.withdraw());
/// assert!(!budget.withdraw(), "ten requests earn two retries");
/// ```
pub struct RetryBudget {
    clock: Box<dyn Clock>,
    slot_width: Duration,
    deposit_amount: i64,
    reserve: i64,
    state: Mutex<Slots>,
}

#[derive(Debug)]
struct Slots {
    amounts: [i64; SLOTS],
    current: usize,
    current_start: Instant,
}

impl RetryBudget {
    /// A budget over `window`, allowing `retry_ratio` retries per operation (0.2: one retry
    /// per five operations) plus `min_retries_per_sec` retries per second whatever the
    /// traffic.
    ///
    /// # Errors
    ///
    /// [`InvalidBudget`] if `window` is zero, or `retry_ratio` is negative, not a number, or
    /// above 1000.
    pub fn new(
        clock: impl Clock + 'static,
        window: Duration,
        min_retries_per_sec: u32,
        retry_ratio: f64,
    ) -> Result<Self, InvalidBudget> {
        if window.is_zero() {
            return Err(InvalidBudget::ZeroWindow);
        }
        if !(0.0..=MAX_RATIO).contains(&retry_ratio) {
            return Err(InvalidBudget::Ratio(retry_ratio));
        }
        let reserve = (f64::from(min_retries_per_sec) * window.as_secs_f64() * UNIT as f64)
            .min(i64::MAX as f64 / 2.0) as i64;
        let start = clock.now();
        Ok(Self {
            clock: Box::new(clock),
            slot_width: (window / SLOTS as u32).max(Duration::from_nanos(1)),
            deposit_amount: (retry_ratio * UNIT as f64).round() as i64,
            reserve,
            state: Mutex::new(Slots {
                amounts: [0; SLOTS],
                current: 0,
                current_start: start,
            }),
        })
    }

    /// Records one operation (a first attempt): it earns `retry_ratio` of a retry.
    pub fn deposit(&self) {
        let mut slots = self.slots();
        let current = slots.current;
        slots.amounts[current] = slots.amounts[current].saturating_add(self.deposit_amount);
    }

    /// Takes one retry from the budget; `false`, taking nothing, if there is not enough.
    pub fn withdraw(&self) -> bool {
        let mut slots = self.slots();
        if self.balance(&slots) < UNIT {
            return false;
        }
        let current = slots.current;
        slots.amounts[current] -= UNIT;
        true
    }

    /// How many retries could be withdrawn now.
    pub fn remaining(&self) -> u64 {
        let slots = self.slots();
        (self.balance(&slots).max(0) / UNIT) as u64
    }

    fn balance(&self, slots: &Slots) -> i64 {
        slots
            .amounts
            .iter()
            .fold(self.reserve, |sum, amount| sum.saturating_add(*amount))
    }

    /// The slots, with those older than the window cleared.
    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        let now = self.clock.now();
        // The state holds only numbers, valid after any panic, so a poisoned lock is usable.
        let mut slots = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let passed = now
            .saturating_duration_since(slots.current_start)
            .as_nanos()
            / self.slot_width.as_nanos();
        if passed >= SLOTS as u128 {
            slots.amounts = [0; SLOTS];
            slots.current_start = now;
        } else {
            for _ in 0..passed {
                slots.current = (slots.current + 1) % SLOTS;
                let current = slots.current;
                slots.amounts[current] = 0;
                slots.current_start += self.slot_width;
            }
        }
        slots
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("slot_width", &self.slot_width)
            .field("deposit_amount", &self.deposit_amount)
            .field("reserve", &self.reserve)
            .field("remaining", &self.remaining())
            .finish()
    }
}

/// A [`RetryBudget`] was asked for with settings that cannot work.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum InvalidBudget {
    /// A window of zero would forget every deposit at once.
    #[error("retry budget window must be longer than zero")]
    ZeroWindow,
    /// The ratio of retries to operations must be a number from 0 to 1000.
    #[error("retry budget ratio must be between 0 and 1000, got {0}")]
    Ratio(f64),
}
