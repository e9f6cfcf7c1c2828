//! Reading the clock and sleeping.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

/// A source of the current time.
///
/// Real backends read the monotonic clock; the mock backend reads a virtual one that moves only
/// when every task waits. Core code calls this, never `Instant::now()`, so that it behaves the
/// same under both.
pub trait Clock: Send + Sync {
    /// The current instant on this clock.
    fn now(&self) -> Instant;

    /// The current wall-clock time on this clock's time line, for absolute dates from outside
    /// such as an HTTP-date `Retry-After`.
    ///
    /// The default reads the system clock; a virtual clock returns a fixed date plus its own
    /// elapsed time, so that date arithmetic is as exact and repeatable as everything else.
    fn system_now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Sleeps on a [`Clock`]'s time line.
///
/// Implementations must not panic on any input: a duration too large to add to the current
/// instant sleeps "forever" (until dropped), and a deadline in the past completes at once.
pub trait Timer: Clock {
    /// A future that completes at `deadline` on this timer's clock.
    fn sleep_until(&self, deadline: Instant) -> Sleep;

    /// A future that completes `duration` from now.
    ///
    /// The default adds `duration` to [`Clock::now`]; backends with a cheaper native relative
    /// sleep override it.
    fn sleep(&self, duration: Duration) -> Sleep {
        self.sleep_until(instant_after(self.now(), duration))
    }

    /// [`sleep`](Self::sleep) without the box: the backend's own sleep future, for callers
    /// that know the timer's concrete type.
    ///
    /// A [`Sleep`] boxes the backend's future, so every sleep costs an allocation of its own
    /// next to the future that awaits it (112 bytes for tokio's). A task that waits on this
    /// instead carries the backend's future inline, the way a task that calls the runtime
    /// directly does. The default returns [`sleep`](Self::sleep)'s boxed `Sleep`; backends
    /// override it. Only sized timers have it (`where Self: Sized`, like
    /// [`Spawn::spawn_typed`](crate::Spawn::spawn_typed)), which keeps `dyn Timer` and
    /// `dyn Runtime` possible; behind `dyn`, and through `&T`, `Box<T>` and `Arc<T>`, it is the
    /// boxed default.
    ///
    /// It completes when [`sleep`](Self::sleep) would, on the same clock, and never panics.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use ferry_rt::{Clock, Sleep, Timer};
    ///
    /// // A timer whose sleeps are already over; a real backend returns its own future here.
    /// struct Instantly;
    /// impl Clock for Instantly {
    ///     fn now(&self) -> Instant { Instant::now() }
    /// }
    /// impl Timer for Instantly {
    ///     fn sleep_until(&self, _: Instant) -> Sleep { Sleep::new(async {}) }
    /// }
    ///
    /// futures::executor::block_on(Instantly.sleep_typed(Duration::from_millis(5)));
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future cancels the sleep; nothing else is affected.
    fn sleep_typed(&self, duration: Duration) -> impl Future<Output = ()> + Send + Sync + 'static
    where
        Self: Sized,
    {
        self.sleep(duration)
    }

    /// [`sleep_until`](Self::sleep_until) without the box; see
    /// [`sleep_typed`](Self::sleep_typed).
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future cancels the sleep; nothing else is affected.
    fn sleep_until_typed(
        &self,
        deadline: Instant,
    ) -> impl Future<Output = ()> + Send + Sync + 'static
    where
        Self: Sized,
    {
        self.sleep_until(deadline)
    }
}

/// `now + duration`, or a point about thirty years ahead when that would overflow.
///
/// Thirty years is what tokio uses for "never"; it keeps `Instant` arithmetic on the result
/// from overflowing in turn.
pub fn instant_after(now: Instant, duration: Duration) -> Instant {
    const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);
    now.checked_add(duration)
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

/// The future returned by [`Timer::sleep`] and [`Timer::sleep_until`].
///
/// A boxed backend future, so that the traits stay object safe. It is `Send + Sync` so that a
/// future holding one can be shared across threads like the futures hyper and tower expect.
///
/// # Cancel safety
///
/// Dropping a `Sleep` cancels it; nothing else is affected.
#[must_use = "a Sleep does nothing unless awaited"]
pub struct Sleep(Pin<Box<dyn Future<Output = ()> + Send + Sync + 'static>>);

impl Sleep {
    /// Wraps a backend's sleep future.
    pub fn new(future: impl Future<Output = ()> + Send + Sync + 'static) -> Self {
        Self(Box::pin(future))
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sleep")
    }
}

macro_rules! forward_time {
    ($($ptr:ty),*) => {$(
        impl<T: Clock + ?Sized> Clock for $ptr {
            fn now(&self) -> Instant {
                (**self).now()
            }

            fn system_now(&self) -> SystemTime {
                (**self).system_now()
            }
        }

        impl<T: Timer + ?Sized> Timer for $ptr {
            fn sleep_until(&self, deadline: Instant) -> Sleep {
                (**self).sleep_until(deadline)
            }

            fn sleep(&self, duration: Duration) -> Sleep {
                (**self).sleep(duration)
            }
        }
    )*};
}

forward_time!(&T, Box<T>, Arc<T>);

#[cfg(test)]
mod tests {
    use super::*;

    /// A timer whose sleeps are over at once and which counts the sleeps it made.
    #[derive(Default)]
    struct Counting {
        sleeps: std::sync::atomic::AtomicUsize,
    }

    impl Clock for Counting {
        fn now(&self) -> Instant {
            Instant::now()
        }
    }

    impl Timer for Counting {
        fn sleep_until(&self, _deadline: Instant) -> Sleep {
            self.sleeps
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Sleep::new(async {})
        }
    }

    #[test]
    fn typed_sleeps_default_to_the_timers_own_sleeps_also_behind_dyn() {
        let timer = Counting::default();
        futures::executor::block_on(timer.sleep_typed(Duration::from_secs(1)));
        futures::executor::block_on(timer.sleep_until_typed(Instant::now()));
        // Through `&dyn Timer` the typed methods are the forwarding impl's defaults, which
        // reach the same timer through its object-safe methods.
        let behind_dyn: &dyn Timer = &timer;
        futures::executor::block_on((&behind_dyn).sleep_typed(Duration::from_secs(1)));
        let shared: Arc<dyn Timer> = Arc::new(Counting::default());
        futures::executor::block_on(shared.sleep_until_typed(Instant::now()));
        assert_eq!(timer.sleeps.load(std::sync::atomic::Ordering::Relaxed), 3);
    }

    #[test]
    fn instant_after_saturates_instead_of_panicking() {
        let now = Instant::now();
        let far = instant_after(now, Duration::MAX);
        assert!(far > now + Duration::from_secs(86_400 * 365));
        assert_eq!(
            instant_after(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
    }
}
