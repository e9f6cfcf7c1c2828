//! Rate and concurrency limits per key (per host, per API token), each key with its own
//! quota.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use super::gcra::{decide, instant_at, nanos_since};
use super::{InsufficientCapacity, KeyPermit, NotUntil, Quota};
use crate::limit::ConcurrencyLimit;
use crate::rt::Timer;
use crate::semaphore::Semaphore;

/// The fewest tracked keys at which the limiter looks for idle ones to drop.
const MIN_CLEANUP_AT: usize = 64;

/// A GCRA rate limiter with one independent limit per key: each host (or token, or user) its
/// own rate, with quotas set per key and a default for every other key; optionally also its
/// own limit on requests in flight ([`acquire`](Self::acquire)).
///
/// # Memory
///
/// Each key in use costs one entry (the key and a 64-bit time), plus a [`Semaphore`] while
/// it has a concurrency limit and requests in flight. A key whose rate has fully recovered
/// (its theoretical arrival time has passed) is in exactly the state of a key never seen, and
/// so is a semaphore no one holds or waits on, so dropping them loses nothing: whenever the
/// number of entries reaches twice what it was after the last sweep (and at least 64), the
/// limiter drops all such idle state. Memory is thus bounded by twice the keys active within
/// one burst span. Quotas and concurrency limits set per key are configuration and are kept
/// until removed.
///
/// Waiting is not first-come, first-served, as for [`RateLimiter`](super::RateLimiter).
///
/// # Sharing
///
/// Cloning is cheap and gives another handle to the same limits (the state is behind an
/// `Arc`): every clone sees the same quotas, the same rates used up and the same permits in
/// flight, and a quota or concurrency limit set through one applies to all. It is `Send` and
/// `Sync` when its keys and timer are.
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
/// // A clone is the same limiter: the key's five are spent for it too.
/// assert!(limiter.clone().check_key(&"api.example.com").is_err());
/// ```
pub struct KeyedRateLimiter<K, Tm> {
    shared: Arc<Shared<K, Tm>>,
}

struct Shared<K, Tm> {
    timer: Tm,
    epoch: Instant,
    default_quota: Quota,
    state: Mutex<Keys<K>>,
}

impl<K, Tm> Clone for KeyedRateLimiter<K, Tm> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<K: fmt::Debug, Tm> fmt::Debug for KeyedRateLimiter<K, Tm> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedRateLimiter")
            .field("default_quota", &self.shared.default_quota)
            .field("state", &self.shared.state)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Keys<K> {
    /// The concurrency limit of keys without one of their own.
    default_concurrency: ConcurrencyLimit,
    quotas: HashMap<K, Quota>,
    tats: HashMap<K, u64>,
    concurrency: HashMap<K, ConcurrencyLimit>,
    semaphores: HashMap<K, Arc<Semaphore>>,
    cleanup_at: usize,
}

impl<K: Hash + Eq + Clone, Tm: Timer> KeyedRateLimiter<K, Tm> {
    /// A limiter where every key gets `default_quota` unless given its own.
    pub fn new(timer: Tm, default_quota: Quota) -> Self {
        let epoch = timer.now();
        Self {
            shared: Arc::new(Shared {
                timer,
                epoch,
                default_quota,
                state: Mutex::new(Keys {
                    default_concurrency: ConcurrencyLimit::UNLIMITED,
                    quotas: HashMap::new(),
                    tats: HashMap::new(),
                    concurrency: HashMap::new(),
                    semaphores: HashMap::new(),
                    cleanup_at: MIN_CLEANUP_AT,
                }),
            }),
        }
    }

    /// Limits every key without its own concurrency limit to `limit` requests in flight
    /// through [`acquire`](Self::acquire); unlimited by default. Like the other settings, it
    /// applies to every clone.
    pub fn with_default_concurrency(self, limit: ConcurrencyLimit) -> Self {
        {
            let mut keys = self.keys();
            keys.default_concurrency = limit;
            // Semaphores made under the old default would keep its limit.
            let own = &keys.concurrency;
            let stale: Vec<K> = keys
                .semaphores
                .keys()
                .filter(|key| !own.contains_key(*key))
                .cloned()
                .collect();
            for key in stale {
                keys.semaphores.remove(&key);
            }
        }
        self
    }

    /// Limits `key` to `limit` requests in flight through [`acquire`](Self::acquire)
    /// (builder form of [`set_concurrency`](Self::set_concurrency)).
    pub fn with_concurrency(self, key: K, limit: ConcurrencyLimit) -> Self {
        self.set_concurrency(key, limit);
        self
    }

    /// Limits `key` to `limit` requests in flight from now on. Permits already held under
    /// the old limit stay valid until dropped, so for a moment both limits' holders may run.
    pub fn set_concurrency(&self, key: K, limit: ConcurrencyLimit) {
        let mut keys = self.keys();
        keys.semaphores.remove(&key);
        keys.concurrency.insert(key, limit);
    }

    /// Puts `key` back on the default concurrency limit (with the same caveat as
    /// [`set_concurrency`](Self::set_concurrency)).
    pub fn remove_concurrency(&self, key: &K) {
        let mut keys = self.keys();
        keys.semaphores.remove(key);
        keys.concurrency.remove(key);
    }

    /// The concurrency limit `key` is held to by [`acquire`](Self::acquire).
    pub fn concurrency_for(&self, key: &K) -> ConcurrencyLimit {
        let keys = self.keys();
        keys.concurrency
            .get(key)
            .copied()
            .unwrap_or(keys.default_concurrency)
    }

    /// Waits for one of `key`'s concurrency permits, then for a slot of its rate, and gives
    /// back a [`KeyPermit`] to hold while the request runs.
    ///
    /// The permit comes first so that a rate slot is only taken by a request that can start
    /// at once; a request waiting for a permit does not burn the key's rate. Permits are
    /// handed out in the order they were asked for (the semaphore is fair); rate slots are
    /// not (see the type's docs).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future while it waits for a permit leaves the line without taking one;
    /// dropping it while it waits for the rate gives the permit back and takes no slot.
    /// Nothing is taken unless the future completes.
    pub async fn acquire(&self, key: &K) -> KeyPermit {
        let semaphore = {
            let mut keys = self.keys();
            let limit = keys
                .concurrency
                .get(key)
                .copied()
                .unwrap_or(keys.default_concurrency);
            if limit == ConcurrencyLimit::UNLIMITED {
                None
            } else if let Some(semaphore) = keys.semaphores.get(key) {
                Some(semaphore.clone())
            } else {
                let semaphore = Arc::new(Semaphore::new(limit.get()));
                keys.semaphores.insert(key.clone(), semaphore.clone());
                keys.note_new_entry(nanos_since(self.shared.epoch, self.shared.timer.now()));
                Some(semaphore)
            }
        };
        let permit = match semaphore {
            // The semaphore is private to this limiter and never closed, so acquiring
            // cannot fail; were it ever closed, the request would go unlimited rather
            // than be lost.
            Some(semaphore) => semaphore.acquire_owned().await.ok(),
            None => None,
        };
        self.until_key_ready(key).await;
        KeyPermit::new(permit)
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
            .unwrap_or(self.shared.default_quota)
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

    /// Takes `n` slots of `key`'s rate at once now, or says when they will be free. Zero
    /// slots always succeed and take nothing.
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
        let now = self.shared.timer.now();
        let now_nanos = nanos_since(self.shared.epoch, now);
        let mut keys = self.keys();
        let quota = keys
            .quotas
            .get(key)
            .copied()
            .unwrap_or(self.shared.default_quota);
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
                    keys.note_new_entry(now_nanos);
                }
                Ok(Ok(()))
            }
            Err(at) => Ok(Err(NotUntil::new(instant_at(self.shared.epoch, at), now))),
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
                Err(not_until) => self.shared.timer.sleep_until(not_until.earliest()).await,
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
                Err(not_until) => self.shared.timer.sleep_until(not_until.earliest()).await,
            }
        }
    }

    /// How many keys have state (a rate or a semaphore) kept for them now.
    pub fn tracked_keys(&self) -> usize {
        let keys = self.keys();
        let only_semaphore = keys
            .semaphores
            .keys()
            .filter(|key| !keys.tats.contains_key(*key))
            .count();
        keys.tats.len() + only_semaphore
    }

    /// Drops the state of every key whose rate has fully recovered and whose semaphore no one
    /// holds or waits on; they behave exactly as before when next used. Runs on its own as
    /// keys accumulate (see the type's docs).
    pub fn drop_idle_keys(&self) {
        let now = nanos_since(self.shared.epoch, self.shared.timer.now());
        self.keys().drop_idle(now);
    }

    fn keys(&self) -> MutexGuard<'_, Keys<K>> {
        // The maps stay consistent after any panic (every update is one insert), so a
        // poisoned lock is safe to keep using.
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<K: Hash + Eq> Keys<K> {
    /// Sweeps idle state once the maps have grown enough since the last sweep: amortized
    /// constant time per new entry.
    fn note_new_entry(&mut self, now: u64) {
        if self.tats.len().max(self.semaphores.len()) >= self.cleanup_at {
            self.drop_idle(now);
        }
    }

    fn drop_idle(&mut self, now: u64) {
        self.tats.retain(|_, tat| *tat > now);
        // Permits and waiting acquires each hold a clone: a lone reference means neither.
        self.semaphores
            .retain(|_, semaphore| Arc::strong_count(semaphore) > 1);
        self.cleanup_at = (self.tats.len().max(self.semaphores.len()) * 2).max(MIN_CLEANUP_AT);
    }
}
