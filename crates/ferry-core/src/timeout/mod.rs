//! Timeouts around one future and deadlines shared by several: asyncio's `wait_for` and
//! `timeout`.
//!
//! Both read time only through a [`Timer`], so they are exact on the mock backend's virtual
//! clock. The error, [`Elapsed`], says how long was allowed.

mod deadline;
mod error;
mod ext;
mod future;

pub use deadline::Deadline;
pub use error::Elapsed;
pub use ext::TimerExt;
pub use future::Timeout;

use std::future::Future;
use std::time::Duration;

use crate::rt::Timer;

/// Runs `future` for at most `duration` on `timer`'s clock.
///
/// Resolves to `Ok(output)` if the future finishes first, or `Err(Elapsed)` once `duration`
/// has passed, in which case the inner future is dropped (cancelled) when the `Timeout` is.
/// The timer starts when `timeout` is called, not when the result is first polled. A duration
/// too large for the clock means no timeout at all; it never panics.
///
/// # Cancel safety
///
/// Dropping the returned future drops `future`: it is exactly as cancel safe as `future`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use ferry_core::{timeout, Timer};
/// # fn demo(timer: &impl Timer) -> impl std::future::Future<Output = ()> + '_ {
/// async move {
///     let slow = timer.sleep(Duration::from_secs(5));
///     let result = timeout(timer, Duration::from_secs(1), slow).await;
///     let elapsed = result.unwrap_err();
///     assert_eq!(elapsed.allowed(), Duration::from_secs(1));
/// }
/// # }
/// ```
pub fn timeout<T, F>(timer: &T, duration: Duration, future: F) -> Timeout<F>
where
    T: Timer + ?Sized,
    F: Future,
{
    Timeout::new(future, timer.sleep(duration), duration)
}
