//! Rate limits: requests per period with bursts, for one stream or per key, with per-key
//! concurrency limits.
//!
//! [`Semaphore`]: crate::Semaphore
//!
//! [`RateLimiter`] and [`KeyedRateLimiter`] implement GCRA, the generic cell rate algorithm
//! that governor uses: a [`Quota`] of `count` requests per `period` lets a burst through at
//! once, then spaces requests exactly `period / count` apart. Both read time from a ferry
//! [`Timer`](crate::Timer) and wait on it, so they are exact on the mock backend's virtual
//! clock and never start a thread of their own.
//!
//! Why not governor itself: its state machine would take ferry's clock through its `Clock`
//! trait, but its waiting (`until_ready`) sleeps on `futures-timer`, which runs a hidden
//! thread and does not follow a virtual clock; the algorithm is about twenty lines
//! (`gcra.rs`), so ferry keeps it and waits through its own timers, with no dependency.
//!
//! [`KeyedRateLimiter::acquire`] adds a concurrency limit per key (a fair [`Semaphore`]
//! each), so that each host gets its own rate and its own number of requests in flight.
//!
//! A refused check says when to come back ([`NotUntil`]); asking for more at once than the
//! burst is an [`InsufficientCapacity`] error, never a wait that cannot end.

mod error;
mod gcra;
mod keyed;
mod limiter;
mod permit;
mod quota;

pub use error::{InsufficientCapacity, NotUntil};
pub use keyed::KeyedRateLimiter;
pub use limiter::RateLimiter;
pub use permit::KeyPermit;
pub use quota::{InvalidQuota, Quota};
