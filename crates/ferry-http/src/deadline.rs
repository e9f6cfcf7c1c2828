//! Request deadlines that share one timer per millisecond.
//!
//! Every request has a total timeout (30 s by default), and registering a backend timer per
//! request is a measurable part of a small request's cost: on tokio about 1,800 instructions
//! (the boxed `Sleep`, its entry in the timer wheel, and removing it again), on smol a
//! timer operation for async-io's reactor thread plus a wake-up of that thread. Requests
//! started within the same millisecond with the same timeout end at the same rounded instant,
//! so they share one timer: the client rounds a deadline up to the next whole millisecond
//! (counted from the client's creation) and hands out shares of one timer per rounded
//! instant; the backend's sleep is polled once per timer, not once per request. A deadline
//! therefore fires up to 1 ms late, and only timeouts of at least [`COARSE_FROM`] are rounded
//! (so late by at most 1 %); shorter ones keep their exact instant and share a timer only
//! with requests that have exactly the same deadline.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use ferry_core::rt::{Sleep, Timer, instant_after};

/// How far a shared deadline may be from the exact one.
const GRANULARITY: Duration = Duration::from_millis(1);

/// Timeouts from this long on are rounded up to [`GRANULARITY`]: at most 1 % late.
pub(crate) const COARSE_FROM: Duration = Duration::from_millis(100);

/// One request's deadline: a share of its instant's timer; resolves when that instant passes.
///
/// # Cancel safety
///
/// Dropping it gives up this request's share (its waker is forgotten); the timer itself is
/// cancelled when the last request sharing it lets go.
pub(crate) struct SharedDeadline {
    timer: Arc<DeadlineTimer>,
    /// Where this share's waker is kept in the timer's list, once it has been polled.
    slot: Option<usize>,
}

/// One backend timer and the requests waiting on it.
///
/// The backend's sleep is polled only when it has not been polled yet or has woken the timer
/// since, not once per request: every other request only leaves its waker in the list, which
/// is what makes sharing cheap. (`futures`' `Shared` polls the inner future from every
/// poller, a few hundred instructions per request on tokio.)
///
/// The sleep's waker is the timer itself, a reference cycle that the last share breaks by
/// dropping the sleep; [`shares`](Self::shares) counts the shares, so that a timer whose last
/// share has gone is never handed out again.
struct DeadlineTimer {
    /// How many [`SharedDeadline`]s hold this timer.
    shares: AtomicUsize,
    /// Set once the sleep has completed: every share is then ready without taking a lock.
    fired: AtomicBool,
    /// Whether the sleep must be polled again: never polled yet, or it has woken us since.
    stale: AtomicBool,
    /// The backend's sleep; `None` once it has completed or every share has gone.
    sleep: Mutex<Option<Sleep>>,
    wakers: Mutex<Wakers>,
}

/// The waiting requests' wakers, in slots that a share keeps until it is dropped; free slots
/// form a list through the vector, so that one allocation serves.
#[derive(Default)]
struct Wakers {
    slots: Vec<Slot>,
    /// The first free slot, if any.
    free: Option<usize>,
}

enum Slot {
    Taken(Waker),
    /// A free slot and the next free one.
    Free(Option<usize>),
}

impl Wakers {
    /// Stores `waker` in `slot`, taking a slot first when there is none yet.
    fn store(&mut self, slot: &mut Option<usize>, waker: &Waker) {
        if let Some(index) = *slot {
            match &mut self.slots[index] {
                Slot::Taken(stored) if stored.will_wake(waker) => {}
                stored => *stored = Slot::Taken(waker.clone()),
            }
            return;
        }
        let index = match self.free {
            Some(index) => {
                let taken = std::mem::replace(&mut self.slots[index], Slot::Taken(waker.clone()));
                if let Slot::Free(next) = taken {
                    self.free = next;
                }
                index
            }
            None => {
                self.slots.push(Slot::Taken(waker.clone()));
                self.slots.len() - 1
            }
        };
        *slot = Some(index);
    }

    /// Frees `index`, handing back the waker it held.
    fn release(&mut self, index: usize) -> Slot {
        let slot = std::mem::replace(&mut self.slots[index], Slot::Free(self.free));
        self.free = Some(index);
        slot
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves its data consistent after each statement, and none of
    // them runs user code: a panic elsewhere leaves the data usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Wake for DeadlineTimer {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.stale.store(true, Ordering::Release);
        self.wake_all();
    }
}

impl DeadlineTimer {
    fn new(sleep: Sleep) -> Self {
        Self {
            shares: AtomicUsize::new(1),
            fired: AtomicBool::new(false),
            stale: AtomicBool::new(true),
            sleep: Mutex::new(Some(sleep)),
            wakers: Mutex::new(Wakers::default()),
        }
    }

    /// Adds a share, unless the last one has already gone.
    fn try_share(self: &Arc<Self>) -> Option<SharedDeadline> {
        self.shares
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |shares| {
                (shares > 0).then(|| shares + 1)
            })
            .ok()?;
        Some(SharedDeadline {
            timer: Arc::clone(self),
            slot: None,
        })
    }

    fn wake_all(&self) {
        // Woken outside the lock: a waker may do anything, including dropping a share.
        let wakers: Vec<Waker> = lock(&self.wakers)
            .slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Taken(waker) => Some(waker.clone()),
                Slot::Free(_) => None,
            })
            .collect();
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Polls the backend's sleep unless it has nothing new to say; true once it has completed.
    fn poll_sleep(self: &Arc<Self>) -> bool {
        if !self.stale.swap(false, Ordering::AcqRel) {
            return false;
        }
        let mut sleep = lock(&self.sleep);
        let Some(pending) = sleep.as_mut() else {
            return self.fired.load(Ordering::Acquire);
        };
        let waker = Waker::from(Arc::clone(self));
        if Pin::new(pending)
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
        {
            return false;
        }
        let done = sleep.take();
        drop(sleep);
        drop(done);
        self.fired.store(true, Ordering::Release);
        // A sleep that completes when polled wakes nobody: the other shares are woken here.
        self.wake_all();
        true
    }
}

impl Future for SharedDeadline {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.timer.fired.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        lock(&this.timer.wakers).store(&mut this.slot, cx.waker());
        // Checked again after the waker is in the list: a timer that completed in between has
        // either seen the waker (and woken it) or is seen here.
        if this.timer.fired.load(Ordering::Acquire) || this.timer.poll_sleep() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Drop for SharedDeadline {
    fn drop(&mut self) {
        if let Some(index) = self.slot {
            // The waker is dropped after the lock is released.
            let waker = lock(&self.timer.wakers).release(index);
            drop(waker);
        }
        if self.timer.shares.fetch_sub(1, Ordering::AcqRel) == 1 {
            // The last share: cancel the backend's timer, which also drops its waker, the
            // reference that kept this timer alive.
            let sleep = lock(&self.timer.sleep).take();
            drop(sleep);
        }
    }
}

/// The client's shared timers: the one for the latest deadline handed out.
pub(crate) struct Deadlines {
    /// Rounding counts whole milliseconds from here, so that a virtual clock that moves in
    /// whole milliseconds from the client's creation keeps exact deadlines.
    epoch: Instant,
    /// Shared only while a request holds it (see [`DeadlineTimer::try_share`]), so that the
    /// backend's timer goes away with the last request using it rather than lingering until
    /// the next request replaces it.
    latest: Mutex<Option<(Instant, Arc<DeadlineTimer>)>>,
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
        if let Some((latest, shared)) = &*lock(&self.latest) {
            // The latest timer serves if it ends at the exact instant or, for a coarse
            // deadline, less than one step after it (never before it).
            let serves = if coarse {
                *latest >= exact && *latest - exact < GRANULARITY
            } else {
                *latest == exact
            };
            if serves {
                if let Some(deadline) = shared.try_share() {
                    return deadline;
                }
            }
        }
        let at = if coarse { self.round_up(exact) } else { exact };
        // Made outside the lock: two requests racing here each get a timer, which is correct,
        // and the later one is shared from then on. The backend's sleep is only polled (and
        // registered with the backend's timer) when a request first waits on it.
        let shared = Arc::new(DeadlineTimer::new(timer.sleep_until(at)));
        let replaced = lock(&self.latest).replace((at, Arc::clone(&shared)));
        // Dropped outside the lock.
        drop(replaced);
        SharedDeadline {
            timer: shared,
            slot: None,
        }
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

    /// Counts the sleeps made and polled; each stays pending until its instant has been passed
    /// by hand, and then wakes the last waker it was polled with, as a backend's sleep does.
    #[derive(Default)]
    struct CountingTimer {
        made: AtomicUsize,
        polls: Arc<AtomicUsize>,
        passed: Arc<Mutex<(Option<Instant>, Vec<Waker>)>>,
    }

    impl CountingTimer {
        fn pass(&self, now: Instant) {
            let wakers = {
                let mut passed = self.passed.lock().unwrap();
                passed.0 = Some(now);
                std::mem::take(&mut passed.1)
            };
            wakers.into_iter().for_each(Waker::wake);
        }
    }

    impl ferry_core::rt::Clock for CountingTimer {
        fn now(&self) -> Instant {
            Instant::now()
        }
    }

    impl Timer for CountingTimer {
        fn sleep_until(&self, deadline: Instant) -> Sleep {
            self.made.fetch_add(1, Ordering::SeqCst);
            let passed = Arc::clone(&self.passed);
            let polls = Arc::clone(&self.polls);
            Sleep::new(futures_util::future::poll_fn(move |cx| {
                polls.fetch_add(1, Ordering::SeqCst);
                let mut passed = passed.lock().unwrap();
                match passed.0 {
                    Some(now) if now >= deadline => Poll::Ready(()),
                    _ => {
                        passed.1.push(cx.waker().clone());
                        Poll::Pending
                    }
                }
            }))
        }
    }

    /// Counts its wake-ups.
    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
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
        timer.pass(exact - Duration::from_nanos(1));
        assert!(poll_once(&mut deadline).is_pending());
        timer.pass(exact);
        assert!(
            poll_once(&mut deadline).is_pending(),
            "rounded up to 1.001 s"
        );
        timer.pass(epoch + Duration::from_millis(1_001));
        assert!(poll_once(&mut deadline).is_ready());
    }

    #[test]
    fn short_timeouts_keep_their_exact_instant() {
        let epoch = Instant::now();
        let timer = CountingTimer::default();
        let deadlines = Deadlines::new(epoch);
        let start = epoch + Duration::from_micros(300);
        let mut deadline = deadlines.after(&timer, start, Duration::from_millis(10));
        timer.pass(start + Duration::from_millis(10));
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
    fn the_backend_sleep_is_polled_once_and_wakes_every_waiting_share() {
        let epoch = Instant::now();
        let timer = CountingTimer::default();
        let deadlines = Deadlines::new(epoch);
        let timeout = Duration::from_secs(30);
        let wakers: Vec<_> = (0..5).map(|_| Arc::new(CountingWaker::default())).collect();
        let mut shares: Vec<_> = wakers
            .iter()
            .map(|waker| {
                let mut share = deadlines.after(&timer, epoch, timeout);
                let waker = Waker::from(Arc::clone(waker));
                assert!(
                    Pin::new(&mut share)
                        .poll(&mut Context::from_waker(&waker))
                        .is_pending()
                );
                share
            })
            .collect();
        assert_eq!(timer.made.load(Ordering::SeqCst), 1);
        assert_eq!(timer.polls.load(Ordering::SeqCst), 1);
        // A share that lets go is not woken.
        drop(shares.pop());
        timer.pass(epoch + timeout);
        for (n, waker) in wakers.iter().enumerate() {
            let expected = usize::from(n < 4);
            assert!(waker.0.load(Ordering::SeqCst) >= expected, "share {n}");
        }
        assert_eq!(wakers[4].0.load(Ordering::SeqCst), 0);
        for share in &mut shares {
            assert!(poll_once(share).is_ready());
        }
        assert_eq!(timer.polls.load(Ordering::SeqCst), 2);
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
