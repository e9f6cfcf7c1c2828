//! Rate limits per key (per host, per API token), each key with its own quota.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::gcra::{decide, instant_at, nanos_since};
use super::{InsufficientCapacity, NotUntil, Quota};
use crate::rt::Timer;

/// The fewest tracked keys at which the limiter looks for idle ones to drop.
const MIN_CLEANUP_AT: usize = 64;

/// A GCRA rate limiter with one independent limit per key: each host (or token, or user) its
/// own rate, with quotas set per key and a default for every other key.
///
/// # Memory
///
/// Each key in use costs one entry (the key and a 64-bit time). A key whose limit has fully
/// recovered (its theoretical arrival time has passed) is in exactly the state of a key never
/// seen, so dropping it loses nothing: whenever the number of entries reaches twice what it
/// was after the last sweep (and at least 64), the limiter drops all such idle keys. Memory
/// is thus bounded by the keys active within one burst span, times two. Quotas set per key
/// are configuration and are kept until [`remove_quota`](Self::remove_quota).
///
/// Waiting is not first-come, first-served, as for [`RateLimiter`](super::RateLimiter).
///
/// # Examples
///
/// ```
/// use ferry_core::rate_limit::{KeyedRateLimiter, Quota};
/// # use std::time::Instant;
/// # use ferry_core::{Clock, Sleep, Timer};
/// # struct Frozen(Instant);
/// # impl Clock for Frozen { fn now(&self) -> Instant { self.0 } }
/// # impl Timer for Frozen { fn sleep_until(&self, _: Instant) -> Sleep { Sleep::new(async {}) } }
/// # let timer = Frozen(Instant::now());
///
/// let limiter = KeyedRateLimiter::new(timer, Quota::per_second(1).unwrap())
///     .with_quota("api.example.com", Quota::per_second(5).unwrap());
/// assert!(limiter.check_key(&"slow.example.com").is_ok());
/// assert!(limiter.check_key(&"slow.example.com").is_err());
/// for _ in 0..5 {
///     assert!(limiter.check_key(&"api.example.com").is_ok());
/// }
/// ```
#[derive(Debug)]
pub struct KeyedRateLimiter<K, Tm> {
    timer: Tm,
    epoch: Instant,
    default_quota: Quota,
    state: Mutex<Keys<K>>,
}

#[derive(Debug)]
struct Keys<K> {
    quotas: HashMap<K, Quota>,
    tats: HashMap<K, u64>,
    cleanup_at: usize,
}

impl<K: Hash + Eq + Clone, Tm: Timer> KeyedRateLimiter<K, Tm> {
    /// A limiter where every key gets `default_quota` unless given its own.
    pub fn new(timer: Tm, default_quota: Quota) -> Self {
        let epoch = timer.now();
        Self {
            timer,
            epoch,
            default_quota,
            state: Mutex::new(Keys {
                quotas: HashMap::new(),
                tats: HashMap::new(),
                cleanup_at: MIN_CLEANUP_AT,
            }),
        }
    }

    /// Gives `key` its own quota (builder form of [`set_quota`](Self::set_quota)).
    pub fn with_quota(self, key: K, quota: Quota) -> Self {
        self.set_quota(key, quota);
        self
    }

    /// Gives `key` its own quota from now on. Requests the key already made still count
    /// against it, measured in the new quota's terms.
    pub fn set_quota(&self, key: K, quota: Quota) {
        self.keys().quotas.insert(key, quota);
    }

    /// Puts `key` back on the default quota.
    pub fn remove_quota(&self, key: &K) {
        self.keys().quotas.remove(key);
    }

    /// The quota `key` is limited by.
    pub fn quota_for(&self, key: &K) -> Quota {
        self.keys()
            .quotas
            .get(key)
            .copied()
            .unwrap_or(self.default_quota)
    }

    /// Takes one slot of `key`'s rate now, or says when one is due.
    ///
    /// # Errors
    ///
    /// [`NotUntil`] when the key's rate is used up; nothing was taken.
    pub fn check_key(&self, key: &K) -> Result<(), NotUntil> {
        self.check_key_n(key, 1)
            .unwrap_or_else(|_| unreachable!("every quota's burst is at least 1"))
    }

    /// Takes `n` slots of `key`'s rate at once now, or says when they will be free.
    ///
    /// # Errors
    ///
    /// The outer [`InsufficientCapacity`] when `n` is above the key's burst; the inner
    /// [`NotUntil`] when the slots are not free yet. Nothing is taken on either.
    pub fn check_key_n(
        &self,
        key: &K,
        n: u32,
    ) -> Result<Result<(), NotUntil>, InsufficientCapacity> {
        let now = self.timer.now();
        let now_nanos = nanos_since(self.epoch, now);
        let mut keys = self.keys();
        let quota = keys.quotas.get(key).copied().unwrap_or(self.default_quota);
        if n > quota.burst() {
            return Err(InsufficientCapacity {
                requested: n,
                burst: quota.burst(),
            });
        }
        if n == 0 {
            return Ok(Ok(()));
        }
        let tat = keys.tats.get(key).copied().unwrap_or(0);
        match decide(tat, now_nanos, &quota, n) {
            Ok(new_tat) => {
                if let Some(stored) = keys.tats.get_mut(key) {
                    *stored = new_tat;
                } else {
                    keys.tats.insert(key.clone(), new_tat);
                    if keys.tats.len() >= keys.cleanup_at {
                        keys.drop_idle(now_nanos);
                    }
                }
                Ok(Ok(()))
            }
            Err(at) => Ok(Err(NotUntil::new(instant_at(self.epoch, at), now))),
        }
    }

    /// Waits until `key` may make a request, and takes its slot.
    ///
    /// # Cancel safety
    ///
    /// The slot is taken under the limiter's lock at the moment the future completes;
    /// dropping the future before that takes nothing.
    pub async fn until_key_ready(&self, key: &K) {
        loop {
            match self.check_key(key) {
                Ok(()) => return,
                Err(not_until) => self.timer.sleep_until(not_until.earliest()).await,
            }
        }
    }

    /// Waits until `key` may make `n` requests together, and takes their slots.
    ///
    /// # Errors
    ///
    /// [`InsufficientCapacity`] at once if `n` is above the key's burst.
    ///
    /// # Cancel safety
    ///
    /// As [`until_key_ready`](Self::until_key_ready).
    pub async fn until_key_n_ready(&self, key: &K, n: u32) -> Result<(), InsufficientCapacity> {
        loop {
            match self.check_key_n(key, n)? {
                Ok(()) => return Ok(()),
                Err(not_until) => self.timer.sleep_until(not_until.earliest()).await,
            }
        }
    }

    /// How many keys have state kept for them now.
    pub fn tracked_keys(&self) -> usize {
        self.keys().tats.len()
    }

    /// Drops the state of every key whose limit has fully recovered; they behave exactly as
    /// before when next used. Runs on its own as keys accumulate (see the type's docs).
    pub fn drop_idle_keys(&self) {
        let now = nanos_since(self.epoch, self.timer.now());
        self.keys().drop_idle(now);
    }

    fn keys(&self) -> MutexGuard<'_, Keys<K>> {
        // The maps stay consistent after any panic (every update is one insert), so a
        // poisoned lock is safe to keep using.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<K: Hash + Eq> Keys<K> {
    fn drop_idle(&mut self, now: u64) {
        self.tats.retain(|_, tat| *tat > now);
        self.cleanup_at = (self.tats.len() * 2).max(MIN_CLEANUP_AT);
    }
}
