//! Request deadlines that share one timer per millisecond.
//!
//! Every request has a total timeout (30 s by default), and registering a backend timer per
//! request is a measurable part of a small request's cost: on tokio about 1,800 instructions
//! (the boxed `Sleep`, its entry in the timer wheel, and removing it again), on smol a
//! timer operation for async-io's reactor thread plus a wake-up of that thread. Requests
//! started within the same millisecond with the same timeout end at the same rounded instant,
//! so they share one timer: the client rounds a deadline up to the next whole millisecond
//! (counted from the client's creation) and hands out clones of one shared sleep per rounded
//! instant. A deadline therefore fires up to 1 ms late, and only timeouts of at least
//! [`COARSE_FROM`] are rounded (so late by at most 1 %); shorter ones keep their exact
//! instant and share a timer only with requests that have exactly the same deadline.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::{Shared, WeakShared};

use crate::rt::{Sleep, Timer, instant_after};

/// How far a shared deadline may be from the exact one.
const GRANULARITY: Duration = Duration::from_millis(1);

/// Timeouts from this long on are rounded up to [`GRANULARITY`]: at most 1 % late.
pub(crate) const COARSE_FROM: Duration = Duration::from_millis(100);

/// One request's deadline: a share of its instant's timer; resolves when that instant passes.
///
/// # Cancel safety
///
/// Dropping it gives up this request's share; the timer itself is cancelled when the last
/// request sharing it lets go.
pub(crate) struct SharedDeadline(Shared<Sleep>);

impl Future for SharedDeadline {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// The client's shared timers: the one for the latest deadline handed out.
pub(crate) struct Deadlines {
    /// Rounding counts whole milliseconds from here, so that a virtual clock that moves in
    /// whole milliseconds from the client's creation keeps exact deadlines.
    epoch: Instant,
    /// Weak, so that the timer goes away with the last request using it rather than
    /// lingering in the backend's timer wheel until the next request replaces it.
    latest: Mutex<Option<(Instant, WeakShared<Sleep>)>>,
}

impl Deadlines {
    pub(crate) fn new(epoch: Instant) -> Self {
        Self {
            epoch,
            latest: Mutex::new(None),
        }
    }

    /// The deadline `timeout` after `now`, sharing a timer with the requests before it that
    /// end at the same (rounded) instant.
    pub(crate) fn after<Tm: Timer>(
        &self,
        timer: &Tm,
        now: Instant,
        timeout: Duration,
    ) -> SharedDeadline {
        let exact = instant_after(now, timeout);
        let coarse = timeout >= COARSE_FROM;
        if let Some((latest, weak)) = &*self.latest() {
            // The latest timer serves if it ends at the exact instant or, for a coarse
            // deadline, less than one step after it (never before it).
            let serves = if coarse {
                *latest >= exact && *latest - exact < GRANULARITY
            } else {
                *latest == exact
            };
            if serves {
                if let Some(shared) = weak.upgrade() {
                    return SharedDeadline(shared);
                }
            }
        }
        let at = if coarse { self.round_up(exact) } else { exact };
        // Made outside the lock: two requests racing here each get a timer, which is correct,
        // and the later one is shared from then on.
        let shared = timer.sleep_until(at).shared();
        *self.latest() = shared.downgrade().map(|weak| (at, weak));
        SharedDeadline(shared)
    }

    fn latest(&self) -> std::sync::MutexGuard<'_, Option<(Instant, WeakShared<Sleep>)>> {
        // The slot is a cache, consistent after every statement: a panic elsewhere leaves it
        // usable.
        self.latest.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `at` rounded up to a whole number of [`GRANULARITY`] after the epoch; `at` itself when
    /// that cannot be represented.
    fn round_up(&self, at: Instant) -> Instant {
        let step = GRANULARITY.as_nanos() as u64;
        at.checked_duration_since(self.epoch)
            .and_then(|offset| u64::try_from(offset.as_nanos()).ok())
            .and_then(|nanos| nanos.div_ceil(step).checked_mul(step))
            .and_then(|nanos| self.epoch.checked_add(Duration::from_nanos(nanos)))
            .unwrap_or(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the sleeps made; each stays pending until its instant has been passed by hand.
    #[derive(Default)]
    struct CountingTimer {
        made: AtomicUsize,
        passed: Arc<Mutex<Option<Instant>>>,
    }

    impl crate::rt::Clock for CountingTimer {
        fn now(&self) -> Instant {
            Instant::now()
        }
    }

    impl Timer for CountingTimer {
        fn sleep_until(&self, deadline: Instant) -> Sleep {
            self.made.fetch_add(1, Ordering::SeqCst);
            let passed = Arc::clone(&self.passed);
            Sleep::new(futures_util::future::poll_fn(move |_| {
                match *passed.lock().unwrap() {
                    Some(now) if now >= deadline => Poll::Ready(()),
                    _ => Poll::Pending,
                }
            }))
        }
    }

    fn poll_once(deadline: &mut SharedDeadline) -> Poll<()> {
        Pin::new(deadline).poll(&mut Context::from_waker(std::task::Waker::noop()))
    }

    #[test]
    fn deadlines_in_the_same_millisecond_share_one_timer() {
        let epoch = Instant::now();
        let timer = CountingTimer::default();
        let deadlines = Deadlines::new(epoch);
        let timeout = Duration::from_secs(30);
        let held: Vec<_> = (0..10)
            .map(|n| deadlines.after(&timer, epoch + Duration::from_micros(100 + n * 50), timeout))
            .collect();
        assert_eq!(timer.made.load(Ordering::SeqCst), 1);
        // The next millisecond gets a timer of its own.
        let _next = deadlines.after(&timer, epoch + Duration::from_micros(1_500), timeout);
        assert_eq!(timer.made.load(Ordering::SeqCst), 2);
        drop(held);
    }

    #[test]
    fn a_shared_deadline_fires_at_the_rounded_instant_not_before_the_exact_one() {
        let epoch = Instant::now();
        let timer = CountingTimer::default();
        let deadlines = Deadlines::new(epoch);
        let start = epoch + Duration::from_micros(300);
        let mut deadline = deadlines.after(&timer, start, Duration::from_secs(1));
        let exact = start + Duration::from_secs(1);
        *timer.passed.lock().unwrap() = Some(exact - Duration::from_nanos(1));
        assert!(poll_once(&mut deadline).is_pending());
        *timer.passed.lock().unwrap() = Some(exact);
        assert!(
            poll_once(&mut deadline).is_pending(),
            "rounded up to 1.001 s"
        );
        *timer.passed.lock().unwrap() = Some(epoch + Duration::from_millis(1_001));
        assert!(poll_once(&mut deadline).is_ready());
    }

    #[test]
    fn short_timeouts_keep_their_exact_instant() {
        let epoch = Instant::now();
        let timer = CountingTimer::default();
        let deadlines = Deadlines::new(epoch);
        let start = epoch + Duration::from_micros(300);
        let mut deadline = deadlines.after(&timer, start, Duration::from_millis(10));
        *timer.passed.lock().unwrap() = Some(start + Duration::from_millis(10));
        assert!(poll_once(&mut deadline).is_ready());
    }

    #[test]
    fn a_timer_is_not_kept_once_every_request_sharing_it_has_let_go() {
        let epoch = Instant::now();
        let timer = CountingTimer::default();
        let deadlines = Deadlines::new(epoch);
        let timeout = Duration::from_secs(30);
        drop(deadlines.after(&timer, epoch, timeout));
        drop(deadlines.after(&timer, epoch, timeout));
        assert_eq!(timer.made.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn rounding_never_panics_near_the_end_of_time() {
        let epoch = Instant::now();
        let timer = CountingTimer::default();
        let deadlines = Deadlines::new(epoch);
        let far = Duration::from_secs(u64::MAX / 2);
        let _deadline = deadlines.after(&timer, epoch, far);
        assert_eq!(deadlines.round_up(epoch), epoch);
    }
}
