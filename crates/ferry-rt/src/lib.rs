//! ferry's runtime traits: the only way ferry's toolkit touches an executor or a clock.
//!
//! This is the small, stable interface crate, in the spirit of `tower-service` next to `tower`
//! and `futures-core` next to `futures-util`: a library that only needs to spawn tasks or sleep
//! depends on `ferry-rt` alone (two crates in its tree: this one and `pin-project-lite`), and its users hand it whichever backend they run (`ferry-tokio`,
//! `ferry-smol`, `ferry-mock`, or their own). The toolkit built on these traits is
//! `ferry-core`, which re-exports every item here at the same paths (`ferry_core::rt::Spawn`,
//! `ferry_core::Spawn`).
//!
//! Each trait is one capability, in the spirit of hyper 1.x's `rt` module:
//!
//! | trait | capability | implemented by |
//! |---|---|---|
//! | [`Spawn`] | start a task, get a [`JoinHandle`] | every backend |
//! | [`SpawnBlocking`] | run a closure on a thread pool | every backend |
//! | [`Clock`] | read the current [`Instant`](std::time::Instant) | every backend |
//! | [`Timer`] | sleep for a duration or until an instant | every backend |
//!
//! [`Runtime`] bundles the four for code that needs them all; combinators take the narrowest
//! bound they need (a timeout needs a [`Timer`], not a [`Spawn`]).
//!
//! Every trait is object safe (checked at compile time below), so `Arc<dyn Runtime>` works,
//! and each is implemented for `&T`, `Box<T>` and `Arc<T>` of an implementor.
//!
//! ferry's code reads time only through [`Clock::now`], never `Instant::now()`, so that a
//! virtual clock (the mock backend) can drive every timeout, deadline and backoff.

mod blocking;
mod catch;
mod join;
mod panic;
mod spawn;
mod time;

pub use blocking::{BlockingTask, SpawnBlocking, SpawnBlockingExt};
pub use catch::{CatchPanic, catch_panic};
pub use join::{JoinError, JoinHandle, RawJoinHandle, RawTask, TypedTask};
pub use panic::Panicked;
pub use spawn::{BoxTask, Spawn, SpawnExt};
pub use time::{Clock, Sleep, Timer, instant_after};

/// Everything a pipeline may ask of a runtime: spawning, blocking work, a clock and timers.
///
/// Implemented automatically for every type that implements the four capability traits; never
/// implement it by hand. Prefer the narrowest bound a function needs: most of ferry's
/// combinators ask for a [`Timer`] or a [`Spawn`] alone.
pub trait Runtime: Spawn + SpawnBlocking + Timer {}

impl<T: Spawn + SpawnBlocking + Timer + ?Sized> Runtime for T {}

// Architecture invariant: every runtime trait stays object safe, so a backend can be chosen at
// run time behind `Arc<dyn Runtime>`. These lines stop compiling if that ever breaks.
const _: Option<&dyn Spawn> = None;
const _: Option<&dyn SpawnBlocking> = None;
const _: Option<&dyn Clock> = None;
const _: Option<&dyn Timer> = None;
const _: Option<&dyn Runtime> = None;
const _: Option<&dyn RawTask> = None;
