//! Backoff: the delays between attempts, as a plain iterator.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::random::{RandomSource, SplitMix64};

/// How much randomness to mix into each delay, after the AWS Architecture Blog's
/// "Exponential Backoff And Jitter" (Marc Brooker, 2015).
///
/// With `d` the delay the backoff would use without jitter (`base * factor^n`, capped):
///
/// | jitter | delay |
/// |---|---|
/// | `None` | `d` |
/// | `Full` | uniform in `[0, d)` |
/// | `Equal` | `d/2` + uniform in `[0, d/2)` |
/// | `Decorrelated` | uniform in `[base, previous * 3)`, capped; the first previous is `base` |
///
/// `Decorrelated` grows from the previous delay, not from `d`, so it ignores the factor, as
/// in the blog post. Every jittered delay is at most the backoff's maximum delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    /// No randomness: the delays are exactly `base * factor^n`, capped.
    #[default]
    None,
    /// Anywhere between zero and the delay: spreads clients the most.
    Full,
    /// At least half the delay, plus up to the other half at random.
    Equal,
    /// A random walk from the previous delay, between `base` and three times the previous.
    Decorrelated,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Exponential { base: Duration, factor: f64 },
    Constant { delay: Duration },
}

/// The shared generator that each [`Delays`] forks its own stream from.
type SharedRandom = Arc<Mutex<Box<dyn RandomSource + Send>>>;

/// A backoff configuration: exponential or constant, with a maximum delay and [`Jitter`].
///
/// A `Backoff` is a recipe; [`delays`](Backoff::delays) turns it into the iterator of delays
/// for one operation. It is cheap to clone and can be shared by many operations: each call to
/// `delays` forks an independent random stream from the backoff's generator, so concurrent
/// operations do not retry in step, while a seeded generator still gives the same delays run
/// after run.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::retry::Backoff;
///
/// let backoff = Backoff::exponential(Duration::from_millis(100))
///     .factor(2.0)
///     .max_delay(Duration::from_millis(500));
/// let delays: Vec<_> = backoff.delays().take(5).collect();
/// let ms = |n| Duration::from_millis(n);
/// assert_eq!(delays, [ms(100), ms(200), ms(400), ms(500), ms(500)]);
/// ```
#[derive(Clone)]
pub struct Backoff {
    shape: Shape,
    max_delay: Duration,
    jitter: Jitter,
    random: Option<SharedRandom>,
}

impl Backoff {
    /// The default maximum delay: 30 seconds.
    pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(30);

    /// Delays of `base`, `base * 2`, `base * 4`, ... up to [`DEFAULT_MAX_DELAY`]; change the
    /// factor with [`factor`](Self::factor) and the cap with [`max_delay`](Self::max_delay).
    ///
    /// [`DEFAULT_MAX_DELAY`]: Self::DEFAULT_MAX_DELAY
    pub fn exponential(base: Duration) -> Self {
        Self {
            shape: Shape::Exponential { base, factor: 2.0 },
            max_delay: Self::DEFAULT_MAX_DELAY.max(base),
            jitter: Jitter::None,
            random: None,
        }
    }

    /// The same `delay` before every retry (before jitter).
    pub fn constant(delay: Duration) -> Self {
        Self {
            shape: Shape::Constant { delay },
            max_delay: Self::DEFAULT_MAX_DELAY.max(delay),
            jitter: Jitter::None,
            random: None,
        }
    }

    /// Multiplies the delay by `factor` after each retry (exponential backoff only).
    ///
    /// A factor below 1, or not a finite number, would make delays shrink or meaningless; it
    /// is taken as 1 (constant delays) rather than panicking.
    pub fn factor(mut self, factor: f64) -> Self {
        let factor = if factor.is_finite() && factor >= 1.0 {
            factor
        } else {
            1.0
        };
        if let Shape::Exponential { factor: f, .. } = &mut self.shape {
            *f = factor;
        }
        self
    }

    /// No delay, jittered or not, is longer than `max_delay`.
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// The jitter to apply; [`Jitter::None`] by default.
    pub fn jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Draws jitter from `random`; by default a [`SplitMix64`] seeded from entropy.
    ///
    /// Give a seeded generator (`SplitMix64::new(seed)`, or the mock backend's `MockRng`) to
    /// get the same delays on every run.
    pub fn rng(mut self, random: impl RandomSource + Send + 'static) -> Self {
        self.random = Some(Arc::new(Mutex::new(Box::new(random))));
        self
    }

    /// The largest delay this backoff gives.
    pub fn delay_cap(&self) -> Duration {
        self.max_delay
    }

    /// The delays for one operation: an endless iterator (the retry policy decides when to
    /// stop).
    pub fn delays(&self) -> Delays {
        let random: Box<dyn RandomSource + Send> = match (&self.random, self.jitter) {
            // No jitter draws nothing, so it leaves a shared generator's stream untouched.
            (_, Jitter::None) | (None, _) => Box::new(SplitMix64::from_entropy()),
            (Some(shared), _) => {
                let mut shared = shared.lock().unwrap_or_else(|e| e.into_inner());
                Box::new(SplitMix64::new(shared.next_u64()))
            }
        };
        let base = match self.shape {
            Shape::Exponential { base, .. } => base,
            Shape::Constant { delay } => delay,
        };
        Delays {
            shape: self.shape,
            max_delay: self.max_delay,
            jitter: self.jitter,
            random,
            nominal: base.min(self.max_delay),
            previous: base,
        }
    }
}

impl fmt::Debug for Backoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backoff")
            .field("shape", &self.shape)
            .field("max_delay", &self.max_delay)
            .field("jitter", &self.jitter)
            .field("seeded", &self.random.is_some())
            .finish()
    }
}

/// The iterator of delays made by [`Backoff::delays`]; it never ends.
pub struct Delays {
    shape: Shape,
    max_delay: Duration,
    jitter: Jitter,
    random: Box<dyn RandomSource + Send>,
    /// The next delay before jitter.
    nominal: Duration,
    /// The previous delay given out, for decorrelated jitter.
    previous: Duration,
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let nominal = self.nominal;
        if let Shape::Exponential { factor, .. } = self.shape {
            self.nominal = scale(nominal, factor).min(self.max_delay);
        }
        let delay = match self.jitter {
            Jitter::None => nominal,
            Jitter::Full => uniform(&mut *self.random, Duration::ZERO, nominal),
            Jitter::Equal => {
                let half = nominal / 2;
                half + uniform(&mut *self.random, Duration::ZERO, nominal - half)
            }
            Jitter::Decorrelated => {
                let base = match self.shape {
                    Shape::Exponential { base, .. } => base,
                    Shape::Constant { delay } => delay,
                };
                let upper = self.previous.saturating_mul(3).max(base);
                uniform(&mut *self.random, base, upper)
            }
        }
        .min(self.max_delay);
        self.previous = delay;
        Some(delay)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

impl fmt::Debug for Delays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delays")
            .field("shape", &self.shape)
            .field("max_delay", &self.max_delay)
            .field("jitter", &self.jitter)
            .field("nominal", &self.nominal)
            .finish_non_exhaustive()
    }
}

/// `duration * factor`, rounded to the nanosecond; saturates at `Duration::MAX` instead of
/// overflowing.
///
/// Works in nanoseconds so that integer factors give exact results (100 ms * 2 is exactly
/// 200 ms, where `Duration::mul_f64` on seconds can land a nanosecond short).
fn scale(duration: Duration, factor: f64) -> Duration {
    let nanos = (duration.as_nanos() as f64 * factor).round();
    if nanos >= u64::MAX as f64 {
        Duration::MAX
    } else {
        Duration::from_nanos(nanos as u64)
    }
}

/// A duration drawn uniformly from `[low, high)`, or `low` when the range is empty.
fn uniform(random: &mut dyn RandomSource, low: Duration, high: Duration) -> Duration {
    let span = high
        .saturating_sub(low)
        .as_nanos()
        .min(u128::from(u64::MAX)) as u64;
    // The high half of a 128-bit product: one draw, no floating point, below `span`.
    let offset = ((u128::from(random.next_u64()) * u128::from(span)) >> 64) as u64;
    low + Duration::from_nanos(offset)
}

/// Something that makes a fresh iterator of delays for each operation a policy retries.
///
/// Implemented for [`Backoff`], and for any `Fn() -> impl IntoIterator<Item = Duration>`, so a
/// test can script delays with a closure (`|| [ms(10), ms(20)]`). When the iterator runs out,
/// the operation is not retried again.
pub trait MakeBackoff {
    /// The iterator of delays for one operation.
    type Delays: Iterator<Item = Duration>;

    /// Delays for a new operation.
    fn make_backoff(&self) -> Self::Delays;

    /// The largest delay this backoff gives, if it has one; a policy caps server hints
    /// (`Retry-After`) by it.
    fn delay_cap(&self) -> Option<Duration> {
        None
    }
}

impl MakeBackoff for Backoff {
    type Delays = Delays;

    fn make_backoff(&self) -> Delays {
        self.delays()
    }

    fn delay_cap(&self) -> Option<Duration> {
        Some(self.max_delay)
    }
}

impl<F, I> MakeBackoff for F
where
    F: Fn() -> I,
    I: IntoIterator<Item = Duration>,
{
    type Delays = I::IntoIter;

    fn make_backoff(&self) -> I::IntoIter {
        self().into_iter()
    }
}
