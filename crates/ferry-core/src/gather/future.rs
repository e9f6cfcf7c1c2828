//! The futures returned by [`gather`](super::gather()), [`gather_settled`] and [`try_gather`].
//!
//! [`gather_settled`]: super::gather_settled
//! [`try_gather`]: super::try_gather

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::future::{FusedFuture, TryFuture};
use futures_util::future::{IntoFuture, TryFutureExt};
use pin_project_lite::pin_project;

use super::driver::Gathering;
use super::{ItemError, Settled};
use crate::limit::{ConcurrencyLimit, InvalidLimit};
use crate::rt::Panicked;

/// The constructor, the limit methods, `Unpin`, `Debug` and `FusedFuture`, the same on the
/// three gather futures.
macro_rules! gather_common {
    ($name:ident, $bound:ident) => {
        impl<I> $name<I>
        where
            I: Iterator,
            I::Item: $bound,
        {
            pub(super) fn new(futures: I) -> Self {
                Self {
                    gathering: Gathering::new(futures, stringify!($name)),
                }
            }

            /// Runs at most `limit` of the futures at once; zero is an error.
            ///
            /// With a limit, the input iterator is pulled lazily: a future is taken from it
            /// only when one in flight finishes, so at most `limit` futures exist at a time.
            /// Without one, every future is pulled at the first poll.
            pub fn limit(self, limit: usize) -> Result<Self, InvalidLimit> {
                Ok(self.with_limit(ConcurrencyLimit::new(limit)?))
            }

            /// Runs at most `limit` of the futures at once; see [`limit`](Self::limit).
            pub fn with_limit(mut self, limit: ConcurrencyLimit) -> Self {
                self.gathering.set_limit(limit.get());
                self
            }
        }

        // The input iterator is only ever used through `&mut` and the futures live boxed
        // inside `FuturesUnordered`, so nothing here relies on being pinned.
        impl<I> Unpin for $name<I>
        where
            I: Iterator,
            I::Item: $bound,
        {
        }

        impl<I> fmt::Debug for $name<I>
        where
            I: Iterator,
            I::Item: $bound,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("in_flight", &self.gathering.in_flight())
                    .finish_non_exhaustive()
            }
        }

        impl<I> FusedFuture for $name<I>
        where
            I: Iterator,
            I::Item: $bound,
        {
            fn is_terminated(&self) -> bool {
                self.gathering.is_done()
            }
        }
    };
}

/// Runs a set of futures concurrently and resolves to all their outputs, in input order.
///
/// Made by [`gather`](super::gather()); see there.
///
/// # Cancel safety
///
/// Dropping a `Gather` drops every future it is running and every future not yet pulled from
/// the input; outputs already collected are dropped with it.
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<I>
where
    I: Iterator,
    I::Item: Future,
{
    gathering: Gathering<I, I::Item, <I::Item as Future>::Output>,
}

gather_common!(Gather, Future);

impl<I> Future for Gather<I>
where
    I: Iterator,
    I::Item: Future,
{
    type Output = Vec<<I::Item as Future>::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().gathering.poll_all(cx, |future| future)
    }
}

pin_project! {
    /// A fallible future whose error and panic both become an [`ItemError`].
    pub(super) struct Settle<F> {
        #[pin]
        inner: F,
    }
}

impl<F: TryFuture> Future for Settle<F> {
    type Output = Result<F::Ok, ItemError<F::Error>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.project().inner;
        // The future is dropped right after a panic (its slot is filled), so the state the
        // panic left it in is never observed: asserting unwind safety is sound.
        match catch_unwind(AssertUnwindSafe(|| inner.try_poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(result)) => Poll::Ready(result.map_err(ItemError::Failed)),
            Err(payload) => Poll::Ready(Err(ItemError::Panicked(Panicked::from_payload(payload)))),
        }
    }
}

/// What one settled future leaves in its slot.
type SettleOutput<F> = <Settle<F> as Future>::Output;

/// Runs a set of fallible futures concurrently and keeps every outcome, errors and panics
/// included, in input order.
///
/// Made by [`gather_settled`](super::gather_settled); see there.
///
/// # Cancel safety
///
/// Dropping a `GatherSettled` drops every future it is running and every future not yet
/// pulled from the input; outcomes already collected are dropped with it.
#[must_use = "futures do nothing unless awaited"]
pub struct GatherSettled<I>
where
    I: Iterator,
    I::Item: TryFuture,
{
    gathering: Gathering<I, Settle<I::Item>, SettleOutput<I::Item>>,
}

gather_common!(GatherSettled, TryFuture);

impl<I> Future for GatherSettled<I>
where
    I: Iterator,
    I::Item: TryFuture,
{
    type Output = Settled<<I::Item as TryFuture>::Ok, <I::Item as TryFuture>::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let settle = |inner| Settle { inner };
        self.get_mut()
            .gathering
            .poll_all(cx, settle)
            .map(Settled::new)
    }
}

/// Runs a set of fallible futures concurrently and resolves to all their values in input
/// order, or to the first error.
///
/// Made by [`try_gather`](super::try_gather); see there.
///
/// # Cancel safety
///
/// Dropping a `TryGather` drops every future it is running and every future not yet pulled
/// from the input; values already collected are dropped with it.
#[must_use = "futures do nothing unless awaited"]
pub struct TryGather<I>
where
    I: Iterator,
    I::Item: TryFuture,
{
    gathering: Gathering<I, IntoFuture<I::Item>, <I::Item as TryFuture>::Ok>,
}

gather_common!(TryGather, TryFuture);

impl<I> Future for TryGather<I>
where
    I: Iterator,
    I::Item: TryFuture,
{
    type Output = Result<Vec<<I::Item as TryFuture>::Ok>, <I::Item as TryFuture>::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Fails fast: on the first error the other futures are dropped at once.
        self.get_mut()
            .gathering
            .try_poll_all(cx, TryFutureExt::into_future)
    }
}
